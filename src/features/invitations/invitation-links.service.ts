/**
 * The links of an invitation. An invitation may have several live links: the emailed one and
 * copy-links an admin makes (`POST …/link`), each its own row with its own token, none breaking the
 * others — at most {@link MAX_LINKS_PER_INVITATION}. Resending replaces them all with one new emailed
 * link and starts the expiry again. Revoking, accepting (through any link), declining or expiring the
 * invitation ends every link at once (a link works only while its invitation is pending).
 *
 * Every change runs under the organization's lock and the invitation's row lock, so the count of live
 * links and a resend racing a copy-link or an accept are decided one writer at a time.
 * Audit actions: invitation.link_created, invitation.resent, invitation.expired.
 */
import type { Context, Trx } from '../../context.ts';
import type { InvitationLinkKind } from '../../db/schema.ts';
import {
  lockAsCaller,
  type OrgAccess,
  requireCeiling,
  requireScope,
  requireStanding,
} from '../access/org-access.ts';
import { recordAudit, recordAudits } from '../audit/audit.repository.ts';
import { enqueueEmail } from '../outbox/outbox.repository.ts';
import { invitationEmail } from './invitation.emails.ts';
import { InvitationErrors } from './invitation.errors.ts';
import * as repo from './invitation.repository.ts';
import {
  assertPending,
  charged,
  expiredAudits,
  type InvitationLimits,
  lockInvitation,
  serializeInvitation,
} from './invitation.service.ts';
import * as links from './invitation-link.repository.ts';
import { MAX_LINKS_PER_INVITATION } from './invitation-link.repository.ts';
import { acceptUrl, mintLink } from './invitation-tokens.ts';

export { MAX_LINKS_PER_INVITATION };

export function serializeLink(
  l: {
    id: string;
    kind: InvitationLinkKind;
    created_at: Date;
    created_by: string | null;
    created_by_name?: string | null;
  },
  live: boolean,
) {
  return {
    id: l.id,
    kind: l.kind,
    createdAt: l.created_at,
    createdBy: l.created_by,
    createdByName: l.created_by_name ?? null,
    live,
  };
}

/**
 * The first steps of resend and copy-link, under the locks: an invitation awaiting approval has no
 * link (400), one found expired is stored so (the caller answers CANNOT_RESEND_EXPIRED), one no
 * longer pending cannot get a link (409), and nobody touches an invitation above their role.
 */
async function lockForLink(trx: Trx, access: OrgAccess, id: string) {
  const { org, standing } = await lockAsCaller(trx, access);
  const grant = requireStanding(standing, 'member:invite');
  const row = await lockInvitation(trx, org.id, id);
  if (row.stored_status === 'pending' && row.approval !== 'approved') {
    throw InvitationErrors.INVITATION_NOT_APPROVED({ approval: row.approval });
  }
  if (row.stored_status === 'pending' && row.status === 'expired') {
    await repo.markExpired(trx, id);
    await recordAudits(trx, access.actor, expiredAudits(org.id, [row]));
    return { org, row, expired: true as const };
  }
  assertPending(row);
  await requireCeiling(trx, org.id, grant, row.role);
  return { org, row, expired: false as const };
}

/**
 * Resend: every link of the invitation stops working and one new link is emailed; the expiry starts
 * again. The answer carries the new link (shown this once) and how many links were revoked.
 */
export function resendInvitation(ctx: Context, limits: InvitationLimits, access: OrgAccess, id: string) {
  requireScope(access, 'member:invite');
  return charged(limits, access, 1, async () => {
    const result = await ctx.transaction(async (trx) => {
      const { org, expired } = await lockForLink(trx, access, id);
      if (expired) return { expired: true as const };
      const revokedLinks = await links.deleteLinks(trx, id);
      const t = mintLink(org.id, id, 'email', access.userId);
      await links.insertLinks(trx, [t.link]);
      await repo.markSentAgain(trx, id, org.invite_expiry_days);
      const fresh = (await repo.findById(trx, org.id, id)) as repo.InvitationRow;
      const url = acceptUrl(ctx.config, t.token);
      await enqueueEmail(
        trx,
        org.id,
        invitationEmail({
          to: fresh.email,
          orgName: org.name,
          inviterName: fresh.inviter_name,
          role: fresh.role,
          message: fresh.message,
          expiresAt: fresh.expires_at as Date,
          url,
        }),
      );
      await recordAudit(trx, access.actor, {
        organizationId: org.id,
        action: 'invitation.resent',
        targetType: 'invitation',
        targetId: id,
        data: { email: fresh.email, expiresAt: fresh.expires_at, revokedLinks, linkId: t.link.id },
      });
      return {
        expired: false as const,
        invitation: serializeInvitation(fresh),
        acceptUrl: url,
        revokedLinks,
      };
    });
    if (result.expired) throw InvitationErrors.CANNOT_RESEND_EXPIRED();
    return { invitation: result.invitation, acceptUrl: result.acceptUrl, revokedLinks: result.revokedLinks };
  });
}

/**
 * A copy-link: one more live link, not emailed; the links already made (the emailed one among them)
 * keep working, and the expiry stays. At most {@link MAX_LINKS_PER_INVITATION} live links (409
 * INVITATION_LINK_LIMIT past it: resend replaces them all with one).
 */
export async function newInvitationLink(ctx: Context, access: OrgAccess, id: string) {
  requireScope(access, 'member:invite');
  const result = await ctx.transaction(async (trx) => {
    const { org, row, expired } = await lockForLink(trx, access, id);
    if (expired) return { expired: true as const };
    const live = await links.countLinks(trx, id);
    if (live >= MAX_LINKS_PER_INVITATION) {
      throw InvitationErrors.INVITATION_LINK_LIMIT({ limit: MAX_LINKS_PER_INVITATION, liveLinks: live });
    }
    const t = mintLink(org.id, id, 'copy', access.userId);
    await links.insertLinks(trx, [t.link]);
    await recordAudit(trx, access.actor, {
      organizationId: org.id,
      action: 'invitation.link_created',
      targetType: 'invitation',
      targetId: id,
      data: { email: row.email, linkId: t.link.id, expiresAt: row.expires_at },
    });
    return {
      expired: false as const,
      invitation: serializeInvitation(row),
      acceptUrl: acceptUrl(ctx.config, t.token),
      link: serializeLink(
        { ...t.link, kind: 'copy', created_at: new Date(), created_by: access.userId },
        true,
      ),
      liveLinks: live + 1,
    };
  });
  if (result.expired) throw InvitationErrors.CANNOT_RESEND_EXPIRED();
  const { expired: _, ...answer } = result;
  return answer;
}

/** The invitation's links (never a token): live while the invitation is pending. */
export async function listInvitationLinks(ctx: Context, access: OrgAccess, id: string) {
  requireScope(access, 'member:read');
  const invitation = await repo.findById(ctx.db, access.org.id, id);
  if (!invitation) throw InvitationErrors.INVITATION_NOT_FOUND();
  const live = invitation.status === 'pending';
  const rows = await links.listLinks(ctx.db, access.org.id, id);
  return { data: rows.map((l) => serializeLink(l, live)) };
}

/**
 * Shareable join links. An admin (`member:admin`) makes a link for the organization: a role at or below
 * their own (never owner), an optional expiry, an optional cap on uses, optional email domains, and
 * whether a use joins at once (`active`) or asks to join (the join-request queue). The token
 * (`rj_<link id><secret>`, 256-bit secret, only its SHA-256 stored) is shown once; the link can be
 * revoked, or rotated (a new token, the old one stops working).
 *
 * A use runs under the organization's row lock (`lockOrg`), as every membership change does: the
 * person must not be a member yet, a seat must be free for a direct join, and the use is counted by a
 * conditional UPDATE of the link (`takeUse`) — with a cap of n, n uses win and the rest are refused,
 * however many arrive at once. Each use is audited with the link's id.
 * Audit actions: join_link.created, join_link.rotated, join_link.revoked, join_link.used.
 */
import type { Config } from '../../config.ts';
import type { Context, Trx } from '../../context.ts';
import { issueToken, parseToken, secretMatches } from '../../lib/crypto.ts';
import { invalidField } from '../../lib/errors.ts';
import { isUuid } from '../../lib/ids.ts';
import { decodeCursor, toPage } from '../../lib/pagination.ts';
import {
  lockAsCaller,
  type OrgAccess,
  requireCeiling,
  requireScope,
  requireStanding,
  roleDefs,
} from '../access/org-access.ts';
import type { Role } from '../access/scopes.ts';
import { type Actor, recordAudit, recordAudits } from '../audit/audit.repository.ts';
import { AuthErrors } from '../auth/auth.errors.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { publishEvent } from '../events/event.service.ts';
import { markRevoked } from '../invitations/invitation.repository.ts';
import { JoinRequestErrors } from '../join-requests/join-request.errors.ts';
import { tellAdminsOfRequest } from '../join-requests/join-request.service.ts';
import { MemberErrors } from '../members/member.errors.ts';
import * as members from '../members/member.repository.ts';
import { serializeMember } from '../members/member.service.ts';
import { lockOrg } from '../organizations/organization.repository.ts';
import { assertSeatFree } from '../organizations/seats.ts';
import { JoinLinkErrors } from './join-link.errors.ts';
import * as repo from './join-link.repository.ts';
import { MAX_LIVE_JOIN_LINKS } from './join-link.repository.ts';

export { MAX_LIVE_JOIN_LINKS };

/** admin, member or one of the organization's own roles: never owner. */
export type JoinLinkRole = Role;
export type JoinLinkState = 'active' | 'revoked' | 'expired' | 'used_up';

export interface CreateJoinLinkInput {
  role?: JoinLinkRole;
  label?: string;
  expiresAt?: string;
  maxUses?: number;
  allowedDomains?: string[];
  requireApproval?: boolean;
}

/** Where a link opens: the console's landing page, the token after `#` so it never reaches a server log. */
export const joinLinkUrl = (config: Pick<Config, 'publicUrl'>, token: string) =>
  `${config.publicUrl}/join-link#${token}`;

const DOMAIN_RE = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;

/** `Example.COM`, `@example.com` → `example.com`; the list deduplicated, each one checked. */
export function normalizeDomains(raw: readonly string[]): string[] {
  const out = new Set<string>();
  for (const [i, d] of raw.entries()) {
    const domain = d.trim().toLowerCase().replace(/^@/, '').replace(/\.$/, '');
    if (!DOMAIN_RE.test(domain) || domain.endsWith('-')) {
      throw invalidField(`allowedDomains.${i}`, 'is not a domain name (like example.com)');
    }
    out.add(domain);
  }
  return [...out];
}

/** The domain of a (normalized) email address. */
const domainOf = (email: string) => email.slice(email.lastIndexOf('@') + 1);

type LinkFields = Omit<repo.JoinLinkRow, 'organization_id'>;

export function serializeJoinLink(l: LinkFields) {
  return {
    id: l.id,
    label: l.label,
    role: l.role,
    requireApproval: l.require_approval,
    allowedDomains: l.allowed_domains,
    maxUses: l.max_uses,
    uses: l.uses,
    expiresAt: l.expires_at,
    state: l.state,
    createdAt: l.created_at,
    createdBy: l.created_by,
    createdByName: l.created_by_name,
    rotatedAt: l.rotated_at,
    revokedAt: l.revoked_at,
  };
}

function refusalOf(state: JoinLinkState) {
  switch (state) {
    case 'revoked':
      return JoinLinkErrors.JOIN_LINK_REVOKED();
    case 'expired':
      return JoinLinkErrors.JOIN_LINK_EXPIRED();
    case 'used_up':
      return JoinLinkErrors.JOIN_LINK_USED_UP();
    default:
      return null;
  }
}

export async function createJoinLink(ctx: Context, access: OrgAccess, input: CreateJoinLinkInput) {
  requireScope(access, 'member:admin');
  const role = input.role ?? 'member';
  if (role === 'owner') throw invalidField('role', 'a join link never makes anyone an owner');
  await requireCeiling(ctx.db, access.org.id, access.grant, role);
  let expiresAt: Date | null = null;
  if (input.expiresAt !== undefined) {
    expiresAt = new Date(input.expiresAt);
    if (!(expiresAt.getTime() > Date.now())) throw invalidField('expiresAt', 'must be in the future');
  }
  const allowedDomains = normalizeDomains(input.allowedDomains ?? []);
  const label = input.label?.trim() || null;
  const t = issueToken('rj');
  await ctx.transaction(async (trx) => {
    const { org, standing } = await lockAsCaller(trx, access);
    requireStanding(standing, 'member:admin', await roleDefs(trx, org.id, [role]));
    if (org.sso_enforced) throw JoinRequestErrors.SSO_REQUIRED();
    if ((await repo.countLiveLinks(trx, org.id)) >= MAX_LIVE_JOIN_LINKS) {
      throw JoinLinkErrors.JOIN_LINK_LIMIT({ limit: MAX_LIVE_JOIN_LINKS });
    }
    await repo.insertLink(trx, {
      id: t.id,
      organizationId: org.id,
      label,
      role,
      requireApproval: input.requireApproval ?? false,
      allowedDomains,
      maxUses: input.maxUses ?? null,
      expiresAt,
      secretHash: t.secretHash,
      createdBy: access.userId,
    });
    await recordAudit(trx, access.actor, {
      organizationId: org.id,
      action: 'join_link.created',
      targetType: 'join_link',
      targetId: t.id,
      data: {
        role,
        requireApproval: input.requireApproval ?? false,
        maxUses: input.maxUses ?? null,
        expiresAt,
        allowedDomains,
      },
    });
  });
  const link = await repo.findLink(ctx.db, access.org.id, t.id);
  if (!link) throw JoinLinkErrors.JOIN_LINK_NOT_FOUND();
  return { link: serializeJoinLink(link), url: joinLinkUrl(ctx.config, t.token), token: t.token };
}

export async function listJoinLinks(ctx: Context, access: OrgAccess, q: { limit: number; cursor?: string }) {
  requireScope(access, 'member:admin');
  const beforeId = decodeCursor('l', q.cursor, isUuid);
  const rows = await repo.listLinks(ctx.db, { organizationId: access.org.id, limit: q.limit, beforeId });
  return toPage(rows, q.limit, (r) => r.id, 'l', serializeJoinLink);
}

/** Under the organization's lock: the caller still an admin, and able to manage the link's role. */
async function lockLink(trx: Trx, access: OrgAccess, id: string) {
  const { org, standing } = await lockAsCaller(trx, access);
  const grant = requireStanding(standing, 'member:admin');
  const link = await repo.findLink(trx, org.id, id);
  if (!link) throw JoinLinkErrors.JOIN_LINK_NOT_FOUND();
  // A revoked link gives nothing any more (and its role may since have been deleted).
  if (!link.revoked_at) await requireCeiling(trx, org.id, grant, link.role);
  return { org, link };
}

/** Revokes a link (idempotent: revoking a revoked link changes nothing and is not audited again). */
export async function revokeJoinLink(ctx: Context, access: OrgAccess, id: string) {
  requireScope(access, 'member:admin');
  await ctx.transaction(async (trx) => {
    const { org, link } = await lockLink(trx, access, id);
    if (!(await repo.revokeLink(trx, org.id, link.id, access.userId))) return;
    await recordAudit(trx, access.actor, {
      organizationId: org.id,
      action: 'join_link.revoked',
      targetType: 'join_link',
      targetId: link.id,
      data: { uses: link.uses },
    });
  });
}

/** A new token for the link; the old one stops working. A revoked link stays revoked (410). */
export async function rotateJoinLink(ctx: Context, access: OrgAccess, id: string) {
  requireScope(access, 'member:admin');
  const t = issueToken('rj', id);
  await ctx.transaction(async (trx) => {
    const { org, link } = await lockLink(trx, access, id);
    if (!(await repo.rotateSecret(trx, org.id, link.id, t.secretHash))) {
      throw JoinLinkErrors.JOIN_LINK_REVOKED();
    }
    await recordAudit(trx, access.actor, {
      organizationId: org.id,
      action: 'join_link.rotated',
      targetType: 'join_link',
      targetId: link.id,
    });
  });
  const link = await repo.findLink(ctx.db, access.org.id, id);
  if (!link) throw JoinLinkErrors.JOIN_LINK_NOT_FOUND();
  return { link: serializeJoinLink(link), url: joinLinkUrl(ctx.config, t.token), token: t.token };
}

/** The link a token names, when the token is genuine (and current: not replaced by a rotation). */
async function linkOfToken(db: Context['db'], token: string) {
  const parsed = parseToken('rj', token);
  if (!parsed) return null;
  const row = await repo.findLinkForToken(db, parsed.id);
  if (!row || !secretMatches(parsed.secret, row.secret_hash)) return null;
  return row;
}

/**
 * What a link gives, for its landing page, to anyone holding the token: the organization's name, the
 * role, whether a use asks for approval, the expiry and the domains it is for — or why it admits no
 * one. A token that is not a current link's says `not_found` and nothing more.
 */
export async function previewJoinLink(ctx: Context, token: string) {
  const row = await linkOfToken(ctx.db, token);
  if (!row) return { valid: false, reason: 'not_found' as const };
  if (row.org_sso_enforced) return { valid: false, reason: 'sso_required' as const };
  const base = {
    organization: { name: row.org_name, slug: row.org_slug },
    role: row.role,
    requireApproval: row.require_approval,
    expiresAt: row.expires_at,
    allowedDomains: row.allowed_domains,
  };
  if (row.state !== 'active') return { valid: false, reason: row.state, ...base };
  return { valid: true, ...base };
}

/**
 * A signed-in person with a verified email uses a link: they become an active member with the link's
 * role, or — when the link asks for approval — their request to join waits in the queue (the admins
 * are emailed). A pending request of theirs is made active by a link that joins directly; their
 * pending invitations to the organization end (revoked: they are a member now, and the seat those
 * held is free again). Refusals say why: 410 for a link that admits no one, 403 for an email the link
 * is not for, 409 for a member already or a full organization.
 */
export async function useJoinLink(ctx: Context, principal: UserPrincipal, token: string, ip: string | null) {
  const user = principal.user;
  const found = await linkOfToken(ctx.db, token);
  if (!found) throw JoinLinkErrors.JOIN_LINK_NOT_FOUND();
  const early = refusalOf(found.state);
  if (early) throw early;
  if (!user.email_verified_at) throw AuthErrors.EMAIL_NOT_VERIFIED();
  if (found.allowed_domains.length > 0 && !found.allowed_domains.includes(domainOf(user.email))) {
    throw JoinLinkErrors.JOIN_LINK_DOMAIN_NOT_ALLOWED({ allowedDomains: found.allowed_domains });
  }
  const actor: Actor = { type: 'user', id: user.id, ip };
  const direct = !found.require_approval;
  return ctx.transaction(async (trx) => {
    const org = await lockOrg(trx, found.organization_id);
    if (!org) throw JoinLinkErrors.JOIN_LINK_NOT_FOUND();
    if (org.sso_enforced) throw JoinRequestErrors.SSO_REQUIRED();
    const existing = await members.findMember(trx, org.id, user.id);
    const upgrade = direct && existing?.status === 'pending' && existing.source === 'join_request';
    if (existing && !upgrade) {
      throw MemberErrors.ALREADY_MEMBER({ status: existing.status, source: existing.source });
    }
    let revokedInvitations: string[] = [];
    if (direct) {
      // The person joins now: invitations still waiting for them are moot, and free their seat.
      revokedInvitations = await repo.pendingInvitationIds(trx, org.id, user.email);
      for (const id of revokedInvitations) await markRevoked(trx, id, null);
      await assertSeatFree(trx, org);
    }
    if (!(await repo.takeUse(trx, found.id, found.secret_hash))) {
      // Revoked, expired, used up or rotated since it was read: say which, as of now.
      const now = await repo.findLinkForToken(trx, found.id);
      const refusal = now && Buffer.compare(now.secret_hash, found.secret_hash) === 0 && refusalOf(now.state);
      throw refusal || JoinLinkErrors.JOIN_LINK_NOT_FOUND();
    }
    let membershipId: string;
    if (upgrade && existing) {
      await repo.activateThroughLink(trx, existing.id, found.role);
      membershipId = existing.id;
    } else {
      const row = await members.insertMembership(trx, {
        organizationId: org.id,
        userId: user.id,
        role: found.role,
        status: direct ? 'active' : 'pending',
        source: direct ? 'join_link' : 'join_request',
        addedBy: null,
      });
      membershipId = row.id;
    }
    const status = direct ? ('active' as const) : ('pending' as const);
    await recordAudits(trx, actor, [
      ...revokedInvitations.map((id) => ({
        organizationId: org.id,
        action: 'invitation.revoked',
        targetType: 'invitation',
        targetId: id,
        data: { email: user.email, reason: 'joined_by_link', linkId: found.id },
      })),
      {
        organizationId: org.id,
        action: 'join_link.used',
        targetType: 'join_link',
        targetId: found.id,
        data: { linkId: found.id, userId: user.id, membershipId, status, role: found.role },
      },
      direct
        ? {
            organizationId: org.id,
            action: 'member.added',
            targetType: 'user',
            targetId: user.id,
            data: { role: found.role, source: 'join_link', linkId: found.id },
          }
        : {
            organizationId: org.id,
            action: 'join_request.created',
            targetType: 'user',
            targetId: user.id,
            data: { membershipId, kind: 'user', linkId: found.id },
          },
    ]);
    if (direct) {
      await publishEvent(trx, {
        organizationId: org.id,
        type: 'member.added',
        data: { userId: user.id, role: found.role, source: 'join_link', linkId: found.id },
        actor,
      });
    } else {
      await publishEvent(trx, {
        organizationId: org.id,
        type: 'join_request.created',
        data: { membershipId, userId: user.id, kind: 'user', linkId: found.id },
        actor,
      });
      await tellAdminsOfRequest(ctx, trx, org, `${user.name} <${user.email}>`);
    }
    const m = await members.findMember(trx, org.id, user.id);
    if (!m) throw MemberErrors.MEMBER_NOT_FOUND();
    return {
      organization: { id: org.id, slug: org.slug, name: org.name },
      membership: serializeMember(m),
      linkId: found.id,
    };
  });
}

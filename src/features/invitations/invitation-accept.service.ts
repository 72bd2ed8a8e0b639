/**
 * The invitee's side of an invitation: what a link offers (no sign-in), accepting it — signed in with
 * the invited, verified address, or while signing up with the token — and answering from the inbox
 * (`/v1/me/invitations`) without the link. A token names one link of the invitation; any live link
 * will do, and accepting through one ends them all (the invitation is no longer pending).
 *
 * Accepting runs under the organization's shared lock and the invitation's row lock, so two accepts of
 * one invitation — through one link or two — give one membership, accepts of different invitations run
 * side by side, and a resend (exclusive lock) racing an accept either kills the link first (404) or
 * comes after the accept (409).
 * Audit actions: invitation.accepted, member.added, invitation.declined.
 */
import type { Context, Trx } from '../../context.ts';
import { normalizeEmail } from '../../lib/email.ts';
import { CommonErrors } from '../../lib/errors.ts';
import { uuidv7 } from '../../lib/ids.ts';
import type { Role } from '../access/scopes.ts';
import { type Actor, recordAudit } from '../audit/audit.repository.ts';
import { AuthErrors } from '../auth/auth.errors.ts';
import { findUserById } from '../auth/auth.repository.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { Effects } from '../events/effects.ts';
import { MemberErrors } from '../members/member.errors.ts';
import { membershipRow, pendingOwnerAddsOf } from '../members/member.repository.ts';
import { lockOrg, shareOrg } from '../organizations/organization.repository.ts';
import { assertWithinLimit } from '../organizations/seats.ts';
import { acceptedEmail } from './invitation.emails.ts';
import { InvitationErrors } from './invitation.errors.ts';
import * as repo from './invitation.repository.ts';
import { assertPending } from './invitation.service.ts';
import { linkOfToken } from './invitation-tokens.ts';

export type TokenCheck =
  | {
      valid: true;
      organization: { name: string; slug: string };
      inviter: { name: string } | null;
      email: string;
      role: Role;
      expiresAt: Date;
      message: string | null;
    }
  | { valid: false; reason: 'expired' | 'revoked' | 'accepted' | 'not_found' };

/** What the landing page shows, without signing in — or why the link is no good, and nothing else. */
export async function validateToken(ctx: Context, token: string): Promise<TokenCheck> {
  const row = await linkOfToken(ctx.db, token);
  if (!row) return { valid: false, reason: 'not_found' };
  if (row.status !== 'pending') return { valid: false, reason: row.status };
  return {
    valid: true,
    organization: { name: row.org_name, slug: row.org_slug },
    inviter: row.inviter_name ? { name: row.inviter_name } : null,
    email: row.email,
    role: row.role,
    expiresAt: row.expires_at as Date,
    message: row.message,
  };
}

interface Invitee {
  id: string;
  email: string;
  name: string;
  email_verified_at: Date | null;
}

/**
 * Accepts in the caller's transaction, under the organization's shared lock (`shareOrg`: accepts run
 * side by side, a change under `lockOrg` excludes them) and the invitation's row lock: the link the
 * token named (null: accepted from the inbox, without one) must still be one of the invitation's links
 * (a resend since deletes them); the invitation pending, approved and unexpired; the user's verified
 * email the invited one; not already a member; the seats still within the limit. Then, in one
 * statement (`Effects`): `accepted` (which ends every link), the active membership, the audit entries,
 * the events and the inviter's notice. The membership's unique (organization, user) index stops a
 * second membership however the writes interleave.
 */
async function acceptLocked(
  trx: Trx,
  linkId: string | null,
  orgId: string,
  id: string,
  userId: string,
  actor: Actor,
) {
  const org = await shareOrg(trx, orgId, null);
  if (!org) throw InvitationErrors.INVITATION_NOT_FOUND();
  const row = await repo.lockForAccept(trx, orgId, id, userId, linkId);
  if (!row) throw InvitationErrors.INVITATION_NOT_FOUND();
  if (row.user_email === null || row.user_name === null) throw CommonErrors.UNAUTHENTICATED();
  // Resent since the token was read: its link no longer exists.
  if (!row.has_link) throw InvitationErrors.INVITATION_NOT_FOUND();
  if (row.status === 'accepted') throw InvitationErrors.INVITATION_ALREADY_ACCEPTED();
  if (row.status === 'revoked') throw InvitationErrors.INVITATION_REVOKED();
  if (row.status === 'expired') throw InvitationErrors.INVITATION_EXPIRED({ expiredAt: row.expires_at });
  if (row.approval !== 'approved') throw InvitationErrors.INVITATION_NOT_APPROVED();
  if (normalizeEmail(row.user_email) !== row.email) throw InvitationErrors.INVITATION_EMAIL_MISMATCH();
  if (!row.user_verified_at)
    throw AuthErrors.EMAIL_NOT_VERIFIED(
      undefined,
      'Verify your email address before accepting, or sign up with the invitation (which verifies it).',
    );
  if (row.member_status) throw MemberErrors.ALREADY_MEMBER({ status: row.member_status });
  // The access it offered has already ended: there is nothing left to accept.
  if (row.membership_expires_at && new Date(row.membership_expires_at).getTime() <= Date.now()) {
    throw InvitationErrors.INVITATION_EXPIRED({ membershipExpiredAt: row.membership_expires_at });
  }
  // The invitation held its seat until now and the membership takes it: the count does not move (so
  // no seat lock), but a limit lowered since may leave no room.
  await assertWithinLimit(trx, org);
  const membershipId = uuidv7();
  const effects = new Effects()
    // Under the row lock the checks above hold, so this wins; if it ever did not, nothing is kept.
    .change(repo.markAccepted(id, userId), (rows) => {
      if (rows !== 1) throw InvitationErrors.INVITATION_ALREADY_ACCEPTED();
    })
    .insert('memberships', [
      membershipRow({
        id: membershipId,
        organizationId: orgId,
        userId,
        role: row.role,
        status: 'active',
        source: 'invitation',
        addedBy: row.invited_by,
        expiresAt: row.membership_expires_at,
      }),
    ])
    .audit(actor, [
      {
        organizationId: orgId,
        action: 'invitation.accepted',
        targetType: 'invitation',
        targetId: id,
        data: { email: row.email, role: row.role, userId, linkId },
      },
      {
        organizationId: orgId,
        action: 'member.added',
        targetType: 'user',
        targetId: userId,
        data: { role: row.role, source: 'invitation', invitationId: id },
      },
    ])
    .publish(
      {
        organizationId: orgId,
        type: 'invitation.accepted',
        data: { invitationId: id, email: row.email, role: row.role, userId },
        actor,
      },
      row.endpoints,
    )
    .publish(
      {
        organizationId: orgId,
        type: 'member.added',
        data: { userId, role: row.role, source: 'invitation' },
        actor,
      },
      row.endpoints,
    );
  if (row.invited_by && row.invited_by !== userId && row.inviter_email) {
    effects.emails(orgId, [
      acceptedEmail({
        to: row.inviter_email,
        orgName: org.name,
        memberName: row.user_name,
        memberEmail: row.user_email,
        role: row.role,
      }),
    ]);
  }
  await effects.flush(trx);
  return {
    organization: { id: org.id, slug: org.slug, name: org.name },
    membership: {
      id: membershipId,
      role: row.role,
      status: 'active' as const,
      // The membership's joined_at is now(): the transaction's clock, read with the lock.
      joinedAt: org.now,
    },
    invitationId: id,
  };
}

/**
 * The signed-in invitee's pending invitations (to their verified email) and owner-adds: what
 * `GET /v1/me/invitations` lists. An unverified address has no invitations yet: proving the address
 * is what an invitation's token, or verification, does.
 */
export async function myInvitations(ctx: Context, principal: UserPrincipal) {
  const user = await findUserById(ctx.db, principal.user.id);
  if (!user) throw CommonErrors.UNAUTHENTICATED();
  const invitations = user.email_verified_at ? await repo.pendingForEmail(ctx.db, user.email) : [];
  const adds = await pendingOwnerAddsOf(ctx.db, user.id);
  const items = [
    ...invitations.map((i) => ({
      kind: 'invitation' as const,
      id: i.id,
      organization: { id: i.organization_id, slug: i.org_slug, name: i.org_name },
      role: i.role,
      invitedBy: i.inviter_name,
      message: i.message,
      createdAt: i.created_at,
      expiresAt: i.expires_at as Date | null,
    })),
    ...adds.map((m) => ({
      kind: 'owner_add' as const,
      id: m.id,
      organization: { id: m.organization_id, slug: m.org_slug, name: m.org_name },
      role: m.role,
      invitedBy: m.adder_name,
      message: null,
      createdAt: m.created_at,
      expiresAt: null,
    })),
  ];
  items.sort((a, b) => new Date(a.createdAt).getTime() - new Date(b.createdAt).getTime());
  return { data: items };
}

/** The invitation `id` as its invitee sees it: addressed to their verified email, or not found. */
async function ownInvitation(ctx: Context, principal: UserPrincipal, id: string) {
  const row = await repo.invitationForUser(ctx.db, id, principal.user.id);
  if (!row) throw CommonErrors.UNAUTHENTICATED();
  // Someone else's invitation is not there at all; one to an unverified address is the user's to verify.
  if (!row.id || row.email !== row.user_email) throw InvitationErrors.INVITATION_NOT_FOUND();
  if (!row.email_verified_at) {
    throw AuthErrors.EMAIL_NOT_VERIFIED(
      undefined,
      'Verify your email address to answer invitations sent to it.',
    );
  }
  return {
    user: { id: principal.user.id },
    row: {
      id: row.id,
      organization_id: row.organization_id as string,
      email: row.email,
      approval: row.approval,
    },
  };
}

/**
 * Accepts from the invitee's inbox, without the link: the verified email proves what the token
 * would. The same rules as accepting with the token (approved, pending, unexpired, seats, not a member).
 */
export async function acceptOwnInvitation(
  ctx: Context,
  principal: UserPrincipal,
  id: string,
  ip: string | null,
) {
  const { user, row } = await ownInvitation(ctx, principal, id);
  if (row.approval !== 'approved') throw InvitationErrors.INVITATION_NOT_APPROVED();
  return ctx.transaction((trx) =>
    acceptLocked(trx, null, row.organization_id, row.id, user.id, { type: 'user', id: user.id, ip }),
  );
}

/** The invitee declines: the invitation is revoked, by them. */
export async function declineOwnInvitation(
  ctx: Context,
  principal: UserPrincipal,
  id: string,
  ip: string | null,
) {
  const { user, row } = await ownInvitation(ctx, principal, id);
  await ctx.transaction(async (trx) => {
    const org = await lockOrg(trx, row.organization_id);
    const locked = org ? await repo.lockById(trx, row.organization_id, row.id) : undefined;
    if (!org || !locked) throw InvitationErrors.INVITATION_NOT_FOUND();
    assertPending(locked);
    await repo.markRevoked(trx, row.id, user.id);
    await recordAudit(
      trx,
      { type: 'user', id: user.id, ip },
      {
        organizationId: org.id,
        action: 'invitation.declined',
        targetType: 'invitation',
        targetId: row.id,
        data: { email: locked.email, role: locked.role },
      },
    );
  });
}

/** The signed-in invitee accepts with the token from the email. */
export async function acceptInvitation(
  ctx: Context,
  principal: UserPrincipal,
  token: string,
  ip: string | null,
) {
  const found = await linkOfToken(ctx.db, token);
  if (!found) throw InvitationErrors.INVITATION_NOT_FOUND();
  // The user as stored now (verification state included), not as the session was read: acceptLocked
  // reads it under the lock.
  const userId = principal.user.id;
  return ctx.transaction((trx) =>
    acceptLocked(trx, found.link_id, found.organization_id, found.id, userId, {
      type: 'user',
      id: userId,
      ip,
    }),
  );
}

/**
 * Sign-up with an invitation, inside the sign-up transaction: the new account (created verified, as
 * the token proves the address) accepts the invitation, or the whole sign-up fails with the reason.
 */
export async function acceptOnSignUp(trx: Trx, token: string, user: Invitee, ip: string | null) {
  const found = await linkOfToken(trx, token);
  if (!found) throw InvitationErrors.INVITATION_NOT_FOUND(undefined, 'This invitation link is not valid.');
  return acceptLocked(trx, found.link_id, found.organization_id, found.id, user.id, {
    type: 'user',
    id: user.id,
    ip,
  });
}

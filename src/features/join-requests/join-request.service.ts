/**
 * Requests to join. A signed-in user asks: a `pending` membership (`source: join_request`) that an
 * admin approves (→ active) or rejects (→ deleted), and that the user may cancel. Anyone may ask by
 * email, without an account: the request is taken in as an outbox job and always answered alike;
 * the worker turns it into an invitation awaiting approval (`requested_to_join`) when it is new.
 */
import type { Context, Trx } from '../../context.ts';
import { isValidEmail, normalizeEmail } from '../../lib/email.ts';
import { invalidField } from '../../lib/errors.ts';
import { isUuid, uuidv7 } from '../../lib/ids.ts';
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
import { recordAudit } from '../audit/audit.repository.ts';
import { AuthErrors } from '../auth/auth.errors.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { suggestsTo } from '../domains/domain.repository.ts';
import { publishEvent } from '../events/event.service.ts';
import * as invitationRepo from '../invitations/invitation.repository.ts';
import type { InvitationLimits } from '../invitations/invitation.service.ts';
import * as invitations from '../invitations/invitation.service.ts';
import { MemberErrors } from '../members/member.errors.ts';
import * as members from '../members/member.repository.ts';
import { serializeMember } from '../members/member.service.ts';
import { OrganizationErrors } from '../organizations/organization.errors.ts';
import { findOrgWithMembership, lockOrg } from '../organizations/organization.repository.ts';
import { assertSeatFree } from '../organizations/seats.ts';
import { enqueueEmail, enqueueJoinRequest, type JoinRequestJob } from '../outbox/outbox.repository.ts';
import { joinRequestAnsweredEmail, joinRequestReceivedEmail } from './join-request.emails.ts';
import { JoinRequestErrors } from './join-request.errors.ts';
import * as repo from './join-request.repository.ts';

type Row = Awaited<ReturnType<typeof members.listPending>>[number];
type EmailRow = Awaited<ReturnType<typeof invitationRepo.pendingJoinRequests>>[number];

interface QueueItem {
  id: string;
  kind: 'user' | 'email';
  userId: string | null;
  email: string;
  name: string | null;
  createdAt: Date;
}

const fromMembership = (r: Row): QueueItem => ({
  id: r.id,
  kind: 'user',
  userId: r.user_id,
  email: r.email,
  name: r.name,
  createdAt: r.created_at,
});

const fromInvitation = (r: EmailRow): QueueItem => ({
  id: r.id,
  kind: 'email',
  userId: null,
  email: r.email,
  name: null,
  createdAt: r.created_at,
});

/** What an anonymous request is answered with, whatever happens next: nothing here tells states apart. */
export const JOIN_REQUEST_RECEIVED = {
  status: 'received',
  message:
    "If this organization accepts the request, its admins will be told, and you'll hear from them by email.",
} as const;

/**
 * An anonymous request by email: the caller has been rate limited and the email checked. Only the
 * organization's existence and its `joinRequestsEnabled` switch show (404, 403); every other state of
 * the email (new, member, invited, already asked, SSO enforced) gets the same answer after the same
 * single write, and the worker decides (see {@link takeInJoinRequest}).
 */
export async function askToJoinByEmail(ctx: Context, orgRef: string, rawEmail: string, ip: string | null) {
  const email = normalizeEmail(rawEmail);
  if (!isValidEmail(email)) throw invalidField('email', 'is not a valid email address');
  const org = await findOrgWithMembership(ctx.db, orgRef, null);
  if (!org) throw OrganizationErrors.ORGANIZATION_NOT_FOUND();
  if (!org.join_requests_enabled) throw JoinRequestErrors.JOIN_REQUESTS_DISABLED();
  // One insert, and no wake-up of the worker: it takes the job at its next poll, so what the job
  // turns out to need (more for a new address) never runs inside this request's time.
  await enqueueJoinRequest(ctx.db, { organizationId: org.id, email, ip });
  return JOIN_REQUEST_RECEIVED;
}

/** Emails each active owner and admin that someone (`requester`, as they are to be named) asks to join. */
export async function tellAdminsOfRequest(
  ctx: Context,
  trx: Trx,
  org: { id: string; slug: string; name: string },
  requester: string,
) {
  const url = `${ctx.config.publicUrl}/orgs/${org.slug}/join-requests`;
  for (const { email: to } of await members.activeMembersWithScope(trx, org.id, 'member:admin')) {
    await enqueueEmail(trx, org.id, joinRequestReceivedEmail({ to, orgName: org.name, requester, url }));
  }
}

/**
 * The worker's half of an anonymous request: under the organization's lock, a new request becomes an
 * invitation awaiting approval, the admins are emailed, and it is audited with the requester's IP.
 * Anything else — an organization gone or closed since, SSO enforced, an address that is a member,
 * invited or already asking — is dropped without a trace that could be read back. Running twice (a
 * lease that ran out) changes nothing the second time.
 */
export async function takeInJoinRequest(ctx: Context, job: JoinRequestJob) {
  await ctx.transaction(async (trx) => {
    const org = await lockOrg(trx, job.organizationId);
    if (!org?.join_requests_enabled || org.sso_enforced) return;
    if ((await invitationRepo.findMembershipsByEmails(trx, org.id, [job.email])).length > 0) return;
    await invitationRepo.expireStale(trx, org.id, [job.email]);
    const [row] = await invitationRepo.insertInvitations(trx, [
      {
        id: uuidv7(),
        organizationId: org.id,
        email: job.email,
        role: 'member',
        message: null,
        invitedBy: null,
        invitedByKey: null,
        approval: 'requested_to_join',
        expiryDays: org.invite_expiry_days,
        membershipExpiresAt: null,
      },
    ]);
    // A pending invitation for the address (invited, or already asking) took precedence.
    if (!row) return;
    const actor = { type: 'system' as const, id: null, ip: job.ip };
    await recordAudit(trx, actor, {
      organizationId: org.id,
      action: 'join_request.created',
      targetType: 'invitation',
      targetId: row.id,
      data: { kind: 'email', email: job.email, ip: job.ip },
    });
    await publishEvent(trx, {
      organizationId: org.id,
      type: 'join_request.created',
      data: { kind: 'email', invitationId: row.id, email: job.email },
      actor,
    });
    await tellAdminsOfRequest(ctx, trx, org, job.email);
  });
}

/** A signed-in user asks to join: 201 with the pending membership. */
export async function requestToJoin(
  ctx: Context,
  principal: UserPrincipal,
  orgRef: string,
  ip: string | null,
) {
  const user = principal.user;
  const found = await findOrgWithMembership(ctx.db, orgRef, user.id);
  if (!found) throw OrganizationErrors.ORGANIZATION_NOT_FOUND();
  if (!user.email_verified_at) throw AuthErrors.EMAIL_NOT_VERIFIED();
  return ctx.transaction(async (trx) => {
    const org = await lockOrg(trx, found.id);
    if (!org) throw OrganizationErrors.ORGANIZATION_NOT_FOUND();
    // A verified domain of the organization suggesting it to this person's address opens the queue to them.
    if (!org.join_requests_enabled && !(await suggestsTo(trx, org.id, user.email))) {
      throw JoinRequestErrors.JOIN_REQUESTS_DISABLED();
    }
    if (org.sso_enforced) throw JoinRequestErrors.SSO_REQUIRED();
    const existing = await members.findMember(trx, org.id, user.id);
    if (existing) throw MemberErrors.ALREADY_MEMBER({ status: existing.status, source: existing.source });
    const row = await members.insertMembership(trx, {
      organizationId: org.id,
      userId: user.id,
      role: 'member',
      status: 'pending',
      source: 'join_request',
      addedBy: null,
    });
    await recordAudit(
      trx,
      { type: 'user', id: user.id, ip },
      {
        organizationId: org.id,
        action: 'join_request.created',
        targetType: 'user',
        targetId: user.id,
        data: { membershipId: row.id, kind: 'user' },
      },
    );
    await publishEvent(trx, {
      organizationId: org.id,
      type: 'join_request.created',
      data: { membershipId: row.id, userId: user.id, kind: 'user' },
      actor: { type: 'user', id: user.id, ip },
    });
    await tellAdminsOfRequest(ctx, trx, org, `${user.name} <${user.email}>`);
    return serializeMember({
      id: row.id,
      user_id: user.id,
      email: user.email,
      name: user.name,
      role: 'member',
      status: 'pending',
      source: 'join_request',
      added_by: null,
      created_at: row.created_at,
      joined_at: null,
      expires_at: null,
    });
  });
}

/**
 * The approval queue, oldest first: signed-in users' pending memberships and anonymous requests by
 * email, merged in id order (both are UUIDv7, so that is arrival order). Owner-adds never appear
 * here: only the added user answers those.
 */
export async function listJoinRequests(
  ctx: Context,
  access: OrgAccess,
  q: { limit: number; cursor?: string },
) {
  requireScope(access, 'member:admin');
  const afterId = decodeCursor('j', q.cursor, isUuid);
  const [users, emails] = await Promise.all([
    members.listPending(ctx.db, {
      organizationId: access.org.id,
      source: 'join_request',
      limit: q.limit,
      afterId,
    }),
    invitationRepo.pendingJoinRequests(ctx.db, { organizationId: access.org.id, limit: q.limit, afterId }),
  ]);
  const merged = [...users.map(fromMembership), ...emails.map(fromInvitation)].sort((a, b) =>
    a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
  return toPage(
    merged.slice(0, q.limit + 1),
    q.limit,
    (r) => r.id,
    'j',
    (r) => r,
  );
}

/**
 * Approves (→ active, with `role`, seats re-checked) or rejects (→ deleted) a pending join request,
 * and records the answer for the requester to read (`join_request_answers`) in the same transaction.
 * Under the organization's lock, so two admins answering at once give one answer: the second sees
 * it answered (409), or gone (404).
 */
export async function answerJoinRequest(
  ctx: Context,
  access: OrgAccess,
  id: string,
  answer: 'approve' | 'reject',
  role: Role = 'member',
) {
  requireScope(access, 'member:admin');
  await requireCeiling(ctx.db, access.org.id, access.grant, role);
  return ctx.transaction(async (trx) => {
    const { org, standing } = await lockAsCaller(trx, access);
    requireStanding(standing, 'member:admin', await roleDefs(trx, org.id, [role]));
    const m = await members.findMembershipById(trx, id);
    if (!m || m.organization_id !== org.id || m.source !== 'join_request') {
      throw JoinRequestErrors.JOIN_REQUEST_NOT_FOUND();
    }
    if (m.status !== 'pending') throw JoinRequestErrors.JOIN_REQUEST_ANSWERED();
    const approved = answer === 'approve';
    if (approved) {
      await assertSeatFree(trx, org);
      await members.activateMembership(trx, m.id, role);
    } else {
      await members.deleteMembership(trx, m.id);
    }
    // What the requester reads in the app (`GET /v1/me/join-requests`): a rejected request leaves
    // no membership behind to read it from.
    await repo.insertAnswer(trx, {
      membershipId: m.id,
      organizationId: org.id,
      userId: m.user_id,
      answer: approved ? 'approved' : 'rejected',
      requestedAt: m.created_at,
    });
    await recordAudit(trx, access.actor, {
      organizationId: org.id,
      action: approved ? 'join_request.approved' : 'join_request.rejected',
      targetType: 'user',
      targetId: m.user_id,
      data: { membershipId: m.id, ...(approved && { role }) },
    });
    if (approved) {
      await recordAudit(trx, access.actor, {
        organizationId: org.id,
        action: 'member.added',
        targetType: 'user',
        targetId: m.user_id,
        data: { role, source: 'join_request' },
      });
      await publishEvent(trx, {
        organizationId: org.id,
        type: 'member.added',
        data: { userId: m.user_id, role, source: 'join_request' },
        actor: access.actor,
      });
    }
    await enqueueEmail(
      trx,
      org.id,
      joinRequestAnsweredEmail({
        to: m.email,
        orgName: org.name,
        approved,
        url: `${ctx.config.publicUrl}/orgs/${org.slug}`,
      }),
    );
    return approved ? serializeMember({ ...m, role, status: 'active', joined_at: new Date() }) : null;
  });
}

/** The requester withdraws a pending join request of theirs. */
export async function cancelJoinRequest(
  ctx: Context,
  principal: UserPrincipal,
  membershipId: string,
  ip: string | null,
) {
  const userId = principal.user.id;
  const first = await members.findMembershipById(ctx.db, membershipId);
  if (!first || first.user_id !== userId) throw JoinRequestErrors.JOIN_REQUEST_NOT_FOUND();
  await ctx.transaction(async (trx) => {
    const org = await lockOrg(trx, first.organization_id);
    const m = org ? await members.findMembershipById(trx, membershipId) : undefined;
    if (!org || !m || m.status !== 'pending' || m.source !== 'join_request') {
      throw JoinRequestErrors.JOIN_REQUEST_NOT_FOUND();
    }
    await members.deleteMembership(trx, m.id);
    await recordAudit(
      trx,
      { type: 'user', id: userId, ip },
      {
        organizationId: org.id,
        action: 'join_request.cancelled',
        targetType: 'user',
        targetId: userId,
        data: { membershipId: m.id },
      },
    );
  });
}

/**
 * Approves or rejects whichever kind of request `id` names: an anonymous one (an invitation awaiting
 * approval: approving gives it a link and emails it, rejecting revokes it) or a signed-in user's.
 */
export async function answerAnyJoinRequest(
  ctx: Context,
  limits: InvitationLimits,
  access: OrgAccess,
  id: string,
  answer: 'approve' | 'reject',
  role?: Role,
) {
  requireScope(access, 'member:admin');
  const asked = await ctx.db
    .selectFrom('invitations')
    .select('id')
    .where('organization_id', '=', access.org.id)
    .where('id', '=', id)
    .where('approval', '=', 'requested_to_join')
    .executeTakeFirst();
  if (!asked) return answerJoinRequest(ctx, access, id, answer, role);
  if (answer === 'reject') {
    await invitations.rejectInvitation(ctx, access, id);
    return null;
  }
  return invitations.approveInvitation(ctx, limits, access, id);
}

/** What the signed-in person's request to join became: one item of `GET /v1/me/join-requests`. */
export interface MyJoinRequestItem {
  id: string;
  organization: { id: string; slug: string; name: string };
  status: 'pending' | 'approved' | 'rejected';
  requestedAt: Date;
  answeredAt: Date | null;
  dismissedAt: Date | null;
}

/**
 * The signed-in person's requests to join: those still waiting, then those answered in the last
 * {@link repo.ANSWERS_SHOWN_DAYS} days (newest answer first). Only their own; a request they withdrew
 * themselves is not listed (they know), nor one whose organization was deleted.
 */
export async function listMyJoinRequests(ctx: Context, principal: UserPrincipal) {
  const userId = principal.user.id;
  const [waiting, answered] = await Promise.all([
    repo.waitingRequestsOf(ctx.db, userId),
    repo.answeredRequestsOf(ctx.db, userId),
  ]);
  const data: MyJoinRequestItem[] = [
    ...waiting.map((r) => ({
      id: r.id,
      organization: { id: r.organization_id, slug: r.slug, name: r.name },
      status: 'pending' as const,
      requestedAt: r.requested_at,
      answeredAt: null,
      dismissedAt: null,
    })),
    ...answered.map((r) => ({
      id: r.id,
      organization: { id: r.organization_id, slug: r.slug, name: r.name },
      status: r.answer,
      requestedAt: r.requested_at,
      answeredAt: r.answered_at,
      dismissedAt: r.dismissed_at,
    })),
  ];
  return { data };
}

/** The requester has read the answer to one of their requests: it is no longer news (on any device). */
export async function dismissMyJoinRequest(ctx: Context, principal: UserPrincipal, id: string) {
  if (!(await repo.dismissAnswer(ctx.db, principal.user.id, id))) {
    throw JoinRequestErrors.JOIN_REQUEST_ANSWER_NOT_FOUND();
  }
}

/**
 * What the public join page (`/join/{slug}`) may show, to anyone: whether the organization takes
 * requests to join (not when they are off, nor when sign-in goes through its identity provider),
 * and its name only when it does — an organization that does not take requests has published
 * nothing here. 404 when there is no such organization, as asking to join would answer.
 */
export async function joinPageOf(ctx: Context, orgRef: string) {
  const org = await repo.findOrgForJoinPage(ctx.db, orgRef);
  if (!org) throw OrganizationErrors.ORGANIZATION_NOT_FOUND();
  const accepts = org.join_requests_enabled && !org.sso_enforced;
  return { slug: org.slug, name: accepts ? org.name : null, acceptsJoinRequests: accepts };
}

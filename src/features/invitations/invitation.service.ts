/**
 * Invitations (SPEC §2 "Invitations"): create one or many, invite requests and their approval, list,
 * revoke, and the expiry sweep. Links (resend, copy-link) are in invitation-links.service.ts; the
 * invitee's side (validate a token, accept, decline) in invitation-accept.service.ts.
 *
 * Every change runs in one transaction with its audit entries, events and outgoing emails (outbox
 * rows). Creating invitations only adds to the organization: it shares the organization's row lock
 * (`shareAsCaller`), so invitations to one organization are made side by side, and "one pending
 * invitation per email" is the partial unique index's to keep; with a member limit the seat count is
 * taken one writer at a time (`lockSeats`). Revoking, resending and approving decide over existing
 * rows and take the exclusive lock (`lockAsCaller`), which excludes the creators and the accepts.
 * Audit actions (the points events hang on): invitation.created, invitation.requested,
 * invitation.approved, invitation.rejected, invitation.resent, invitation.link_created,
 * invitation.revoked, invitation.expired, invitation.accepted, member.added.
 */
import type { Config } from '../../config.ts';
import type { Context, Trx } from '../../context.ts';
import { isValidEmail, normalizeEmail } from '../../lib/email.ts';
import { CommonErrors, type ErrorFactory, invalidField } from '../../lib/errors.ts';
import { isUuid, uuidv7 } from '../../lib/ids.ts';
import { decodeCursor, toPage } from '../../lib/pagination.ts';
import { consumeAll, type Limiter, limitsOf, type RateLimits } from '../../lib/rate-limit.ts';
import {
  lockAsCaller,
  type OrgAccess,
  requireCeiling,
  requireScope,
  requireStanding,
  roleDefs,
  shareAsCaller,
} from '../access/org-access.ts';
import type { Role } from '../access/scopes.ts';
import { recordAudit, recordAudits } from '../audit/audit.repository.ts';
import { AuthErrors } from '../auth/auth.errors.ts';
import { verifiedDomainsOf } from '../domains/domain.repository.ts';
import { Effects } from '../events/effects.ts';
import { MemberErrors } from '../members/member.errors.ts';
import { activeMembersWithScope } from '../members/member.repository.ts';
import { OrganizationErrors } from '../organizations/organization.errors.ts';
import { lockSeats, seatsInUse } from '../organizations/organization.repository.ts';
import { assertWithinLimit } from '../organizations/seats.ts';
import { type EmailMessage, enqueueEmail } from '../outbox/outbox.repository.ts';
import { invitationEmail, inviteRequestEmail } from './invitation.emails.ts';
import { InvitationErrors } from './invitation.errors.ts';
import * as repo from './invitation.repository.ts';
import { insertLinks, linkRows } from './invitation-link.repository.ts';
import { acceptUrl, mintLink } from './invitation-tokens.ts';

export const MAX_BULK = 1000;
/** Longest personal note, in characters (code points, as PostgreSQL's length() counts them). */
export const MAX_MESSAGE_LENGTH = 1000;

// ---------------------------------------------------------------------------------------------------
// Rate limits

export interface InvitationLimits {
  perOrg: Limiter;
  perInviter: Limiter;
}

export function invitationLimits(
  rateLimits: RateLimits,
  config: Pick<Config, 'inviteLimitPerOrg' | 'inviteLimitPerInviter' | 'inviteLimitWindowSeconds'>,
): InvitationLimits {
  return limitsOf(rateLimits, config.inviteLimitWindowSeconds, {
    perOrg: ['invite-org', config.inviteLimitPerOrg],
    perInviter: ['invite-user', config.inviteLimitPerInviter],
  });
}

/**
 * Charges `n` invitations to the organization and (for a person) to the inviter, or throws
 * RATE_LIMITED having charged nothing. Returns the refund for what was charged but not done.
 */
async function charge(limits: InvitationLimits, access: OrgAccess, n: number) {
  const subjects: Array<[Limiter, string]> = [[limits.perOrg, access.org.id]];
  if (access.userId) subjects.push([limits.perInviter, access.userId]);
  return consumeAll(subjects, n);
}

/** Runs `work` with `n` invitations charged; whatever it did not do (per `done`) is refunded. */
export async function charged<T>(
  limits: InvitationLimits,
  access: OrgAccess,
  n: number,
  work: () => Promise<T>,
  done: (result: T) => number = () => n,
): Promise<T> {
  const refund = await charge(limits, access, n);
  let result: T;
  try {
    result = await work();
  } catch (err) {
    await refund(n);
    throw err;
  }
  await refund(n - done(result));
  return result;
}

// ---------------------------------------------------------------------------------------------------
// Serialization

export function serializeInvitation(r: repo.InvitationRow) {
  return {
    id: r.id,
    organizationId: r.organization_id,
    email: r.email,
    role: r.role,
    message: r.message,
    status: r.status,
    approval: r.approval,
    invitedBy: r.invited_by,
    inviterName: r.inviter_name,
    invitedByApiKey: r.invited_by_key,
    approvedBy: r.approved_by,
    approvedAt: r.approved_at,
    expiresAt: r.expires_at,
    membershipExpiresAt: r.membership_expires_at,
    lastSentAt: r.sent_at,
    sendCount: r.send_count,
    acceptedAt: r.accepted_at,
    acceptedBy: r.accepted_by,
    revokedAt: r.revoked_at,
    revokedBy: r.revoked_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

// ---------------------------------------------------------------------------------------------------
// Under the lock

export function expiredAudits(orgId: string, rows: Array<{ id: string; email: string }>) {
  return rows.map((r) => ({
    organizationId: orgId,
    action: 'invitation.expired',
    targetType: 'invitation',
    targetId: r.id,
    data: { email: r.email },
  }));
}

// ---------------------------------------------------------------------------------------------------
// Create: one, many, or a request

export interface InviteInput {
  email: string;
  role: Role;
  message?: string;
  /** When the membership it gives ends on its own (ISO 8601, in the future; never for an owner). */
  membershipExpiresAt?: string;
}

/** An invitation's `membershipExpiresAt` as stored: in the future, and never on an owner's invitation. */
function checkMembershipExpiry(raw: string | undefined, role: Role): Date | null {
  if (raw === undefined) return null;
  const at = new Date(raw);
  if (!(at.getTime() > Date.now())) throw invalidField('membershipExpiresAt', 'must be in the future');
  if (role === 'owner') throw invalidField('membershipExpiresAt', "an owner's membership does not expire");
  return at;
}

type Outcome =
  | { input: string; email: string; ok: true; id: string; token: string | null }
  | { input: string; email: string | null; ok: false; code: string; message: string };

const failed = (input: string, email: string | null, code: { code: string }, message: string): Outcome => ({
  input,
  email,
  ok: false,
  code: code.code,
  message,
});

/** An outcome that failed with one of the catalog's errors, and its catalog message. */
const failedWith = (input: string, email: string, error: ErrorFactory) =>
  failed(input, email, error, error().message);

/** Every code an invitation outcome may carry, to raise it again for a single create. */
const OUTCOME_ERRORS: Record<string, ErrorFactory> = {
  ...InvitationErrors,
  ALREADY_MEMBER: MemberErrors.ALREADY_MEMBER,
  MEMBER_LIMIT_REACHED: OrganizationErrors.MEMBER_LIMIT_REACHED,
};

/**
 * Creates invitations for `emails` (already syntax-checked and unique) in the caller's transaction,
 * one outcome per email: created, or why not. Approved invitations get a token, an email and a seat;
 * requests get neither and notify the organization's approvers. `created` holds the rows inserted.
 *
 * Round trips while the lock is held: the shared lock with the caller's standing (`shareAsCaller`),
 * what stands in the way (`inviteObstacles`), the insert, and everything else the change writes in one
 * statement (links, audit, events, emails: `Effects`) — plus, with a member limit, the seat lock and
 * the count. "One pending invitation per email" is the partial unique index's to keep.
 */
async function createMany(
  ctx: Context,
  trx: Trx,
  access: OrgAccess,
  emails: Array<{ input: string; email: string }>,
  spec: {
    role: Role;
    message: string | null;
    approval: 'approved' | 'requested_to_be_invited';
    membershipExpiresAt: Date | null;
  },
): Promise<{ outcomes: Outcome[]; created: repo.InvitationRow[] }> {
  const { org, standing } = await shareAsCaller(trx, access);
  requireStanding(
    standing,
    spec.approval === 'approved' ? 'member:invite' : null,
    await roleDefs(trx, org.id, [spec.role]),
  );

  const obstacles = await repo.inviteObstacles(
    trx,
    org.id,
    emails.map((e) => e.email),
  );
  const stale = obstacles.flatMap((o) =>
    o.kind === 'stale' && o.email ? [{ id: o.id, email: o.email }] : [],
  );
  const pending = new Set(obstacles.filter((o) => o.kind === 'pending').map((o) => o.email));
  const members = new Set(obstacles.filter((o) => o.kind === 'member').map((o) => o.email));
  const endpoints = obstacles
    .filter((o) => o.kind === 'endpoint')
    .map((o) => ({ id: o.id, event_types: o.event_types ?? [] }));
  // Only addresses at the organization's verified domains, when it says so (one more read, then only).
  const domains = org.invite_verified_domains_only ? new Set(await verifiedDomainsOf(trx, org.id)) : null;
  let free = Number.POSITIVE_INFINITY;
  if (spec.approval === 'approved' && org.member_limit !== null) {
    await lockSeats(trx, org.id);
    free = org.member_limit - (await seatsInUse(trx, org.id));
  }

  const outcomes = new Map<string, Outcome>();
  const rows: repo.NewInvitation[] = [];
  for (const { input, email } of emails) {
    if (domains && !domains.has(email.slice(email.lastIndexOf('@') + 1))) {
      outcomes.set(email, failedWith(input, email, InvitationErrors.INVITATION_DOMAIN_NOT_ALLOWED));
      continue;
    }
    if (members.has(email)) {
      outcomes.set(email, failedWith(input, email, MemberErrors.ALREADY_MEMBER));
      continue;
    }
    if (pending.has(email)) {
      outcomes.set(email, failedWith(input, email, InvitationErrors.INVITATION_EXISTS));
      continue;
    }
    if (free <= 0) {
      outcomes.set(email, failedWith(input, email, OrganizationErrors.MEMBER_LIMIT_REACHED));
      continue;
    }
    free -= 1;
    rows.push({
      id: uuidv7(),
      organizationId: org.id,
      email,
      role: spec.role,
      message: spec.message,
      invitedBy: access.userId,
      invitedByKey: access.actor.type === 'api_key' ? access.actor.id : null,
      approval: spec.approval,
      expiryDays: org.invite_expiry_days,
      membershipExpiresAt: spec.membershipExpiresAt,
    });
  }
  const inviterName = access.userId ? org.caller_name : null;
  // In email order: concurrent bulk invitations then take the unique index's entries in one order
  // (in any order, two overlapping lists could deadlock).
  rows.sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
  const inserted = (await repo.insertInvitations(trx, rows)).map((r) => repo.asRead(r, inviterName));
  const effects = new Effects();
  // Each approved invitation gets its first link: the one its email carries.
  const tokens = new Map<string, string>();
  if (spec.approval === 'approved' && inserted.length > 0) {
    const minted = inserted.map((r) => {
      const m = mintLink(org.id, r.id, 'email', access.userId);
      tokens.set(r.email, m.token);
      return m.link;
    });
    effects.insert('invitation_links', linkRows(minted));
  }
  const insertedIds = new Map(inserted.map((r) => [r.email, r]));
  for (const { input, email } of emails) {
    if (outcomes.has(email)) continue;
    const row = insertedIds.get(email);
    outcomes.set(
      email,
      row
        ? { input, email, ok: true, id: row.id, token: tokens.get(email) ?? null }
        : failedWith(input, email, InvitationErrors.INVITATION_EXISTS),
    );
  }

  const action = spec.approval === 'approved' ? 'invitation.created' : 'invitation.requested';
  effects.audit(access.actor, [
    ...expiredAudits(org.id, stale),
    ...inserted.map((c) => ({
      organizationId: org.id,
      action,
      targetType: 'invitation',
      targetId: c.id,
      data: { email: c.email, role: spec.role, approval: spec.approval },
    })),
  ]);

  if (spec.approval === 'approved') {
    for (const c of inserted) {
      effects.publish(
        {
          organizationId: org.id,
          type: 'invitation.created',
          data: { invitationId: c.id, email: c.email, role: spec.role, expiresAt: c.expires_at },
          actor: access.actor,
        },
        endpoints,
      );
    }
    effects.emails(
      org.id,
      inserted.map((c) =>
        invitationEmail({
          to: c.email,
          orgName: org.name,
          inviterName,
          role: spec.role,
          message: spec.message,
          expiresAt: new Date(c.expires_at as Date),
          url: acceptUrl(ctx.config, tokens.get(c.email) as string),
        }),
      ),
    );
  } else if (inserted.length > 0) {
    const admins = await activeMembersWithScope(trx, org.id, 'member:admin');
    const messages: EmailMessage[] = [];
    for (const c of inserted) {
      for (const admin of admins) {
        if (admin.id === access.userId) continue;
        messages.push(
          inviteRequestEmail({
            to: admin.email,
            orgName: org.name,
            requesterName: inviterName ?? 'A member',
            email: c.email,
            role: spec.role,
          }),
        );
      }
    }
    effects.emails(org.id, messages);
  }
  await effects.flush(trx);
  return { outcomes: emails.map((e) => outcomes.get(e.email) as Outcome), created: inserted };
}

function checkInviteEmail(raw: string): string {
  const email = normalizeEmail(raw);
  if (!isValidEmail(email)) {
    throw AuthErrors.INVALID_EMAIL([{ field: 'email', message: 'is not a valid email address' }]);
  }
  return email;
}

/** The personal note as stored: trimmed, null when empty; too long is a field error for API and CLI alike. */
function checkMessage(raw: string | undefined): string | null {
  const message = raw?.trim() ?? '';
  if ([...message].length > MAX_MESSAGE_LENGTH) {
    throw invalidField('message', `must be at most ${MAX_MESSAGE_LENGTH} characters`);
  }
  return message === '' ? null : message;
}

function throwOutcome(o: Outcome): never {
  if (o.ok) throw new Error('not a failure');
  const factory = OUTCOME_ERRORS[o.code];
  throw factory ? factory({ email: o.email }) : CommonErrors.CONFLICT();
}

async function singleInvitation(
  ctx: Context,
  limits: InvitationLimits,
  access: OrgAccess,
  input: InviteInput,
  approval: 'approved' | 'requested_to_be_invited',
) {
  const email = checkInviteEmail(input.email);
  const message = checkMessage(input.message);
  const membershipExpiresAt = checkMembershipExpiry(input.membershipExpiresAt, input.role);
  const outcome = await charged(limits, access, 1, () =>
    ctx.transaction(async (trx) => {
      const { outcomes, created } = await createMany(ctx, trx, access, [{ input: input.email, email }], {
        role: input.role,
        message,
        approval,
        membershipExpiresAt,
      });
      const [o] = outcomes;
      if (!o?.ok) throwOutcome(o as Outcome);
      return { row: created[0] as repo.InvitationRow, token: o.token };
    }),
  );
  return {
    invitation: serializeInvitation(outcome.row),
    ...(outcome.token ? { acceptUrl: acceptUrl(ctx.config, outcome.token) } : {}),
  };
}

/** An admin (member:invite) invites one email: a pending, approved invitation and its email. */
export async function createInvitation(
  ctx: Context,
  limits: InvitationLimits,
  access: OrgAccess,
  input: InviteInput,
) {
  requireScope(access, 'member:invite');
  await requireCeiling(ctx.db, access.org.id, access.grant, input.role);
  const { invitation, acceptUrl } = await singleInvitation(ctx, limits, access, input, 'approved');
  return { invitation, acceptUrl: acceptUrl as string };
}

/** A member asks for someone to be invited: no token, no email to them; the approvers are told. */
export async function requestInvitation(
  ctx: Context,
  limits: InvitationLimits,
  access: OrgAccess,
  input: InviteInput,
) {
  if (access.userId === null) {
    throw CommonErrors.FORBIDDEN(
      undefined,
      'Invite requests come from members; an API key invites directly.',
    );
  }
  requireScope(access, 'org:read');
  await requireCeiling(ctx.db, access.org.id, access.grant, input.role);
  return singleInvitation(ctx, limits, access, input, 'requested_to_be_invited');
}

/**
 * Up to 1,000 emails in one transaction and one outbox round; each email is judged on its own
 * (malformed, repeated in the list, already invited, already a member, no seat left) and gets its
 * own result. The rate limits are charged for the invitations created only.
 */
export async function bulkInvite(
  ctx: Context,
  limits: InvitationLimits,
  access: OrgAccess,
  input: { emails: string[]; role: Role; message?: string; membershipExpiresAt?: string },
) {
  requireScope(access, 'member:invite');
  await requireCeiling(ctx.db, access.org.id, access.grant, input.role);
  const message = checkMessage(input.message);
  const membershipExpiresAt = checkMembershipExpiry(input.membershipExpiresAt, input.role);
  const early: Array<Outcome | null> = [];
  const candidates: Array<{ input: string; email: string }> = [];
  const seen = new Set<string>();
  for (const raw of input.emails) {
    const email = normalizeEmail(raw);
    if (!isValidEmail(email)) {
      early.push(failed(raw, null, AuthErrors.INVALID_EMAIL, 'is not a valid email address'));
    } else if (seen.has(email)) {
      early.push({
        input: raw,
        email,
        ok: false,
        code: 'DUPLICATE_EMAIL',
        message: 'appears earlier in the list',
      });
    } else {
      seen.add(email);
      candidates.push({ input: raw, email });
      early.push(null);
    }
  }
  const outcomes =
    candidates.length === 0
      ? []
      : await charged(
          limits,
          access,
          candidates.length,
          () =>
            ctx.transaction(
              async (trx) =>
                (
                  await createMany(ctx, trx, access, candidates, {
                    role: input.role,
                    message,
                    approval: 'approved',
                    membershipExpiresAt,
                  })
                ).outcomes,
            ),
          (result) => result.filter((o) => o.ok).length,
        );
  let next = 0;
  const results = early.map((e) => {
    const o = e ?? (outcomes[next++] as Outcome);
    return o.ok
      ? {
          input: o.input,
          email: o.email,
          status: 'created' as const,
          invitationId: o.id,
          acceptUrl: acceptUrl(ctx.config, o.token as string),
        }
      : {
          input: o.input,
          email: o.email,
          status: 'failed' as const,
          error: { code: o.code, message: o.message },
        };
  });
  const created = results.filter((r) => r.status === 'created').length;
  return { created, failed: results.length - created, results };
}

// ---------------------------------------------------------------------------------------------------
// Read

export async function listInvitations(
  ctx: Context,
  access: OrgAccess,
  q: Omit<repo.InvitationQuery, 'organizationId' | 'beforeId' | 'email'> & {
    cursor?: string;
    email?: string;
  },
) {
  requireScope(access, 'member:read');
  const beforeId = decodeCursor('i', q.cursor, isUuid);
  const filters = {
    organizationId: access.org.id,
    approval: q.approval,
    email: q.email === undefined ? undefined : normalizeEmail(q.email),
    invitedBy: q.invitedBy,
  };
  const rows = await repo.listInvitations(ctx.db, { ...filters, limit: q.limit, beforeId, status: q.status });
  const counts = await repo.countByStatus(ctx.db, filters);
  return { ...toPage(rows, q.limit, (r) => r.id, 'i', serializeInvitation), counts };
}

export async function getInvitation(ctx: Context, access: OrgAccess, id: string) {
  requireScope(access, 'member:read');
  const row = await repo.findById(ctx.db, access.org.id, id);
  if (!row) throw InvitationErrors.INVITATION_NOT_FOUND();
  return serializeInvitation(row);
}

// ---------------------------------------------------------------------------------------------------
// Change one: revoke, approve, reject

export async function lockInvitation(trx: Trx, orgId: string, id: string) {
  const row = await repo.lockById(trx, orgId, id);
  if (!row) throw InvitationErrors.INVITATION_NOT_FOUND();
  return row;
}

export function assertPending(row: repo.InvitationRow) {
  if (row.status !== 'pending') throw InvitationErrors.INVITATION_NOT_PENDING({ status: row.status });
}

export async function revokeInvitation(ctx: Context, access: OrgAccess, id: string) {
  requireScope(access, 'member:invite');
  return ctx.transaction(async (trx) => {
    const { standing } = await lockAsCaller(trx, access);
    const grant = requireStanding(standing, 'member:invite');
    const row = await lockInvitation(trx, access.org.id, id);
    assertPending(row);
    await requireCeiling(trx, access.org.id, grant, row.role);
    await repo.markRevoked(trx, id, access.actor.id);
    await recordAudit(trx, access.actor, {
      organizationId: access.org.id,
      action: 'invitation.revoked',
      targetType: 'invitation',
      targetId: id,
      data: { email: row.email, role: row.role, approval: row.approval },
    });
    return serializeInvitation((await repo.findById(trx, access.org.id, id)) as repo.InvitationRow);
  });
}

/** An approver (member:admin) approves a request: it becomes an invitation with a token, emailed. */
export function approveInvitation(ctx: Context, limits: InvitationLimits, access: OrgAccess, id: string) {
  requireScope(access, 'member:admin');
  return charged(limits, access, 1, () =>
    ctx.transaction(async (trx) => {
      const { org, standing } = await lockAsCaller(trx, access);
      const grant = requireStanding(standing, 'member:admin');
      const row = await lockInvitation(trx, org.id, id);
      assertPending(row);
      if (row.approval === 'approved') throw InvitationErrors.INVITATION_ALREADY_APPROVED();
      await requireCeiling(trx, org.id, grant, row.role);
      if ((await repo.findMembershipsByEmails(trx, org.id, [row.email])).length > 0) {
        throw MemberErrors.ALREADY_MEMBER({ email: row.email });
      }
      await repo.markSentAgain(trx, id, org.invite_expiry_days, access.userId);
      // Approved now: it gets its first link, the one its email carries.
      const t = mintLink(org.id, id, 'email', access.userId);
      await insertLinks(trx, [t.link]);
      await assertWithinLimit(trx, org);
      const fresh = (await repo.findById(trx, org.id, id)) as repo.InvitationRow;
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
          url: acceptUrl(ctx.config, t.token),
        }),
      );
      await recordAudit(trx, access.actor, {
        organizationId: org.id,
        action: 'invitation.approved',
        targetType: 'invitation',
        targetId: id,
        data: { email: fresh.email, role: fresh.role, requested: row.approval },
      });
      return { invitation: serializeInvitation(fresh), acceptUrl: acceptUrl(ctx.config, t.token) };
    }),
  );
}

export async function rejectInvitation(ctx: Context, access: OrgAccess, id: string) {
  requireScope(access, 'member:admin');
  return ctx.transaction(async (trx) => {
    const { standing } = await lockAsCaller(trx, access);
    requireStanding(standing, 'member:admin');
    const row = await lockInvitation(trx, access.org.id, id);
    assertPending(row);
    if (row.approval === 'approved') throw InvitationErrors.INVITATION_ALREADY_APPROVED();
    await repo.markRevoked(trx, id, access.actor.id);
    await recordAudit(trx, access.actor, {
      organizationId: access.org.id,
      action: 'invitation.rejected',
      targetType: 'invitation',
      targetId: id,
      data: { email: row.email, role: row.role, requested: row.approval },
    });
    return serializeInvitation((await repo.findById(trx, access.org.id, id)) as repo.InvitationRow);
  });
}

// ---------------------------------------------------------------------------------------------------
// Expiry sweep

/** Persists `expired` on pending invitations past their expiry, in batches; returns how many. */
export async function sweepExpiredInvitations(ctx: Pick<Context, 'db'>, batch = 500): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await ctx.db.transaction().execute(async (trx) => {
      const swept = await repo.sweepExpired(trx, batch);
      await recordAudits(
        trx,
        { type: 'system', id: null, ip: null },
        swept.map((r) => ({
          organizationId: r.organization_id,
          action: 'invitation.expired',
          targetType: 'invitation',
          targetId: r.id,
          data: { email: r.email },
        })),
      );
      return swept.length;
    });
    total += rows;
    if (rows < batch) return total;
  }
}

/** SQL for invitations. Expiry is derived here (`expires_at <= now()` reads as `expired`), on the database's clock. */
import { type Expression, type InferResult, type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely';
import { compiledOnce } from '../../db/compiled.ts';
import type { DB, InvitationApproval, InvitationStatus } from '../../db/schema.ts';
import type { Role } from '../access/scopes.ts';
import { subscribersOf } from '../webhooks/webhook.repository.ts';

/** The status a reader sees: a pending invitation past its expiry is `expired`, swept or not. */
export const effectiveStatus = sql<InvitationStatus>`CASE WHEN i.status = 'pending' AND i.expires_at <= now() THEN 'expired' ELSE i.status END`;

export const INVITATION_COLUMNS = [
  'i.id',
  'i.organization_id',
  'i.email',
  'i.role',
  'i.message',
  'i.invited_by',
  'i.invited_by_key',
  'i.status as stored_status',
  'i.approval',
  'i.approved_by',
  'i.approved_at',
  'i.expires_at',
  'i.membership_expires_at',
  'i.sent_at',
  'i.send_count',
  'i.accepted_at',
  'i.accepted_by',
  'i.revoked_at',
  'i.revoked_by',
  'i.created_at',
  'i.updated_at',
  'inviter.name as inviter_name',
] as const;

function base(db: Kysely<DB>) {
  return db
    .selectFrom('invitations as i')
    .leftJoin('users as inviter', 'inviter.id', 'i.invited_by')
    .select(INVITATION_COLUMNS)
    .select(effectiveStatus.as('status'));
}

export type InvitationRow = NonNullable<Awaited<ReturnType<typeof findById>>>;

export function findById(db: Kysely<DB>, organizationId: string, id: string) {
  return base(db).where('i.organization_id', '=', organizationId).where('i.id', '=', id).executeTakeFirst();
}

/** Reads the invitation and locks its row for the rest of the transaction. */
export function lockById(db: Kysely<DB>, organizationId: string, id: string) {
  return base(db)
    .where('i.organization_id', '=', organizationId)
    .where('i.id', '=', id)
    .forUpdate('i')
    .executeTakeFirst();
}

/** lockForAccept's statement; `hasLink` says whether the link used is still the invitation's. */
function lockForAcceptQuery(
  db: Kysely<DB>,
  p: { organizationId: string; id: string; userId: string },
  hasLink: RawBuilder<boolean>,
) {
  return base(db)
    .leftJoin('users as u', (join) => join.on('u.id', '=', p.userId))
    .leftJoin('memberships as um', (join) =>
      join.onRef('um.organization_id', '=', 'i.organization_id').on('um.user_id', '=', p.userId),
    )
    .select([
      'inviter.email as inviter_email',
      'u.email as user_email',
      'u.name as user_name',
      'u.email_verified_at as user_verified_at',
      'um.status as member_status',
      sql<Array<{ id: string; event_types: string[] }>>`(
        SELECT coalesce(json_agg(s ORDER BY s.id), '[]') FROM (${subscribersOf(sql.ref('i.organization_id'))}) s
      )`.as('endpoints'),
      hasLink.as('has_link'),
    ])
    .where('i.organization_id', '=', p.organizationId)
    .where('i.id', '=', p.id)
    .forUpdate('i');
}

const lockForAcceptBy = {
  link: compiledOnce(
    ['organizationId', 'id', 'userId', 'linkId'],
    (db, p: { organizationId: string; id: string; userId: string; linkId: string }) =>
      lockForAcceptQuery(
        db,
        p,
        sql<boolean>`EXISTS (SELECT 1 FROM invitation_links l WHERE l.invitation_id = i.id AND l.id = ${p.linkId})`,
      ),
  ),
  id: compiledOnce(
    ['organizationId', 'id', 'userId'],
    (db, p: { organizationId: string; id: string; userId: string }) =>
      lockForAcceptQuery(db, p, sql<boolean>`true`),
  ),
};

/**
 * What accepting decides on, in one round trip, the invitation's row locked: the invitation, whether
 * `linkId` is still one of its links (null: accepted without a link), the accepting user as stored now
 * (verification included), their membership in the organization if any, the inviter's email, and the
 * organization's enabled webhook endpoints. Call it after `shareOrg`: the unlocked rows read here can
 * then only be stale when the statement waited for the invitation's row, held by another accept or the
 * expiry sweep, whose new status is what the caller checks first.
 */
export async function lockForAccept(
  db: Kysely<DB>,
  organizationId: string,
  id: string,
  userId: string,
  linkId: string | null,
) {
  const result =
    linkId === null
      ? await lockForAcceptBy.id(db, { organizationId, id, userId })
      : await lockForAcceptBy.link(db, { organizationId, id, userId, linkId });
  return result.rows[0];
}

export interface NewInvitation {
  id: string;
  organizationId: string;
  email: string;
  role: Role;
  message: string | null;
  invitedBy: string | null;
  invitedByKey: string | null;
  /** An approved invitation expires after `expiryDays` and is sent now; its links are inserted apart. */
  approval: InvitationApproval;
  expiryDays: number;
  /** When the membership accepting gives ends on its own; null: never. */
  membershipExpiresAt: Date | null;
}

/**
 * Inserts invitations; a row whose (organization, email) already has a pending invitation is skipped
 * by the partial unique index (`ON CONFLICT DO NOTHING`): the returned rows are those inserted.
 */
export async function insertInvitations(db: Kysely<DB>, rows: NewInvitation[]) {
  if (rows.length === 0) return [];
  // One invitation (the hot path: an invite, a request) runs a statement built once per approval.
  if (rows.length === 1) {
    const r = rows[0] as NewInvitation;
    const p = {
      id: r.id,
      organizationId: r.organizationId,
      email: r.email,
      role: r.role,
      message: r.message,
      invitedBy: r.invitedBy,
      invitedByKey: r.invitedByKey,
      expiryDays: r.expiryDays,
      membershipExpiresAt: r.membershipExpiresAt,
    };
    return (await insertOne[r.approval](db, p)).rows;
  }
  return insertInvitationsQuery(db, rows).execute();
}

function insertInvitationsQuery(db: Kysely<DB>, rows: NewInvitation[]) {
  return db
    .insertInto('invitations')
    .values(
      rows.map((r) => ({
        id: r.id,
        organization_id: r.organizationId,
        email: r.email,
        role: r.role,
        message: r.message,
        invited_by: r.invitedBy,
        invited_by_key: r.invitedByKey,
        approval: r.approval,
        expires_at:
          r.approval === 'approved' ? sql<Date>`now() + make_interval(days => ${r.expiryDays})` : null,
        sent_at: r.approval === 'approved' ? sql<Date>`now()` : null,
        send_count: r.approval === 'approved' ? 1 : 0,
        membership_expires_at: r.membershipExpiresAt,
      })),
    )
    .onConflict((oc) =>
      oc
        .expression(sql`organization_id, lower(email)`)
        // A literal, not a parameter: a generic plan must see that the partial index's predicate holds.
        .where('status', '=', sql.lit('pending'))
        .doNothing(),
    )
    .returning(INSERTED_COLUMNS);
}

type OneInvitation = Omit<NewInvitation, 'approval'>;
const ONE_KEYS = [
  'id',
  'organizationId',
  'email',
  'role',
  'message',
  'invitedBy',
  'invitedByKey',
  'expiryDays',
  'membershipExpiresAt',
] as const satisfies ReadonlyArray<keyof OneInvitation>;
type InsertedInvitation = InferResult<ReturnType<typeof insertInvitationsQuery>>[number];
const insertOneAs = (approval: InvitationApproval) =>
  compiledOnce<OneInvitation, InsertedInvitation>(
    // Only an approved invitation expires (expiryDays); a request waits for its answer.
    approval === 'approved' ? ONE_KEYS : ONE_KEYS.filter((k) => k !== 'expiryDays'),
    (db, p) => insertInvitationsQuery(db, [{ ...p, approval }]),
  );
const insertOne: Record<InvitationApproval, ReturnType<typeof insertOneAs>> = {
  approved: insertOneAs('approved'),
  requested_to_join: insertOneAs('requested_to_join'),
  requested_to_be_invited: insertOneAs('requested_to_be_invited'),
};

const INSERTED_COLUMNS = INVITATION_COLUMNS.filter((c) => c !== 'inviter.name as inviter_name').map(
  (c) => (c === 'i.status as stored_status' ? 'status' : c.slice(2)) as keyof DB['invitations'],
);

/** A row just inserted, as `findById` would read it (nothing expires in the instant it was made). */
export function asRead(
  r: Awaited<ReturnType<typeof insertInvitations>>[number],
  inviterName: string | null,
): InvitationRow {
  const { status, ...rest } = r as typeof r & { status: InvitationStatus };
  return {
    ...(rest as Omit<InvitationRow, 'status' | 'stored_status' | 'inviter_name'>),
    stored_status: status,
    status,
    inviter_name: inviterName,
  };
}

/** Persists `expired` on pending invitations past their expiry for these emails (they no longer block a new one). */
export function expireStale(db: Kysely<DB>, organizationId: string, emails: string[]) {
  if (emails.length === 0) return Promise.resolve([]);
  return db
    .updateTable('invitations')
    .set({ status: 'expired', updated_at: sql<Date>`now()` })
    .where('organization_id', '=', organizationId)
    .where('status', '=', 'pending')
    .where('expires_at', '<=', sql<Date>`now()`)
    .where(sql`lower(email)`, 'in', emails)
    .returning(['id', 'email'])
    .execute();
}

const inviteObstaclesQuery = compiledOnce(
  ['organizationId', 'emails'],
  (_db, { organizationId, emails }: { organizationId: string; emails: string[] }) => sql<{
    kind: 'stale' | 'pending' | 'member' | 'endpoint';
    id: string;
    email: string | null;
    event_types: string[] | null;
  }>`
    WITH stale AS (
      UPDATE invitations SET status = 'expired', updated_at = now()
      WHERE organization_id = ${organizationId} AND status = 'pending' AND expires_at <= now()
        AND lower(email) = ANY(${emails}::text[])
      RETURNING id, email)
    SELECT 'stale' AS kind, id, email, NULL::text[] AS event_types FROM stale
    UNION ALL
    SELECT 'pending', id, email, NULL FROM invitations
    WHERE organization_id = ${organizationId} AND status = 'pending'
      AND (expires_at IS NULL OR expires_at > now()) AND lower(email) = ANY(${emails}::text[])
    UNION ALL
    SELECT 'member', m.id, u.email, NULL FROM users u
    JOIN memberships m ON m.user_id = u.id AND m.organization_id = ${organizationId}
    WHERE u.email = ANY(${emails}::text[])
    UNION ALL
    SELECT 'endpoint', s.id, NULL, s.event_types FROM (${subscribersOf(organizationId)}) s
  `,
);

/**
 * What stands in the way of inviting these emails, in one round trip: pending invitations past their
 * expiry are first persisted as `expired` (they no longer block a new one) and listed as `stale`; the
 * pending invitations left are `pending`; memberships of any status of users with these emails are
 * `member`. One statement shape whatever the number of emails (an array parameter). With them, the
 * organization's enabled webhook endpoints (`endpoint`, with `event_types`), for the events published:
 * call it after `shareOrg`, whose statement may have waited on a writer that changed them.
 */
export async function inviteObstacles(db: Kysely<DB>, organizationId: string, emails: string[]) {
  return (await inviteObstaclesQuery(db, { organizationId, emails })).rows;
}

/** Memberships (of any status) of the users with these emails. */
export function findMembershipsByEmails(db: Kysely<DB>, organizationId: string, emails: string[]) {
  if (emails.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['u.email', 'm.status'])
    .where('m.organization_id', '=', organizationId)
    .where('u.email', 'in', emails)
    .execute();
}

/**
 * Compare-and-set from `pending` (and unexpired): the one writer that wins turns it into `accepted`.
 * A statement for `Effects.change`, which runs it with the accept's other writes; one row returned:
 * this writer won.
 */
export function markAccepted(id: string, userId: string) {
  return sql`UPDATE invitations
    SET status = 'accepted', accepted_at = now(), accepted_by = ${userId}, updated_at = now()
    WHERE id = ${id} AND status = 'pending' AND approval = 'approved' AND expires_at > now()
    RETURNING id`;
}

/** Compare-and-set from `pending`: revoke (or reject a request). */
export function markRevoked(db: Kysely<DB>, id: string, by: string | null) {
  return db
    .updateTable('invitations')
    .set({ status: 'revoked', revoked_at: sql<Date>`now()`, revoked_by: by, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .returning(['id'])
    .executeTakeFirst();
}

export function markExpired(db: Kysely<DB>, id: string) {
  return db
    .updateTable('invitations')
    .set({ status: 'expired', updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .returning(['id'])
    .executeTakeFirst();
}

/**
 * A pending invitation sent again (resend, or approval of a request): the expiry starts again and the
 * send is counted; `approvedBy` marks a request approved. Its new link is inserted apart.
 */
export function markSentAgain(db: Kysely<DB>, id: string, expiryDays: number, approvedBy?: string | null) {
  return db
    .updateTable('invitations')
    .set({
      expires_at: sql<Date>`now() + make_interval(days => ${expiryDays})`,
      sent_at: sql<Date>`now()`,
      send_count: sql<number>`send_count + 1`,
      updated_at: sql<Date>`now()`,
      ...(approvedBy !== undefined && {
        approval: 'approved' as const,
        approved_by: approvedBy,
        approved_at: sql<Date>`now()`,
      }),
    })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .returning(['id'])
    .executeTakeFirst();
}

export interface InvitationQuery {
  organizationId: string;
  limit: number;
  /** Invitations older than this id (newest first). */
  beforeId?: string;
  status?: InvitationStatus;
  approval?: InvitationApproval;
  email?: string;
  invitedBy?: string;
}

function statusFilter(status: InvitationStatus): Expression<SqlBool> {
  switch (status) {
    case 'pending':
      return sql<SqlBool>`i.status = 'pending' AND (i.expires_at IS NULL OR i.expires_at > now())`;
    case 'expired':
      return sql<SqlBool>`(i.status = 'expired' OR (i.status = 'pending' AND i.expires_at <= now()))`;
    default:
      return sql<SqlBool>`i.status = ${status}`;
  }
}

function filtered(db: Kysely<DB>, q: Omit<InvitationQuery, 'limit' | 'beforeId' | 'status'>) {
  let query = base(db).where('i.organization_id', '=', q.organizationId);
  if (q.approval) query = query.where('i.approval', '=', q.approval);
  if (q.email) query = query.where(sql`lower(i.email)`, '=', q.email);
  if (q.invitedBy) query = query.where('i.invited_by', '=', q.invitedBy);
  return query;
}

/** A page, newest first, keyset on (organization_id, id). */
export function listInvitations(db: Kysely<DB>, q: InvitationQuery) {
  let query = filtered(db, q);
  if (q.status) query = query.where(statusFilter(q.status));
  if (q.beforeId) query = query.where('i.id', '<', q.beforeId);
  return query
    .orderBy('i.id', 'desc')
    .limit(q.limit + 1)
    .execute();
}

/** How many invitations of each (derived) status match the filters other than status. */
export async function countByStatus(
  db: Kysely<DB>,
  q: Omit<InvitationQuery, 'limit' | 'beforeId' | 'status'>,
) {
  const rows = await db
    .selectFrom(filtered(db, q).as('f'))
    .select(['f.status', sql<number>`count(*)::int`.as('n')])
    .groupBy('f.status')
    .execute();
  const counts = { pending: 0, accepted: 0, expired: 0, revoked: 0 };
  for (const r of rows) counts[r.status] = r.n;
  return counts;
}

const invitationForUserQuery = compiledOnce(['id', 'userId'], (db, p: { id: string; userId: string }) =>
  db
    .selectFrom('users as u')
    .leftJoin('invitations as i', (join) => join.on('i.id', '=', p.id))
    .select([
      'u.email as user_email',
      'u.email_verified_at',
      'i.id',
      'i.organization_id',
      'i.email',
      'i.approval',
    ])
    .where('u.id', '=', p.userId),
);

/**
 * The user (as stored now) with the invitation `id`, if there is one: the invitee's view of an
 * invitation in one round trip. No row: the user is gone; `id` null: no such invitation.
 */
export async function invitationForUser(db: Kysely<DB>, id: string, userId: string) {
  return (await invitationForUserQuery(db, { id, userId })).rows[0];
}

/**
 * Marks up to `batch` pending invitations past their expiry as `expired`, skipping rows another
 * instance is changing (so several sweepers cooperate); returns what it changed, for the audit log.
 */
export async function sweepExpired(db: Kysely<DB>, batch: number) {
  const result = await sql<{ id: string; organization_id: string; email: string }>`
    WITH due AS MATERIALIZED (
      SELECT id FROM invitations
      WHERE status = 'pending' AND expires_at <= now()
      ORDER BY expires_at
      LIMIT ${batch}
      FOR UPDATE SKIP LOCKED
    )
    UPDATE invitations i SET status = 'expired', updated_at = now()
    FROM due WHERE i.id = due.id AND i.status = 'pending'
    RETURNING i.id, i.organization_id, i.email
  `.execute(db);
  return result.rows;
}

/**
 * The approved, pending, unexpired invitations to `email` across organizations, oldest first, with
 * what the invitee's inbox shows: the organization and the inviter's name (never their email).
 */
export function pendingForEmail(db: Kysely<DB>, email: string) {
  return db
    .selectFrom('invitations as i')
    .innerJoin('organizations as o', 'o.id', 'i.organization_id')
    .leftJoin('users as inviter', 'inviter.id', 'i.invited_by')
    .select([
      'i.id',
      'i.organization_id',
      'i.role',
      'i.message',
      'i.expires_at',
      'i.created_at',
      'o.slug as org_slug',
      'o.name as org_name',
      'inviter.name as inviter_name',
    ])
    .where('i.email', '=', email)
    .where('i.status', '=', 'pending')
    .where('i.approval', '=', 'approved')
    .where('i.expires_at', '>', sql<Date>`now()`)
    .orderBy('i.created_at')
    .orderBy('i.id')
    .execute();
}

/** Anonymous requests to join awaiting an answer (`requested_to_join`, pending), keyset on id. */
export function pendingJoinRequests(
  db: Kysely<DB>,
  q: { organizationId: string; limit: number; afterId?: string },
) {
  let query = db
    .selectFrom('invitations')
    .select(['id', 'email', 'created_at'])
    .where('organization_id', '=', q.organizationId)
    .where('status', '=', 'pending')
    .where('approval', '=', 'requested_to_join');
  if (q.afterId) query = query.where('id', '>', q.afterId);
  return query
    .orderBy('id')
    .limit(q.limit + 1)
    .execute();
}

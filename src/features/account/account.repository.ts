/** SQL for the person's own account: emailed links (password reset, email change), sessions, deletion. */
import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { USER_COLUMNS } from '../auth/auth.repository.ts';

// ── users ────────────────────────────────────────────────────────────────────────────────────────

/** The user with their password hash, for a password check. */
export function findUserWithPassword(db: Kysely<DB>, id: string) {
  return db
    .selectFrom('users')
    .select([...USER_COLUMNS, 'password_hash'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/**
 * Locks the user's row (FOR NO KEY UPDATE: rows that only reference the user, an FK check, do not
 * wait): the account's links are issued one at a time.
 */
export function lockUser(db: Kysely<DB>, by: { id: string } | { email: string }) {
  let query = db.selectFrom('users').select(['id', 'email', 'name']);
  query = 'id' in by ? query.where('id', '=', by.id) : query.where('email', '=', by.email);
  return query.forNoKeyUpdate().executeTakeFirst();
}

export function isEmailHeld(db: Kysely<DB>, email: string) {
  return db
    .selectFrom('users')
    .select('id')
    .where('email', '=', email)
    .executeTakeFirst()
    .then((r) => r !== undefined);
}

export function updateName(db: Kysely<DB>, id: string, name: string) {
  return db
    .updateTable('users')
    .set({ name, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('name', '<>', name)
    .returning(USER_COLUMNS)
    .executeTakeFirst();
}

/**
 * Sets the password hash; `expected` makes it compare-and-set against the hash the current password
 * was checked with (a concurrent change in between wins, this one writes nothing). `verified` marks
 * the address verified too (a reset link proved it). A sign-in started with the old password and
 * waiting for its second factor can no longer be finished.
 */
export async function setPasswordHash(
  db: Kysely<DB>,
  id: string,
  hash: string,
  opts: { expected?: string | null; verified?: boolean } = {},
) {
  let query = db
    .updateTable('users')
    .set({
      password_hash: hash,
      updated_at: sql<Date>`now()`,
      ...(opts.verified && { email_verified_at: sql<Date>`coalesce(email_verified_at, now())` }),
    })
    .where('id', '=', id);
  if (opts.expected !== undefined) {
    query =
      opts.expected === null
        ? query.where('password_hash', 'is', null)
        : query.where('password_hash', '=', opts.expected);
  }
  const user = await query.returning(USER_COLUMNS).executeTakeFirst();
  if (user) {
    await db.deleteFrom('auth_challenges').where('user_id', '=', id).where('purpose', '=', 'mfa').execute();
  }
  return user;
}

/** The new address, verified (the link proved it). The unique index users_email_key guards it. */
export function updateEmail(db: Kysely<DB>, id: string, email: string) {
  return db
    .updateTable('users')
    .set({ email, email_verified_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returning(USER_COLUMNS)
    .executeTakeFirstOrThrow();
}

/** The unique index on users' addresses said no: another account took the address first. */
export function isEmailConflict(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string };
  return e.code === '23505' && e.constraint === 'users_email_key';
}

export function deleteUser(db: Kysely<DB>, id: string) {
  return db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
}

// ── emailed links: password_resets and email_changes share their shape ─────────────────────────

type LinkTable = 'password_resets' | 'email_changes';

/** The link with this id as it stands, and whether it has expired (by the database's clock). */
export function findLink(db: Kysely<DB>, table: LinkTable, id: string) {
  return db
    .selectFrom(table)
    .select([
      'id',
      'user_id',
      'secret_hash',
      'used_at',
      'superseded_at',
      sql<boolean>`expires_at <= now()`.as('expired'),
    ])
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Ends the user's open links of one kind (a newer one replaces them, or the account changed). */
export async function supersedeOpenLinks(
  db: Kysely<DB>,
  table: LinkTable,
  userId: string,
  exceptId?: string,
) {
  let query = db
    .updateTable(table)
    .set({ superseded_at: sql<Date>`now()` })
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .where('superseded_at', 'is', null);
  if (exceptId) query = query.where('id', '<>', exceptId);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Compare-and-set: uses the link only while it is open and unexpired. Of concurrent uses exactly one
 * gets the row back; the others get nothing, and read the row again to learn why.
 */
export function usePasswordReset(db: Kysely<DB>, id: string) {
  return db
    .updateTable('password_resets')
    .set({ used_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('superseded_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returning(['user_id'])
    .executeTakeFirst();
}

export function useEmailChange(db: Kysely<DB>, id: string) {
  return db
    .updateTable('email_changes')
    .set({ used_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('superseded_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returning(['user_id', 'new_email'])
    .executeTakeFirst();
}

export function insertPasswordReset(
  db: Kysely<DB>,
  r: { id: string; userId: string; secretHash: Buffer; ttlMinutes: number },
) {
  return db
    .insertInto('password_resets')
    .values({
      id: r.id,
      user_id: r.userId,
      secret_hash: r.secretHash,
      expires_at: sql<Date>`now() + make_interval(mins => ${r.ttlMinutes})`,
    })
    .execute();
}

export function insertEmailChange(
  db: Kysely<DB>,
  c: { id: string; userId: string; newEmail: string; secretHash: Buffer; ttlHours: number },
) {
  return db
    .insertInto('email_changes')
    .values({
      id: c.id,
      user_id: c.userId,
      new_email: c.newEmail,
      secret_hash: c.secretHash,
      expires_at: sql<Date>`now() + make_interval(hours => ${c.ttlHours})`,
    })
    .returning(['expires_at'])
    .executeTakeFirstOrThrow();
}

export function passwordResetExists(db: Kysely<DB>, id: string) {
  return db
    .selectFrom('password_resets')
    .select('id')
    .where('id', '=', id)
    .executeTakeFirst()
    .then((r) => r !== undefined);
}

/** Reset links issued to the user within the last `seconds` (each one an email sent). */
export async function countRecentResets(db: Kysely<DB>, userId: string, seconds: number) {
  const row = await db
    .selectFrom('password_resets')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('user_id', '=', userId)
    .where('created_at', '>', sql<Date>`now() - make_interval(secs => ${seconds})`)
    .executeTakeFirstOrThrow();
  return row.n;
}

/** An anonymous password-reset request, taken in for the worker to decide on (see password-reset). */
export function enqueuePasswordReset(db: Kysely<DB>, job: { id: string; email: string; ip: string | null }) {
  return db
    .insertInto('outbox')
    .values({ organization_id: null, kind: 'password_reset', payload: JSON.stringify(job) })
    .execute();
}

// ── sessions ─────────────────────────────────────────────────────────────────────────────────────

/** The user's live sessions, newest first. */
export function listLiveSessions(db: Kysely<DB>, userId: string) {
  return db
    .selectFrom('sessions')
    .select(['id', 'created_at', 'last_used_at', 'expires_at', 'ip', 'user_agent', 'auth_methods'])
    .where('user_id', '=', userId)
    .where('expires_at', '>', sql<Date>`now()`)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/** Deletes the user's sessions, all or all but `exceptId`; how many there were. */
export async function deleteSessionsOf(db: Kysely<DB>, userId: string, exceptId?: string) {
  let query = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (exceptId) query = query.where('id', '<>', exceptId);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Deletes one session of the user's own; false when it is not theirs (or not there). */
export async function deleteOwnSession(db: Kysely<DB>, userId: string, id: string) {
  const result = await db
    .deleteFrom('sessions')
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

// ── account deletion ─────────────────────────────────────────────────────────────────────────────

/** Ids of the organizations where the user is an active owner, in id order (the order they are locked in). */
export async function ownedOrgIds(db: Kysely<DB>, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('memberships')
    .select('organization_id')
    .where('user_id', '=', userId)
    .where('role', '=', 'owner')
    .where('status', '=', 'active')
    .orderBy('organization_id')
    .execute();
  return rows.map((r) => r.organization_id);
}

/**
 * Every membership of the user, locked (FOR UPDATE): no role change, removal or answer touches them
 * until the account is gone. Read under the lock, so the roles are the ones committed last.
 */
export function lockMembershipsOf(db: Kysely<DB>, userId: string) {
  return db
    .selectFrom('memberships as m')
    .innerJoin('organizations as o', 'o.id', 'm.organization_id')
    .select(['m.id', 'm.organization_id', 'm.role', 'm.status', 'm.source', 'o.slug', 'o.name'])
    .where('m.user_id', '=', userId)
    .orderBy('m.organization_id')
    .forUpdate('m')
    .execute();
}

/** Active owners of the organization other than `userId`. */
export async function countOtherOwners(db: Kysely<DB>, organizationId: string, userId: string) {
  const row = await db
    .selectFrom('memberships')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('organization_id', '=', organizationId)
    .where('role', '=', 'owner')
    .where('status', '=', 'active')
    .where('user_id', '<>', userId)
    .executeTakeFirstOrThrow();
  return row.n;
}

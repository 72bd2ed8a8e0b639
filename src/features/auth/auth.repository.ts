/** SQL for users, sessions and email verifications. */
import { type Kysely, sql } from 'kysely';
import { compiledOnce } from '../../db/compiled.ts';
import type { DB } from '../../db/schema.ts';
import { uuidv7 } from '../../lib/ids.ts';
import { byRefColumn, orgWithMembershipQuery } from '../organizations/organization.repository.ts';

export const USER_COLUMNS = ['id', 'email', 'name', 'email_verified_at', 'created_at'] as const;

export function insertUser(
  db: Kysely<DB>,
  values: { email: string; name: string; passwordHash: string; verified: boolean },
) {
  return db
    .insertInto('users')
    .values({
      id: uuidv7(),
      email: values.email,
      name: values.name,
      password_hash: values.passwordHash,
      email_verified_at: values.verified ? sql<Date>`now()` : null,
    })
    .onConflict((oc) => oc.column('email').doNothing())
    .returning(USER_COLUMNS)
    .executeTakeFirst();
}

export function findUserByEmail(db: Kysely<DB>, email: string) {
  return db
    .selectFrom('users')
    .select([...USER_COLUMNS, 'password_hash'])
    .where('email', '=', email)
    .executeTakeFirst();
}

export function findUserById(db: Kysely<DB>, id: string) {
  return db.selectFrom('users').select(USER_COLUMNS).where('id', '=', id).executeTakeFirst();
}

export function insertSession(
  db: Kysely<DB>,
  s: {
    id: string;
    userId: string;
    secretHash: Buffer;
    ttlDays: number;
    userAgent: string | null;
    ip: string | null;
    methods: string[];
  },
) {
  return db
    .insertInto('sessions')
    .values({
      id: s.id,
      user_id: s.userId,
      secret_hash: s.secretHash,
      user_agent: s.userAgent?.slice(0, 500) ?? null,
      ip: s.ip,
      auth_methods: s.methods,
      expires_at: sql<Date>`now() + make_interval(days => ${s.ttlDays})`,
    })
    .returning(['expires_at'])
    .executeTakeFirstOrThrow();
}

/** How long a session's `last_used_at` may lag behind its use: the hot path writes at most this often. */
export const SESSION_TOUCH_INTERVAL = sql`interval '5 minutes'`;

/**
 * The live session with this id and its user, in one query; `stale` says its `last_used_at` is older
 * than {@link SESSION_TOUCH_INTERVAL} (the database's clock decides, as for the write that follows).
 */
const sessionById = compiledOnce(['id'], (db, p: { id: string }) =>
  db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select([
      's.id as session_id',
      's.secret_hash',
      sql<boolean>`s.last_used_at < now() - ${SESSION_TOUCH_INTERVAL}`.as('stale'),
      'u.id',
      'u.email',
      'u.name',
      'u.email_verified_at',
      'u.created_at',
    ])
    .where('s.id', '=', p.id)
    .where('s.expires_at', '>', sql<Date>`now()`),
);

/** The live session and its user (sessionById): every signed-in request's first statement, built once. */
export async function findSession(db: Kysely<DB>, id: string) {
  return (await sessionById(db, { id })).rows[0];
}

const sessionWithOrg = byRefColumn(['id', 'ref'], (db, column, p: { id: string; ref: string }) =>
  db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .leftJoinLateral(
      (eb) => orgWithMembershipQuery(db, column, p.ref, eb.ref('s.user_id')).as('org'),
      (j) => j.onTrue(),
    )
    .select([
      's.id as session_id',
      's.secret_hash',
      sql<boolean>`s.last_used_at < now() - ${SESSION_TOUCH_INTERVAL}`.as('stale'),
      'u.id as user_id',
      'u.email as user_email',
      'u.name as user_name',
      'u.email_verified_at as user_email_verified_at',
      'u.created_at as user_created_at',
    ])
    .selectAll('org')
    .where('s.id', '=', p.id)
    .where('s.expires_at', '>', sql<Date>`now()`),
);

/**
 * findSession and, in the same round trip, the organization `ref` names with the session's user's
 * membership in it (orgWithMembershipQuery): what a request to an organization's route needs first.
 * The user's columns are prefixed `user_`; the organization's are null when there is no such
 * organization.
 */
export async function findSessionWithOrg(db: Kysely<DB>, id: string, ref: string) {
  return (await sessionWithOrg(db, ref, { id })).rows[0];
}

/**
 * Records a use of the session, unless one was recorded in the last few minutes: conditional, so
 * concurrent requests of one session write once, and a fresh session is never written to.
 */
export function touchSession(db: Kysely<DB>, id: string) {
  return db
    .updateTable('sessions')
    .set({ last_used_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('last_used_at', '<', sql<Date>`now() - ${SESSION_TOUCH_INTERVAL}`)
    .execute();
}

export function deleteSession(db: Kysely<DB>, id: string) {
  return db.deleteFrom('sessions').where('id', '=', id).execute();
}

export function insertEmailVerification(
  db: Kysely<DB>,
  v: { id: string; userId: string; email: string; secretHash: Buffer; ttlHours: number },
) {
  return db
    .insertInto('email_verifications')
    .values({
      id: v.id,
      user_id: v.userId,
      email: v.email,
      secret_hash: v.secretHash,
      expires_at: sql<Date>`now() + make_interval(hours => ${v.ttlHours})`,
    })
    .execute();
}

/** Drops the user's unused verification tokens: a new link replaces the earlier ones. */
export function deleteUnusedEmailVerifications(db: Kysely<DB>, userId: string) {
  return db
    .deleteFrom('email_verifications')
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .execute();
}

export function findEmailVerification(db: Kysely<DB>, id: string) {
  return db
    .selectFrom('email_verifications')
    .select(['id', 'user_id', 'email', 'secret_hash', 'expires_at', 'used_at'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Compare-and-set: only one caller uses a verification token. */
export function useEmailVerification(db: Kysely<DB>, id: string) {
  return db
    .updateTable('email_verifications')
    .set({ used_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returning(['user_id', 'email'])
    .executeTakeFirst();
}

/** Marks the user's email verified, provided it is still the address the token was sent to. */
export function markEmailVerified(db: Kysely<DB>, userId: string, email: string) {
  return db
    .updateTable('users')
    .set({ email_verified_at: sql<Date>`coalesce(email_verified_at, now())`, updated_at: sql<Date>`now()` })
    .where('id', '=', userId)
    .where('email', '=', email)
    .returning(['id', 'email_verified_at'])
    .executeTakeFirst();
}

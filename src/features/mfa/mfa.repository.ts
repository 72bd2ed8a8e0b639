/** SQL for second factors: TOTP, recovery codes, passkeys, and sign-in / WebAuthn challenges. */
import { type Expression, type Kysely, type RawBuilder, sql } from 'kysely';
import type { AuthChallengePurpose, DB } from '../../db/schema.ts';
import { uuidv7 } from '../../lib/ids.ts';

/**
 * True when the user `userId` (a column or a parameter) has a second factor: a confirmed authenticator
 * app or a passkey. Recovery codes alone are not one (they stand in for a lost factor). The one
 * definition that the organization gate, the permission check and the services use; two index probes.
 */
export function secondFactorEnrolled(userId: Expression<string> | string): RawBuilder<boolean> {
  return sql<boolean>`(EXISTS (SELECT 1 FROM totp_factors f
                              WHERE f.user_id = ${userId} AND f.confirmed_at IS NOT NULL)
                   OR EXISTS (SELECT 1 FROM webauthn_credentials w WHERE w.user_id = ${userId}))`;
}

/** What the account can answer a sign-in challenge with, in one query. */
export async function factorsOf(db: Kysely<DB>, userId: string) {
  const result = await sql<{ totp: boolean; passkey: boolean; recovery_code: boolean }>`
    SELECT EXISTS (SELECT 1 FROM totp_factors WHERE user_id = ${userId} AND confirmed_at IS NOT NULL) AS totp,
           EXISTS (SELECT 1 FROM webauthn_credentials WHERE user_id = ${userId}) AS passkey,
           EXISTS (SELECT 1 FROM recovery_codes WHERE user_id = ${userId} AND used_at IS NULL) AS recovery_code
  `.execute(db);
  return result.rows[0] ?? { totp: false, passkey: false, recovery_code: false };
}

export async function hasSecondFactor(db: Kysely<DB>, userId: string): Promise<boolean> {
  const result = await sql<{ enrolled: boolean }>`SELECT ${secondFactorEnrolled(userId)} AS enrolled`.execute(
    db,
  );
  return result.rows[0]?.enrolled === true;
}

const USER_COLUMNS = ['id', 'email', 'name', 'email_verified_at', 'created_at'] as const;

export function findUser(db: Kysely<DB>, userId: string) {
  return db.selectFrom('users').select(USER_COLUMNS).where('id', '=', userId).executeTakeFirst();
}

// --- TOTP -------------------------------------------------------------------------------------------

export function findTotp(db: Kysely<DB>, userId: string) {
  return db
    .selectFrom('totp_factors')
    .select(['user_id', 'secret', 'confirmed_at', 'last_used_step', 'created_at'])
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

/**
 * Starts (or restarts) an enrolment with a new secret. Undefined when a confirmed authenticator is
 * already there: the upsert replaces only an unconfirmed row, so no check-then-write race.
 */
export function startTotp(db: Kysely<DB>, userId: string, sealedSecret: string) {
  return db
    .insertInto('totp_factors')
    .values({ user_id: userId, secret: sealedSecret })
    .onConflict((oc) =>
      oc
        .column('user_id')
        .doUpdateSet({ secret: sealedSecret, created_at: sql<Date>`now()`, last_used_step: null })
        .where('totp_factors.confirmed_at', 'is', null),
    )
    .returning(['user_id', 'created_at'])
    .executeTakeFirst();
}

/**
 * Confirms the enrolment whose secret is still `sealedSecret` (a restart in between changed it), and
 * records the step of the confirming code so that code cannot sign in too.
 */
export function confirmTotp(db: Kysely<DB>, userId: string, sealedSecret: string, step: number) {
  return db
    .updateTable('totp_factors')
    .set({ confirmed_at: sql<Date>`now()`, last_used_step: step })
    .where('user_id', '=', userId)
    .where('confirmed_at', 'is', null)
    .where('secret', '=', sealedSecret)
    .returning(['confirmed_at'])
    .executeTakeFirst();
}

/**
 * Spends the 30-second step `step` of a confirmed authenticator: compare-and-set, so a code (and any
 * code of an earlier step) is accepted once, even by two requests at the same instant.
 */
export async function useTotpStep(db: Kysely<DB>, userId: string, step: number): Promise<boolean> {
  const row = await db
    .updateTable('totp_factors')
    .set({ last_used_step: step })
    .where('user_id', '=', userId)
    .where('confirmed_at', 'is not', null)
    .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', String(step))]))
    .returning('user_id')
    .executeTakeFirst();
  return row !== undefined;
}

export function deleteTotp(db: Kysely<DB>, userId: string) {
  return db
    .deleteFrom('totp_factors')
    .where('user_id', '=', userId)
    .returning(['confirmed_at'])
    .executeTakeFirst();
}

// --- Recovery codes ---------------------------------------------------------------------------------

/** The user's codes become `hashes`: every earlier one, used or not, is gone. */
export async function replaceRecoveryCodes(db: Kysely<DB>, userId: string, hashes: Buffer[]) {
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  await db
    .insertInto('recovery_codes')
    .values(hashes.map((code_hash) => ({ id: uuidv7(), user_id: userId, code_hash })))
    .execute();
}

export function deleteRecoveryCodes(db: Kysely<DB>, userId: string) {
  return db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
}

export function unusedRecoveryCodes(db: Kysely<DB>, userId: string) {
  return db
    .selectFrom('recovery_codes')
    .select(['id', 'code_hash'])
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .execute();
}

/** Compare-and-set: of two uses of one code, one gets the row. */
export async function useRecoveryCode(db: Kysely<DB>, id: string): Promise<boolean> {
  const row = await db
    .updateTable('recovery_codes')
    .set({ used_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function countUnusedRecoveryCodes(db: Kysely<DB>, userId: string): Promise<number> {
  const row = await db
    .selectFrom('recovery_codes')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return row.n;
}

// --- Passkeys ---------------------------------------------------------------------------------------

const PASSKEY_COLUMNS = [
  'id',
  'user_id',
  'credential_id',
  'public_key',
  'counter',
  'transports',
  'device_type',
  'backed_up',
  'name',
  'created_at',
  'last_used_at',
] as const;

export function listPasskeys(db: Kysely<DB>, userId: string) {
  return db
    .selectFrom('webauthn_credentials')
    .select(PASSKEY_COLUMNS)
    .where('user_id', '=', userId)
    .orderBy('id')
    .execute();
}

export type PasskeyRow = Awaited<ReturnType<typeof listPasskeys>>[number];

export function findPasskeyByCredentialId(db: Kysely<DB>, credentialId: string) {
  return db
    .selectFrom('webauthn_credentials')
    .select(PASSKEY_COLUMNS)
    .where('credential_id', '=', credentialId)
    .executeTakeFirst();
}

export function insertPasskey(
  db: Kysely<DB>,
  p: {
    userId: string;
    credentialId: string;
    publicKey: Uint8Array;
    counter: number;
    transports: string[];
    deviceType: string;
    backedUp: boolean;
    name: string;
  },
) {
  return db
    .insertInto('webauthn_credentials')
    .values({
      id: uuidv7(),
      user_id: p.userId,
      credential_id: p.credentialId,
      public_key: p.publicKey,
      counter: p.counter,
      transports: p.transports,
      device_type: p.deviceType,
      backed_up: p.backedUp,
      name: p.name,
    })
    .onConflict((oc) => oc.column('credential_id').doNothing())
    .returning(PASSKEY_COLUMNS)
    .executeTakeFirst();
}

export function renamePasskey(db: Kysely<DB>, userId: string, id: string, name: string) {
  return db
    .updateTable('webauthn_credentials')
    .set({ name })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .returning(PASSKEY_COLUMNS)
    .executeTakeFirst();
}

export function deletePasskey(db: Kysely<DB>, userId: string, id: string) {
  return db
    .deleteFrom('webauthn_credentials')
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .returning(['id', 'name'])
    .executeTakeFirst();
}

/**
 * Records a use: the signature counter moves forward (compare-and-set, so of two assertions with one
 * counter value only one passes), or stays 0 for an authenticator that keeps none.
 */
export async function advanceCounter(db: Kysely<DB>, id: string, counter: number, backedUp: boolean) {
  const row = await db
    .updateTable('webauthn_credentials')
    .set({ counter, backed_up: backedUp, last_used_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where((eb) => (counter === 0 ? eb('counter', '=', '0') : eb('counter', '<', String(counter))))
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

// --- Challenges -------------------------------------------------------------------------------------

export function insertChallenge(
  db: Kysely<DB>,
  c: {
    id: string;
    purpose: AuthChallengePurpose;
    userId: string | null;
    secretHash?: Buffer | null;
    webauthnChallenge?: string | null;
    methods?: string[];
    ip: string | null;
    userAgent: string | null;
    ttlSeconds: number;
  },
) {
  return db
    .insertInto('auth_challenges')
    .values({
      id: c.id,
      purpose: c.purpose,
      user_id: c.userId,
      secret_hash: c.secretHash ?? null,
      webauthn_challenge: c.webauthnChallenge ?? null,
      methods: c.methods ?? [],
      ip: c.ip,
      user_agent: c.userAgent?.slice(0, 500) ?? null,
      expires_at: sql<Date>`now() + make_interval(secs => ${c.ttlSeconds})`,
    })
    .returning(['expires_at'])
    .executeTakeFirstOrThrow();
}

/** A challenge with what its checks need; `live` says whether it is unexpired (by the database clock). */
export function findChallenge(db: Kysely<DB>, id: string) {
  return db
    .selectFrom('auth_challenges')
    .select([
      'id',
      'purpose',
      'user_id',
      'secret_hash',
      'webauthn_challenge',
      'attempts',
      'methods',
      'used_at',
      'expires_at',
      sql<boolean>`expires_at > now()`.as('live'),
    ])
    .where('id', '=', id)
    .executeTakeFirst();
}

/**
 * Charges one answer to a live, unused sign-in challenge that has answers left, before the answer is
 * checked: concurrent guesses cannot get past `max` together. Undefined when it may not be answered.
 */
export function chargeChallenge(db: Kysely<DB>, id: string, max: number) {
  return db
    .updateTable('auth_challenges')
    .set({ attempts: sql<number>`attempts + 1` })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .where('attempts', '<', max)
    .returning(['attempts'])
    .executeTakeFirst();
}

/** Compare-and-set: a challenge is used once. */
export async function useChallenge(db: Kysely<DB>, id: string): Promise<boolean> {
  const row = await db
    .updateTable('auth_challenges')
    .set({ used_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/** Keeps the WebAuthn challenge of a sign-in waiting for a passkey as its second factor. */
export function setWebauthnChallenge(db: Kysely<DB>, id: string, challenge: string) {
  return db
    .updateTable('auth_challenges')
    .set({ webauthn_challenge: challenge })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returning('id')
    .executeTakeFirst();
}

/**
 * Spends the user's live registration challenge whose WebAuthn challenge is `challenge` (read from
 * the browser's answer): single use, even between two tabs answering at once.
 */
export function consumeRegistrationChallenge(db: Kysely<DB>, userId: string, challenge: string) {
  return db
    .updateTable('auth_challenges')
    .set({ used_at: sql<Date>`now()` })
    .where('user_id', '=', userId)
    .where('purpose', '=', 'passkey_register')
    .where('webauthn_challenge', '=', challenge)
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returning(['id', 'webauthn_challenge'])
    .executeTakeFirst();
}

/** Spends a live passwordless sign-in challenge; its WebAuthn challenge, or undefined. */
export function consumeSignInChallenge(db: Kysely<DB>, id: string) {
  return db
    .updateTable('auth_challenges')
    .set({ used_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('purpose', '=', 'passkey_sign_in')
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returning(['webauthn_challenge'])
    .executeTakeFirst();
}

/**
 * Deletes up to 100 challenges that ended more than an hour ago (kept that long to answer "expired"
 * rather than "unknown"). Called when challenges are made, so the table stays small without a timer.
 */
export function sweepChallenges(db: Kysely<DB>) {
  return db
    .deleteFrom('auth_challenges')
    .where(
      'id',
      'in',
      db
        .selectFrom('auth_challenges')
        .select('id')
        .where('expires_at', '<', sql<Date>`now() - interval '1 hour'`)
        .limit(100),
    )
    .execute();
}

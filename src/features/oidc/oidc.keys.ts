/**
 * The keys that sign ID tokens and JWT access tokens, kept in `oidc_signing_keys`.
 *
 * - The first start creates an ES256 key. Several instances starting together each try to insert one;
 *   a unique partial index allows a single current key, so one insert wins and every instance loads it.
 * - `roster keys rotate [--alg RS256]` retires the current key and makes a new one current, in one
 *   transaction. The retired key stays published at the JWKS endpoint until `drop_after`: the moment
 *   the last token it can have signed (an ID token, or an access token) expires, plus the clock
 *   tolerance. Then the sweep deletes it.
 * - Private keys are sealed with SECRETS_KEY when it is set (lib/secret-box.ts), as TOTP secrets are.
 * - Every instance re-reads the keys every {@link KEY_REFRESH_MS}: a rotation made by another process
 *   (the CLI on PostgreSQL) is signing everywhere within that time.
 */
import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/database.ts';
import { SealedSecretError, seal, unseal } from '../../lib/secret-box.ts';

export const KEY_ALGS = ['ES256', 'RS256'] as const;
export type KeyAlg = (typeof KEY_ALGS)[number];
/** How often each instance re-reads the signing keys. */
export const KEY_REFRESH_MS = 10_000;
/** Lifetime of ID tokens, in seconds (the engine's default). */
export const ID_TOKEN_TTL_SECONDS = 3600;
/** Clock skew tolerated between Roster and the hosts verifying its tokens, in seconds. */
export const CLOCK_TOLERANCE_SECONDS = 60;

export interface SigningKeys {
  /** The key that signs, and its algorithm. */
  current: { kid: string; alg: KeyAlg };
  /** Every published key, the current one first: private JWKs, for the engine. */
  jwks: JWK[];
  /** Identifies this set: when it changes, the engine is rebuilt with the new keys. */
  version: string;
}

async function generateKey(alg: KeyAlg): Promise<{ kid: string; jwk: JWK }> {
  const { privateKey } =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  return { kid, jwk: { ...jwk, kid, alg, use: 'sig' } };
}

/** The longest a token signed by a key can outlive the key's retirement, in seconds. */
export function keyRetentionSeconds(config: Pick<Config, 'oidcAccessTokenTtlSeconds'>): number {
  return Math.max(ID_TOKEN_TTL_SECONDS, config.oidcAccessTokenTtlSeconds) + CLOCK_TOLERANCE_SECONDS;
}

/** Creates the first key unless a current one exists (concurrent first starts agree on one). */
export async function ensureSigningKey(db: Database, config: Pick<Config, 'secretsKey'>): Promise<void> {
  const current = await db
    .selectFrom('oidc_signing_keys')
    .select('kid')
    .where('retired_at', 'is', null)
    .executeTakeFirst();
  if (current) return;
  const { kid, jwk } = await generateKey('ES256');
  await db
    .insertInto('oidc_signing_keys')
    .values({ kid, alg: 'ES256', private_jwk: seal(JSON.stringify(jwk), config.secretsKey) })
    // The unique partial index on the current key: of concurrent first starts, one insert wins.
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/**
 * Retires the current key (published until its last token expires) and makes a new `alg` key current.
 * Returns the new key's id and when the old one will be dropped.
 */
export async function rotateSigningKey(
  db: Database,
  config: Pick<Config, 'secretsKey' | 'oidcAccessTokenTtlSeconds'>,
  alg: KeyAlg,
): Promise<{ kid: string; alg: KeyAlg; retired: { kid: string; dropAfter: Date } | null }> {
  const { kid, jwk } = await generateKey(alg);
  const dropAfter = new Date(Date.now() + keyRetentionSeconds(config) * 1000);
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction().execute(async (trx) => {
        const retired = await trx
          .updateTable('oidc_signing_keys')
          .set({ retired_at: new Date(), drop_after: dropAfter })
          .where('retired_at', 'is', null)
          .returning('kid')
          .executeTakeFirst();
        await trx
          .insertInto('oidc_signing_keys')
          .values({ kid, alg, private_jwk: seal(JSON.stringify(jwk), config.secretsKey) })
          .execute();
        return { kid, alg, retired: retired ? { kid: retired.kid, dropAfter } : null };
      });
    } catch (err) {
      // Two rotations at once: the second's insert met the first's new key. Once more, after it.
      if ((err as { code?: string }).code !== '23505' || attempt > 0) throw err;
    }
  }
}

/**
 * The published keys, the current first. The current key must open (SealedSecretError otherwise: the
 * provider then signs nothing rather than with anything else); a retired one that does not (sealed
 * under an earlier SECRETS_KEY) is left out — its public half cannot be recovered without it.
 */
export async function loadSigningKeys(
  db: Database,
  config: Pick<Config, 'secretsKey'>,
): Promise<SigningKeys> {
  const rows = await db
    .selectFrom('oidc_signing_keys')
    .select(['kid', 'alg', 'private_jwk', 'retired_at'])
    .where((eb) => eb.or([eb('drop_after', 'is', null), eb('drop_after', '>', new Date())]))
    .orderBy('retired_at', (ob) => ob.desc().nullsFirst())
    .orderBy('created_at', 'desc')
    .execute();
  const current = rows.find((r) => r.retired_at === null);
  if (!current) throw new Error('no current OpenID Connect signing key');
  const jwks: JWK[] = [];
  for (const r of rows) {
    try {
      jwks.push(JSON.parse(unseal(r.private_jwk, config.secretsKey)) as JWK);
    } catch (err) {
      if (r === current || !(err instanceof SealedSecretError)) throw err;
    }
  }
  return {
    current: { kid: current.kid, alg: current.alg },
    jwks,
    version: rows.map((r) => `${r.kid}${r.retired_at ? '' : '*'}`).join(','),
  };
}

/** Just the key ids and state, to tell whether the engine's keys are stale (no private key is read). */
export async function signingKeysVersion(db: Database): Promise<string> {
  const rows = await db
    .selectFrom('oidc_signing_keys')
    .select(['kid', 'retired_at'])
    .where((eb) => eb.or([eb('drop_after', 'is', null), eb('drop_after', '>', new Date())]))
    .orderBy('retired_at', (ob) => ob.desc().nullsFirst())
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => `${r.kid}${r.retired_at ? '' : '*'}`).join(',');
}

export function listSigningKeys(db: Database) {
  return db
    .selectFrom('oidc_signing_keys')
    .select(['kid', 'alg', 'created_at', 'retired_at', 'drop_after'])
    .orderBy('created_at')
    .execute();
}

/** Deletes retired keys whose every token has expired. */
export async function sweepRetiredKeys(db: Database): Promise<number> {
  const result = await db
    .deleteFrom('oidc_signing_keys')
    .where('drop_after', '<', new Date())
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

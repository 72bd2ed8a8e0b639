/**
 * Installation tokens. The app trades its client id, client secret and a grant code for an access
 * token (8 h) and a refresh token; a refresh token buys a new pair once (both rotate). A grant code
 * works once: presented again, it is treated as stolen and every token it led to is revoked
 * (RFC 6749 §4.1.2); a refresh token used twice is handled the same way (RFC 9700 §4.14.2).
 */
import type { Kysely } from 'kysely';
import type { Context, Trx } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import { hashSecret, issueToken, parseToken, secretMatches } from '../../lib/crypto.ts';
import { invalidField } from '../../lib/errors.ts';
import { uuidv7 } from '../../lib/ids.ts';
import type { Actor } from '../audit/audit.repository.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import type { AppPrincipal } from '../auth/principal.ts';
import { AppErrors } from './app.errors.ts';
import * as repo from './app.repository.ts';
import { serializeInstallation } from './installation.service.ts';

export const ACCESS_TOKEN_TTL_SECONDS = 8 * 3600;
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;

const DECOY_HASH = hashSecret('not a secret anyone holds');

/** The app whose client id and secret these are, or 401 INVALID_CLIENT. */
async function authenticateClient(db: Kysely<DB>, clientId: string, clientSecret: string) {
  const client = await repo.findClient(db, clientId);
  const parsed = parseToken('rc', clientSecret);
  // Compare even when the client is unknown, so the time taken does not say which part was wrong.
  const matches = secretMatches(parsed?.secret ?? '', client?.client_secret_hash ?? DECOY_HASH);
  if (!client || !parsed || parsed.id !== client.id || !matches) throw AppErrors.INVALID_CLIENT();
  return client;
}

async function issuePair(trx: Trx, grant: { id: string; organizationId: string; installationId: string }) {
  const id = uuidv7();
  const access = issueToken('ra', id);
  const refresh = issueToken('rr', id);
  const row = await repo.insertTokens(trx, {
    id,
    organizationId: grant.organizationId,
    installationId: grant.installationId,
    grantId: grant.id,
    accessHash: access.secretHash,
    refreshHash: refresh.secretHash,
    accessTtlSeconds: ACCESS_TOKEN_TTL_SECONDS,
    refreshTtlSeconds: REFRESH_TOKEN_TTL_SECONDS,
  });
  const installation = await repo.findInstallation(trx, grant.installationId);
  if (!installation) throw AppErrors.INVALID_GRANT();
  return {
    accessToken: access.token,
    tokenType: 'Bearer' as const,
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
    expiresAt: row.access_expires_at,
    refreshToken: refresh.token,
    installation: serializeInstallation(installation),
  };
}

type Outcome = { ok: true; result: Awaited<ReturnType<typeof issuePair>> } | { ok: false; message: string };

/**
 * Runs `fn` in a transaction that commits whatever it did — a revocation included — and then
 * answers INVALID_GRANT when it says so: a refused replay must still revoke.
 */
async function committed(ctx: Context, fn: (trx: Trx) => Promise<Outcome>) {
  const outcome = await ctx.transaction(fn);
  if (!outcome.ok) throw AppErrors.INVALID_GRANT(undefined, outcome.message);
  return outcome.result;
}

export async function exchange(
  ctx: Context,
  input: {
    grantType: 'authorization_code' | 'refresh_token';
    clientId: string;
    clientSecret: string;
    code?: string;
    refreshToken?: string;
  },
  ip: string | null,
) {
  const client = await authenticateClient(ctx.db, input.clientId, input.clientSecret);
  const actor: Actor = { type: 'app', id: client.id, ip };
  if (input.grantType === 'authorization_code') {
    if (input.code === undefined) throw invalidField('code', 'is required with authorization_code');
    return committed(ctx, (trx) => exchangeCode(trx, client.id, input.code as string, actor));
  }
  if (input.refreshToken === undefined) throw invalidField('refreshToken', 'is required with refresh_token');
  return committed(ctx, (trx) => refresh(trx, client.id, input.refreshToken as string, actor));
}

async function exchangeCode(trx: Trx, appId: string, code: string, actor: Actor): Promise<Outcome> {
  const parsed = parseToken('rg', code);
  const grant = parsed ? await repo.lockGrant(trx, parsed.id) : undefined;
  // A code of another app's installation is as unknown as a made-up one.
  if (!parsed || !grant || grant.app_id !== appId || !secretMatches(parsed.secret, grant.code_hash)) {
    return { ok: false, message: 'The grant code is not valid.' };
  }
  if (grant.used_at === null && grant.expired) return { ok: false, message: 'The grant code has expired.' };
  if (grant.used_at !== null || !(await repo.markGrantUsed(trx, grant.id))) {
    const revoked = await repo.revokeGrantFamily(trx, grant.id);
    await recordAudit(trx, actor, {
      organizationId: grant.organization_id,
      action: 'installation.grant_replayed',
      targetType: 'installation',
      targetId: grant.installation_id,
      data: { revokedTokens: revoked },
    });
    return { ok: false, message: 'The grant code was already used; the tokens it issued are revoked.' };
  }
  const result = await issuePair(trx, {
    id: grant.id,
    organizationId: grant.organization_id,
    installationId: grant.installation_id,
  });
  await recordAudit(trx, actor, {
    organizationId: grant.organization_id,
    action: 'installation.token_issued',
    targetType: 'installation',
    targetId: grant.installation_id,
    data: { grantType: 'authorization_code' },
  });
  return { ok: true, result };
}

async function refresh(trx: Trx, appId: string, token: string, actor: Actor): Promise<Outcome> {
  const parsed = parseToken('rr', token);
  const row = parsed ? await repo.lockTokens(trx, parsed.id) : undefined;
  if (!parsed || !row || row.app_id !== appId || !secretMatches(parsed.secret, row.refresh_hash)) {
    return { ok: false, message: 'The refresh token is not valid.' };
  }
  if (row.revoked_at === null && row.expired) return { ok: false, message: 'The refresh token has expired.' };
  if (row.revoked_at !== null || !(await repo.revokeTokens(trx, row.id))) {
    const revoked = await repo.revokeGrantFamily(trx, row.grant_id);
    await recordAudit(trx, actor, {
      organizationId: row.organization_id,
      action: 'installation.refresh_replayed',
      targetType: 'installation',
      targetId: row.installation_id,
      data: { revokedTokens: revoked },
    });
    return { ok: false, message: 'The refresh token was already used; the tokens it led to are revoked.' };
  }
  const result = await issuePair(trx, {
    id: row.grant_id,
    organizationId: row.organization_id,
    installationId: row.installation_id,
  });
  await recordAudit(trx, actor, {
    organizationId: row.organization_id,
    action: 'installation.token_issued',
    targetType: 'installation',
    targetId: row.installation_id,
    data: { grantType: 'refresh_token' },
  });
  return { ok: true, result };
}

/** The app behind a live access token (`ra_…`), or null. */
export async function resolveAppToken(db: Kysely<DB>, token: string): Promise<AppPrincipal | null> {
  const parsed = parseToken('ra', token);
  if (!parsed) return null;
  const row = await repo.findLiveAccessToken(db, parsed.id);
  if (!row || !secretMatches(parsed.secret, row.access_hash)) return null;
  return {
    kind: 'app',
    tokenId: row.id,
    appId: row.app_id,
    appSlug: row.app_slug,
    installationId: row.installation_id,
    organizationId: row.organization_id,
    scopes: row.scopes,
  };
}

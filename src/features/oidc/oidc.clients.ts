/**
 * OpenID Connect clients (relying parties), registered by the operator: `roster client create` or
 * `POST /v1/oidc/clients` with an API key holding `clients:admin`.
 *
 * - A confidential client (the default) gets a secret, shown once; Roster keeps its SHA-256 only, and
 *   the engine's secret comparison is replaced (oidc.provider.ts) by a constant-time comparison of
 *   hashes, so the secret itself is never stored nor needed again. It authenticates with HTTP Basic
 *   (`client_secret_basic`, RFC 6749 §2.3.1's must-support method).
 * - A public client (`--public`: a single-page or mobile app) has no secret and must use PKCE.
 * - A first-party client (`--first-party`: the operator's own application) skips the consent step.
 * - `--grant client_credentials` makes a machine client (no person, no redirect URI).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import type { ClientMetadata } from 'oidc-provider';
import type { Database } from '../../db/database.ts';
import { invalidField } from '../../lib/errors.ts';
import { uuidv7 } from '../../lib/ids.ts';
import { recordAudit, SYSTEM_ACTOR } from '../audit/audit.repository.ts';
import { OidcErrors } from './oidc.errors.ts';

export const GRANT_TYPES = ['authorization_code', 'client_credentials'] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

/** What the table holds for the secret: its SHA-256, shown to the engine as `sha256:<base64url>`. */
const HASH_PREFIX = 'sha256:';

/**
 * A client secret: `ro_` + 32 hex characters + 43 base64url characters (256 random bits in all), the
 * shape lib/redact.ts recognises, so a secret pasted into a URL never reaches a log line.
 */
function newSecret(): string {
  return `ro_${randomBytes(16).toString('hex')}${randomBytes(32).toString('base64url')}`;
}

const sha256 = (secret: string) => createHash('sha256').update(secret, 'utf8').digest();

/** Constant-time comparison of a presented secret with the stored `sha256:<base64url>` form. */
export function secretMatchesHash(presented: unknown, stored: string | undefined): boolean {
  if (typeof presented !== 'string' || !stored?.startsWith(HASH_PREFIX)) return false;
  const expected = Buffer.from(stored.slice(HASH_PREFIX.length), 'base64url');
  const given = sha256(presented);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The client as the engine reads it (Client metadata, RFC 7591 names). */
export function clientMetadata(row: {
  id: string;
  name: string;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  grant_types: string[];
  public: boolean;
  first_party: boolean;
  secret_hash: Uint8Array | null;
}): ClientMetadata {
  const interactive = row.grant_types.includes('authorization_code');
  const grantTypes = [...row.grant_types];
  if (interactive) grantTypes.push('refresh_token');
  return {
    client_id: row.id,
    client_name: row.name,
    redirect_uris: row.redirect_uris,
    post_logout_redirect_uris: row.post_logout_redirect_uris,
    grant_types: grantTypes,
    response_types: interactive ? ['code'] : [],
    token_endpoint_auth_method: row.public ? 'none' : 'client_secret_basic',
    ...(row.secret_hash
      ? { client_secret: `${HASH_PREFIX}${Buffer.from(row.secret_hash).toString('base64url')}` }
      : {}),
    // Roster's own property: the operator's application, which needs no consent.
    'urn:roster:first_party': row.first_party,
  };
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A redirect URI (RFC 9700 §2.1, §4.1.3): absolute, no fragment, https — or http to a loopback host
 * for development — or a private-use scheme (`com.example.app:/callback`) for a native app.
 */
function checkRedirectUri(uri: string, field: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw OidcErrors.INVALID_REDIRECT_URI([{ field, message: `'${uri}' is not an absolute URL` }]);
  }
  const bad = (message: string) => OidcErrors.INVALID_REDIRECT_URI([{ field, message }]);
  if (url.hash || uri.includes('#')) throw bad('must not have a fragment');
  if (url.username || url.password) throw bad('must not carry credentials');
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) {
    throw bad('must be https (http only for localhost, 127.0.0.1 or [::1])');
  }
  if (['javascript:', 'data:', 'file:', 'vbscript:'].includes(url.protocol))
    throw bad('has a forbidden scheme');
  if (
    url.protocol !== 'https:' &&
    url.protocol !== 'http:' &&
    !/^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+:$/.test(url.protocol)
  ) {
    throw bad('a native app must use a reverse-domain private-use scheme (com.example.app:/callback)');
  }
  return uri;
}

export interface NewClient {
  name: string;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  public?: boolean;
  firstParty?: boolean;
  grantTypes?: GrantType[];
}

export interface ClientView {
  id: string;
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: string[];
  public: boolean;
  firstParty: boolean;
  createdAt: Date;
}

function view(row: {
  id: string;
  name: string;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  grant_types: string[];
  public: boolean;
  first_party: boolean;
  created_at: Date;
}): ClientView {
  return {
    id: row.id,
    name: row.name,
    redirectUris: row.redirect_uris,
    postLogoutRedirectUris: row.post_logout_redirect_uris,
    grantTypes: row.grant_types,
    public: row.public,
    firstParty: row.first_party,
    createdAt: row.created_at,
  };
}

/** Registers a client; the answer holds its secret (confidential clients), which is never shown again. */
export async function createClient(
  db: Database,
  input: NewClient,
): Promise<ClientView & { clientSecret: string | null }> {
  const name = input.name.trim();
  if (!name || name.length > 100) throw invalidField('name', 'must be 1 to 100 characters');
  const grantTypes = [...new Set(input.grantTypes?.length ? input.grantTypes : ['authorization_code'])];
  for (const [i, g] of grantTypes.entries()) {
    if (!(GRANT_TYPES as readonly string[]).includes(g)) {
      throw invalidField(`grantTypes.${i}`, `must be one of ${GRANT_TYPES.join(', ')}`);
    }
  }
  const interactive = grantTypes.includes('authorization_code');
  const redirectUris = [...new Set(input.redirectUris ?? [])].map((u, i) =>
    checkRedirectUri(u, `redirectUris.${i}`),
  );
  const logoutUris = [...new Set(input.postLogoutRedirectUris ?? [])].map((u, i) =>
    checkRedirectUri(u, `postLogoutRedirectUris.${i}`),
  );
  if (interactive && redirectUris.length === 0) {
    throw invalidField(
      'redirectUris',
      'name at least one redirect URI (the authorization code flow needs one)',
    );
  }
  if (!interactive && (redirectUris.length || logoutUris.length)) {
    throw invalidField('redirectUris', 'a client_credentials-only client has no redirect URIs');
  }
  if (input.public && grantTypes.includes('client_credentials')) {
    throw invalidField('public', 'a public client cannot use client_credentials (it has no secret)');
  }
  const secret = input.public ? null : newSecret();
  const id = uuidv7();
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('oidc_clients')
      .values({
        id,
        name,
        redirect_uris: redirectUris,
        post_logout_redirect_uris: logoutUris,
        grant_types: grantTypes,
        public: input.public === true,
        first_party: input.firstParty === true,
        secret_hash: secret ? sha256(secret) : null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, SYSTEM_ACTOR, {
      organizationId: null,
      action: 'oidc_client.created',
      targetType: 'oidc_client',
      targetId: id,
      data: { name, grantTypes, public: row.public, firstParty: row.first_party },
    });
    return { ...view(row), clientSecret: secret };
  });
}

export async function listClients(db: Database): Promise<ClientView[]> {
  const rows = await db.selectFrom('oidc_clients').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map(view);
}

/**
 * Removes a client and everything the engine holds for it: its grants, codes and tokens stop working
 * at once (refresh tokens and opaque access tokens; a JWT access token already issued lives out its
 * short lifetime).
 */
export async function deleteClient(db: Database, id: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await trx.deleteFrom('oidc_clients').where('id', '=', id).returning('id').executeTakeFirst();
    if (!row) throw OidcErrors.CLIENT_NOT_FOUND();
    // Grants, codes and tokens name their client; sessions keep only a dead entry for it.
    await trx.deleteFrom('oidc_payloads').where(sql<string>`payload->>'clientId'`, '=', id).execute();
    await recordAudit(trx, SYSTEM_ACTOR, {
      organizationId: null,
      action: 'oidc_client.deleted',
      targetType: 'oidc_client',
      targetId: id,
    });
  });
}

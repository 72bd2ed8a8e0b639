/**
 * Roster as an OpenID Connect provider (features/oidc): what the engine (oidc-provider) stores, the
 * clients the operator registers, and the keys that sign ID and access tokens.
 *
 * `oidc_payloads` is the engine's storage, one row per artifact (authorization code, access and refresh
 * token, grant, session, interaction, …) keyed by (kind, id), so every instance sees every other's codes,
 * grants and sessions. The payload is the engine's JSON; the columns beside it are what the engine looks
 * artifacts up by (grant, user code, session uid) and when they expire. Expired rows are swept.
 *
 * `oidc_signing_keys`: at most one current key (`retired_at IS NULL`, a unique partial index: of several
 * instances creating the first key together, one insert wins). A retired key stays published until
 * `drop_after`, when every token it signed has expired. The private key is sealed with SECRETS_KEY
 * when it is set (lib/secret-box.ts).
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE oidc_payloads (
      kind text NOT NULL,
      id text NOT NULL,
      payload jsonb NOT NULL,
      grant_id text,
      user_code text,
      uid text,
      expires_at timestamptz,
      consumed_at timestamptz,
      PRIMARY KEY (kind, id)
    );
    CREATE INDEX oidc_payloads_grant_id_idx ON oidc_payloads (grant_id) WHERE grant_id IS NOT NULL;
    CREATE INDEX oidc_payloads_uid_idx ON oidc_payloads (uid) WHERE uid IS NOT NULL;
    CREATE INDEX oidc_payloads_user_code_idx ON oidc_payloads (user_code) WHERE user_code IS NOT NULL;
    -- a consent given before is found by (person, client)
    CREATE INDEX oidc_payloads_grant_owner_idx ON oidc_payloads ((payload->>'accountId'), (payload->>'clientId'))
      WHERE kind = 'Grant';
    CREATE INDEX oidc_payloads_expires_at_idx ON oidc_payloads (expires_at) WHERE expires_at IS NOT NULL;

    CREATE TABLE oidc_clients (
      id text PRIMARY KEY,
      name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
      redirect_uris text[] NOT NULL DEFAULT '{}',
      post_logout_redirect_uris text[] NOT NULL DEFAULT '{}',
      grant_types text[] NOT NULL,
      -- a public client (a browser or mobile app) has no secret and must use PKCE
      public boolean NOT NULL,
      -- a first-party client skips the consent step
      first_party boolean NOT NULL DEFAULT false,
      -- SHA-256 of the client secret; the secret itself is shown once
      secret_hash bytea,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT oidc_clients_secret CHECK (public = (secret_hash IS NULL))
    );

    CREATE TABLE oidc_signing_keys (
      kid text PRIMARY KEY,
      alg text NOT NULL CHECK (alg IN ('ES256', 'RS256')),
      -- the private JWK, sealed (gcm1:…) or, without SECRETS_KEY, as it is (plain:…)
      private_jwk text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      retired_at timestamptz,
      -- published until then: the expiry of the last token it can have signed
      drop_after timestamptz,
      CHECK ((retired_at IS NULL) = (drop_after IS NULL))
    );
    CREATE UNIQUE INDEX oidc_signing_keys_one_current ON oidc_signing_keys ((true)) WHERE retired_at IS NULL;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE oidc_signing_keys, oidc_clients, oidc_payloads;`.execute(db);
}

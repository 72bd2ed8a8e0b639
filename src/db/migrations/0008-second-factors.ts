/**
 * Second factors: a TOTP authenticator (its secret encrypted with SECRETS_KEY when set, like webhook
 * secrets, since it must be read back to check a code), single-use recovery codes (hashed), passkeys
 * (WebAuthn credentials: public keys), the short-lived challenges of a sign-in waiting for its second
 * factor and of WebAuthn ceremonies, the methods each session was signed in with, and the
 * organization setting that requires a second factor of its members.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- how the session was signed in: 'pwd', 'otp', 'recovery_code', 'passkey', 'reset_link', …
    ALTER TABLE sessions ADD COLUMN auth_methods text[] NOT NULL DEFAULT '{pwd}';

    CREATE TABLE totp_factors (
      user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
      secret text NOT NULL,
      -- null while enrolment waits for its first code
      confirmed_at timestamptz,
      -- the last 30-second step a code was accepted for: a code is never accepted twice
      last_used_step bigint,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT totp_factors_step_once_confirmed CHECK (confirmed_at IS NOT NULL OR last_used_step IS NULL)
    );

    CREATE TABLE recovery_codes (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      code_hash bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      used_at timestamptz
    );
    CREATE INDEX recovery_codes_user_id_idx ON recovery_codes (user_id);

    CREATE TABLE webauthn_credentials (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      -- base64url credential id, as the authenticator gives it
      credential_id text NOT NULL,
      public_key bytea NOT NULL,
      counter bigint NOT NULL DEFAULT 0,
      transports text[] NOT NULL DEFAULT '{}',
      device_type text,
      backed_up boolean NOT NULL DEFAULT false,
      name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
      created_at timestamptz NOT NULL DEFAULT now(),
      last_used_at timestamptz,
      CHECK (counter >= 0)
    );
    CREATE UNIQUE INDEX webauthn_credentials_credential_id_key ON webauthn_credentials (credential_id);
    CREATE INDEX webauthn_credentials_user_id_idx ON webauthn_credentials (user_id);

    -- A sign-in whose password was right, waiting for the second factor; and WebAuthn ceremonies.
    CREATE TABLE auth_challenges (
      id uuid PRIMARY KEY,
      purpose text NOT NULL CHECK (purpose IN ('mfa', 'passkey_register', 'passkey_sign_in')),
      -- null for a passwordless sign-in, whose user is known only from the passkey
      user_id uuid REFERENCES users (id) ON DELETE CASCADE,
      secret_hash bytea,
      -- the WebAuthn challenge sent to the browser
      webauthn_challenge text,
      -- answers given so far (a sign-in challenge dies after its fifth wrong one)
      attempts integer NOT NULL DEFAULT 0,
      -- what the first step proved ('pwd', 'reset_link', …): the session records it with the factor
      methods text[] NOT NULL DEFAULT '{}',
      ip text,
      user_agent text,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      CHECK (attempts >= 0),
      -- a sign-in challenge is a person's and is answered with its token; a registration is a
      -- person's; a passwordless sign-in is no one's until the passkey says whose
      CONSTRAINT auth_challenges_shape CHECK (CASE purpose
        WHEN 'mfa' THEN user_id IS NOT NULL AND secret_hash IS NOT NULL
        WHEN 'passkey_register' THEN user_id IS NOT NULL AND webauthn_challenge IS NOT NULL
        ELSE user_id IS NULL AND webauthn_challenge IS NOT NULL
      END)
    );
    CREATE INDEX auth_challenges_expires_idx ON auth_challenges (expires_at);
    -- a registration is found by (user, WebAuthn challenge); a deleted user's rows go with it
    CREATE INDEX auth_challenges_user_id_idx ON auth_challenges (user_id) WHERE user_id IS NOT NULL;

    ALTER TABLE organizations ADD COLUMN mfa_required boolean NOT NULL DEFAULT false;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE organizations DROP COLUMN mfa_required;
    DROP TABLE auth_challenges, webauthn_credentials, recovery_codes, totp_factors;
    ALTER TABLE sessions DROP COLUMN auth_methods;
  `.execute(db);
}

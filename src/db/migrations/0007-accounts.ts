/**
 * What a person needs to live with an account: password resets and email changes by emailed,
 * single-use links (only a hash of each token is kept), when each session was last used, and the
 * password-reset intake job. Like an anonymous request to join, a reset request is taken in as an
 * outbox job (`password_reset`) whatever the address, so neither the answer nor its timing tells
 * whether an account has it; the worker decides afterwards. A user has at most one open link of each
 * kind (a partial unique index: a new link supersedes the open one first), and the reset links of the
 * last window are what PASSWORD_RESET_LIMIT_PER_EMAIL counts.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE sessions ADD COLUMN last_used_at timestamptz;
    UPDATE sessions SET last_used_at = created_at;
    ALTER TABLE sessions ALTER COLUMN last_used_at SET NOT NULL;
    ALTER TABLE sessions ALTER COLUMN last_used_at SET DEFAULT now();

    CREATE TABLE password_resets (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      secret_hash bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      -- a newer link was sent: this one no longer works
      superseded_at timestamptz,
      CONSTRAINT password_resets_one_end CHECK (used_at IS NULL OR superseded_at IS NULL)
    );
    CREATE INDEX password_resets_user_id_idx ON password_resets (user_id, created_at);
    -- at most one link of a user still open: a new one supersedes the earlier ones first
    CREATE UNIQUE INDEX password_resets_one_open_key ON password_resets (user_id)
      WHERE used_at IS NULL AND superseded_at IS NULL;

    CREATE TABLE email_changes (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      new_email text NOT NULL CHECK (new_email = lower(btrim(new_email)) AND length(new_email) BETWEEN 3 AND 254),
      secret_hash bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      superseded_at timestamptz,
      CONSTRAINT email_changes_one_end CHECK (used_at IS NULL OR superseded_at IS NULL)
    );
    CREATE INDEX email_changes_user_id_idx ON email_changes (user_id);
    CREATE UNIQUE INDEX email_changes_one_open_key ON email_changes (user_id)
      WHERE used_at IS NULL AND superseded_at IS NULL;

    ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
    ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
      CHECK (kind IN ('email', 'webhook', 'join_request', 'password_reset'));
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DELETE FROM outbox WHERE kind = 'password_reset';
    ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
    ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('email', 'webhook', 'join_request'));
    DROP TABLE email_changes, password_resets;
    ALTER TABLE sessions DROP COLUMN last_used_at;
  `.execute(db);
}

/**
 * Email invitations, and the counters behind rate limits.
 *
 * An invitation carries a token only once it is approved: `token_id` (the row key a link names) and
 * `secret_hash` (SHA-256 of the link's secret, never the secret). One pending invitation per
 * (organization, email) is a partial unique index, so concurrent duplicates leave exactly one row.
 * `expires_at` passing does not change `status` by itself: reads derive `expired`, a sweep persists it.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE invitations (
      id uuid PRIMARY KEY,
      organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
      email text NOT NULL,
      role text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
      message text CHECK (message IS NULL OR length(message) <= 1000),
      invited_by uuid REFERENCES users (id) ON DELETE SET NULL,
      invited_by_key uuid REFERENCES api_keys (id) ON DELETE SET NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'expired', 'revoked')),
      approval text NOT NULL CHECK (approval IN ('approved', 'requested_to_join', 'requested_to_be_invited')),
      approved_by uuid REFERENCES users (id) ON DELETE SET NULL,
      approved_at timestamptz,
      token_id uuid,
      secret_hash bytea,
      expires_at timestamptz,
      sent_at timestamptz,
      send_count integer NOT NULL DEFAULT 0,
      accepted_at timestamptz,
      accepted_by uuid REFERENCES users (id) ON DELETE SET NULL,
      revoked_at timestamptz,
      revoked_by text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT invitations_email_normalized CHECK (email = lower(btrim(email)) AND length(email) BETWEEN 3 AND 254),
      -- Not approved: no token, no link, nothing to expire. Approved: all three.
      CONSTRAINT invitations_token_iff_approved CHECK (
        CASE WHEN approval = 'approved'
          THEN token_id IS NOT NULL AND secret_hash IS NOT NULL AND expires_at IS NOT NULL
          ELSE token_id IS NULL AND secret_hash IS NULL
        END
      ),
      CONSTRAINT invitations_accepted_fields CHECK ((status = 'accepted') = (accepted_at IS NOT NULL)),
      CONSTRAINT invitations_revoked_fields CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))
    );
    CREATE UNIQUE INDEX invitations_one_pending_key ON invitations (organization_id, lower(email)) WHERE status = 'pending';
    CREATE UNIQUE INDEX invitations_token_id_key ON invitations (token_id);
    CREATE INDEX invitations_org_idx ON invitations (organization_id, id DESC);
    CREATE INDEX invitations_due_idx ON invitations (expires_at) WHERE status = 'pending';

    -- Fixed-window counters of the rate limiter (rate-limiter-flexible's PostgreSQL layout: the key
    -- names the limit and its subject, expire is epoch milliseconds). Shared by every instance.
    CREATE TABLE rate_limits (
      key varchar(255) PRIMARY KEY,
      points integer NOT NULL DEFAULT 0,
      expire bigint
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE rate_limits, invitations;`.execute(db);
}

/**
 * Accounts, organizations, memberships, API keys, audit log and the outbox.
 * Every tenant table carries `organization_id` so the schema can be distributed by it.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE users (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      email text NOT NULL,
      name text NOT NULL,
      password_hash text,
      email_verified_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT users_email_normalized CHECK (email = lower(btrim(email)) AND length(email) BETWEEN 3 AND 254)
    );
    CREATE UNIQUE INDEX users_email_key ON users (email);

    CREATE TABLE sessions (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      secret_hash bytea NOT NULL,
      user_agent text,
      ip text,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL
    );
    CREATE INDEX sessions_user_id_idx ON sessions (user_id);

    CREATE TABLE email_verifications (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      email text NOT NULL,
      secret_hash bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      used_at timestamptz
    );
    CREATE INDEX email_verifications_user_id_idx ON email_verifications (user_id);

    CREATE TABLE api_keys (
      id uuid PRIMARY KEY,
      name text NOT NULL,
      scopes text[] NOT NULL,
      secret_hash bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_used_at timestamptz,
      revoked_at timestamptz
    );

    CREATE TABLE organizations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      slug text NOT NULL,
      name text NOT NULL,
      member_limit integer CHECK (member_limit IS NULL OR member_limit > 0),
      join_requests_enabled boolean NOT NULL DEFAULT false,
      sso_enforced boolean NOT NULL DEFAULT false,
      invite_expiry_days integer NOT NULL DEFAULT 7 CHECK (invite_expiry_days BETWEEN 1 AND 365),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT organizations_slug_format CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) BETWEEN 2 AND 48)
    );
    CREATE UNIQUE INDEX organizations_slug_key ON organizations (slug);

    CREATE TABLE memberships (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      role text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
      status text NOT NULL CHECK (status IN ('active', 'pending')),
      source text NOT NULL CHECK (source IN ('created_org', 'invitation', 'join_request', 'owner_add')),
      added_by uuid REFERENCES users (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      joined_at timestamptz,
      CONSTRAINT memberships_pending_has_source CHECK (status = 'active' OR source IN ('join_request', 'owner_add')),
      CONSTRAINT memberships_joined_when_active CHECK ((status = 'active') = (joined_at IS NOT NULL))
    );
    CREATE UNIQUE INDEX memberships_org_user_key ON memberships (organization_id, user_id);
    CREATE INDEX memberships_org_id_idx ON memberships (organization_id, id);
    CREATE INDEX memberships_user_id_idx ON memberships (user_id);
    CREATE INDEX memberships_active_owners_idx ON memberships (organization_id) WHERE role = 'owner' AND status = 'active';

    CREATE TABLE audit_log (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      organization_id uuid,
      actor_type text NOT NULL CHECK (actor_type IN ('user', 'api_key', 'app', 'system')),
      actor_id text,
      action text NOT NULL,
      target_type text,
      target_id text,
      ip text,
      data jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX audit_log_org_idx ON audit_log (organization_id, id DESC);

    CREATE TABLE outbox (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organization_id uuid,
      kind text NOT NULL CHECK (kind IN ('email')),
      payload jsonb NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      locked_until timestamptz,
      last_error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      sent_at timestamptz
    );
    CREATE INDEX outbox_due_idx ON outbox (next_attempt_at) WHERE status = 'pending';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE outbox, audit_log, memberships, organizations, api_keys, email_verifications, sessions, users;
  `.execute(db);
}

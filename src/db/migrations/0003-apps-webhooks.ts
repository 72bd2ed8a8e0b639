/**
 * Apps and their installations (grant codes, access and refresh tokens), webhook endpoints and their
 * delivery log, analytics events; the outbox learns a second kind of message, `webhook`.
 * Every tenant table carries `organization_id`.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
    ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('email', 'webhook'));

    CREATE TABLE apps (
      id uuid PRIMARY KEY,
      organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
      slug text NOT NULL,
      name text NOT NULL,
      scopes text[] NOT NULL,
      webhook_url text NOT NULL,
      redirect_url text,
      published boolean NOT NULL DEFAULT false,
      client_id text NOT NULL,
      client_secret_hash bytea NOT NULL,
      webhook_secret text NOT NULL,
      created_by uuid REFERENCES users (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT apps_slug_format CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) BETWEEN 2 AND 48)
    );
    CREATE UNIQUE INDEX apps_slug_key ON apps (slug);
    CREATE UNIQUE INDEX apps_client_id_key ON apps (client_id);
    CREATE INDEX apps_org_idx ON apps (organization_id, id);

    CREATE TABLE app_installations (
      id uuid PRIMARY KEY,
      organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
      app_id uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'installed')),
      scopes text[] NOT NULL,
      installed_by uuid REFERENCES users (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX app_installations_org_app_key ON app_installations (organization_id, app_id);
    CREATE INDEX app_installations_app_idx ON app_installations (app_id);

    CREATE TABLE app_grants (
      id uuid PRIMARY KEY,
      organization_id uuid NOT NULL,
      installation_id uuid NOT NULL REFERENCES app_installations (id) ON DELETE CASCADE,
      code_hash bytea NOT NULL,
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX app_grants_installation_idx ON app_grants (installation_id);

    CREATE TABLE app_tokens (
      id uuid PRIMARY KEY,
      organization_id uuid NOT NULL,
      installation_id uuid NOT NULL REFERENCES app_installations (id) ON DELETE CASCADE,
      grant_id uuid NOT NULL REFERENCES app_grants (id) ON DELETE CASCADE,
      access_hash bytea NOT NULL,
      refresh_hash bytea NOT NULL,
      access_expires_at timestamptz NOT NULL,
      refresh_expires_at timestamptz NOT NULL,
      revoked_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX app_tokens_grant_idx ON app_tokens (grant_id);
    CREATE INDEX app_tokens_installation_idx ON app_tokens (installation_id);

    CREATE TABLE webhook_endpoints (
      id uuid PRIMARY KEY,
      organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
      url text NOT NULL,
      description text,
      event_types text[] NOT NULL CHECK (cardinality(event_types) > 0),
      secret text NOT NULL,
      disabled_at timestamptz,
      disabled_reason text,
      last_success_at timestamptz,
      last_failure_at timestamptz,
      created_by uuid REFERENCES users (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX webhook_endpoints_org_idx ON webhook_endpoints (organization_id, id);

    CREATE TABLE webhook_attempts (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      organization_id uuid,
      message_id uuid NOT NULL,
      endpoint_id uuid,
      app_id uuid,
      event_type text NOT NULL,
      attempt integer NOT NULL,
      succeeded boolean NOT NULL,
      response_status integer,
      latency_ms integer NOT NULL,
      error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT webhook_attempts_one_target CHECK ((endpoint_id IS NULL) <> (app_id IS NULL))
    );
    CREATE INDEX webhook_attempts_endpoint_idx ON webhook_attempts (endpoint_id, id DESC) WHERE endpoint_id IS NOT NULL;
    CREATE INDEX webhook_attempts_app_idx ON webhook_attempts (app_id, id DESC) WHERE app_id IS NOT NULL;
    CREATE INDEX webhook_attempts_message_idx ON webhook_attempts (message_id);

    CREATE TABLE analytics_events (
      id uuid PRIMARY KEY,
      organization_id uuid,
      type text NOT NULL,
      actor_type text NOT NULL CHECK (actor_type IN ('user', 'api_key', 'app', 'system')),
      actor_id text,
      data jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX analytics_events_org_idx ON analytics_events (organization_id, type, id);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE analytics_events, webhook_attempts, webhook_endpoints, app_tokens, app_grants,
      app_installations, apps;
    DELETE FROM outbox WHERE kind = 'webhook';
    ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
    ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('email'));
  `.execute(db);
}

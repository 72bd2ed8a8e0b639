/**
 * The delivery log shows what was sent and what came back. The outbox cuts a message down once it is
 * spent (0005: grant codes and personal data leave the database with it), so what the log shows is
 * kept apart, in `webhook_deliveries`: one row per message, written in the transaction that enqueues
 * it, with the body as sent — minus what only its receiver may hold (an `installation.created` grant
 * code is never kept: `redacted` names the fields left out) — and, per attempt, the first 2 KB of the
 * receiver's answer (`webhook_attempts.response_body`). Both are kept for a bounded time (30 days,
 * webhook.retention.ts), then emptied; the rows themselves stay, as the attempt log always has.
 *
 * A replay is a new message (a new delivery row, `replay_of` naming the one replayed) under the same
 * `webhook_id`, by which receivers drop what they already handled.
 *
 * The messages already in the outbox get their rows: a pending endpoint message with its body, a
 * spent one (or an app's) without.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE webhook_deliveries (
      id uuid PRIMARY KEY,
      organization_id uuid,
      endpoint_id uuid,
      app_id uuid,
      webhook_id text NOT NULL,
      replay_of uuid,
      event_id uuid NOT NULL,
      event_type text NOT NULL,
      payload text,
      redacted text[] NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT webhook_deliveries_one_target CHECK ((endpoint_id IS NULL) <> (app_id IS NULL))
    );
    CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, id DESC) WHERE endpoint_id IS NOT NULL;
    CREATE INDEX webhook_deliveries_app_idx ON webhook_deliveries (app_id, id DESC) WHERE app_id IS NOT NULL;
    CREATE INDEX webhook_deliveries_webhook_id_idx ON webhook_deliveries (webhook_id);
    CREATE INDEX webhook_deliveries_kept_idx ON webhook_deliveries (created_at) WHERE payload IS NOT NULL;

    ALTER TABLE webhook_attempts ADD COLUMN response_body text;
    CREATE INDEX webhook_attempts_kept_idx ON webhook_attempts (created_at) WHERE response_body IS NOT NULL;

    INSERT INTO webhook_deliveries (id, organization_id, endpoint_id, app_id, webhook_id, event_id, event_type, payload, created_at)
    SELECT o.id, o.organization_id,
           CASE WHEN o.payload->>'target' = 'endpoint' THEN (o.payload->>'targetId')::uuid END,
           CASE WHEN o.payload->>'target' = 'app' THEN (o.payload->>'targetId')::uuid END,
           'msg_' || replace(o.id::text, '-', ''),
           (o.payload->>'eventId')::uuid, o.payload->>'eventType',
           CASE WHEN o.payload->>'target' = 'endpoint' THEN o.payload->>'body' END,
           o.created_at
    FROM outbox o
    WHERE o.kind = 'webhook' AND o.payload->>'target' IN ('endpoint', 'app')
      AND o.payload ? 'targetId' AND o.payload ? 'eventId' AND o.payload ? 'eventType';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP INDEX webhook_attempts_kept_idx;
    ALTER TABLE webhook_attempts DROP COLUMN response_body;
    DROP TABLE webhook_deliveries;
  `.execute(db);
}

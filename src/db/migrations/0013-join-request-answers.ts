/**
 * A person who asked to join is told the answer in the app, not only by email: approving makes the
 * pending membership active, but rejecting deletes it, and with it any trace the person could read.
 * `join_request_answers` keeps, per answered request (the membership's id), the answer and when —
 * written in the transaction of the answer. `GET /v1/me/join-requests` shows those of the last 30 days;
 * `dismissed_at` is when the person said they had read the answer (the console stops showing it as
 * news, on every device).
 *
 * Answers already given in the last 30 days are taken from the audit entries that recorded them
 * (`join_request.approved` / `join_request.rejected`, whose data names the membership).
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE join_request_answers (
      membership_id uuid PRIMARY KEY,
      organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      answer text NOT NULL CHECK (answer IN ('approved', 'rejected')),
      requested_at timestamptz NOT NULL,
      answered_at timestamptz NOT NULL DEFAULT now(),
      dismissed_at timestamptz
    );
    CREATE INDEX join_request_answers_user_idx ON join_request_answers (user_id, answered_at DESC);
    CREATE INDEX join_request_answers_org_idx ON join_request_answers (organization_id);

    INSERT INTO join_request_answers (membership_id, organization_id, user_id, answer, requested_at, answered_at)
    SELECT DISTINCT ON (a.data->>'membershipId')
           (a.data->>'membershipId')::uuid, a.organization_id, u.id,
           CASE a.action WHEN 'join_request.approved' THEN 'approved' ELSE 'rejected' END,
           coalesce(asked.created_at, a.created_at), a.created_at
    FROM audit_log a
    JOIN organizations o ON o.id = a.organization_id
    JOIN users u ON u.id::text = a.target_id
    LEFT JOIN LATERAL (
      SELECT c.created_at FROM audit_log c
      WHERE c.organization_id = a.organization_id AND c.action = 'join_request.created'
        AND c.data->>'membershipId' = a.data->>'membershipId'
      ORDER BY c.id LIMIT 1
    ) asked ON true
    WHERE a.action IN ('join_request.approved', 'join_request.rejected')
      AND a.target_type = 'user'
      AND a.created_at > now() - interval '30 days'
      AND a.data->>'membershipId' ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
    ORDER BY a.data->>'membershipId', a.id DESC
    ON CONFLICT DO NOTHING;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE join_request_answers;`.execute(db);
}

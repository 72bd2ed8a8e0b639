/**
 * Messages that have left the outbox (`sent`) or were given up (`dead`) no longer keep their
 * contents: live links and grant codes, personal data. From now on the worker cuts a message down when
 * it is spent (outbox.repository.ts, SPENT_PAYLOAD); this does the same to the messages spent before.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    UPDATE outbox SET payload = CASE kind
      WHEN 'email' THEN jsonb_build_object('to', payload->'to', 'subject', payload->'subject')
      WHEN 'webhook' THEN payload - 'body'
      ELSE jsonb_build_object('organizationId', payload->'organizationId')
    END
    WHERE status IN ('sent', 'dead')
  `.execute(db);
}

/** What was removed cannot come back. */
export async function down(): Promise<void> {}

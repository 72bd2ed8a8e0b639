/**
 * Anonymous requests to join are taken in as outbox jobs (`join_request`): the request itself does
 * the same small write whatever the email's state, and the worker decides, after the answer has
 * gone, whether it becomes an invitation awaiting approval. So neither the answer nor its timing
 * tells whether an address belongs to a member.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
    ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('email', 'webhook', 'join_request'));
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DELETE FROM outbox WHERE kind = 'join_request';
    ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
    ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('email', 'webhook'));
  `.execute(db);
}

/**
 * Secrets of the install itself, shared by every instance: a row is created once, with random bytes,
 * by the first instance that needs it (src/lib/install-keys.ts). Keys for one purpose each are
 * derived from SECRETS_KEY when it is set, else from the `install` row.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE install_secrets (
      name text PRIMARY KEY,
      secret bytea NOT NULL CHECK (length(secret) >= 32),
      created_at timestamptz NOT NULL DEFAULT now()
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE install_secrets;`.execute(db);
}

/** Versioned migrations, applied in order and recorded in `kysely_migration`. */
import { type Migration, type MigrationResultSet, Migrator } from 'kysely';
import type { Database } from './database.ts';
import * as m0001 from './migrations/0001-foundation.ts';
import * as m0002 from './migrations/0002-invitations.ts';
import * as m0003 from './migrations/0003-apps-webhooks.ts';
import * as m0004 from './migrations/0004-join-request-intake.ts';
import * as m0005 from './migrations/0005-spent-outbox-payloads.ts';
import * as m0006 from './migrations/0006-install-secrets.ts';

/** Add new migrations here, named by a zero-padded sequence; never edit one that has shipped. */
export const MIGRATIONS: Record<string, Migration> = {
  '0001-foundation': m0001,
  '0002-invitations': m0002,
  '0003-apps-webhooks': m0003,
  '0004-join-request-intake': m0004,
  '0005-spent-outbox-payloads': m0005,
  '0006-install-secrets': m0006,
};

export async function migrateToLatest(db: Database): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
  const result = await migrator.migrateToLatest();
  if (result.error) throw result.error;
  return result;
}

/** Versioned migrations, applied in order and recorded in `kysely_migration`. */
import { type Migration, type MigrationResultSet, Migrator, sql } from 'kysely';
import type { Database } from './database.ts';
import * as m0001 from './migrations/0001-foundation.ts';
import * as m0002 from './migrations/0002-invitations.ts';
import * as m0003 from './migrations/0003-apps-webhooks.ts';
import * as m0004 from './migrations/0004-join-request-intake.ts';
import * as m0005 from './migrations/0005-spent-outbox-payloads.ts';
import * as m0006 from './migrations/0006-install-secrets.ts';
import * as m0007 from './migrations/0007-accounts.ts';
import * as m0008 from './migrations/0008-second-factors.ts';
import * as m0009 from './migrations/0009-oidc.ts';
import * as m0010 from './migrations/0010-invitation-links.ts';
import * as m0011 from './migrations/0011-audit-filters.ts';
import * as m0012 from './migrations/0012-webhook-deliveries.ts';
import * as m0013 from './migrations/0013-join-request-answers.ts';
import * as m0014 from './migrations/0014-members-page-indexes.ts';
import * as m0015 from './migrations/0015-drop-invitations-org-idx.ts';
import * as m0016 from './migrations/0016-join-links.ts';
import * as m0017 from './migrations/0017-seat-events.ts';
import * as m0018 from './migrations/0018-ownership-transfers.ts';
import * as m0019 from './migrations/0019-membership-expiry.ts';
import * as m0020 from './migrations/0020-custom-roles.ts';
import * as m0021 from './migrations/0021-verified-domains.ts';
import * as m0022 from './migrations/0022-invite-verified-domains-only.ts';

/** Add new migrations here, named by a zero-padded sequence; never edit one that has shipped. */
export const MIGRATIONS: Record<string, Migration> = {
  '0001-foundation': m0001,
  '0002-invitations': m0002,
  '0003-apps-webhooks': m0003,
  '0004-join-request-intake': m0004,
  '0005-spent-outbox-payloads': m0005,
  '0006-install-secrets': m0006,
  '0007-accounts': m0007,
  '0008-second-factors': m0008,
  '0009-oidc': m0009,
  '0010-invitation-links': m0010,
  '0011-audit-filters': m0011,
  '0012-webhook-deliveries': m0012,
  '0013-join-request-answers': m0013,
  '0014-members-page-indexes': m0014,
  '0015-drop-invitations-org-idx': m0015,
  '0016-join-links': m0016,
  '0017-seat-events': m0017,
  '0018-ownership-transfers': m0018,
  '0019-membership-expiry': m0019,
  '0020-custom-roles': m0020,
  '0021-verified-domains': m0021,
  '0022-invite-verified-domains-only': m0022,
};

export async function migrateToLatest(db: Database): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
  const result = await migrator.migrateToLatest();
  if (result.error) throw result.error;
  return result;
}

/** Names of the migrations this build has that the database has not applied (all, on a new database). */
export async function pendingMigrations(db: Database): Promise<string[]> {
  const applied = await sql<{ name: string }>`SELECT name FROM kysely_migration`
    .execute(db)
    .then((r) => new Set(r.rows.map((row) => row.name)))
    // No migration table yet: a new database.
    .catch(() => new Set<string>());
  return Object.keys(MIGRATIONS).filter((name) => !applied.has(name));
}

/**
 * Applies pending migrations, and only when there are some: a start on an up-to-date database costs
 * one SELECT. When several instances start together on one PostgreSQL, the migrator's advisory lock
 * makes the others wait (for as long as it takes: no timer) and then find nothing left to do.
 * Returns the names applied by this call.
 */
export async function migrateIfPending(
  db: Database,
  onPending: (names: string[]) => void = () => {},
): Promise<string[]> {
  const pending = await pendingMigrations(db);
  if (pending.length === 0) return [];
  onPending(pending);
  const result = await migrateToLatest(db);
  return result.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
}

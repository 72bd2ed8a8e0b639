/**
 * Opens the database the configuration names: PostgreSQL through `pg` when DATABASE_URL is a
 * postgres:// URL, otherwise the embedded PGlite (on disk under the data folder, or in memory for
 * `memory://`). Both are driven by Kysely's PostgreSQL dialect: one SQL dialect everywhere.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Config } from '../config.ts';
import { PGlitePool } from './pglite-pool.ts';
import type { DB } from './schema.ts';

export type Database = Kysely<DB>;

export interface DatabaseHandle {
  db: Database;
  kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}

const INT8 = 20;

/**
 * Names every parameterized statement after a hash of its text, so node-postgres prepares it once
 * per connection and PostgreSQL skips parsing and planning on every later run (the permission check
 * spends most of its database time planning otherwise). Statements without parameters (migrations,
 * several statements at once) go through the simple protocol as before.
 */
function preparedStatementsPool(pool: pg.Pool) {
  const names = new Map<string, string>();
  // Statement shapes are bounded by the code, but a list of variable length makes a shape per length:
  // past this many, further shapes run unnamed rather than pile up on every connection.
  const MAX_NAMED = 1000;
  const nameOf = (text: string) => {
    let name = names.get(text);
    if (!name && names.size < MAX_NAMED) {
      name = `r_${createHash('sha1').update(text).digest('base64url')}`;
      names.set(text, name);
    }
    return name;
  };
  return {
    async connect() {
      const client = await pool.connect();
      return {
        query: (text: string, values: unknown[]) =>
          values.length === 0 ? client.query(text) : client.query({ name: nameOf(text), text, values }),
        release: (err?: Error | boolean) => client.release(err),
      };
    },
    end: () => pool.end(),
  };
}

export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>): Promise<DatabaseHandle> {
  const url = config.databaseUrl;
  if (url && !url.startsWith('memory:')) {
    const pool = new pg.Pool({ connectionString: url, max: 20, idleTimeoutMillis: 30_000 });
    // A failed idle client must not crash the process; the next query reports the error.
    pool.on('error', () => {});
    const db = new Kysely<DB>({
      dialect: new PostgresDialect({ pool: preparedStatementsPool(pool) as unknown as pg.Pool }),
    });
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  let pglite: PGlite;
  // int8 as strings, as node-postgres returns them, so both engines give the same values.
  const options = { parsers: { [INT8]: (value: string) => value } };
  if (url?.startsWith('memory:')) {
    pglite = await PGlite.create(options);
  } else {
    await fs.mkdir(config.dataDir, { recursive: true });
    pglite = await PGlite.create(config.dataDir, options);
  }
  const pool = new PGlitePool(pglite);
  // biome-ignore lint/suspicious/noExplicitAny: PGlitePool implements the part of pg.Pool Kysely uses.
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: pool as any }) });
  return { db, kind: 'pglite', close: () => db.destroy() };
}

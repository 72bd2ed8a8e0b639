/**
 * Opens the database the configuration names: PostgreSQL through `pg` when DATABASE_URL is a
 * postgres:// URL, otherwise the embedded PGlite (on disk under the data folder, or in memory for
 * `memory://`). Both are driven by Kysely's PostgreSQL dialect: one SQL dialect everywhere.
 *
 * Opening proves the database answers: a PostgreSQL that cannot be reached, a database that does not
 * exist, a data folder that is damaged or of another version all end in a {@link ConfigError} of one
 * line naming the setting, before any other work. Only the driver in use is loaded.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import v8 from 'node:v8';
import type { PGlite, PGliteOptions } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import { type Config, ConfigError } from '../config.ts';
import { claimDataFolder, type DataFolderClaim, type Holder, prepareDataFolder } from './data-folder.ts';
import { PGlitePool } from './pglite-pool.ts';
import type { DB } from './schema.ts';

export type Database = Kysely<DB>;

export interface DatabaseHandle {
  db: Database;
  kind: 'postgres' | 'pglite';
  /** The data folder's lock and admin channel, when the database is an embedded folder. */
  claim?: DataFolderClaim;
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

/** How long connecting to PostgreSQL may take before DATABASE_URL is reported unreachable. */
const CONNECT_TIMEOUT_MS = 10_000;

/** Where DATABASE_URL points, without its password: safe to print. */
function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'the configured server';
  }
}

/** Turns a failed first connection into one line that names DATABASE_URL and says what to do. */
export function postgresOpenError(err: unknown, url: string): ConfigError {
  const e = err as { code?: string; message?: string };
  const where = describeUrl(url);
  const database = where.slice(where.indexOf('/') + 1) || 'postgres';
  switch (e.code) {
    case '3D000':
      return new ConfigError(
        `DATABASE_URL names the database '${database}', which does not exist on ${where.slice(0, where.indexOf('/'))} (create it first: createdb ${database})`,
      );
    case '28P01':
    case '28000':
      return new ConfigError(`DATABASE_URL: the server at ${where} refused the credentials (${e.message})`);
    case 'ECONNREFUSED':
      return new ConfigError(`DATABASE_URL: nothing accepts connections at ${where} (connection refused)`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ConfigError(`DATABASE_URL: the host of ${where} cannot be resolved`);
    default:
      if (/timeout/i.test(e.message ?? '')) {
        return new ConfigError(
          `DATABASE_URL: no answer from ${where} within ${CONNECT_TIMEOUT_MS / 1000} s (connection timeout)`,
        );
      }
      return new ConfigError(`DATABASE_URL: cannot use ${where}: ${e.message ?? String(err)}`);
  }
}

async function openPostgres(url: string): Promise<DatabaseHandle> {
  const { default: pgModule } = await import('pg');
  const pool = new pgModule.Pool({
    connectionString: url,
    max: 20,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  // A failed idle client must not crash the process; the next query reports the error.
  pool.on('error', () => {});
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => {});
    throw postgresOpenError(err, url);
  }
  const db = new Kysely<DB>({
    dialect: new PostgresDialect({ pool: preparedStatementsPool(pool) as unknown as pg.Pool }),
  });
  return { db, kind: 'postgres', close: () => db.destroy() };
}

/**
 * What the embedded PostgreSQL is given. PGlite's defaults are a server's: 128 MB of shared buffers,
 * allocated and touched at start. A trial install's data fits in far less, and the operating system
 * caches the files underneath, so 16 MB keeps the process small at no visible cost. (PGlite runs with
 * fsync off and cannot sync through its file layer anyway: a commit reaches the operating system
 * before it is answered, which survives a killed process but not a power loss — see the README.)
 */
export const PGLITE_SETTINGS = ['shared_buffers=16MB', 'maintenance_work_mem=16MB', 'temp_buffers=2MB'];

/**
 * V8 compiles PGlite's WebAssembly twice by default: quickly (Liftoff), then again, optimized, for
 * hot functions (TurboFan). The optimized copies cost 50–70 MB of resident memory; without them a
 * request costs 5–10 % more CPU (measured with one server under load: GET /v1/me 484 against 455 µs,
 * a members page 1.35 against 1.23 ms). The embedded database is for trials and small installs, where
 * memory is the scarcer. Set before PGlite's module is compiled; affects WebAssembly only.
 */
function preferCompactWasm() {
  v8.setFlagsFromString('--liftoff-only');
}

/** PostgreSQL's own words for why it would not start, kept from what PGlite printed. */
function startupFailure(lines: string[]): string | null {
  const wanted = lines
    .map((l) => l.replace(/^\S+ \S+ \S+ \[\d+\] /, '').trim())
    .filter((l) => /^(FATAL|PANIC|DETAIL):/.test(l))
    .map((l) => l.replace(/^(FATAL|PANIC|DETAIL):\s+/, ''));
  return wanted.length ? wanted.join(' ') : null;
}

/** Where a new folder's database is made before it is moved into place. */
const INIT_DIR = '.init';

/**
 * Makes a new database in an empty folder, in a child process. PGlite's first start runs initdb in
 * two more WebAssembly instances and copies the result through memory: about 700 MB at its peak,
 * which a long-running server would keep. A child returns it all when it exits. The database is made
 * in `<folder>/.init` and moved up with PG_VERSION last, so a start interrupted half-way leaves
 * nothing a later start would take for a database (it removes the leftover `.init`).
 */
async function initializeFolder(dataDir: string): Promise<void> {
  const staging = path.join(dataDir, INIT_DIR);
  await fs.rm(staging, { recursive: true, force: true });
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const script = `
    const { PGlite } = require(${JSON.stringify(entry)});
    const printed = [];
    const keep = (t) => (printed.push(t), true);
    PGlite.create(${JSON.stringify(staging)}, { onStdout: keep, onStderr: keep })
      .then((db) => db.close())
      .catch((err) => {
        process.stderr.write(printed.join('\\n') + '\\n' + (err && err.message) + '\\n');
        process.exitCode = 1;
      });`;
  const stderr = await new Promise<string | null>((resolve, reject) => {
    const child = spawn(process.execPath, ['--liftoff-only', '-e', script], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code === 0 ? null : err));
  });
  if (stderr !== null) {
    await fs.rm(staging, { recursive: true, force: true });
    const lines = stderr.split('\n');
    throw new ConfigError(
      `ROSTER_DATA_DIR '${dataDir}': a new database could not be made in it (${startupFailure(lines) ?? lines.filter(Boolean).at(-1) ?? 'initdb failed'})`,
    );
  }
  const entries = (await fs.readdir(staging)).filter((e) => e !== 'PG_VERSION');
  for (const e of entries) await fs.rename(path.join(staging, e), path.join(dataDir, e));
  await fs.rename(path.join(staging, 'PG_VERSION'), path.join(dataDir, 'PG_VERSION'));
  await fs.rm(staging, { recursive: true, force: true });
}

async function openPGlite(dataDir: string | null): Promise<DatabaseHandle> {
  if (dataDir !== null) {
    const exists = await fs.stat(path.join(dataDir, 'PG_VERSION')).then(
      () => true,
      () => false,
    );
    if (!exists) await initializeFolder(dataDir);
    else await fs.rm(path.join(dataDir, INIT_DIR), { recursive: true, force: true });
  }
  const { PGlite } = await import('@electric-sql/pglite');
  preferCompactWasm();
  const printed: string[] = [];
  const keep = (text: string) => {
    printed.push(text);
    if (printed.length > 50) printed.shift();
    return true;
  };
  const options: PGliteOptions = {
    // int8 as strings, as node-postgres returns them, so both engines give the same values.
    parsers: { [INT8]: (value: string) => value },
    startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS.flatMap((s) => ['-c', s])],
    // PostgreSQL's start-up messages are kept for the error below, not printed.
    onStdout: keep,
    onStderr: keep,
  };
  let pglite: PGlite;
  try {
    pglite = dataDir === null ? await PGlite.create(options) : await PGlite.create(dataDir, options);
  } catch (err) {
    if (dataDir === null) throw err;
    const why = startupFailure(printed) ?? (err instanceof Error ? err.message : String(err));
    throw new ConfigError(
      `ROSTER_DATA_DIR '${dataDir}' holds a database the embedded PostgreSQL cannot open (${why}); restore it from a backup or point ROSTER_DATA_DIR at a new folder`,
    );
  }
  const pool = new PGlitePool(pglite);
  // biome-ignore lint/suspicious/noExplicitAny: PGlitePool implements the part of pg.Pool Kysely uses.
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: pool as any }) });
  return { db, kind: 'pglite', close: () => db.destroy() };
}

/**
 * Opens and checks the configured database. Every problem with the setting throws a ConfigError
 * naming it. A data folder is checked (a folder, writable, empty or a database) before PGlite loads,
 * then claimed for this process until the handle closes: a folder another process holds throws
 * DataFolderBusyError naming it (data-folder.ts).
 */
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir'>,
  holder: Pick<Holder, 'kind' | 'command'> = { kind: 'process', command: processCommand() },
): Promise<DatabaseHandle> {
  const url = config.databaseUrl;
  if (url && !url.startsWith('memory:')) return openPostgres(url);
  if (url?.startsWith('memory:')) return openPGlite(null);
  await prepareDataFolder(config.dataDir);
  const claim = await claimDataFolder(config.dataDir, holder);
  try {
    const handle = await openPGlite(config.dataDir);
    return {
      ...handle,
      claim,
      async close() {
        try {
          await handle.close();
        } finally {
          await claim.release();
        }
      },
    };
  } catch (err) {
    await claim.release();
    throw err;
  }
}

/** This process's command line, shortened, for a folder's holder description. */
function processCommand(): string {
  return ['node', ...process.argv.slice(1).map((a) => a.split('/').slice(-2).join('/'))]
    .join(' ')
    .slice(0, 200);
}

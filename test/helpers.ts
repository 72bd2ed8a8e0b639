/**
 * Test harness: every test file builds its own Roster on its own fresh database — an in-memory PGlite,
 * or, when ROSTER_TEST_DATABASE_URL names a PostgreSQL server, a new database created on it for this
 * file and dropped afterwards. Nothing is mocked.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Writable } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import {
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  sql,
} from 'kysely';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { type Config, loadConfig } from '../src/config.ts';
import { type DatabaseHandle, openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { uuidv7 } from '../src/lib/ids.ts';

export const TEST_DATABASE_URL = process.env.ROSTER_TEST_DATABASE_URL || null;
/** True when this run is on a real PostgreSQL server (where races are tested with parallel connections). */
export const onPostgres = TEST_DATABASE_URL !== null;

/**
 * A name for a test database on the PostgreSQL server: `roster_test_<host>_<pid>_<random>`, where
 * `<host>` is 8 hex digits of a hash of this machine's host name and `<pid>` the process that creates
 * (and, at the end of its file, drops) it. A run that is killed leaves its databases behind;
 * scripts/test.mjs drops, before its PostgreSQL run, those whose `<host>` is this machine's and whose
 * `<pid>` is no longer alive here (a live process may be another run's, still using its database).
 */
export function testDatabaseName(): string {
  const host = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
  return `roster_test_${host}_${process.pid}_${randomBytes(6).toString('hex')}`;
}

/** A new empty database on the PostgreSQL server `serverUrl`: its URL, and a way to drop it. */
export async function emptyPostgresDatabase(serverUrl: string) {
  const name = testDatabaseName();
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async dispose() {
      const dropper = new pg.Client({ connectionString: serverUrl });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}

/** A fresh, migrated database for one test file. */
export async function freshDatabase(): Promise<DatabaseHandle> {
  if (!TEST_DATABASE_URL) {
    const handle = await openDatabase({ databaseUrl: 'memory://', dataDir: '' });
    await migrateToLatest(handle.db);
    return handle;
  }
  const database = await emptyPostgresDatabase(TEST_DATABASE_URL);
  const handle = await openDatabase({ databaseUrl: database.url, dataDir: '' });
  await migrateToLatest(handle.db);
  return {
    ...handle,
    async close() {
      await handle.close();
      await database.dispose();
    },
  };
}

export interface TestApp {
  app: FastifyInstance;
  database: DatabaseHandle;
  config: Config;
  /** Every log line the app wrote, parsed. */
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * Builds an app on a fresh database. The outbox worker does not poll (tests call `app.outbox.drain()`),
 * unless `overrides.outboxWorker` says otherwise; the web console is not served unless
 * `overrides.consoleDir` names its build.
 */
export async function createTestApp(
  overrides: Partial<Config> = {},
  database?: DatabaseHandle,
): Promise<TestApp> {
  const db = database ?? (await freshDatabase());
  const config = loadConfig(
    { PORT: '0', PUBLIC_URL: 'http://roster.test', LOG_LEVEL: 'info' },
    { outboxWorker: false, consoleDir: null, ...overrides },
  );
  const logs: Array<Record<string, unknown>> = [];
  const logStream = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line.trim()) logs.push(JSON.parse(line));
      cb();
    },
  });
  const app = await buildApp(config, { database: db, migrate: false, logStream });
  await app.ready();
  return {
    app,
    database: db,
    config,
    logs,
    async close() {
      await app.close();
      if (!database) await db.close();
    },
  };
}

let counter = 0;
/** A unique email for this test run. */
export function uniqueEmail(label = 'user'): string {
  counter += 1;
  return `${label}-${counter}-${randomBytes(3).toString('hex')}@example.com`;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export interface SignedUp {
  token: string;
  user: { id: string; email: string; name: string };
}

/**
 * `fn` over `items`, at most `limit` at a time, results in the order of `items`. For set-up that
 * signs people up: each sign-up hashes a password with scrypt (CPU-bound, 32 MiB), so more than two
 * at once only queue on a 2-core machine, and one after another leaves a core idle.
 */
export async function inParallel<const T extends readonly unknown[], R>(
  items: T,
  fn: (item: T[number], index: number) => Promise<R>,
  limit = 2,
): Promise<{ -readonly [K in keyof T]: R }> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results as { -readonly [K in keyof T]: R };
}

/** Signs up one person per label (email `<label>-…@example.com`, name `label`), two at a time. */
export function signUpEach<const L extends readonly string[]>(
  app: FastifyInstance,
  labels: L,
): Promise<{ -readonly [K in keyof L]: SignedUp }> {
  return inParallel(labels, (label) => signUp(app, uniqueEmail(label), label));
}

/**
 * Resolves once `check` holds, polling. There is no deadline of its own: on a busy machine anything
 * may take long, and the test's timeout (vitest.config.ts) is what catches a real hang. `alive`, when
 * given, fails the wait at once if what it waits on is gone (a child process that exited).
 */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  {
    alive,
    what = 'the condition',
    everyMs = 20,
  }: { alive?: () => boolean; what?: string; everyMs?: number } = {},
): Promise<void> {
  for (;;) {
    if (await check()) return;
    if (alive && !alive()) throw new Error(`gave up waiting for ${what}: what it waited on is gone`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function signUp(
  app: FastifyInstance,
  email = uniqueEmail(),
  name = 'Test User',
): Promise<SignedUp> {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/auth/sign-up',
    payload: { email, password: 'correct horse battery', name },
  });
  if (res.statusCode !== 201) throw new Error(`sign-up failed: ${res.statusCode} ${res.body}`);
  const body = res.json();
  return { token: body.session.token, user: body.user };
}

export async function createOrg(
  app: FastifyInstance,
  token: string,
  name = `Org ${randomBytes(3).toString('hex')}`,
) {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/organizations',
    headers: bearer(token),
    payload: { name },
  });
  if (res.statusCode !== 201) throw new Error(`create org failed: ${res.statusCode} ${res.body}`);
  return res.json() as { id: string; slug: string; name: string };
}

/**
 * Puts `user` into `org` as an active member with `role`. Joining flows (invitations, join requests)
 * arrive with later features; until then tests seed the row directly, as a consented membership.
 */
export function addActiveMember(
  database: DatabaseHandle,
  orgId: string,
  userId: string,
  /** A built-in role, or the key of one of the organization's own. */
  role: string,
) {
  return addMember(database, orgId, userId, role, 'active');
}

/**
 * Seeds a membership row: active (joined now, through an invitation), or pending (an owner-add
 * waiting for the person's consent).
 */
export async function addMember(
  database: DatabaseHandle,
  orgId: string,
  userId: string,
  /** A built-in role, or the key of one of the organization's own. */
  role: string,
  status: 'active' | 'pending',
) {
  await database.db
    .insertInto('memberships')
    .values({
      id: uuidv7(),
      organization_id: orgId,
      user_id: userId,
      role,
      status,
      source: status === 'active' ? 'invitation' : 'owner_add',
      added_by: null,
      joined_at: status === 'active' ? new Date() : null,
    })
    .execute();
}

export function errorCode(res: LightMyRequestResponse): string | undefined {
  return (res.json() as { error?: { code?: string } }).error?.code;
}

/**
 * The emails waiting in (or sent from) the outbox for `to`, oldest first. A sent one keeps only `to`
 * and `subject`: read links before the outbox is drained.
 */
export async function emailsTo(t: TestApp, to: string) {
  const rows = await t.database.db
    .selectFrom('outbox')
    .select(['payload', 'status', 'organization_id'])
    .where(sql<string>`payload->>'to'`, '=', to)
    .orderBy('created_at')
    .execute();
  return rows.map((r) => ({
    ...(r.payload as { to: string; subject: string; text: string; html: string; links: string[] }),
    status: r.status,
    organizationId: r.organization_id,
  }));
}

/**
 * Lets the second a seat check waits (to gather a burst of writes into one) pass: the checks already
 * enqueued become due, so the next `outbox.drain()` runs them (organizations/seat-events.ts).
 */
export async function seatChecksDueNow(database: DatabaseHandle) {
  await database.db
    .updateTable('outbox')
    .set({ next_attempt_at: sql<Date>`now()` })
    .where('kind', '=', 'seat_check')
    .where('status', '=', 'pending')
    .execute();
}

/** The token of a link `…?token=…`. */
export function tokenOf(link: string): string {
  return new URL(link).searchParams.get('token') ?? '';
}

/** Signs up and verifies the email through the emailed link, as a person would. */
export async function verifiedUser(t: TestApp, email = uniqueEmail('verified'), name = 'Verified User') {
  const u = await signUp(t.app, email, name);
  const [mail] = await emailsTo(t, email);
  const link = mail?.links[0];
  if (!link) throw new Error('no verification email');
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/auth/verify-email',
    payload: { token: tokenOf(link) },
  });
  if (res.statusCode !== 200) throw new Error(`verify failed: ${res.statusCode} ${res.body}`);
  return u;
}

/**
 * Counts the statements a database executes (each one's result passes here, whether built or raw SQL):
 * a spy on the real database, not a mock. Attach with `database.db.withPlugin(counter)`.
 */
export class QueryCounter implements KyselyPlugin {
  count = 0;
  transformQuery(args: PluginTransformQueryArgs) {
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs) {
    this.count += 1;
    return args.result;
  }
}

/**
 * Test harness: every test file builds its own Roster on its own fresh database — an in-memory PGlite,
 * or, when ROSTER_TEST_DATABASE_URL names a PostgreSQL server, a new database created on it for this
 * file and dropped afterwards. Nothing is mocked.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { type Config, loadConfig } from '../src/config.ts';
import { type DatabaseHandle, openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { uuidv7 } from '../src/lib/ids.ts';

export const TEST_DATABASE_URL = process.env.ROSTER_TEST_DATABASE_URL || null;
/** True when this run is on a real PostgreSQL server (where races are tested with parallel connections). */
export const onPostgres = TEST_DATABASE_URL !== null;

/** A fresh, migrated database for one test file. */
export async function freshDatabase(): Promise<DatabaseHandle> {
  if (!TEST_DATABASE_URL) {
    const handle = await openDatabase({ databaseUrl: 'memory://', dataDir: '' });
    await migrateToLatest(handle.db);
    return handle;
  }
  const name = `roster_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ databaseUrl: url.toString(), dataDir: '' });
  await migrateToLatest(handle.db);
  return {
    ...handle,
    async close() {
      await handle.close();
      const dropper = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
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
 * unless `overrides.outboxWorker` says otherwise.
 */
export async function createTestApp(
  overrides: Partial<Config> = {},
  database?: DatabaseHandle,
): Promise<TestApp> {
  const db = database ?? (await freshDatabase());
  const config = loadConfig(
    { PORT: '0', PUBLIC_URL: 'http://roster.test', LOG_LEVEL: 'info' },
    { outboxWorker: false, ...overrides },
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
export async function addActiveMember(
  database: DatabaseHandle,
  orgId: string,
  userId: string,
  role: 'owner' | 'admin' | 'member',
) {
  await database.db
    .insertInto('memberships')
    .values({
      id: uuidv7(),
      organization_id: orgId,
      user_id: userId,
      role,
      status: 'active',
      source: 'invitation',
      added_by: null,
      joined_at: new Date(),
    })
    .execute();
}

export function errorCode(res: LightMyRequestResponse): string | undefined {
  return (res.json() as { error?: { code?: string } }).error?.code;
}

export interface QueuedEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  links: string[];
}

/** The emails queued in the outbox for `to` (normalized), oldest first. */
export async function emailsTo(database: DatabaseHandle, to: string): Promise<QueuedEmail[]> {
  const rows = await database.db
    .selectFrom('outbox')
    .select('payload')
    .where('kind', '=', 'email')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows
    .map((r) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as QueuedEmail)
    .filter((m) => m.to === to.trim().toLowerCase());
}

/** Signs up and verifies the email with the link the verification email carries, as a user would. */
export async function signUpVerified(
  app: FastifyInstance,
  database: DatabaseHandle,
  email = uniqueEmail(),
  name = 'Test User',
): Promise<SignedUp> {
  const signed = await signUp(app, email, name);
  const link = (await emailsTo(database, signed.user.email)).at(-1)?.links[0];
  const token = link ? new URL(link).searchParams.get('token') : null;
  if (!token) throw new Error(`no verification link was sent to ${signed.user.email}`);
  const res = await app.inject({ method: 'POST', url: '/v1/auth/verify-email', payload: { token } });
  if (res.statusCode !== 200) throw new Error(`verify-email failed: ${res.statusCode} ${res.body}`);
  return signed;
}

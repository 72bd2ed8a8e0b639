/**
 * Roster against a peer: Better Auth 1.7.25 with its organization plugin, beside the physical reference,
 * on the same PostgreSQL, with the same load generator. `npm run bench -- --peers`; see bench/README.md
 * ("Peers"). Measured rows, printed and written into their own block of bench/RESULTS.md (between
 * PEERS_BEGIN and PEERS_END, nothing else is touched). Targets are printed as met / NOT met; nothing
 * fails when one is missed. The bench stops when something does not work: a server that does not start,
 * any answer other than 2xx, rows an invitation or an acceptance should have written and did not.
 *
 * Environment:
 * - BENCH_DATABASE_URL        server to use (default postgres://postgres@127.0.0.1:5432/test); the bench
 *                             drops and recreates `peers_roster` and `peers_better_auth` there
 * - BENCH_PEERS_DURATION      seconds measured per scenario, server and round (default 10)
 * - BENCH_PEERS_ROUNDS        rounds; each runs every scenario on every server in turn (default 3)
 * - BENCH_PEERS_WARMUP        seconds of unrecorded load before each measured run (default 2)
 * - BENCH_PEERS_CONNECTIONS   concurrent HTTP connections (default 10)
 * - BENCH_PEERS_ONLY          servers to run, a comma list of reference, roster, better-auth (default all)
 * - BENCH_PEERS_SCENARIOS     scenarios to run, a comma list of SCENARIO_KEYS (default all)
 * - BENCH_PEERS_ACCEPT_RATE   upper bound of accepts per second, for seeding invitations (default 1500)
 * - BENCH_PEERS_REDIS_URL     Roster's REDIS_URL: its rate limits counted in Redis, not in PostgreSQL
 * - BENCH_PEERS_INVITE_LIMIT  Roster's invitation limits per window (default 1000000; 0: no limit, no counting)
 * - BENCH_PEERS_PROF          a folder for a CPU profile of Roster's server (node --cpu-prof)
 *
 * `node --import tsx bench/peers.ts --serve-roster <url>` is the Roster server of this bench (see serveRoster).
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { issueToken } from '../src/lib/crypto.ts';
import { processCpuMicros } from './cpu.ts';
import { intEnv } from './env.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.join(HERE, 'RESULTS.md');
const PEER_DIR = path.join(HERE, 'peers', 'better-auth');
const BETTER_AUTH_VERSION = '1.7.25';
export const PEERS_BEGIN = '<!-- peers:begin (written by npm run bench -- --peers; replaced on each run) -->';
export const PEERS_END = '<!-- peers:end -->';

const ROSTER_DB = 'peers_roster';
const BETTER_AUTH_DB = 'peers_better_auth';
/** Members of each seeded organization (its owner included). */
const ORG_MEMBERS = 1_000;
/** Pending invitations already in the organization of the "~8k pending" scenario. */
const PENDING = 8_000;
const PAGE = 100;
/** Goals (measurements, not failures). */
const SPEED_GOAL = 3;
const WRITE_CPU_GOAL_MS = 3;
const PAGE_SERVER_CPU_GOAL_MS = 0.5;

const SERVER_KEYS = ['reference', 'roster', 'better-auth'] as const;
type ServerKey = (typeof SERVER_KEYS)[number];
const SERVER_NAMES: Record<ServerKey, string> = {
  reference: 'reference',
  roster: 'Roster',
  'better-auth': 'Better Auth',
};
const SCENARIO_KEYS = ['reference', 'invite', 'accept', 'invite-8k', 'members', 'permission', 'me'] as const;
type ScenarioKey = (typeof SCENARIO_KEYS)[number];
const SCENARIO_NAMES: Record<ScenarioKey, string> = {
  reference: 'reference (bare Fastify + PK SELECT)',
  invite: 'invite a member',
  accept: 'accept an invitation',
  'invite-8k': `invite, organization with ~${PENDING / 1000}k pending`,
  members: `page of ${PAGE} members (${ORG_MEMBERS.toLocaleString('en-US')}-member org)`,
  permission: 'permission check',
  me: 'current user (GET /v1/me · get-session)',
};

export interface PeersSettings {
  adminUrl: string;
  duration: number;
  rounds: number;
  warmup: number;
  connections: number;
  servers: ServerKey[];
  scenarios: ScenarioKey[];
  acceptRate: number;
  /** Some server or scenario left out: RESULTS.md is not written. */
  filtered: boolean;
}

function listEnv<T extends string>(name: string, all: readonly T[]): T[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return [...all];
  const picked = raw.split(',').map((s) => s.trim());
  const bad = picked.filter((s) => !all.includes(s as T));
  if (bad.length > 0 || picked.length === 0) {
    throw new Error(`${name}: unknown ${bad.join(', ')}; choose from ${all.join(', ')}`);
  }
  return all.filter((k) => picked.includes(k));
}

export function peersSettings(): PeersSettings {
  const servers = listEnv('BENCH_PEERS_ONLY', SERVER_KEYS);
  const scenarios = listEnv('BENCH_PEERS_SCENARIOS', SCENARIO_KEYS);
  return {
    adminUrl: process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
    duration: intEnv('BENCH_PEERS_DURATION', 10, 1),
    rounds: intEnv('BENCH_PEERS_ROUNDS', 3, 1),
    warmup: intEnv('BENCH_PEERS_WARMUP', 2, 0),
    connections: intEnv('BENCH_PEERS_CONNECTIONS', 10, 1),
    servers,
    scenarios,
    acceptRate: intEnv('BENCH_PEERS_ACCEPT_RATE', 1500, 10),
    filtered: servers.length < SERVER_KEYS.length || scenarios.length < SCENARIO_KEYS.length,
  };
}

/** The peers block of an existing RESULTS.md, for run.ts to keep when it rewrites the rest; '' if none. */
export function peersBlockOf(results: string): string {
  const start = results.indexOf(PEERS_BEGIN);
  const end = results.indexOf(PEERS_END);
  return start !== -1 && end > start ? results.slice(start, end + PEERS_END.length) : '';
}

// ---------------------------------------------------------------------------------------------------
// Servers

interface Server {
  key: ServerKey;
  child: ChildProcess;
  base: string;
  /** The database its pool connects to, and the application_name its connections carry. */
  database: string;
  appName: string;
}

function databaseUrl(adminUrl: string, database: string, appName: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  url.searchParams.set('application_name', appName);
  return url.toString();
}

function awaitPort(key: ServerKey, child: ChildProcess, database: string, appName: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    child.once('message', (m) => {
      const { port } = m as { port?: number };
      if (port) resolve({ key, child, base: `http://127.0.0.1:${port}`, database, appName });
      else reject(new Error(`${key} server did not report a port`));
    });
    child.once('exit', (code) => reject(new Error(`${key} server exited with code ${code}`)));
  });
}

function startServer(key: ServerKey, adminUrl: string, secret: string): Promise<Server> {
  const appName = `peers_${key.replace('-', '_')}`;
  if (key === 'better-auth') {
    const url = databaseUrl(adminUrl, BETTER_AUTH_DB, appName);
    // Plain node from its own folder, so it resolves its own node_modules; no tsx.
    const child = fork(path.join(PEER_DIR, 'server.mjs'), ['serve', url], {
      cwd: PEER_DIR,
      execArgv: [],
      env: { ...process.env, BETTER_AUTH_SECRET: secret, NODE_ENV: 'production' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return awaitPort(key, child, BETTER_AUTH_DB, appName);
  }
  const url = databaseUrl(adminUrl, ROSTER_DB, appName);
  const child =
    key === 'reference'
      ? fork(path.join(HERE, 'server-child.ts'), ['reference', url], {
          execArgv: ['--import', 'tsx'],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        })
      : fork(fileURLToPath(import.meta.url), ['--serve-roster', url], {
          execArgv: [
            '--import',
            'tsx',
            ...(process.env.BENCH_PEERS_PROF
              ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PEERS_PROF}`]
              : []),
          ],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
  return awaitPort(key, child, ROSTER_DB, appName);
}

function stopServer(s: Server): Promise<void> {
  return new Promise((resolve) => {
    if (s.child.exitCode !== null) return resolve();
    const timer = setTimeout(() => s.child.kill('SIGKILL'), 5000);
    s.child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    s.child.send('stop');
  });
}

/**
 * Roster as bench/server-child.ts runs it (buildApp, everything on, no outbox worker), with the
 * invitation rate limits at their maximum (1,000,000 per window) rather than 50 and 100 a day: the limiter
 * still counts every invitation in PostgreSQL, as in production, but a load test does not reach it.
 */
async function serveRoster(url: string) {
  const { buildApp } = await import('../src/app.ts');
  const { loadConfig } = await import('../src/config.ts');
  const app = await buildApp(
    loadConfig({
      DATABASE_URL: url,
      LOG_LEVEL: 'warn',
      OUTBOX_WORKER: 'false',
      INVITE_LIMIT_PER_ORG: process.env.BENCH_PEERS_INVITE_LIMIT ?? '1000000',
      INVITE_LIMIT_PER_INVITER: process.env.BENCH_PEERS_INVITE_LIMIT ?? '1000000',
      ...(process.env.BENCH_PEERS_REDIS_URL ? { REDIS_URL: process.env.BENCH_PEERS_REDIS_URL } : {}),
    }),
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const stop = async () => {
    await app.close();
    process.exit(0);
  };
  process.on('message', (message) => {
    if (message === 'stop') void stop();
  });
  process.on('disconnect', () => void stop());
  process.send?.({ port });
}

/** Installs the peer's own node_modules (from its package-lock.json) unless Better Auth is there already. */
function ensurePeerInstalled() {
  const installed = path.join(PEER_DIR, 'node_modules', 'better-auth', 'package.json');
  const version = fs.existsSync(installed)
    ? (JSON.parse(fs.readFileSync(installed, 'utf8')) as { version: string }).version
    : null;
  if (version === BETTER_AUTH_VERSION) return;
  console.log(`Installing bench/peers/better-auth (better-auth ${BETTER_AUTH_VERSION}, npm ci)…`);
  execFileSync('npm', ['ci', '--prefix', PEER_DIR, '--no-audit', '--no-fund', '--loglevel=error'], {
    stdio: 'inherit',
  });
}

// ---------------------------------------------------------------------------------------------------
// Seeding: bulk SQL, the same shapes on both

/** One signed-in user: the Cookie header that carries their session. */
interface Account {
  userId: string;
  cookie: string;
}

interface Invitee {
  invitationId: string;
  cookie: string;
}

interface Seeded {
  /** `team`: ORG_MEMBERS members (the first is the owner); reads and "invite a member" happen here. */
  team: { orgId: string; owner: Account; members: Account[]; membershipIds: string[] };
  /** `pending`: ORG_MEMBERS members and PENDING pending invitations. */
  pending: { orgId: string; owner: Account };
  /** `accepting`: ORG_MEMBERS members; each accept run gets its own batch of invitees (seedInvitees). */
  accepting: { orgId: string };
  seedInvitees(n: number, tag: string): Promise<Invitee[]>;
  /** Rows counted before and after a write run. */
  count(what: 'invitations' | 'accepted' | 'members', orgId: string, emailPrefix?: string): Promise<number>;
  /** Deletes invitations a run created (email prefix), keeping the seeded ones. */
  removeInvitations(orgId: string, emailPrefix: string): Promise<void>;
  /**
   * After an accept run: the invitations left pending go (their invitees' accounts stay: deleting users
   * checks every foreign key that names them, which takes longer than the run).
   */
  removeUnusedInvitees(orgId: string, emailPrefix: string): Promise<void>;
  close(): Promise<void>;
}

const ORGS = ['team', 'pending', 'accepting'] as const;

/**
 * A UUIDv7 in SQL from a millisecond timestamp expression: 48 bits of time, the version nibble, random
 * bits and the RFC 9562 variant, as src/lib/ids.ts makes them (so ids sort by creation).
 */
const uuidv7Sql = (ms: string) => `(
  lpad(to_hex(${ms}), 12, '0') || '7' || substr(md5(random()::text), 1, 3)
  || substr('89ab', 1 + floor(random() * 4)::int, 1) || substr(md5(random()::text), 1, 15)
)::uuid`;

async function recreateDatabase(adminUrl: string, name: string) {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
}

/** Roster's sessions as sign-in makes them (src/features/auth): `rs_…` tokens, only SHA-256 of the secret stored. */
async function rosterSessions(pool: pg.Pool, userIds: string[]): Promise<string[]> {
  const tokens = userIds.map(() => issueToken('rs'));
  await pool.query(
    `INSERT INTO sessions (id, user_id, secret_hash, expires_at, user_agent, ip)
     SELECT id, user_id, secret_hash, now() + interval '30 days', 'autocannon', '127.0.0.1'
     FROM unnest($1::uuid[], $2::uuid[], $3::bytea[]) AS s (id, user_id, secret_hash)`,
    [tokens.map((t) => t.id), userIds, tokens.map((t) => t.secretHash)],
  );
  return tokens.map((t) => `roster_session=${t.token}`);
}

async function seedRoster(adminUrl: string): Promise<Seeded> {
  await recreateDatabase(adminUrl, ROSTER_DB);
  const url = databaseUrl(adminUrl, ROSTER_DB, 'peers_seed');
  const handle = await openDatabase({ databaseUrl: url, dataDir: '' });
  try {
    await migrateToLatest(handle.db);
  } finally {
    await handle.close();
  }
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const orgs = await pool.query<{ id: string; slug: string }>(
    `INSERT INTO organizations (slug, name) SELECT o, initcap(o) FROM unnest($1::text[]) AS o RETURNING id, slug`,
    [ORGS],
  );
  const orgId = (slug: string) => orgs.rows.find((o) => o.slug === slug)?.id as string;
  // Users `<org>-0001@bench.example`…, member n of each organization joined at base + n ms (the first is
  // the owner), so membership ids follow join order as Roster's do.
  const base = Date.now() - 3_600_000;
  await pool.query(
    `WITH u AS (
       INSERT INTO users (email, name, email_verified_at)
       SELECT format('%s-%s@bench.example', o.slug, lpad(i::text, 4, '0')), format('%s %s', initcap(o.slug), i), now()
       FROM organizations o, generate_series(1, $2::int) AS i
       RETURNING id, email
     ), numbered AS (
       SELECT u.id AS user_id, o.id AS org_id, split_part(split_part(u.email, '@', 1), '-', 2)::int AS n
       FROM u JOIN organizations o ON o.slug = split_part(u.email, '-', 1)
     )
     INSERT INTO memberships (id, organization_id, user_id, role, status, source, created_at, joined_at)
     SELECT ${uuidv7Sql('$1::bigint + n')}, org_id, user_id,
            CASE WHEN n = 1 THEN 'owner' ELSE 'member' END, 'active',
            CASE WHEN n = 1 THEN 'created_org' ELSE 'invitation' END,
            to_timestamp(($1::bigint + n) / 1000.0), to_timestamp(($1::bigint + n) / 1000.0)
     FROM numbered`,
    [base, ORG_MEMBERS],
  );
  const team = await pool.query<{ id: string; user_id: string }>(
    'SELECT id, user_id FROM memberships WHERE organization_id = $1 ORDER BY id',
    [orgId('team')],
  );
  const owners = await pool.query<{ organization_id: string; user_id: string }>(
    "SELECT organization_id, user_id FROM memberships WHERE role = 'owner'",
  );
  const ownerOf = (slug: string) =>
    owners.rows.find((o) => o.organization_id === orgId(slug))?.user_id as string;
  const teamUsers = team.rows.map((r) => r.user_id);
  const teamCookies = await rosterSessions(pool, teamUsers);
  const [pendingOwnerCookie] = await rosterSessions(pool, [ownerOf('pending')]);
  // Pending invitations as an admin's invite leaves them: approved, sent, with their emailed link.
  const invite = (emails: string, orgParam: string, ownerParam: string) => `
    WITH inv AS (
      INSERT INTO invitations (id, organization_id, email, role, invited_by, approval, expires_at, sent_at, send_count)
      SELECT ${uuidv7Sql('(extract(epoch FROM clock_timestamp()) * 1000)::bigint')}, ${orgParam}, e, 'member',
             ${ownerParam}, 'approved', now() + interval '7 days', now(), 1
      FROM (${emails}) AS emails (e)
      RETURNING id, organization_id, email
    ), links AS (
      INSERT INTO invitation_links (id, organization_id, invitation_id, kind, secret_hash, created_by)
      SELECT gen_random_uuid(), organization_id, id, 'email', sha256(convert_to(random()::text, 'UTF8')), ${ownerParam}
      FROM inv
    )
    SELECT id, email FROM inv`;
  await pool.query(
    invite(
      "SELECT format('pending-%s@invited.example', lpad(i::text, 5, '0')) FROM generate_series(1, $3::int) AS i",
      '$1::uuid',
      '$2::uuid',
    ),
    [orgId('pending'), ownerOf('pending'), PENDING],
  );
  await pool.query('VACUUM (ANALYZE)');

  const seeded: Seeded = {
    team: {
      orgId: orgId('team'),
      owner: { userId: teamUsers[0] as string, cookie: teamCookies[0] as string },
      members: teamUsers.map((userId, i) => ({ userId, cookie: teamCookies[i] as string })),
      membershipIds: team.rows.map((r) => r.id),
    },
    pending: {
      orgId: orgId('pending'),
      owner: { userId: ownerOf('pending'), cookie: pendingOwnerCookie as string },
    },
    accepting: { orgId: orgId('accepting') },
    async seedInvitees(n, tag) {
      const users = await pool.query<{ id: string; email: string }>(
        `INSERT INTO users (email, name, email_verified_at)
         SELECT format('%s-%s@invited.example', $1::text, i), format('Invitee %s', i), now()
         FROM generate_series(1, $2::int) AS i
         RETURNING id, email`,
        [tag, n],
      );
      const cookies = await rosterSessions(
        pool,
        users.rows.map((u) => u.id),
      );
      const cookieOf = new Map(users.rows.map((u, i) => [u.email, cookies[i] as string]));
      const inv = await pool.query<{ id: string; email: string }>(
        invite('SELECT unnest($3::text[])', '$1::uuid', '$2::uuid'),
        [orgId('accepting'), ownerOf('accepting'), users.rows.map((u) => u.email)],
      );
      await pool.query('ANALYZE users, sessions, invitations, invitation_links');
      return inv.rows.map((r) => ({ invitationId: r.id, cookie: cookieOf.get(r.email) as string }));
    },
    async count(what, org, emailPrefix) {
      const sql = {
        invitations:
          'SELECT count(*)::int AS n FROM invitations WHERE organization_id = $1 AND email LIKE $2',
        accepted:
          "SELECT count(*)::int AS n FROM invitations WHERE organization_id = $1 AND status = 'accepted'",
        members:
          "SELECT count(*)::int AS n FROM memberships WHERE organization_id = $1 AND status = 'active'",
      }[what];
      const params = what === 'invitations' ? [org, `${emailPrefix}%`] : [org];
      return (await pool.query<{ n: number }>(sql, params)).rows[0]?.n ?? 0;
    },
    async removeInvitations(org, emailPrefix) {
      await pool.query('DELETE FROM invitations WHERE organization_id = $1 AND email LIKE $2', [
        org,
        `${emailPrefix}%`,
      ]);
      await pool.query('VACUUM (ANALYZE) invitations, invitation_links');
    },
    async removeUnusedInvitees(org, emailPrefix) {
      const like = `${emailPrefix}%`;
      await pool.query(
        "DELETE FROM invitations WHERE organization_id = $1 AND email LIKE $2 AND status = 'pending'",
        [org, like],
      );
      await pool.query('VACUUM (ANALYZE) invitations, invitation_links');
    },
    close: () => pool.end(),
  };
  return seeded;
}

/** The value of Better Auth's session cookie: the token, '.', base64 HMAC-SHA256 of it (better-call's signCookieValue). */
function betterAuthCookie(token: string, secret: string): string {
  const signature = createHmac('sha256', secret).update(token).digest('base64');
  return `better-auth.session_token=${encodeURIComponent(`${token}.${signature}`)}`;
}

/** Better Auth's sessions as its sign-in makes them: a random token in `session.token`, 7 days. */
async function betterAuthSessions(pool: pg.Pool, userIds: string[], secret: string): Promise<string[]> {
  const tokens = userIds.map(() => randomBytes(24).toString('base64url').slice(0, 32));
  await pool.query(
    `INSERT INTO session (id, token, "userId", "expiresAt", "createdAt", "updatedAt", "ipAddress", "userAgent")
     SELECT md5(random()::text), token, user_id, now() + interval '7 days', now(), now(), '127.0.0.1', 'autocannon'
     FROM unnest($1::text[], $2::text[]) AS s (token, user_id)`,
    [tokens, userIds],
  );
  return tokens.map((t) => betterAuthCookie(t, secret));
}

async function seedBetterAuth(adminUrl: string, secret: string): Promise<Seeded> {
  await recreateDatabase(adminUrl, BETTER_AUTH_DB);
  const url = databaseUrl(adminUrl, BETTER_AUTH_DB, 'peers_seed');
  // Better Auth's tables from its own migration (getMigrations), run by the peer's server file.
  execFileSync(process.execPath, [path.join(PEER_DIR, 'server.mjs'), 'migrate', url], {
    cwd: PEER_DIR,
    env: { ...process.env, BETTER_AUTH_SECRET: secret },
    stdio: 'inherit',
  });
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  // Ids as Better Auth makes them: 32 random alphanumeric characters (md5 hex here).
  const orgs = await pool.query<{ id: string; slug: string }>(
    `INSERT INTO organization (id, name, slug, "createdAt")
     SELECT md5(random()::text), initcap(o), o, now() FROM unnest($1::text[]) AS o RETURNING id, slug`,
    [ORGS],
  );
  const orgId = (slug: string) => orgs.rows.find((o) => o.slug === slug)?.id as string;
  const base = Date.now() - 3_600_000;
  await pool.query(
    `WITH u AS (
       INSERT INTO "user" (id, name, email, "emailVerified", "createdAt", "updatedAt")
       SELECT md5(random()::text), format('%s %s', initcap(o.slug), i),
              format('%s-%s@bench.example', o.slug, lpad(i::text, 4, '0')), true, now(), now()
       FROM organization o, generate_series(1, $2::int) AS i
       RETURNING id, email
     ), numbered AS (
       SELECT u.id AS user_id, o.id AS org_id, split_part(split_part(u.email, '@', 1), '-', 2)::int AS n
       FROM u JOIN organization o ON o.slug = split_part(u.email, '-', 1)
     )
     INSERT INTO member (id, "organizationId", "userId", role, "createdAt")
     SELECT md5(random()::text), org_id, user_id, CASE WHEN n = 1 THEN 'owner' ELSE 'member' END,
            to_timestamp(($1::bigint + n) / 1000.0)
     FROM numbered`,
    [base, ORG_MEMBERS],
  );
  const team = await pool.query<{ userId: string }>(
    `SELECT "userId" FROM member WHERE "organizationId" = $1 ORDER BY "createdAt"`,
    [orgId('team')],
  );
  const owners = await pool.query<{ organizationId: string; userId: string }>(
    `SELECT "organizationId", "userId" FROM member WHERE role = 'owner'`,
  );
  const ownerOf = (slug: string) =>
    owners.rows.find((o) => o.organizationId === orgId(slug))?.userId as string;
  const teamUsers = team.rows.map((r) => r.userId);
  const teamCookies = await betterAuthSessions(pool, teamUsers, secret);
  const [pendingOwnerCookie] = await betterAuthSessions(pool, [ownerOf('pending')], secret);
  // Pending invitations as invite-member leaves them (48 hours, Better Auth's default expiry).
  const invite = (emails: string) => `
    INSERT INTO invitation (id, "organizationId", email, role, status, "expiresAt", "createdAt", "inviterId")
    SELECT md5(random()::text), $1, e, 'member', 'pending', now() + interval '48 hours', now(), $2
    FROM (${emails}) AS emails (e)
    RETURNING id, email`;
  await pool.query(
    invite(
      "SELECT format('pending-%s@invited.example', lpad(i::text, 5, '0')) FROM generate_series(1, $3::int) AS i",
    ),
    [orgId('pending'), ownerOf('pending'), PENDING],
  );
  await pool.query('VACUUM (ANALYZE)');

  return {
    team: {
      orgId: orgId('team'),
      owner: { userId: teamUsers[0] as string, cookie: teamCookies[0] as string },
      members: teamUsers.map((userId, i) => ({ userId, cookie: teamCookies[i] as string })),
      membershipIds: [],
    },
    pending: {
      orgId: orgId('pending'),
      owner: { userId: ownerOf('pending'), cookie: pendingOwnerCookie as string },
    },
    accepting: { orgId: orgId('accepting') },
    async seedInvitees(n, tag) {
      const users = await pool.query<{ id: string; email: string }>(
        `INSERT INTO "user" (id, name, email, "emailVerified", "createdAt", "updatedAt")
         SELECT md5(random()::text), format('Invitee %s', i), format('%s-%s@invited.example', $1::text, i), true, now(), now()
         FROM generate_series(1, $2::int) AS i
         RETURNING id, email`,
        [tag, n],
      );
      const cookies = await betterAuthSessions(
        pool,
        users.rows.map((u) => u.id),
        secret,
      );
      const cookieOf = new Map(users.rows.map((u, i) => [u.email, cookies[i] as string]));
      const inv = await pool.query<{ id: string; email: string }>(invite('SELECT unnest($3::text[])'), [
        orgId('accepting'),
        ownerOf('accepting'),
        users.rows.map((u) => u.email),
      ]);
      await pool.query('ANALYZE "user", session, invitation');
      return inv.rows.map((r) => ({ invitationId: r.id, cookie: cookieOf.get(r.email) as string }));
    },
    async count(what, org, emailPrefix) {
      const sql = {
        invitations: `SELECT count(*)::int AS n FROM invitation WHERE "organizationId" = $1 AND email LIKE $2`,
        accepted: `SELECT count(*)::int AS n FROM invitation WHERE "organizationId" = $1 AND status = 'accepted'`,
        members: `SELECT count(*)::int AS n FROM member WHERE "organizationId" = $1`,
      }[what];
      const params = what === 'invitations' ? [org, `${emailPrefix}%`] : [org];
      return (await pool.query<{ n: number }>(sql, params)).rows[0]?.n ?? 0;
    },
    async removeInvitations(org, emailPrefix) {
      await pool.query(`DELETE FROM invitation WHERE "organizationId" = $1 AND email LIKE $2`, [
        org,
        `${emailPrefix}%`,
      ]);
      await pool.query('VACUUM (ANALYZE) invitation');
    },
    async removeUnusedInvitees(org, emailPrefix) {
      const like = `${emailPrefix}%`;
      await pool.query(
        `DELETE FROM invitation WHERE "organizationId" = $1 AND email LIKE $2 AND status = 'pending'`,
        [org, like],
      );
      await pool.query('VACUUM (ANALYZE) invitation');
    },
    close: () => pool.end(),
  };
}

// ---------------------------------------------------------------------------------------------------
// Requests

interface Req {
  method: 'GET' | 'POST';
  path: string;
  cookie: string;
  body?: unknown;
}

/**
 * One scenario on one server: how each request is made, and what to check around the measured run.
 * `limit`: the requests it can make (accepts: one per seeded invitation); the run stops there.
 */
interface Load {
  next(): Req;
  limit?: () => number;
  /** Before the measured run; returns the check to run after it, given the 2xx answers it counted. */
  beforeMeasured?(): Promise<(ok: number) => Promise<void>>;
  /** After both runs (warm-up and measured): remove what the scenario added. */
  cleanup?(): Promise<void>;
}

const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)] as T;

/** The run wrote between `ok` and `ok + connections` rows: the answers counted, plus those abandoned in flight. */
function checkWritten(what: string, before: number, after: number, ok: number, connections: number) {
  const written = after - before;
  if (written < ok || written > ok + connections) {
    throw new Error(`${what}: ${ok} answers 2xx, but ${written} rows written (${before} → ${after})`);
  }
}

function makeLoad(
  scenario: ScenarioKey,
  server: Server,
  s: Seeded,
  ctx: { run: string; connections: number; acceptBatch: number },
): Promise<Load> | Load {
  const roster = server.key === 'roster';
  const reads = s.team.members;
  switch (scenario) {
    case 'reference': {
      const ids = s.team.membershipIds;
      return { next: () => ({ method: 'GET', path: `/memberships/${pick(ids)}`, cookie: '' }) };
    }
    case 'invite':
    case 'invite-8k': {
      const org = scenario === 'invite' ? s.team : s.pending;
      const prefix = `new-${ctx.run}-`;
      let n = 0;
      let phase = 'w';
      return {
        next: () => {
          const email = `${prefix}${phase}${++n}@invited.example`;
          return roster
            ? {
                method: 'POST',
                path: `/v1/organizations/${org.orgId}/invitations`,
                cookie: org.owner.cookie,
                body: { email, role: 'member' },
              }
            : {
                method: 'POST',
                path: '/api/auth/organization/invite-member',
                cookie: org.owner.cookie,
                body: { email, role: 'member', organizationId: org.orgId },
              };
        },
        async beforeMeasured() {
          phase = 'm';
          const before = await s.count('invitations', org.orgId, `${prefix}m`);
          return async (ok) => {
            const after = await s.count('invitations', org.orgId, `${prefix}m`);
            checkWritten(`${scenario} on ${server.key}: invitations`, before, after, ok, ctx.connections);
          };
        },
        cleanup: () => s.removeInvitations(org.orgId, prefix),
      };
    }
    case 'accept':
      return s.seedInvitees(ctx.acceptBatch, `acc-${ctx.run}`).then((invitees): Load => {
        const prefix = `acc-${ctx.run}-`;
        let i = 0;
        return {
          next: () => {
            const inv = invitees[i++] as Invitee;
            return roster
              ? { method: 'POST', path: `/v1/me/invitations/${inv.invitationId}/accept`, cookie: inv.cookie }
              : {
                  method: 'POST',
                  path: '/api/auth/organization/accept-invitation',
                  cookie: inv.cookie,
                  body: { invitationId: inv.invitationId },
                };
          },
          limit: () => invitees.length - i,
          async beforeMeasured() {
            const org = s.accepting.orgId;
            const [members, accepted] = [await s.count('members', org), await s.count('accepted', org)];
            return async (ok) => {
              const c = ctx.connections;
              checkWritten(`accept on ${server.key}: members`, members, await s.count('members', org), ok, c);
              checkWritten(
                `accept on ${server.key}: accepted`,
                accepted,
                await s.count('accepted', org),
                ok,
                c,
              );
            };
          },
          cleanup: () => s.removeUnusedInvitees(s.accepting.orgId, prefix),
        };
      });
    case 'members':
      return {
        next: () => ({
          method: 'GET',
          path: roster
            ? `/v1/organizations/${s.team.orgId}/members?limit=${PAGE}`
            : `/api/auth/organization/list-members?organizationId=${s.team.orgId}&limit=${PAGE}`,
          cookie: pick(reads).cookie,
        }),
      };
    case 'permission':
      return {
        next: () => {
          const m = pick(reads);
          return roster
            ? {
                method: 'GET',
                path: `/v1/organizations/${s.team.orgId}/members/${m.userId}/permissions`,
                cookie: m.cookie,
              }
            : {
                method: 'POST',
                path: '/api/auth/organization/has-permission',
                cookie: m.cookie,
                body: { organizationId: s.team.orgId, permissions: { ac: ['read'] } },
              };
        },
      };
    case 'me':
      return {
        next: () => ({
          method: 'GET',
          path: roster ? '/v1/me' : '/api/auth/get-session',
          cookie: pick(reads).cookie,
        }),
      };
  }
}

function headersOf(server: Server, r: Req): Record<string, string> {
  const h: Record<string, string> = { origin: server.base };
  if (r.cookie) h.cookie = r.cookie;
  if (r.body !== undefined) h['content-type'] = 'application/json';
  return h;
}

/** One request, outside the load: the sanity checks before the rounds. */
async function call(server: Server, r: Req): Promise<Record<string, unknown>> {
  const res = await fetch(server.base + r.path, {
    method: r.method,
    headers: headersOf(server, r),
    body: r.body === undefined ? undefined : JSON.stringify(r.body),
  });
  const text = await res.text();
  if (res.status < 200 || res.status > 299) {
    throw new Error(`${server.key}: ${r.method} ${r.path} → ${res.status} ${text.slice(0, 500)}`);
  }
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function check(ok: boolean, what: string) {
  if (!ok) throw new Error(`sanity check failed: ${what}`);
}

/** One request of each read scenario, and one invite, checked for shape before any load. */
async function sanityChecks(server: Server, s: Seeded) {
  const ctx = { run: `check-${server.key}`, connections: 1, acceptBatch: 0 };
  if (server.key === 'reference') {
    const id = s.team.membershipIds[1] as string;
    const body = await call(server, { method: 'GET', path: `/memberships/${id}`, cookie: '' });
    check(body.id === id, 'reference returns the membership');
    return;
  }
  const roster = server.key === 'roster';
  const one = async (k: ScenarioKey) => call(server, (await makeLoad(k, server, s, ctx)).next());
  const page = await one('members');
  check(
    ((roster ? page.data : page.members) as unknown[]).length === PAGE,
    `${server.key}: a page of ${PAGE}`,
  );
  const perm = await one('permission');
  check(
    roster ? perm.role === 'member' || perm.role === 'owner' : perm.success === true,
    `${server.key}: permission`,
  );
  const me = await one('me');
  const user = (roster ? me : me.user) as { email?: string } | null;
  check(/@bench\.example$/.test(user?.email ?? ''), `${server.key}: the session's user`);
  const invite = await makeLoad('invite', server, s, ctx);
  const created = await call(server, invite.next());
  const inv = (roster ? created.invitation : created) as { status?: string };
  check(inv.status === 'pending', `${server.key}: invite creates a pending invitation`);
  await invite.cleanup?.();
}

// ---------------------------------------------------------------------------------------------------
// Measuring

interface Run {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  serverUs: number | null;
  postgresUs: number | null;
}

interface CpuSample {
  server: number | null;
  postgres: Map<number, number>;
}

/** The server process, and the PostgreSQL backends of its database and application_name (not the others'). */
async function sampleCpu(admin: pg.Pool, server: Server): Promise<CpuSample> {
  const { rows } = await admin.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2',
    [server.database, server.appName],
  );
  const postgres = new Map<number, number>();
  for (const { pid } of rows) {
    const us = processCpuMicros(pid);
    if (us !== null) postgres.set(pid, us);
  }
  return { server: processCpuMicros(server.child.pid as number), postgres };
}

function cpuSpent(before: CpuSample, after: CpuSample) {
  let postgres = 0;
  for (const [pid, us] of after.postgres) postgres += us - (before.postgres.get(pid) ?? 0);
  return {
    serverUs: before.server !== null && after.server !== null ? after.server - before.server : null,
    postgresUs: after.postgres.size > 0 ? postgres : null,
  };
}

function load(server: Server, l: Load, seconds: number, connections: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    let firstBad: string | null = null;
    let exhausted = false;
    const instance = autocannon(
      {
        url: server.base,
        connections,
        duration: seconds,
        requests: [
          {
            setupRequest: (req) => {
              if (l.limit && l.limit() <= 0) {
                // No invitation left: stop, and fail below (what is sent meanwhile is not an accept).
                if (!exhausted) setImmediate(() => instance.stop());
                exhausted = true;
                return req;
              }
              const r = l.next();
              return {
                ...req,
                method: r.method,
                path: r.path,
                headers: headersOf(server, r),
                body: r.body === undefined ? '' : JSON.stringify(r.body),
              };
            },
            onResponse: (status, body) => {
              if ((status < 200 || status > 299) && firstBad === null)
                firstBad = `${status} ${body.slice(0, 500)}`;
            },
          },
        ],
      },
      (err, result) => {
        if (err) return reject(err);
        if (exhausted) {
          return reject(
            new Error(`${server.key}: every seeded invitation was accepted; raise BENCH_PEERS_ACCEPT_RATE`),
          );
        }
        const bad = result.errors + result.timeouts + result.non2xx;
        if (bad > 0) {
          reject(
            new Error(
              `${server.key}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx` +
                (firstBad ? `; first: ${firstBad}` : ''),
            ),
          );
        } else resolve(result);
      },
    );
  });
}

/** Lets a server finish the requests the load generator abandoned when it stopped. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

async function measure(
  admin: pg.Pool,
  server: Server,
  l: Load,
  settings: PeersSettings,
  label: string,
): Promise<Run> {
  try {
    if (settings.warmup > 0) {
      await load(server, l, settings.warmup, settings.connections);
      // What the load generator abandoned in flight lands before the counts and the CPU sample.
      await settle();
    }
    const verify = await l.beforeMeasured?.();
    const before = await sampleCpu(admin, server);
    const r = await load(server, l, settings.duration, settings.connections);
    const after = await sampleCpu(admin, server);
    if (verify) {
      await settle();
      await verify(r['2xx']);
    }
    const run: Run = {
      rps: r.requests.average,
      p50: r.latency.p50,
      p99: r.latency.p99,
      requests: r.requests.total,
      ...cpuSpent(before, after),
    };
    const ms = (us: number | null) => (us === null ? 'n/a' : ((us / run.requests) * 1e-3).toFixed(3));
    console.log(
      `  ${label.padEnd(58)} ${run.rps.toFixed(0).padStart(6)} req/s  p50 ${run.p50} ms  p99 ${run.p99} ms  ` +
        `CPU ms/op server ${ms(run.serverUs)} PostgreSQL ${ms(run.postgresUs)}`,
    );
    return run;
  } finally {
    await l.cleanup?.();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** CPU milliseconds per operation over all rounds, or null when it could not be read. */
function cpuMs(runs: Run[], part: 'serverUs' | 'postgresUs' | 'total'): number | null {
  let us = 0;
  let requests = 0;
  for (const r of runs) {
    const v =
      part === 'total'
        ? r.serverUs === null || r.postgresUs === null
          ? null
          : r.serverUs + r.postgresUs
        : r[part];
    if (v === null) return null;
    us += v;
    requests += r.requests;
  }
  return requests > 0 ? us / requests / 1000 : null;
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const fmtMs = (n: number | null) => (n === null ? 'n/a' : n.toFixed(3));
const times = (x: number) => `${x.toFixed(2)}×`;

// ---------------------------------------------------------------------------------------------------

export async function runPeers(settings: PeersSettings = peersSettings()): Promise<void> {
  const started = new Date();
  const loadBefore = os.loadavg()[0] ?? 0;
  const { servers: serverKeys, rounds } = settings;
  const scenarios = settings.scenarios.filter((k) =>
    k === 'reference' ? serverKeys.includes('reference') : serverKeys.some((s) => s !== 'reference'),
  );
  if (scenarios.length === 0)
    throw new Error('BENCH_PEERS_ONLY and BENCH_PEERS_SCENARIOS leave nothing to run');
  const secret = randomBytes(32).toString('hex');
  const useRoster = serverKeys.includes('roster') || serverKeys.includes('reference');
  const useBetterAuth = serverKeys.includes('better-auth');
  if (useBetterAuth) ensurePeerInstalled();

  const admin = new pg.Pool({ connectionString: settings.adminUrl, max: 1 });
  const pgVersion =
    (await admin.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? '?';
  console.log(
    `Peers: recreating ${[useRoster && ROSTER_DB, useBetterAuth && BETTER_AUTH_DB].filter(Boolean).join(' and ')}…`,
  );
  const t0 = performance.now();
  const seeds = new Map<ServerKey, Seeded>();
  if (useRoster) {
    const s = await seedRoster(settings.adminUrl);
    seeds.set('roster', s);
    seeds.set('reference', s);
  }
  if (useBetterAuth) seeds.set('better-auth', await seedBetterAuth(settings.adminUrl, secret));
  console.log(`  seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const servers: Server[] = [];
  const runs = new Map<string, Run[]>();
  const keyOf = (sc: ScenarioKey, sv: ServerKey) => `${sc}|${sv}`;
  try {
    servers.push(...(await Promise.all(serverKeys.map((k) => startServer(k, settings.adminUrl, secret)))));
    for (const server of servers) await sanityChecks(server, seeds.get(server.key) as Seeded);
    // Accepts per run at most: the seeded invitations of one run (warm-up and measured).
    const acceptBatch = Math.ceil(settings.acceptRate * (settings.warmup + settings.duration));
    console.log(
      `Load: ${settings.connections} connections; ${rounds} rounds of ${settings.warmup} s warm-up + ` +
        `${settings.duration} s measured per scenario and server`,
    );
    for (let round = 1; round <= rounds; round++) {
      console.log(`Round ${round}/${rounds}`);
      for (const sc of scenarios) {
        for (const server of servers) {
          if ((sc === 'reference') !== (server.key === 'reference')) continue;
          const s = seeds.get(server.key) as Seeded;
          const ctx = { run: `r${round}-${server.key}`, connections: settings.connections, acceptBatch };
          const l = await makeLoad(sc, server, s, ctx);
          const run = await measure(
            admin,
            server,
            l,
            settings,
            `${SCENARIO_NAMES[sc]} · ${SERVER_NAMES[server.key]}`,
          );
          const list = runs.get(keyOf(sc, server.key)) ?? [];
          list.push(run);
          runs.set(keyOf(sc, server.key), list);
        }
      }
    }
    // Let the servers finish what the load generator abandoned when it stopped.
    await new Promise((resolve) => setTimeout(resolve, 1000));
  } finally {
    await Promise.all(servers.map(stopServer));
    for (const s of new Set(seeds.values())) await s.close();
  }
  const loadAfter = os.loadavg()[0] ?? 0;
  await admin.end();

  // Tables
  const rows: string[] = [];
  for (const sc of scenarios) {
    for (const sv of serverKeys) {
      const rs = runs.get(keyOf(sc, sv));
      if (!rs) continue;
      rows.push(
        `| ${SCENARIO_NAMES[sc]} | ${SERVER_NAMES[sv]} | ${fmt(median(rs.map((r) => r.rps)))} | ` +
          `${fmt(median(rs.map((r) => r.p50)))} | ${fmt(median(rs.map((r) => r.p99)))} | ` +
          `${fmtMs(cpuMs(rs, 'serverUs'))} | ${fmtMs(cpuMs(rs, 'postgresUs'))} | ${fmtMs(cpuMs(rs, 'total'))} |`,
      );
    }
  }
  const table = [
    '| scenario | server | req/s (median) | p50 ms | p99 ms | server CPU ms/op | PostgreSQL CPU ms/op | total CPU ms/op |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');

  /** Each round's Roster req/s over Better Auth's in the same round, median over rounds. */
  const speedRatio = (sc: ScenarioKey) => {
    const r = runs.get(keyOf(sc, 'roster'));
    const b = runs.get(keyOf(sc, 'better-auth'));
    return r && b ? median(r.map((x, i) => x.rps / (b[i] as Run).rps)) : null;
  };
  const cpuRatio = (sc: ScenarioKey) => {
    const r = runs.get(keyOf(sc, 'roster'));
    const b = runs.get(keyOf(sc, 'better-auth'));
    const rc = r ? cpuMs(r, 'total') : null;
    const bc = b ? cpuMs(b, 'total') : null;
    return rc !== null && bc !== null ? bc / rc : null;
  };
  const compared = scenarios.filter((sc) => speedRatio(sc) !== null);
  const ratios = compared.length
    ? [
        '| scenario | Roster ops/s ÷ Better Auth ops/s | Better Auth CPU ms/op ÷ Roster CPU ms/op |',
        '|---|---:|---:|',
        ...compared.map((sc) => {
          const c = cpuRatio(sc);
          return `| ${SCENARIO_NAMES[sc]} | ${times(speedRatio(sc) as number)} | ${c === null ? 'n/a' : times(c)} |`;
        }),
      ].join('\n')
    : '';

  const verdicts: string[] = [];
  for (const sc of (['invite', 'accept', 'invite-8k'] as const).filter((k) => scenarios.includes(k))) {
    const rs = runs.get(keyOf(sc, 'roster'));
    if (!rs) continue;
    const speed = speedRatio(sc);
    const cpu = cpuMs(rs, 'total');
    const parts: string[] = [];
    if (speed !== null) {
      parts.push(
        `${times(speed)} Better Auth's ops/s (goal ≥ ${SPEED_GOAL}×): **${speed >= SPEED_GOAL ? 'met' : 'NOT met'}**`,
      );
    }
    if (cpu !== null) {
      parts.push(
        `${fmtMs(cpu)} ms server + PostgreSQL CPU per op (goal ≤ ${WRITE_CPU_GOAL_MS} ms): ` +
          `**${cpu <= WRITE_CPU_GOAL_MS ? 'met' : 'NOT met'}**`,
      );
    }
    if (parts.length) verdicts.push(`- Roster, ${SCENARIO_NAMES[sc]}: ${parts.join('; ')}.`);
  }
  const page = runs.get(keyOf('members', 'roster'));
  const pageCpu = page ? cpuMs(page, 'serverUs') : null;
  if (pageCpu !== null) {
    verdicts.push(
      `- Roster, ${SCENARIO_NAMES.members}: ${fmtMs(pageCpu)} ms server CPU per page (goal ≤ ${PAGE_SERVER_CPU_GOAL_MS} ms): ` +
        `**${pageCpu <= PAGE_SERVER_CPU_GOAL_MS ? 'met' : 'NOT met'}**.`,
    );
  }

  const cpus = os.cpus();
  const block = [
    PEERS_BEGIN,
    '## Peers: Roster against Better Auth',
    '',
    'Generated by `npm run bench -- --peers` (bench/peers.ts); bench/README.md ("Peers") says what is measured.',
    '',
    `- Date: ${started.toISOString()}; Node ${process.version}; ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown'}`,
    `- Load average (1 min) before the run: ${fmt(loadBefore, 2)} (after: ${fmt(loadAfter, 2)}, which includes the bench)`,
    `- PostgreSQL ${pgVersion} on the same machine (databases ${ROSTER_DB}, ${BETTER_AUTH_DB}); Better Auth ${BETTER_AUTH_VERSION} ` +
      'with its organization plugin on node:http; pg pools of 20 on every server',
    `- ${settings.connections} connections; ${rounds} rounds × (${settings.warmup} s warm-up + ${settings.duration} s measured) ` +
      'per scenario and server, interleaved',
    '',
    table,
    '',
    'req/s, p50 and p99 are medians over the rounds; CPU ms/op are totals over all rounds divided by the ' +
      'operations served (server: the server process; PostgreSQL: the backends of its pool).',
    '',
    ratios,
    '',
    "The ops/s ratio is the median of each round's ratio; the CPU ratio is of server + PostgreSQL CPU per op.",
    '',
    verdicts.join('\n'),
    PEERS_END,
  ].join('\n');

  console.log(`\n${[table, ratios, verdicts.join('\n')].filter(Boolean).join('\n\n')}\n`);
  if (settings.filtered) {
    console.log('Filtered run (BENCH_PEERS_ONLY / BENCH_PEERS_SCENARIOS): bench/RESULTS.md not written.');
    return;
  }
  const existing = fs.existsSync(RESULTS) ? fs.readFileSync(RESULTS, 'utf8') : '';
  const old = peersBlockOf(existing);
  const next = old
    ? existing.replace(old, () => block)
    : existing.trim()
      ? `${existing.replace(/\s*$/, '')}\n\n${block}\n`
      : `# Roster benchmark results\n\n${block}\n`;
  fs.writeFileSync(RESULTS, next);
  console.log('Written to the peers block of bench/RESULTS.md.');
}

// `--serve-roster <url>`: this file is the Roster server of the bench, in its own process.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [flag, url] = process.argv.slice(2);
  if (flag !== '--serve-roster' || !url) {
    console.error(
      'usage: node --import tsx bench/peers.ts --serve-roster <postgres url> (the bench: npm run bench -- --peers)',
    );
    process.exit(2);
  }
  await serveRoster(url);
}

/**
 * Members pages at scale: one organization of 1,000,000 members beside 10,000 organizations of 100, on
 * PostgreSQL. `node --import tsx bench/scale.ts` (or `npm run bench -- --scale`). Every page shape of the
 * big organization should cost what the same shape costs a 100-member organization (within 1.2×, in
 * PostgreSQL CPU and in latency), with the plan PostgreSQL picks for each value (custom) and the one it
 * keeps for all values after five runs of a prepared statement (generic).
 *
 * Environment:
 * - BENCH_DATABASE_URL  server to use (default postgres://postgres@127.0.0.1:5432/test); the bench drops
 *                       and recreates the database `roster_scale_bench` there (and leaves it for inspection)
 * - BENCH_SCALE_BIG     members of the big organization (default 1000000)
 * - BENCH_SCALE_ORGS    organizations of 100 members beside it (default 10000)
 * - BENCH_SCALE_LIMIT   page size of every request (default 25: every shape fills a page in both orgs)
 * - BENCH_DURATION      seconds measured per scenario and round (default 3)
 * - BENCH_WARMUP        seconds of unrecorded load before each (default 1)
 * - BENCH_ROUNDS        rounds (default 3): each runs every shape, big and small back to back; a
 *                       ratio is the median of the rounds' ratios, other figures are over all rounds
 * - BENCH_CONNECTIONS   concurrent HTTP connections (default 4: latency close to the service time)
 * - BENCH_SCALE_REUSE   'true': keep an existing, already seeded `roster_scale_bench` (same sizes)
 * - BENCH_SCALE_MODES   plan modes to load, comma-separated (default generic,custom)
 *
 * Results: printed, and written to bench/RESULTS.md between the `scale:begin` and `scale:end` markers
 * (only that block is replaced).
 */
import { type ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import type { DB } from '../src/db/schema.ts';
import { createApiKey } from '../src/features/api-keys/api-key.service.ts';
import * as memberRepo from '../src/features/members/member.repository.ts';
import { encodeCursor } from '../src/lib/pagination.ts';
import { type CpuSpent, cpuSpent, sampleCpu } from './cpu.ts';
import { intEnv } from './env.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.join(HERE, 'RESULTS.md');

export const SCALE_DATABASE = 'roster_scale_bench';
const ADMIN_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const BIG = intEnv('BENCH_SCALE_BIG', 1_000_000, 1_000);
const ORGS = intEnv('BENCH_SCALE_ORGS', 10_000, 2);
const LIMIT = intEnv('BENCH_SCALE_LIMIT', 25, 1);
const DURATION = intEnv('BENCH_DURATION', 3, 1);
const WARMUP = intEnv('BENCH_WARMUP', 1, 0);
const ROUNDS = intEnv('BENCH_ROUNDS', 3, 1);
const CONNECTIONS = intEnv('BENCH_CONNECTIONS', 4, 1);
const REUSE = process.env.BENCH_SCALE_REUSE === 'true';
const MODES = (process.env.BENCH_SCALE_MODES || 'generic,custom').split(',').map((m) => m.trim()) as Mode[];
/** Members of each small organization. */
const SMALL = 100;
/** The target: a big organization's page costs at most this multiple of a small one's. */
const TARGET = 1.2;

type Mode = 'generic' | 'custom';
const PLAN_CACHE_MODE: Record<Mode, string> = {
  generic: 'force_generic_plan',
  custom: 'force_custom_plan',
};

export const SCALE_BLOCK_BEGIN =
  '<!-- scale:begin (written by npm run bench -- --scale; replaced on each run) -->';
export const SCALE_BLOCK_END = '<!-- scale:end -->';

if (BIG > 9_999_999) throw new Error('BENCH_SCALE_BIG must be below 10,000,000 (emails hold 7 digits)');
if (ORGS > 99_999) throw new Error('BENCH_SCALE_ORGS must be below 100,000 (emails hold 5 digits)');
for (const m of MODES) {
  if (!(m in PLAN_CACHE_MODE)) throw new Error(`BENCH_SCALE_MODES: unknown mode '${m}'`);
}

function databaseUrl(adminUrl: string, planCacheMode?: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${SCALE_DATABASE}`;
  if (planCacheMode) url.searchParams.set('options', `-c plan_cache_mode=${planCacheMode}`);
  return url.toString();
}

// ---------------------------------------------------------------------------------------------------
// Seeding

/**
 * The layout, in join order (a membership's id is a UUIDv7 of its millisecond, as src/lib/ids.ts makes
 * them; every membership has its own millisecond, its user the same one):
 * - the first half of the small organizations, each one's 100 members in a row;
 * - then the big organization's members, with the other half of the small organizations spread among
 *   them (each again in a row). So the big organization's first member comes after 500,000 others: a
 *   plan that walks the primary key in id order skips those.
 * Member n (from 1) of an organization: n = 1 the owner (created_org); every `every`-th an admin; the
 * one half-way between two admins pending (source join_request or owner_add, alternately); the rest
 * active members by invitation. `every` is 4 in a small organization (25 admins, 25 pending) and 100 in
 * the big one (10,000 each): every filtered shape fills a page of 25 in both.
 * Emails: big-0000001@scale.example…, o00001-001@scale.example…; names: "Big Member 1", "Org 1 Member 1".
 */
async function seedScale(url: string): Promise<void> {
  const handle = await openDatabase({ databaseUrl: url, dataDir: '' });
  try {
    await migrateToLatest(handle.db);
  } finally {
    await handle.close();
  }
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const step = async (label: string, text: string, values: unknown[] = []) => {
    const started = performance.now();
    await c.query(text, values);
    console.log(`  ${label}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  };
  try {
    await c.query(`SET maintenance_work_mem = '512MB'`);
    // Bulk loading: foreign keys unchecked (the data is consistent by construction) and the secondary
    // indexes built once at the end, exactly as the migrations define them.
    await c.query('SET session_replication_role = replica');
    const { rows: indexes } = await c.query<{ name: string; def: string }>(
      `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i
       WHERE i.indrelid IN ('users'::regclass, 'memberships'::regclass)
         AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)`,
    );
    for (const ix of indexes) await c.query(`DROP INDEX ${ix.name}`);
    // Organization j's id is …-<j in hex>, the big one's …-0; ids of a user and a membership are
    // UUIDv7s of the slot's millisecond, their other bits the slot itself (unique, no random source).
    const orgId = (no: string) => `('00000000-0000-4000-8000-' || lpad(to_hex(${no}), 12, '0'))::uuid`;
    const uuid7 = (variant: '8' | '9') =>
      `(lpad(to_hex($1::bigint + slot), 12, '0') || '7' || lpad(to_hex(slot % 4096), 3, '0') || '${variant}'
        || lpad(to_hex(slot), 15, '0'))::uuid`;
    const half = Math.floor(ORGS / 2);
    // slot = the membership's place in join order (its millisecond after `base`); every = see above.
    const slots = `(
      SELECT j AS org_no, k AS n, 4 AS every,
             CASE WHEN j <= ${half} THEN (j - 1)::bigint * ${SMALL} + (k - 1)
                  ELSE ${half}::bigint * ${SMALL} + (((j - ${half})::bigint * ${BIG} + ${ORGS - half} - 1) / ${ORGS - half})
                       + (j - ${half} - 1)::bigint * ${SMALL} + (k - 1)
             END AS slot
      FROM generate_series(1, ${ORGS}) j, generate_series(1, ${SMALL}) k
      UNION ALL
      SELECT 0, i + 1, 100, ${half}::bigint * ${SMALL} + i + ((i::bigint * ${ORGS - half}) / ${BIG}) * ${SMALL}
      FROM generate_series(0, ${BIG - 1}) i
    ) s`;
    const base = Date.now() - (BIG + ORGS * SMALL) - 600_000;
    await step(
      'organizations',
      `INSERT INTO organizations (id, slug, name)
       SELECT ${orgId('0')}, 'scale-big', 'Scale Big'
       UNION ALL
       SELECT ${orgId('j')}, 'scale-' || lpad(j::text, 5, '0'), 'Scale ' || j FROM generate_series(1, $1::int) j`,
      [ORGS],
    );
    await step(
      'users',
      `INSERT INTO users (id, email, name, email_verified_at, created_at, updated_at)
       SELECT ${uuid7('8')},
              CASE WHEN org_no = 0 THEN 'big-' || lpad(n::text, 7, '0') || '@scale.example'
                   ELSE 'o' || lpad(org_no::text, 5, '0') || '-' || lpad(n::text, 3, '0') || '@scale.example' END,
              CASE WHEN org_no = 0 THEN 'Big Member ' || n ELSE 'Org ' || org_no || ' Member ' || n END,
              t, t, t
       FROM ${slots}, LATERAL (SELECT to_timestamp(($1::bigint + slot) / 1000.0) AS t) ts
       ORDER BY slot`,
      [base],
    );
    await step(
      'memberships',
      `INSERT INTO memberships (id, organization_id, user_id, role, status, source, created_at, joined_at)
       SELECT ${uuid7('9')}, ${orgId('org_no')}, ${uuid7('8')},
              CASE WHEN n = 1 THEN 'owner' WHEN n % every = 0 THEN 'admin' ELSE 'member' END,
              CASE WHEN n % every = every / 2 THEN 'pending' ELSE 'active' END,
              CASE WHEN n = 1 THEN 'created_org'
                   WHEN n % every <> every / 2 THEN 'invitation'
                   WHEN (n / every) % 2 = 0 THEN 'join_request' ELSE 'owner_add' END,
              t, CASE WHEN n % every = every / 2 THEN NULL ELSE t END
       FROM ${slots}, LATERAL (SELECT to_timestamp(($1::bigint + slot) / 1000.0) AS t) ts
       ORDER BY slot`,
      [base],
    );
    const total = BIG + ORGS * SMALL;
    const { rows: counted } = await c.query<{ n: string }>('SELECT count(*) AS n FROM memberships');
    if (Number(counted[0]?.n) !== total) throw new Error(`seeded ${counted[0]?.n} memberships, not ${total}`);
    for (const ix of indexes) await step(`index ${ix.name}`, ix.def);
    await c.query('RESET session_replication_role');
    // Visibility map and statistics as a long-running database would have them.
    await step('vacuum analyze', 'VACUUM (ANALYZE) users, memberships, organizations');
  } finally {
    await c.end();
  }
}

async function recreateDatabase(): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${SCALE_DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${SCALE_DATABASE}`);
  } finally {
    await admin.end();
  }
}

/** Whether `roster_scale_bench` exists and holds the layout this run asks for. */
async function alreadySeeded(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url });
  try {
    await c.connect();
  } catch {
    return false;
  }
  try {
    const { rows } = await c.query<{ big: string; orgs: string }>(
      `SELECT (SELECT count(*) FROM memberships m JOIN organizations o ON o.id = m.organization_id
               WHERE o.slug = 'scale-big') AS big,
              (SELECT count(*) FROM organizations WHERE slug LIKE 'scale-%' AND slug <> 'scale-big') AS orgs`,
    );
    return Number(rows[0]?.big) === BIG && Number(rows[0]?.orgs) === ORGS;
  } catch {
    return false;
  } finally {
    await c.end();
  }
}

// ---------------------------------------------------------------------------------------------------
// The page shapes

interface Target {
  label: 'big' | 'small';
  orgId: string;
  members: number;
}

type Filters = Omit<memberRepo.MemberQuery, 'organizationId' | 'limit'>;

interface Shape {
  name: string;
  /** The query string of the request (without limit), per organization. */
  query(t: Target): Record<string, string>;
  /** The same page's filters for the repository, for EXPLAIN. */
  repo(t: Target): Filters;
}

/** Membership id of member n (from 1) of an organization, in join order. */
async function memberIdAt(c: pg.Client, orgId: string, n: number): Promise<string> {
  const { rows } = await c.query<{ id: string }>(
    'SELECT id FROM memberships WHERE organization_id = $1 ORDER BY id OFFSET $2 LIMIT 1',
    [orgId, n - 1],
  );
  if (!rows[0]) throw new Error(`no member #${n} in ${orgId}`);
  return rows[0].id;
}

/** A prefix matching 100 users of the organization and no one else: the member numbers n00…n99. */
function selectivePrefix(t: Target, smallNo: number): string {
  if (t.label === 'big')
    return `big-${String(Math.floor(t.members / 2))
      .padStart(7, '0')
      .slice(0, 5)}`;
  return `o${String(smallNo).padStart(5, '0')}-`;
}

function shapes(deep: Map<string, string>, smallNo: number): Shape[] {
  const page = (filters: Filters) => filters;
  return [
    { name: 'first page', query: () => ({}), repo: () => page({}) },
    {
      name: 'deep page',
      query: (t) => ({ cursor: encodeCursor('m', deep.get(t.orgId) as string) }),
      repo: (t) => page({ afterId: deep.get(t.orgId) as string }),
    },
    { name: 'role=admin', query: () => ({ role: 'admin' }), repo: () => page({ role: 'admin' }) },
    { name: 'status=pending', query: () => ({ status: 'pending' }), repo: () => page({ status: 'pending' }) },
    {
      name: 'owners (role=owner&status=active)',
      query: () => ({ role: 'owner', status: 'active' }),
      repo: () => page({ role: 'owner', status: 'active' }),
    },
    {
      name: 'q, selective prefix',
      query: (t) => ({ q: selectivePrefix(t, smallNo) }),
      repo: (t) => page({ q: selectivePrefix(t, smallNo) }),
    },
    {
      name: 'q, common prefix',
      query: (t) => ({ q: t.label === 'big' ? 'big-' : 'o' }),
      repo: (t) => page({ q: t.label === 'big' ? 'big-' : 'o' }),
    },
  ];
}

/** The page the API must return, computed the plain way (no repository code). */
async function expectedIds(c: pg.Client, t: Target, q: Filters): Promise<string[]> {
  const values: unknown[] = [t.orgId];
  const conds = ['m.organization_id = $1'];
  const add = (sql: (p: string) => string, v: unknown) => {
    values.push(v);
    conds.push(sql(`$${values.length}`));
  };
  if (q.afterId) add((p) => `m.id > ${p}`, q.afterId);
  if (q.role) add((p) => `m.role = ${p}`, q.role);
  if (q.status) add((p) => `m.status = ${p}`, q.status);
  if (q.q) add((p) => `(u.email LIKE ${p} OR lower(u.name) LIKE ${p})`, `${q.q.toLowerCase()}%`);
  const { rows } = await c.query<{ id: string }>(
    `SELECT m.id FROM memberships m JOIN users u ON u.id = m.user_id WHERE ${conds.join(' AND ')}
     ORDER BY m.id LIMIT ${LIMIT}`,
    values,
  );
  return rows.map((r) => r.id);
}

// ---------------------------------------------------------------------------------------------------
// Plans

interface PlanReport {
  shape: string;
  target: Target['label'];
  mode: Mode;
  sql: string;
  lines: string[];
}

/**
 * Plan lines worth printing: each node (its estimated cost dropped; rows, loops and time kept) with its
 * conditions, filters and buffers, then the planning and execution times.
 */
function planSummary(lines: string[]): string[] {
  const kept: string[] = [];
  for (const [i, l] of lines.entries()) {
    if (/^\s*Buffers:/.test(l) && /^Planning:/.test(lines[i - 1] ?? '')) continue;
    if (!/\(cost=|Cond:|Filter:|Rows Removed|Buffers:|^(Planning|Execution) Time/.test(l)) continue;
    kept.push(
      l
        .replace(/\s*\(cost=[^)]*\)/, '')
        .replace(/\(actual time=[\d.]+\.\.([\d.]+) rows=(\d+) loops=(\d+)\)/, '(rows=$2 loops=$3, $1 ms)')
        .replace(/\(never executed\)/, '(never executed)')
        .replace(/\s+$/, ''),
    );
  }
  return kept;
}

/** Execution time of a plan, in ms. */
function executionMs(lines: string[]): number {
  const line = lines.find((l) => /^Execution Time/.test(l)) ?? '';
  return Number(/([\d.]+) ms/.exec(line)?.[1] ?? Number.NaN);
}

/** Total shared buffers the statement touched (the first Buffers line: the root node's). */
function buffersOf(lines: string[]): number {
  const line = lines.find((l) => /^\s*Buffers:/.test(l)) ?? '';
  let n = 0;
  for (const m of line.matchAll(/(hit|read|dirtied|written)=(\d+)/g)) {
    if (m[1] === 'hit' || m[1] === 'read') n += Number(m[2]);
  }
  return n;
}

const literal = (c: pg.Client, v: unknown) =>
  typeof v === 'number' ? String(v) : c.escapeLiteral(String(v as string));

/**
 * EXPLAIN (ANALYZE, BUFFERS) of the statement Roster sends for each shape, prepared as Roster prepares it
 * (no parameter types given), with plan_cache_mode forcing the custom plan (planned for these values)
 * or the generic one (planned once for any values: what a prepared statement runs after five calls).
 * Each is executed once before it is explained, so the buffers are those of a warm cache.
 */
async function explainShapes(url: string, targets: Target[], list: Shape[]): Promise<PlanReport[]> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const captured: { sql: string; parameters: readonly unknown[] }[] = [];
  const db = new Kysely<DB>({
    dialect: new PostgresDialect({ pool }),
    log: (event) => {
      if (event.level === 'query') captured.push(event.query);
    },
  });
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const reports: PlanReport[] = [];
  try {
    for (const shape of list) {
      for (const t of targets) {
        captured.length = 0;
        await memberRepo.listMembersJson(db, { organizationId: t.orgId, limit: LIMIT, ...shape.repo(t) });
        const q = captured.at(-1);
        if (!q) throw new Error(`no query captured for ${shape.name}`);
        const args = q.parameters.map((v) => literal(c, v)).join(', ');
        for (const mode of ['generic', 'custom'] as const) {
          await c.query(`SET plan_cache_mode = ${PLAN_CACHE_MODE[mode]}`);
          await c.query(`PREPARE scale_shape AS ${q.sql}`);
          try {
            await c.query(`EXECUTE scale_shape(${args})`);
            const res = await c.query<{ 'QUERY PLAN': string }>(
              `EXPLAIN (ANALYZE, BUFFERS) EXECUTE scale_shape(${args})`,
            );
            reports.push({
              shape: shape.name,
              target: t.label,
              mode,
              sql: q.sql,
              lines: res.rows.map((r) => r['QUERY PLAN']),
            });
          } finally {
            await c.query('DEALLOCATE scale_shape');
          }
        }
      }
    }
  } finally {
    await c.end();
    await db.destroy();
  }
  return reports;
}

// ---------------------------------------------------------------------------------------------------
// Load

interface Server {
  child: ChildProcess;
  base: string;
}

function startServer(url: string): Promise<Server> {
  const child = fork(path.join(HERE, 'server-child.ts'), ['roster', url], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => {
      const { port } = m as { port?: number };
      if (port) resolve({ child, base: `http://127.0.0.1:${port}` });
      else reject(new Error('the server did not report a port'));
    });
    child.once('exit', (code) => reject(new Error(`the server exited with code ${code}`)));
  });
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

interface Run {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  mean: number;
  cpu: CpuSpent;
}

function load(base: string, urlPath: string, headers: Record<string, string>, seconds: number) {
  return autocannon({ url: `${base}${urlPath}`, connections: CONNECTIONS, duration: seconds, headers });
}

async function measure(
  server: Server,
  admin: pg.Pool,
  urlPath: string,
  headers: Record<string, string>,
): Promise<Run> {
  if (WARMUP > 0) await load(server.base, urlPath, headers, WARMUP);
  const pid = server.child.pid as number;
  const before = await sampleCpu(admin, SCALE_DATABASE, pid);
  const r = await load(server.base, urlPath, headers, DURATION);
  const after = await sampleCpu(admin, SCALE_DATABASE, pid);
  const bad = r.errors + r.timeouts + r.non2xx;
  if (bad > 0) throw new Error(`${urlPath}: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx`);
  return {
    requests: r.requests.total,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    mean: r.latency.average,
    cpu: cpuSpent(before, after),
  };
}

/** Load spread over every path at random, unrecorded. */
async function warmUp(server: Server, paths: string[], headers: Record<string, string>): Promise<void> {
  const seconds = Math.max(5, WARMUP * 3);
  const r = await autocannon({
    url: server.base,
    connections: CONNECTIONS,
    duration: seconds,
    headers,
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => {
          req.path = paths[Math.floor(Math.random() * paths.length)] as string;
          return req;
        },
      },
    ],
  });
  if (r.errors + r.timeouts + r.non2xx > 0) throw new Error('warm-up: some requests failed');
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** Totals over the rounds: requests, CPU; latency figures averaged. */
function combine(runs: Run[]): Run {
  const sum = (f: (r: Run) => number) => runs.reduce((a, r) => a + f(r), 0);
  const avg = (f: (r: Run) => number) => sum(f) / runs.length;
  const cpu = (k: keyof CpuSpent) =>
    runs.every((r) => r.cpu[k] !== null) ? sum((r) => r.cpu[k] ?? 0) : null;
  return {
    requests: sum((r) => r.requests),
    rps: avg((r) => r.rps),
    p50: avg((r) => r.p50),
    p99: avg((r) => r.p99),
    mean: avg((r) => r.mean),
    cpu: { server: cpu('server'), postgres: cpu('postgres'), loadGenerator: cpu('loadGenerator') as number },
  };
}

const perOp = (r: Run, k: 'server' | 'postgres') => {
  const us = r.cpu[k];
  return us === null ? null : us / r.requests / 1000;
};

const fmt = (n: number | null, digits = 2) =>
  n === null
    ? 'n/a'
    : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

// ---------------------------------------------------------------------------------------------------
// RESULTS.md

/** The scale block of an existing RESULTS.md, for run.ts to keep when it rewrites the rest; '' if none. */
export function scaleBlockOf(results: string): string {
  const start = results.indexOf(SCALE_BLOCK_BEGIN);
  const end = results.indexOf(SCALE_BLOCK_END);
  return start !== -1 && end > start ? results.slice(start, end + SCALE_BLOCK_END.length) : '';
}

/**
 * Replaces the scale block (or puts it before the start-up block, or at the end), leaving everything
 * else as it is: read and written back at once, since other benches write their own blocks.
 */
async function writeBlock(block: string): Promise<void> {
  const existing = await fs.readFile(RESULTS, 'utf8').catch(() => '');
  const start = existing.indexOf(SCALE_BLOCK_BEGIN);
  const end = existing.indexOf(SCALE_BLOCK_END);
  let next: string;
  if (start !== -1 && end > start) {
    next = existing.slice(0, start) + block + existing.slice(end + SCALE_BLOCK_END.length);
  } else {
    const before = existing.indexOf('<!-- startup:begin');
    if (before !== -1) next = `${existing.slice(0, before)}${block}\n\n${existing.slice(before)}`;
    else if (existing.trim()) next = `${existing.replace(/\s*$/, '')}\n\n${block}\n`;
    else next = `# Roster benchmark results\n\n${block}\n`;
  }
  await fs.writeFile(RESULTS, next);
}

// ---------------------------------------------------------------------------------------------------

/** The whole scale bench: seed (or reuse), plans, load, results block. */
export async function runScale(): Promise<void> {
  const started = new Date();
  const loadBefore = os.loadavg()[0] ?? 0;
  const url = databaseUrl(ADMIN_URL);
  const sizes = `${BIG.toLocaleString('en-US')}-member organization + ${ORGS.toLocaleString('en-US')} of ${SMALL}`;
  let seedSeconds: number | null = null;
  if (REUSE && (await alreadySeeded(url))) {
    console.log(`Reusing ${SCALE_DATABASE} (${sizes}).`);
  } else {
    console.log(`Recreating ${SCALE_DATABASE} on ${new URL(ADMIN_URL).host}: ${sizes}…`);
    const t0 = performance.now();
    await recreateDatabase();
    await seedScale(url);
    seedSeconds = (performance.now() - t0) / 1000;
    console.log(`  seeded in ${seedSeconds.toFixed(1)} s`);
  }

  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const admin = new pg.Pool({ connectionString: ADMIN_URL, max: 1 });
  const blockLines: string[] = [];
  try {
    const pgVersion =
      (await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? '?';
    const smallNo = Math.max(1, Math.floor((ORGS * 3) / 4));
    const orgs = await c.query<{ id: string; slug: string }>(
      `SELECT id, slug FROM organizations WHERE slug IN ('scale-big', $1)`,
      [`scale-${String(smallNo).padStart(5, '0')}`],
    );
    const idOf = (slug: string) => orgs.rows.find((o) => o.slug === slug)?.id as string;
    const targets: Target[] = [
      { label: 'big', orgId: idOf('scale-big'), members: BIG },
      { label: 'small', orgId: idOf(`scale-${String(smallNo).padStart(5, '0')}`), members: SMALL },
    ];
    // The deep page starts two pages before the end of the big organization, in the middle of a small one.
    const deep = new Map<string, string>();
    for (const t of targets) {
      const after = t.label === 'big' ? t.members - 2 * LIMIT : Math.floor(t.members / 2);
      deep.set(t.orgId, await memberIdAt(c, t.orgId, after));
    }
    const list = shapes(deep, smallNo);

    const handle = await openDatabase({ databaseUrl: url, dataDir: '' });
    const key = await createApiKey(handle.db, `scale-bench-${Date.now()}`, ['member:read']).finally(() =>
      handle.close(),
    );
    const headers = { authorization: `Bearer ${key.token}` };
    const pathOf = (shape: Shape, t: Target) =>
      `/v1/organizations/${t.orgId}/members?${new URLSearchParams({ limit: String(LIMIT), ...shape.query(t) })}`;

    console.log('Plans (EXPLAIN ANALYZE of the prepared statement, generic and custom)…');
    const plans = await explainShapes(url, targets, list);
    const planOf = (shape: string, target: string, mode: Mode) =>
      plans.find((p) => p.shape === shape && p.target === target && p.mode === mode) as PlanReport;

    const results = new Map<string, Run[]>();
    const runKey = (mode: Mode, shape: string, target: string) => `${mode}|${shape}|${target}`;
    for (const mode of MODES) {
      const server = await startServer(databaseUrl(ADMIN_URL, PLAN_CACHE_MODE[mode]));
      try {
        // The API's pages are the plain query's, shape by shape: same rows, same order.
        for (const shape of list) {
          for (const t of targets) {
            const res = await fetch(`${server.base}${pathOf(shape, t)}`, { headers });
            if (res.status !== 200)
              throw new Error(`${shape.name} (${t.label}): ${res.status} ${await res.text()}`);
            const body = (await res.json()) as { data: { id: string }[] };
            const want = await expectedIds(c, t, shape.repo(t));
            const got = body.data.map((m) => m.id);
            if (want.length === 0 || JSON.stringify(got) !== JSON.stringify(want))
              throw new Error(`${shape.name} (${t.label}, ${mode}): the page is not the expected one`);
          }
        }
        // JIT and connection pool warm for every statement shape before anything is recorded.
        await warmUp(
          server,
          list.flatMap((shape) => targets.map((t) => pathOf(shape, t))),
          headers,
        );
        console.log(
          `Load, ${mode} plans: ${CONNECTIONS} connections, ${WARMUP} s warm-up + ${DURATION} s per scenario`,
        );
        for (let round = 0; round < ROUNDS; round++) {
          for (const shape of list) {
            // Big and small back to back, first one then the other: they share the machine's state.
            for (const t of round % 2 === 0 ? targets : [...targets].reverse()) {
              const run = await measure(server, admin, pathOf(shape, t), headers);
              const k = runKey(mode, shape.name, t.label);
              results.set(k, [...(results.get(k) ?? []), run]);
              console.log(
                `  ${shape.name.padEnd(34)} ${t.label.padEnd(5)} ${fmt(run.rps, 0).padStart(6)} req/s` +
                  `  p50 ${run.p50} ms  server ${fmt(perOp(run, 'server'))} ms/op` +
                  `  PostgreSQL ${fmt(perOp(run, 'postgres'))} ms/op`,
              );
            }
          }
        }
      } finally {
        await stopServer(server);
      }
    }

    // Tables: one row per shape and mode, big against small.
    const table = [
      '| plans | shape | org | req/s | p50 / p99 ms | mean ms | server CPU ms/op | PostgreSQL CPU ms/op | buffers | big ÷ small: PostgreSQL CPU, mean latency | ≤ 1.2× |',
      '|---|---|---|---:|---:|---:|---:|---:|---:|---|---|',
    ];
    const verdicts: string[] = [];
    for (const mode of MODES) {
      for (const shape of list) {
        const [big, small] = (['big', 'small'] as const).map((l) =>
          combine(results.get(runKey(mode, shape.name, l)) as Run[]),
        ) as [Run, Run];
        // Each round's ratio (big and small ran back to back), then the median over the rounds.
        const bigRuns = results.get(runKey(mode, shape.name, 'big')) as Run[];
        const smallRuns = results.get(runKey(mode, shape.name, 'small')) as Run[];
        const pgRatios = bigRuns.map((b, i) => {
          const [x, y] = [perOp(b, 'postgres'), perOp(smallRuns[i] as Run, 'postgres')];
          return x !== null && y ? x / y : null;
        });
        const pgRatio = pgRatios.every((r) => r !== null) ? median(pgRatios as number[]) : null;
        const latRatio = median(bigRuns.map((b, i) => b.mean / (smallRuns[i] as Run).mean));
        const met = (pgRatio === null || pgRatio <= TARGET) && latRatio <= TARGET;
        if (!met) verdicts.push(`${shape.name} (${mode})`);
        for (const [label, r] of [
          ['big', big],
          ['small', small],
        ] as const) {
          table.push(
            `| ${mode} | ${shape.name} | ${label} | ${fmt(r.rps, 0)} | ${fmt(r.p50, 0)} / ${fmt(r.p99, 0)} | ${fmt(r.mean)} | ` +
              `${fmt(perOp(r, 'server'))} | ${fmt(perOp(r, 'postgres'))} | ${buffersOf(planOf(shape.name, label, mode).lines)} | ` +
              (label === 'big'
                ? `${fmt(pgRatio)}×, ${fmt(latRatio)}× | **${met ? 'met' : 'NOT met'}** |`
                : ' | |'),
          );
        }
      }
    }
    const summary =
      verdicts.length === 0
        ? `Every shape of the big organization within ${TARGET}× of the small one's, in PostgreSQL CPU and in mean latency: **met**.`
        : `Within ${TARGET}×: **NOT met** for ${verdicts.join('; ')}.`;

    const planBlocks: string[] = [];
    for (const shape of list) {
      const sql = planOf(shape.name, 'big', 'generic').sql;
      const facts = targets.flatMap((t) =>
        (['generic', 'custom'] as const).map((mode) => {
          const p = planOf(shape.name, t.label, mode);
          return `${t.label} ${mode}: ${buffersOf(p.lines)} buffers, ${fmt(executionMs(p.lines), 3)} ms`;
        }),
      );
      planBlocks.push(
        `**${shape.name}** — ${facts.join('; ')}`,
        '',
        '<details><summary>SQL</summary>',
        '',
        '```sql',
        sql,
        '```',
        '',
        '</details>',
        '',
      );
      const p = planOf(shape.name, 'big', 'generic');
      planBlocks.push('Big organization, generic plan:', '', '```', ...planSummary(p.lines), '```', '');
    }
    const cpus = os.cpus();
    blockLines.push(
      SCALE_BLOCK_BEGIN,
      '## Members pages at scale (bench/scale.ts)',
      '',
      `- Date: ${started.toISOString()}; Node ${process.version}; ${cpus.length} × ${cpus[0]?.model.trim() ?? '?'}`,
      `- PostgreSQL ${pgVersion} (database ${SCALE_DATABASE}): ${sizes} (${(BIG + ORGS * SMALL).toLocaleString('en-US')} memberships and users)` +
        (seedSeconds === null ? ', reused' : `, seeded in ${seedSeconds.toFixed(0)} s`),
      `- Load average (1 min) before the run: ${loadBefore.toFixed(2)} (after: ${(os.loadavg()[0] ?? 0).toFixed(2)})`,
      `- Pages of ${LIMIT}; ${CONNECTIONS} connections; ${ROUNDS} round(s) of ${WARMUP} s warm-up + ${DURATION} s per scenario; ` +
        'the server runs with plan_cache_mode forced to the generic plan, then to the custom one; "small" is ' +
        `organization scale-${String(smallNo).padStart(5, '0')}`,
      '- CPU ms/op: user + system time from /proc of the server process and of the PostgreSQL backends (all the ' +
        "request's statements: credential, organization, page), divided by the requests served; buffers: shared " +
        'buffers the page statement touched (EXPLAIN, warm cache); big ÷ small: the median over the rounds of ' +
        "each round's ratio (big and small run back to back); the target is met when both ratios are ≤ 1.2",
      '',
      ...table,
      '',
      summary,
      '',
      '### Plans of the statements Roster sends',
      '',
      'EXPLAIN (ANALYZE, BUFFERS) of each prepared statement, executed once before, with plan_cache_mode ' +
        'forcing the generic plan (the one a prepared statement keeps after five runs) or the custom one ' +
        "(planned for the values). Buffers and times of both organizations; the nodes of the big one's.",
      '',
      ...planBlocks,
      SCALE_BLOCK_END,
    );
    console.log(`\n${table.join('\n')}\n\n${summary}\n`);
    for (const shape of list) {
      for (const t of targets) {
        const p = planOf(shape.name, t.label, 'generic');
        console.log(`EXPLAIN generic — ${shape.name}, ${t.label}:`);
        for (const l of planSummary(p.lines)) console.log(`  ${l}`);
      }
    }
  } finally {
    await c.end();
    await admin.end();
  }
  await writeBlock(blockLines.join('\n'));
  console.log('Written to the scale block of bench/RESULTS.md.');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runScale().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

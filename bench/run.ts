/**
 * Roster's hot paths against the physical reference, on PostgreSQL, with one organization of 100,000
 * members. `npm run bench`; see bench/README.md. Environment:
 * - BENCH_DATABASE_URL  server to use (default postgres://postgres@127.0.0.1:5432/test); the bench
 *                       drops and recreates the database `roster_bench` there.
 * - BENCH_DURATION      seconds measured per scenario and round (default 5)
 * - BENCH_ROUNDS        rounds; each round runs every scenario once, in turn (default 3)
 * - BENCH_WARMUP        seconds of unrecorded load before each measured run (default 2)
 * - BENCH_CONNECTIONS   concurrent HTTP connections (default 20, the size of both pg pools)
 * - BENCH_MEMBERS       members in the organization (default 100000)
 * - BENCH_REFERENCE_PREPARED  'true': the reference runs its SELECT as a named (prepared) statement
 *
 * Then start-up time, CLI time and memory (bench/startup.ts, its own BENCH_STARTUP_* variables), and
 * verifying organization tokens in the host against the HTTP permission check (bench/verifier.ts, its
 * own BENCH_VERIFIER_* variables). `npm run bench -- --startup` or `-- --verifier` runs only that
 * section; `--no-startup` and `--no-verifier` leave one out (several may be given).
 * `--peers` runs only Roster against Better Auth (bench/peers.ts, its own BENCH_PEERS_* variables); it is
 * never part of a run without it (it installs its own packages and takes about 9 minutes). `--scale`
 * likewise runs only the members pages of a 1,000,000-member organization beside 10,000 of 100
 * (bench/scale.ts, its own BENCH_SCALE_* variables; about 5 minutes, most of it seeding).
 */
import { type ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { MAX_BATCH_CHECKS } from '../src/features/access/permission-check.ts';
import { encodeCursor } from '../src/lib/pagination.ts';
import { type CpuSpent, cpuSpent, sampleCpu } from './cpu.ts';
import { intEnv } from './env.ts';
import { peersBlockOf, peersSettings, runPeers } from './peers.ts';
import { runScale, scaleBlockOf } from './scale.ts';
import {
  BENCH_DATABASE,
  explainQueries,
  type Plan,
  recreateBenchDatabase,
  type Seeded,
  seed,
} from './seed.ts';
import { runStartup, startupBlockOf, startupSettings } from './startup.ts';
import { runVerifier, verifierBlockOf, verifierSettings } from './verifier.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));

const ADMIN_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const DURATION = intEnv('BENCH_DURATION', 5, 1);
const ROUNDS = intEnv('BENCH_ROUNDS', 3, 1);
const WARMUP = intEnv('BENCH_WARMUP', 2, 0);
const CONNECTIONS = intEnv('BENCH_CONNECTIONS', 20, 1);
const MEMBERS = intEnv('BENCH_MEMBERS', 100_000, 1_000);
const REFERENCE_PREPARED = process.env.BENCH_REFERENCE_PREPARED === 'true';
const PAGE = 100;
/** Questions per batch permission check: the most one request may ask. */
const BATCH = MAX_BATCH_CHECKS;
/** The deep page starts after this member (in join order): a full page and a next one remain. */
const DEEP_AFTER = MEMBERS - 2 * PAGE;
/** The permission check must reach this share of the reference's req/s. */
const PERMISSION_TARGET = 0.7;
/** A deep page counts as "as fast as the first" within this share (run-to-run noise). */
const DEEP_TARGET = 0.9;

interface Server {
  child: ChildProcess;
  base: string;
}

function startServer(mode: 'roster' | 'reference', url: string, option = ''): Promise<Server> {
  const child = fork(path.join(HERE, 'server-child.ts'), [mode, url, option], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => {
      const { port } = m as { port?: number };
      if (port) resolve({ child, base: `http://127.0.0.1:${port}` });
      else reject(new Error(`${mode} server did not report a port`));
    });
    child.once('exit', (code) => reject(new Error(`${mode} server exited with code ${code}`)));
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

async function getJson(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  if (res.status !== 200) throw new Error(`GET ${url} → ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
}

function check(ok: boolean, what: string) {
  if (!ok) throw new Error(`sanity check failed: ${what}`);
}

interface Scenario {
  name: string;
  server: Server;
  headers: Record<string, string>;
  /** Paths the load generator picks from at random, one per request. */
  paths: string[];
  /** A JSON body: the request is a POST of it. */
  body?: string;
  /** Questions one request asks (a batch permission check), for the per-question figures. */
  questions?: number;
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  mean: number;
  requests: number;
  cpu: CpuSpent;
}

function load(s: Scenario, seconds: number): Promise<autocannon.Result> {
  const { paths } = s;
  return autocannon({
    url: s.server.base,
    connections: CONNECTIONS,
    duration: seconds,
    headers: s.headers,
    requests: [
      {
        method: s.body ? 'POST' : 'GET',
        ...(s.body ? { body: s.body, headers: { ...s.headers, 'content-type': 'application/json' } } : {}),
        setupRequest: (req) => {
          req.path = paths[Math.floor(Math.random() * paths.length)] as string;
          return req;
        },
      },
    ],
  });
}

async function measure(s: Scenario, admin: pg.Pool): Promise<Run> {
  if (WARMUP > 0) await load(s, WARMUP);
  const pid = s.server.child.pid as number;
  const before = await sampleCpu(admin, BENCH_DATABASE, pid);
  const r = await load(s, DURATION);
  const after = await sampleCpu(admin, BENCH_DATABASE, pid);
  const bad = r.errors + r.timeouts + r.non2xx;
  if (bad > 0) {
    throw new Error(`${s.name}: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx responses`);
  }
  const run = {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    mean: r.latency.average,
    requests: r.requests.total,
    cpu: cpuSpent(before, after),
  };
  console.log(
    `  ${s.name.padEnd(36)} ${run.rps.toFixed(0).padStart(6)} req/s  p50 ${run.p50} ms  p99 ${run.p99} ms`,
  );
  return run;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** CPU microseconds per request of one component over all rounds, or null when it was not measurable. */
function cpuPerRequest(runs: Run[], part: keyof CpuSpent): number | null {
  let us = 0;
  let requests = 0;
  for (const r of runs) {
    const v = r.cpu[part];
    if (v === null) return null;
    us += v;
    requests += r.requests;
  }
  return requests > 0 ? us / requests : null;
}

/** The plan line that reads `memberships m`: how the page's rows are reached. */
function scanLine(plan: Plan): string {
  const line = plan.lines.find((l) => / on memberships m\b/.test(l)) ?? plan.lines[0] ?? '';
  const rows = /actual time=[\d.]+\.\.([\d.]+) rows=(\d+)/.exec(line);
  const scan = line.replace(/^\s*(->\s*)?/, '').replace(/\s+\(cost=.*$/, '');
  return rows ? `${scan} (${rows[2]} rows in ${rows[1]} ms)` : scan;
}

/**
 * Keyset pagination reads the page straight off an index in id order: no sequential scan, no sort, and
 * the cursor is an index condition (`id > $n`), not rows skipped. With a single organization the planner
 * may pick the primary key (every row matches the organization) rather than (organization_id, id): both
 * are keyset scans.
 */
function assertKeyset(plan: Plan, withCursor: boolean) {
  const text = plan.lines.join('\n');
  check(
    /Index (Only )?Scan using memberships_\w+ on memberships m\b/.test(text),
    `${plan.label}: index scan`,
  );
  check(!/Seq Scan on memberships|Sort {2}\(/.test(text), `${plan.label}: no seq scan, no sort`);
  check(!/\boffset\b/i.test(plan.sql), `${plan.label}: no OFFSET`);
  if (withCursor)
    check(/Index Cond: .*\bid > /.test(text), `${plan.label}: the cursor is an index condition`);
}

async function sanityChecks(roster: Server, reference: Server, s: Seeded, deepCursor: string) {
  const auth = { authorization: `Bearer ${s.apiKey}` };
  const ref = await getJson(`${reference.base}/memberships/${s.membershipIds[1]}`);
  check(ref.id === s.membershipIds[1] && ref.role === 'member', 'reference returns the membership');
  const perm = await getJson(
    `${roster.base}/v1/organizations/${s.orgId}/members/${s.userIds[1]}/permissions`,
    auth,
  );
  check(perm.role === 'member' && perm.status === 'active', 'permission check answers role and status');
  const batch = await fetch(`${roster.base}/v1/permissions/check`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({
      checks: s.userIds
        .slice(0, BATCH)
        .map((user) => ({ organization: s.orgId, user, scope: 'member:read' })),
    }),
  });
  const answers = ((await batch.json()) as { results?: { allowed: boolean }[] }).results ?? [];
  check(answers.length === BATCH && answers.every((a) => a.allowed), 'batch check: every member may read');
  const first = await getJson(`${roster.base}/v1/organizations/${s.orgId}/members?limit=${PAGE}`, auth);
  const firstData = first.data as { id: string }[];
  check(firstData.length === PAGE && firstData[0]?.id === s.membershipIds[0], 'first page: members 1–100');
  // The cursor the API hands out is the one the bench builds: walking page by page would reach it.
  check(first.nextCursor === encodeCursor('m', s.membershipIds[PAGE - 1] as string), 'cursor format');
  const deep = await getJson(
    `${roster.base}/v1/organizations/${s.orgId}/members?limit=${PAGE}&cursor=${deepCursor}`,
    auth,
  );
  const deepData = deep.data as { id: string }[];
  check(
    deepData.length === PAGE && deepData[0]?.id === s.membershipIds[DEEP_AFTER] && deep.nextCursor !== null,
    `deep page: members ${DEEP_AFTER + 1}–${DEEP_AFTER + PAGE}, with a next page`,
  );
}

function fmt(n: number, digits = 0) {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const fmtUs = (n: number | null) => (n === null ? 'n/a' : fmt(n));
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

async function hotPaths() {
  const started = Date.now();
  const loadBefore = os.loadavg();
  const admin = new pg.Pool({ connectionString: ADMIN_URL, max: 1 });
  const pgVersion =
    (await admin.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? '?';

  console.log(`Recreating ${BENCH_DATABASE} on ${new URL(ADMIN_URL).host}, seeding ${fmt(MEMBERS)} members…`);
  const url = await recreateBenchDatabase(ADMIN_URL);
  const s = await seed(url, MEMBERS);
  console.log(`  seeded in ${(s.seedMs / 1000).toFixed(1)} s`);

  const deepAfterId = s.membershipIds[DEEP_AFTER - 1] as string;
  const deepCursor = encodeCursor('m', deepAfterId);
  const plans = await explainQueries(url, s, deepAfterId);
  assertKeyset(plans.firstPage, false);
  assertKeyset(plans.deepPage, true);
  for (const p of [plans.firstPage, plans.deepPage, plans.permission]) {
    console.log(`EXPLAIN ${p.label}: ${p.lines[0]?.trim()}`);
    if (p !== plans.permission) console.log(`  ${scanLine(p)}`);
    console.log(`  ${p.lines.filter((l) => /^(Planning|Execution) Time/.test(l)).join(', ')}`);
  }

  const [roster, reference] = await Promise.all([
    startServer('roster', url),
    startServer('reference', url, REFERENCE_PREPARED ? 'prepared' : ''),
  ]);
  const org = `/v1/organizations/${s.orgId}`;
  const auth = { authorization: `Bearer ${s.apiKey}` };
  const scenarios: Scenario[] = [
    {
      name: `reference: bare Fastify + PK SELECT${REFERENCE_PREPARED ? ' (prepared)' : ''}`,
      server: reference,
      headers: {},
      paths: s.membershipIds.map((id) => `/memberships/${id}`),
    },
    {
      name: 'permission check (API key)',
      server: roster,
      headers: auth,
      paths: s.userIds.map((id) => `${org}/members/${id}/permissions`),
    },
    {
      name: `permission checks, ${BATCH} per request (API key)`,
      server: roster,
      headers: auth,
      paths: ['/v1/permissions/check'],
      body: JSON.stringify({
        checks: s.userIds
          .slice(0, BATCH)
          .map((user, i) => ({ organization: s.orgId, user, scope: i % 2 ? 'member:read' : 'member:admin' })),
      }),
      questions: BATCH,
    },
    {
      name: `members, first page (${PAGE})`,
      server: roster,
      headers: auth,
      paths: [`${org}/members?limit=${PAGE}`],
    },
    {
      name: `members, deep page (after #${fmt(DEEP_AFTER)})`,
      server: roster,
      headers: auth,
      paths: [`${org}/members?limit=${PAGE}&cursor=${deepCursor}`],
    },
  ];
  const runs: Run[][] = scenarios.map(() => []);
  try {
    await sanityChecks(roster, reference, s, deepCursor);
    console.log(
      `Load: ${CONNECTIONS} connections; ${ROUNDS} rounds of ${WARMUP} s warm-up + ${DURATION} s measured per scenario`,
    );
    for (let round = 1; round <= ROUNDS; round++) {
      console.log(`Round ${round}/${ROUNDS}`);
      for (const [i, sc] of scenarios.entries()) runs[i]?.push(await measure(sc, admin));
    }
    // Let the servers finish what the load generator abandoned when it stopped.
    await new Promise((r) => setTimeout(r, 1000));
  } finally {
    await Promise.all([stopServer(roster), stopServer(reference)]);
  }
  const loadAfter = os.loadavg();
  await admin.end();

  const [refRuns, permRuns, batchRuns, firstRuns, deepRuns] = runs as [Run[], Run[], Run[], Run[], Run[]];
  /** Each round's ratio to the same round's baseline, then the median: robust to drifting background load. */
  const ratio = (xs: Run[], base: Run[]) => median(xs.map((r, i) => r.rps / (base[i] as Run).rps));
  const permRatio = ratio(permRuns, refRuns);
  const deepRatio = ratio(deepRuns, firstRuns);
  const rows = scenarios.map((sc, i) => {
    const rs = runs[i] as Run[];
    const rps = rs.map((r) => r.rps);
    return [
      sc.name,
      fmt(median(rps)),
      ROUNDS > 1 ? `${fmt(Math.min(...rps))}–${fmt(Math.max(...rps))}` : '–',
      fmt(median(rs.map((r) => r.p50))),
      fmt(median(rs.map((r) => r.p99))),
      i === 0 ? '100%' : pct(ratio(rs, refRuns)),
      fmtUs(cpuPerRequest(rs, 'server')),
      fmtUs(cpuPerRequest(rs, 'postgres')),
      fmtUs(cpuPerRequest(rs, 'loadGenerator')),
    ];
  });
  const table = [
    '| scenario | req/s | req/s range | p50 ms | p99 ms | vs reference | server CPU µs/req | PostgreSQL CPU µs/req | load generator CPU µs/req |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
  // All the CPU one request costs on this machine (server, database, load generator): when they share the
  // cores, req/s follows its inverse, so this ratio predicts the req/s one without the background noise.
  const totalCpu = (rs: Run[]) => {
    const parts = (['server', 'postgres', 'loadGenerator'] as const).map((k) => cpuPerRequest(rs, k));
    return parts.every((v) => v !== null) ? (parts as number[]).reduce((a, b) => a + b, 0) : null;
  };
  const refCpu = totalCpu(refRuns);
  const permCpu = totalCpu(permRuns);
  const batchCpu = totalCpu(batchRuns);
  const verdicts = [
    `- Permission check at **${pct(permRatio)}** of the reference's req/s (target ≥ ${pct(PERMISSION_TARGET)}): ` +
      `**${permRatio >= PERMISSION_TARGET ? 'met' : 'NOT met'}**.` +
      (refCpu !== null && permCpu !== null
        ? ` By CPU per request, all processes together (steadier when the machine is shared): ` +
          `${fmt(permCpu)} µs against ${fmt(refCpu)} µs, i.e. ${pct(refCpu / permCpu)}.`
        : ''),
    `- Batch permission checks: ${fmt(median(batchRuns.map((r) => r.rps)) * BATCH)} questions/s in requests of ${BATCH}, ` +
      `against ${fmt(median(permRuns.map((r) => r.rps)))}/s asked one by one (${fmt(ratio(batchRuns, permRuns) * BATCH, 1)}×)` +
      (batchCpu !== null && permCpu !== null
        ? `; ${fmt(batchCpu / BATCH, 1)} µs of CPU per question (all processes) against ${fmt(permCpu)} µs.`
        : '.'),
    `- Deep page at **${pct(deepRatio)}** of the first page's req/s (target: as fast, ≥ ${pct(DEEP_TARGET)} ` +
      `allowing for noise): **${deepRatio >= DEEP_TARGET ? 'met' : 'NOT met'}**. ` +
      `Plans: first page \`${scanLine(plans.firstPage)}\`; deep page \`${scanLine(plans.deepPage)}\`.`,
  ].join('\n');
  const cpus = os.cpus();
  const machine = [
    `- Date: ${new Date(started).toISOString()}`,
    `- Node ${process.version}, ${os.type()} ${os.release()} ${os.arch()}`,
    `- CPUs: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown'}; memory ${fmt(os.totalmem() / 2 ** 30, 1)} GiB`,
    `- Load average (1 min) before the run: ${fmt(loadBefore[0] ?? 0, 2)} (after: ${fmt(loadAfter[0] ?? 0, 2)}, ` +
      'which includes the bench itself)',
    `- PostgreSQL ${pgVersion} at ${new URL(ADMIN_URL).host} (database ${BENCH_DATABASE}), on the same machine`,
    '- Load generator (autocannon), Roster and the reference each in their own process',
    `- ${CONNECTIONS} connections; ${ROUNDS} rounds × (${WARMUP} s warm-up + ${DURATION} s measured) per scenario; ` +
      `${fmt(MEMBERS)} active members in one organization; pg pools of 20 on both servers`,
  ].join('\n');
  const planBlock = (p: Plan) =>
    [`**${p.label}**`, '', '```sql', p.sql, '```', '', '```', ...p.lines, '```'].join('\n');
  const report = [
    '# Roster benchmark results',
    '',
    'Generated by `npm run bench` (bench/run.ts); bench/README.md says what is measured and how to read it.',
    '',
    machine,
    '',
    table,
    '',
    'req/s, p50 and p99 are medians over the rounds; "vs reference" is the median of each round\'s ratio; ' +
      'CPU µs/req are totals over all rounds divided by the requests served.',
    '',
    verdicts,
    '',
    '## Query plans (EXPLAIN ANALYZE of the SQL Roster sends)',
    '',
    `The deep page starts after member #${fmt(DEEP_AFTER)} (cursor \`${deepCursor}\`).`,
    '',
    planBlock(plans.firstPage),
    '',
    planBlock(plans.deepPage),
    '',
    planBlock(plans.permission),
    '',
  ].join('\n');
  // The start-up and verifier sections are blocks of their own, rewritten by their files only: keep them.
  const previous = await fs.readFile(path.join(HERE, 'RESULTS.md'), 'utf8').catch(() => '');
  const kept = [
    scaleBlockOf(previous),
    startupBlockOf(previous),
    verifierBlockOf(previous),
    peersBlockOf(previous),
  ].filter(Boolean);
  await fs.writeFile(
    path.join(HERE, 'RESULTS.md'),
    kept.length ? `${report}\n${kept.join('\n\n')}\n` : report,
  );

  console.log(`\n${table}\n\n${verdicts}\n`);
  console.log(`Written to bench/RESULTS.md (${((Date.now() - started) / 1000).toFixed(0)} s in all).`);
}

const USAGE =
  'usage: npm run bench [-- --startup | --verifier | --peers | --scale | --no-startup | --no-verifier …]';
const SECTIONS = ['hot paths', 'startup', 'verifier', 'peers', 'scale'] as const;
/** Sections run only when named. */
const OPT_IN: readonly string[] = ['peers', 'scale'];

async function main() {
  const args = process.argv.slice(2);
  const known = ['--startup', '--no-startup', '--verifier', '--no-verifier', '--peers', '--scale'];
  const unknown = args.filter((a) => !known.includes(a));
  if (unknown.length > 0) {
    console.error(`unknown option ${unknown[0]}\n${USAGE}`);
    process.exit(2);
  }
  // `--startup` / `--verifier`: only the sections named; `--no-…`: all but those.
  const only = args.filter((a) => !a.startsWith('--no-')).map((a) => a.slice(2));
  const without = args.filter((a) => a.startsWith('--no-')).map((a) => a.slice(5));
  const run = new Set(
    SECTIONS.filter((s) => (only.length ? only.includes(s) : !without.includes(s) && !OPT_IN.includes(s))),
  );
  // Read before anything runs, so a mistake in a variable stops the bench at once.
  const settings = startupSettings();
  const verifier = verifierSettings();
  const peers = run.has('peers') ? peersSettings() : null;
  if (run.has('hot paths')) await hotPaths();
  if (run.has('startup')) await runStartup(settings);
  if (run.has('verifier')) await runVerifier(verifier);
  if (peers) await runPeers(peers);
  if (run.has('scale')) await runScale();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

/**
 * Start-up time, CLI time and server memory, measured on the real `roster` command, each run a fresh
 * child process: `npm run bench -- --startup` (also part of the default `npm run bench`); see
 * bench/README.md. Measured rows, printed and written into their own block of bench/RESULTS.md — never
 * a pass/fail test: the targets are printed beside the figures, met or not.
 *
 * Environment:
 * - BENCH_STARTUP_RUNS          measured repetitions of each start and each CLI command (default 5)
 * - BENCH_STARTUP_IDLE          seconds after the first 200 before the idle memory is read (default 3)
 * - BENCH_STARTUP_LOAD          seconds of autocannon load on GET /v1/me and the members page (default 10)
 * - BENCH_STARTUP_CONNECTIONS   autocannon connections (default 10)
 * - BENCH_STARTUP_USERS         sign-ups, then as many organization creations, before the load (default 20)
 * - BENCH_STARTUP_POSTGRES      'false' skips the PostgreSQL comparison
 * - BENCH_DATABASE_URL          PostgreSQL server for the comparison (default postgres://postgres@127.0.0.1:5432/test);
 *                               the databases roster_startup_bench(_fresh) are created there and dropped at the end
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { askHolder } from '../src/db/data-folder.ts';
import { type CpuSample, cpuSpent, processCpuMicros, sampleCpu } from './cpu.ts';
import { intEnv } from './env.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const BIN = path.join(ROOT, 'bin/roster.js');
const RESULTS = path.join(HERE, 'RESULTS.md');

/** The start-up block of RESULTS.md lies between these lines; each run replaces it, and only it. */
export const BLOCK_BEGIN =
  '<!-- startup:begin (written by npm run bench -- --startup; replaced on each run) -->';
export const BLOCK_END = '<!-- startup:end -->';

const TARGET = {
  startExistingMs: 2000,
  startFreshMs: 5000,
  cliMs: 1000,
  rssMb: 200,
};
/** How often /healthz is asked while a server starts. */
const POLL_MS = 20;
const PASSWORD = 'bench-password-correct-horse';

export interface StartupSettings {
  runs: number;
  idleSeconds: number;
  loadSeconds: number;
  connections: number;
  users: number;
  /** PostgreSQL server for the comparison, or null to skip it. */
  adminUrl: string | null;
}

export function startupSettings(): StartupSettings {
  return {
    runs: intEnv('BENCH_STARTUP_RUNS', 5, 1),
    idleSeconds: intEnv('BENCH_STARTUP_IDLE', 3, 0),
    loadSeconds: intEnv('BENCH_STARTUP_LOAD', 10, 1),
    connections: intEnv('BENCH_STARTUP_CONNECTIONS', 10, 1),
    users: intEnv('BENCH_STARTUP_USERS', 20, 1),
    adminUrl:
      process.env.BENCH_STARTUP_POSTGRES === 'false'
        ? null
        : process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

// ---------------------------------------------------------------------------------------------------
// Processes

/** Children still running: killed if the bench itself exits early (an error ends it with process.exit). */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/**
 * Builds dist/<hash>/ for the current sources, untimed, before every timed spawn: `bin/roster.js` would
 * otherwise build it inside the measurement (sources edited while the bench runs change the hash).
 */
const buildsUsed = new Set<string>();
function ensureBuilt(): void {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/server-build.mjs')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`scripts/server-build.mjs failed: ${r.stderr || r.stdout}`);
  buildsUsed.add(r.stdout.trim());
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The status of one GET, or null when nothing answers (yet). */
function status(port: number, urlPath: string): Promise<number | null> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

type Engine = 'embedded' | 'postgres';

interface Target {
  engine: Engine;
  /** ROSTER_DATA_DIR (for PostgreSQL, an empty folder nobody uses). */
  dataDir: string;
  /** DATABASE_URL, on PostgreSQL. */
  databaseUrl?: string;
}

/** The environment of a `roster` child: ours, minus everything Roster reads that the bench sets itself. */
function childEnv(t: Target, port?: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of [
    'DATABASE_URL',
    'ROSTER_DATA_DIR',
    'PORT',
    'HOST',
    'PUBLIC_URL',
    'LOG_LEVEL',
    'CONSOLE_DIR',
  ])
    delete env[k];
  env.LOG_LEVEL = 'warn';
  env.CONSOLE_DIR = 'off';
  env.ROSTER_DATA_DIR = t.dataDir;
  if (t.databaseUrl) env.DATABASE_URL = t.databaseUrl;
  if (port !== undefined) {
    env.PORT = String(port);
    env.HOST = '127.0.0.1';
  }
  return env;
}

/** The last few kilobytes a child printed, for the error when it fails. */
function tail(child: ChildProcess): () => string {
  let text = '';
  const keep = (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => text;
}

interface Memory {
  /** VmRSS of the server and its child processes (none expected), MB. */
  rssMb: number;
  /** VmHWM: the peak resident size since start, or since the last reset (clear_refs). */
  hwmMb: number;
  children: number;
}

function statusFields(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

const kbToMb = (field: string | undefined) => Number.parseInt(field ?? '0', 10) / 1024;

/** All descendants of a process, from /proc/<pid>/task/<tid>/children. */
function descendants(pid: number): number[] {
  const found: number[] = [];
  const visit = (p: number) => {
    let tasks: string[] = [];
    try {
      tasks = fs.readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const tid of tasks) {
      let text = '';
      try {
        text = fs.readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const c of text.split(/\s+/).filter(Boolean).map(Number)) {
        found.push(c);
        visit(c);
      }
    }
  };
  visit(pid);
  return found;
}

function memory(pid: number): Memory {
  const own = statusFields(pid);
  let rssMb = kbToMb(own.VmRSS);
  let hwmMb = kbToMb(own.VmHWM);
  const kids = descendants(pid);
  for (const c of kids) {
    try {
      const f = statusFields(c);
      rssMb += kbToMb(f.VmRSS);
      hwmMb += kbToMb(f.VmHWM);
    } catch {
      // exited meanwhile
    }
  }
  return { rssMb, hwmMb, children: kids.length };
}

/** Resets VmHWM to the current RSS (Linux ≥ 4.0), so the next reading is the peak of what follows. */
function resetPeak(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

interface Mapping {
  rssMb: number;
  sizeMb: number;
  name: string;
}

/** The resident parts of a process, from /proc/<pid>/smaps: the largest mappings, and totals by kind. */
function residentBreakdown(pid: number): { largest: Mapping[]; anonMb: number; fileMb: number } {
  const maps: Mapping[] = [];
  let current: Mapping | null = null;
  for (const line of fs.readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      current = { rssMb: 0, sizeMb: 0, name: header[1]?.trim() ?? '' };
      maps.push(current);
      continue;
    }
    const field = /^(Size|Rss):\s+(\d+) kB/.exec(line);
    if (field && current) {
      if (field[1] === 'Size') current.sizeMb = Number(field[2]) / 1024;
      else current.rssMb = Number(field[2]) / 1024;
    }
  }
  const f = statusFields(pid);
  return {
    largest: maps.sort((a, b) => b.rssMb - a.rssMb).slice(0, 6),
    anonMb: kbToMb(f.RssAnon),
    fileMb: kbToMb(f.RssFile) + kbToMb(f.RssShmem),
  };
}

interface Server {
  child: ChildProcess;
  pid: number;
  port: number;
  base: string;
  /** Spawn to first 200 from /healthz, ms. */
  readyMs: number;
  /** Memory at the first 200. */
  atReady: Memory;
  /**
   * Embedded: spawn to the server taking CLI commands on the folder's channel, ms (its SIGTERM handler is
   * installed then, too). Null on PostgreSQL, where both come with the first 200.
   */
  acceptingMs: number | null;
  output: () => string;
}

/** Spawns `roster serve` and waits for the first 200 from /healthz, polling every POLL_MS. */
async function startServer(t: Target): Promise<Server> {
  ensureBuilt();
  const port = await freePort();
  const started = performance.now();
  const child = track(
    spawn(process.execPath, [BIN, 'serve'], {
      cwd: ROOT,
      env: childEnv(t, port),
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const output = tail(child);
  const pid = child.pid as number;
  for (let attempt = 1; ; attempt++) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `roster serve exited (${child.exitCode ?? child.signalCode}) before answering:\n${output()}`,
      );
    }
    if ((await status(port, '/healthz')) === 200) {
      const readyMs = performance.now() - started;
      const atReady = memory(pid);
      let acceptingMs: number | null = null;
      if (!t.databaseUrl) {
        // /healthz answers before the server has finished starting: it then loads the CLI commands,
        // takes them on the folder's channel and installs its SIGTERM handler. A SIGTERM before that
        // kills it outright, so wait for it, untimed (see the README).
        for (;;) {
          const holder = await askHolder(t.dataDir);
          if (holder?.pid === pid && holder.accepting) break;
          if (child.exitCode !== null || child.signalCode !== null)
            throw new Error(`roster serve exited:\n${output()}`);
          await sleep(2);
        }
        acceptingMs = performance.now() - started;
      }
      return { child, pid, port, base: `http://127.0.0.1:${port}`, readyMs, atReady, acceptingMs, output };
    }
    if (performance.now() - started > 120_000) {
      child.kill('SIGKILL');
      throw new Error(`roster serve did not answer /healthz within 120 s:\n${output()}`);
    }
    // The next tick of a fixed 20 ms grid from the spawn.
    await sleep(Math.max(0, started + attempt * POLL_MS - performance.now()));
  }
}

/** SIGTERM, then waits for the exit (SIGKILL after 30 s); returns how long the shutdown took, ms. */
async function stopServer(s: Server): Promise<number> {
  const started = performance.now();
  if (s.child.exitCode !== null || s.child.signalCode !== null) return 0;
  const exited = new Promise<void>((resolve) => s.child.once('exit', () => resolve()));
  const timer = setTimeout(() => s.child.kill('SIGKILL'), 30_000);
  s.child.kill('SIGTERM');
  await exited;
  clearTimeout(timer);
  if (s.child.exitCode !== 0)
    throw new Error(`roster serve stopped with ${s.child.exitCode}:\n${s.output()}`);
  return performance.now() - started;
}

/** Runs one `roster …` (or any node command) to its exit; wall time in ms. Fails on a non-zero exit. */
async function timeCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  ensureBuilt();
  const started = performance.now();
  const child = track(spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }));
  const output = tail(child);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited with ${code}:\n${output()}`);
  return ms;
}

// ---------------------------------------------------------------------------------------------------
// Load

interface Phase {
  name: string;
  requests: number;
  seconds: number;
  cpu: { server: number | null; postgres: number | null };
  /** VmRSS at the end of the phase, and the peak during it (VmHWM reset at its start). */
  rssAfterMb: number;
  peakMb: number;
}

interface LoadResult {
  phases: Phase[];
  /** After the load, and the peak during it (VmHWM reset just before, when the kernel allows). */
  after: Memory;
  peakMb: number;
  peakReset: boolean;
  /** The highest VmRSS sampled every 100 ms during the load: a cross-check of the peak. */
  sampledMaxMb: number;
  breakdown: ReturnType<typeof residentBreakdown>;
  /** PostgreSQL backends of the database after the load: count and private memory (RssAnon), MB. */
  backends: { count: number; anonMb: number } | null;
}

async function postJson(base: string, urlPath: string, body: unknown, token?: string) {
  const res = await fetch(`${base}${urlPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`POST ${urlPath} → ${res.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

async function backendPids(admin: pg.Pool, database: string): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [database],
  );
  return rows.map((r) => r.pid);
}

/**
 * Sign-ups (scrypt, 32 MiB each, one per core but one at a time), organization creations, then
 * autocannon on GET /v1/me and GET /v1/organizations/:slug/members with the new sessions.
 */
async function driveLoad(
  s: Server,
  settings: StartupSettings,
  pgSide: { admin: pg.Pool; database: string } | null,
): Promise<LoadResult> {
  const sample = (): Promise<CpuSample> =>
    pgSide
      ? sampleCpu(pgSide.admin, pgSide.database, s.pid)
      : Promise.resolve({ server: processCpuMicros(s.pid), postgres: new Map(), loadGenerator: 0 });
  const phases: Phase[] = [];
  let peakReset = true;
  let sampledMaxMb = memory(s.pid).rssMb;
  let phaseSampledMb = sampledMaxMb;
  const sampler = setInterval(() => {
    try {
      const rss = memory(s.pid).rssMb;
      sampledMaxMb = Math.max(sampledMaxMb, rss);
      phaseSampledMb = Math.max(phaseSampledMb, rss);
    } catch {
      // the server is gone; the phase reports it
    }
  }, 100);
  const phase = async <T>(name: string, work: () => Promise<{ requests: number; value: T }>) => {
    peakReset = resetPeak(s.pid) && peakReset;
    phaseSampledMb = memory(s.pid).rssMb;
    const before = await sample();
    const t0 = performance.now();
    const { requests, value } = await work();
    const seconds = (performance.now() - t0) / 1000;
    const spent = cpuSpent(before, await sample());
    const m = memory(s.pid);
    phases.push({
      name,
      requests,
      seconds,
      cpu: { server: spent.server, postgres: spent.postgres },
      rssAfterMb: m.rssMb,
      peakMb: peakReset ? m.hwmMb : Math.max(phaseSampledMb, m.rssMb),
    });
    return value;
  };

  try {
    const run = randomBytes(4).toString('hex');
    const n = settings.users;
    const tokens = await phase(`${n} sign-ups, all at once`, async () => {
      const users = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          postJson(s.base, '/v1/auth/sign-up', {
            email: `load-${run}-${i}@bench.example`,
            password: PASSWORD,
            name: `Load ${i}`,
          }),
        ),
      );
      return { requests: n, value: users.map((u) => (u.session as { token: string }).token) };
    });
    const slugs = await phase(`${n} organization creations, all at once`, async () => {
      const orgs = await Promise.all(
        tokens.map((token, i) => postJson(s.base, '/v1/organizations', { name: `Load ${run} ${i}` }, token)),
      );
      return { requests: n, value: orgs.map((o) => o.slug as string) };
    });
    await phase(
      `GET /v1/me and members page, ${settings.connections} connections, ${settings.loadSeconds} s`,
      async () => {
        const r = await autocannon({
          url: s.base,
          connections: settings.connections,
          duration: settings.loadSeconds,
          requests: [
            {
              method: 'GET',
              setupRequest: (req) => {
                const i = Math.floor(Math.random() * tokens.length);
                req.path = Math.random() < 0.5 ? '/v1/me' : `/v1/organizations/${slugs[i]}/members`;
                req.headers = { ...req.headers, authorization: `Bearer ${tokens[i]}` };
                return req;
              },
            },
          ],
        });
        const bad = r.errors + r.timeouts + r.non2xx;
        if (bad > 0) throw new Error(`load: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx`);
        return { requests: r.requests.total, value: null };
      },
    );
  } finally {
    clearInterval(sampler);
  }
  const after = memory(s.pid);
  let backends: LoadResult['backends'] = null;
  if (pgSide) {
    let anonMb = 0;
    const pids = await backendPids(pgSide.admin, pgSide.database);
    for (const pid of pids) {
      try {
        anonMb += kbToMb(statusFields(pid).RssAnon);
      } catch {
        // not readable (PostgreSQL elsewhere or another user)
      }
    }
    backends = { count: pids.length, anonMb };
  }
  return {
    phases,
    after,
    peakMb: Math.max(...phases.map((p) => p.peakMb)),
    peakReset,
    sampledMaxMb,
    breakdown: residentBreakdown(s.pid),
    backends,
  };
}

// ---------------------------------------------------------------------------------------------------
// One engine

interface EngineResult {
  engine: Engine;
  fresh: Server[];
  existing: Server[];
  stopMs: number[];
  cliHeld: { orgList: number[]; apiKey: number[] };
  cliAlone: { orgList: number[]; apiKey: number[] };
  idle: Memory;
  /** The first start on a fresh folder / database, idle as long. */
  freshIdle: Memory;
  idleBreakdown: ReturnType<typeof residentBreakdown>;
  load: LoadResult;
}

function log(line: string) {
  console.log(line);
}

const fmtMs = (ms: number) => `${Math.round(ms)} ms`;

async function measureEngine(
  engine: Engine,
  settings: StartupSettings,
  scratch: string,
  db: { admin: pg.Pool; adminUrl: string } | null,
): Promise<EngineResult> {
  const label = engine === 'embedded' ? 'embedded (PGlite)' : 'PostgreSQL';
  const { runs } = settings;
  const emptyDir = () => fsp.mkdtemp(path.join(scratch, `${engine}-`));
  const dbUrl = (name: string) => {
    const u = new URL(db?.adminUrl ?? 'postgres://localhost');
    u.pathname = `/${name}`;
    return u.toString();
  };
  const recreate = async (name: string) => {
    await db?.admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await db?.admin.query(`CREATE DATABASE ${name}`);
  };
  const FRESH_DB = 'roster_startup_bench_fresh';
  const EXISTING_DB = 'roster_startup_bench';

  const fresh: Server[] = [];
  let freshIdle: Memory = { rssMb: 0, hwmMb: 0, children: 0 };
  const stopMs: number[] = [];
  let existingTarget: Target | null = null;
  for (let i = 0; i < runs; i++) {
    let t: Target;
    if (engine === 'embedded') {
      t = { engine, dataDir: await emptyDir() };
    } else {
      await recreate(FRESH_DB);
      t = { engine, dataDir: await emptyDir(), databaseUrl: dbUrl(FRESH_DB) };
    }
    const s = await startServer(t);
    if (i === 0) {
      await sleep(settings.idleSeconds * 1000);
      freshIdle = memory(s.pid);
    }
    stopMs.push(await stopServer(s));
    fresh.push(s);
    log(`  ${label}: start on a fresh ${engine === 'embedded' ? 'folder' : 'database'} ${fmtMs(s.readyMs)}`);
    // The first embedded folder, initialised and migrated, is the existing folder of what follows.
    if (i === 0 && engine === 'embedded') existingTarget = t;
    else if (engine === 'embedded') await fsp.rm(t.dataDir, { recursive: true, force: true });
  }
  if (engine === 'postgres') {
    await recreate(EXISTING_DB);
    existingTarget = { engine, dataDir: await emptyDir(), databaseUrl: dbUrl(EXISTING_DB) };
    await stopServer(await startServer(existingTarget)); // initialises and migrates it, untimed
  }
  const target = existingTarget as Target;

  const existing: Server[] = [];
  for (let i = 0; i < runs; i++) {
    const s = await startServer(target);
    stopMs.push(await stopServer(s));
    existing.push(s);
    log(
      `  ${label}: start on an existing ${engine === 'embedded' ? 'folder' : 'database'} ${fmtMs(s.readyMs)}`,
    );
  }

  const env = childEnv(target);
  const cliRound = async (what: string) => {
    const orgList: number[] = [];
    const apiKey: number[] = [];
    for (let i = 0; i < runs; i++) {
      orgList.push(await timeCommand([BIN, 'org', 'list'], env));
      apiKey.push(
        await timeCommand(
          [BIN, 'api-key', 'create', '--name', `bench-${what}-${i}`, '--scopes', 'org:read'],
          env,
        ),
      );
    }
    log(
      `  ${label}: CLI ${what}: org list ${orgList.map(fmtMs).join(', ')}; api-key create ${apiKey.map(fmtMs).join(', ')}`,
    );
    return { orgList, apiKey };
  };
  const cliAlone = await cliRound('with no server');

  const s = await startServer(target);
  let result: EngineResult;
  try {
    await sleep(settings.idleSeconds * 1000);
    const idle = memory(s.pid);
    const idleBreakdown = residentBreakdown(s.pid);
    log(`  ${label}: idle VmRSS ${idle.rssMb.toFixed(0)} MB, VmHWM ${idle.hwmMb.toFixed(0)} MB`);
    const cliHeld = await cliRound('with a server running');
    const load = await driveLoad(
      s,
      settings,
      db && target.databaseUrl ? { admin: db.admin, database: EXISTING_DB } : null,
    );
    log(
      `  ${label}: after load VmRSS ${load.after.rssMb.toFixed(0)} MB, peak during load ${load.peakMb.toFixed(0)} MB`,
    );
    result = { engine, fresh, existing, stopMs, cliHeld, cliAlone, idle, freshIdle, idleBreakdown, load };
  } finally {
    await stopServer(s);
  }
  if (engine === 'postgres') {
    for (const name of [FRESH_DB, EXISTING_DB])
      await db?.admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------
// Report

const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mb = (x: number) => `${x.toFixed(0)} MB`;

function verdict(values: number[], target: number): string {
  if (Math.max(...values) <= target) return 'met';
  if (median(values) <= target) return 'met by the median, not every run';
  return '**NOT met**';
}

function report(results: EngineResult[], settings: StartupSettings, context: string[]): string {
  const byEngine = (e: Engine) => results.find((r) => r.engine === e);
  const emb = byEngine('embedded');
  const pgr = byEngine('postgres');
  const engines = [emb, pgr].filter((r): r is EngineResult => r !== undefined);
  const names = engines.map((r) => (r.engine === 'embedded' ? 'embedded (PGlite)' : 'PostgreSQL'));

  // Times: median / max, and the verdict against the target.
  const timeRow = (what: string, target: number, pick: (r: EngineResult) => number[]) =>
    `| ${what} | ≤ ${sec(target)} | ${engines
      .map((r) => {
        const v = pick(r);
        return `${sec(median(v))} | ${sec(Math.max(...v))} | ${verdict(v, target)}`;
      })
      .join(' | ')} |`;
  const times = [
    `| measurement (wall time, ${settings.runs} runs) | target | ${names.map((n) => `${n} median | max | target`).join(' | ')} |`,
    `|---|---|${engines.map(() => '---:|---:|---|').join('')}`,
    timeRow('start → first 200 from /healthz, existing folder / database', TARGET.startExistingMs, (r) =>
      r.existing.map((s) => s.readyMs),
    ),
    timeRow('start → first 200 from /healthz, fresh (empty) folder / database', TARGET.startFreshMs, (r) =>
      r.fresh.map((s) => s.readyMs),
    ),
    timeRow(
      'CLI `org list`, server running (embedded: handed over to it)',
      TARGET.cliMs,
      (r) => r.cliHeld.orgList,
    ),
    timeRow(
      'CLI `api-key create`, server running (embedded: handed over)',
      TARGET.cliMs,
      (r) => r.cliHeld.apiKey,
    ),
    timeRow(
      'CLI `org list`, no server (embedded: the CLI opens the folder)',
      TARGET.cliMs,
      (r) => r.cliAlone.orgList,
    ),
    timeRow(
      'CLI `api-key create`, no server (embedded: opens the folder)',
      TARGET.cliMs,
      (r) => r.cliAlone.apiKey,
    ),
  ].join('\n');

  /** `judged`: the figures held to the target (the idle peak since start is the start-up's, not idle). */
  const memRow = (
    what: string,
    target: number | null,
    pick: (r: EngineResult) => { rss: number; peak: number; judged: number[] },
  ) =>
    `| ${what} | ${target === null ? '–' : `≤ ${target} MB`} | ${engines
      .map((r) => {
        const { rss, peak, judged } = pick(r);
        const met = target === null ? '–' : judged.every((v) => v <= target) ? 'met' : '**NOT met**';
        return `${mb(rss)} | ${mb(peak)} | ${met}`;
      })
      .join(' | ')} |`;
  const memoryTable = [
    `| server process memory | target | ${names.map((n) => `${n} VmRSS | VmHWM (peak) | target`).join(' | ')} |`,
    `|---|---|${engines.map(() => '---:|---:|---|').join('')}`,
    memRow('at the first 200, existing folder / database (median of runs; peak since start)', null, (r) => ({
      rss: median(r.existing.map((s) => s.atReady.rssMb)),
      peak: median(r.existing.map((s) => s.atReady.hwmMb)),
      judged: [],
    })),
    memRow('at the first 200, fresh folder / database (median of runs; peak since start)', null, (r) => ({
      rss: median(r.fresh.map((s) => s.atReady.rssMb)),
      peak: median(r.fresh.map((s) => s.atReady.hwmMb)),
      judged: [],
    })),
    memRow(
      `idle, existing folder / database, ${settings.idleSeconds} s after the first 200 (peak since start, not judged: the start-up's)`,
      TARGET.rssMb,
      (r) => ({ rss: r.idle.rssMb, peak: r.idle.hwmMb, judged: [r.idle.rssMb] }),
    ),
    memRow(
      `idle, fresh folder / database (first start on it), ${settings.idleSeconds} s after the first 200 (peak likewise)`,
      TARGET.rssMb,
      (r) => ({ rss: r.freshIdle.rssMb, peak: r.freshIdle.hwmMb, judged: [r.freshIdle.rssMb] }),
    ),
    memRow('under load (existing): VmRSS right after it; peak during it', TARGET.rssMb, (r) => ({
      rss: r.load.after.rssMb,
      peak: r.load.peakMb,
      judged: [r.load.after.rssMb, r.load.peakMb],
    })),
  ].join('\n');

  const fmtCpu = (us: number | null, requests: number) =>
    us === null
      ? 'n/a'
      : `${Math.round(us / 1000).toLocaleString('en-US')} ms (${Math.round(us / requests).toLocaleString('en-US')} µs/req)`;
  const loadTable = [
    '| engine | phase | requests | wall | req/s | server CPU | PostgreSQL backends CPU | server peak RSS | RSS after |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...engines.flatMap((r, i) =>
      r.load.phases.map(
        (p) =>
          `| ${names[i]} | ${p.name} | ${p.requests.toLocaleString('en-US')} | ${p.seconds.toFixed(2)} s | ${Math.round(p.requests / p.seconds).toLocaleString('en-US')} | ${fmtCpu(p.cpu.server, p.requests)} | ${r.engine === 'embedded' ? 'in the server' : fmtCpu(p.cpu.postgres, p.requests)} | ${mb(p.peakMb)} | ${mb(p.rssAfterMb)} |`,
      ),
    ),
  ].join('\n');

  const breakdown = engines
    .map((r, i) => {
      const b = r.idleBreakdown;
      const top = b.largest
        .map((m) => `${mb(m.rssMb)} of a ${mb(m.sizeMb)} ${m.name ? `\`${m.name}\`` : 'anonymous'} mapping`)
        .join('; ');
      return `- ${names[i]}, idle: ${mb(b.anonMb)} anonymous + ${mb(b.fileMb)} file-backed/shared. Largest resident mappings: ${top}.`;
    })
    .join('\n');
  const extras = engines
    .map((r, i) => {
      const l = r.load;
      const parts = [
        `${names[i]}: ${r.load.after.children} child processes of the server (their memory would be included)`,
        l.peakReset
          ? `peak during load from VmHWM reset just before it (/proc/<pid>/clear_refs); highest VmRSS sampled every 100 ms ${mb(l.sampledMaxMb)}`
          : `VmHWM could not be reset here: the peak is the highest VmRSS sampled every 100 ms`,
        `shutdown (SIGTERM → exit) median ${fmtMs(median(r.stopMs))}`,
        ...(r.engine === 'embedded'
          ? [
              `taking CLI commands (and handling SIGTERM) ${fmtMs(median(r.existing.map((s) => (s.acceptingMs ?? 0) - s.readyMs)))} after the first 200 (median, existing folder)`,
            ]
          : []),
      ];
      if (l.backends)
        parts.push(
          `after the load ${l.backends.count} PostgreSQL backends served the database, ${mb(l.backends.anonMb)} private memory (RssAnon) between them, not counted above`,
        );
      return `- ${parts.join('; ')}.`;
    })
    .join('\n');

  return [
    BLOCK_BEGIN,
    '## Start-up, CLI and memory',
    '',
    'Generated by `npm run bench -- --startup` (bench/startup.ts; part of the default `npm run bench`). ' +
      'Measurements, not tests: each target is printed with the figures, met or not. bench/README.md says how.',
    '',
    ...context,
    '',
    times,
    '',
    memoryTable,
    '',
    loadTable,
    '',
    breakdown,
    extras,
    BLOCK_END,
  ].join('\n');
}

/** Replaces the start-up block of RESULTS.md (or appends it), leaving everything else as it was. */
async function writeBlock(block: string): Promise<void> {
  const existing = await fsp.readFile(RESULTS, 'utf8').catch(() => '');
  const start = existing.indexOf(BLOCK_BEGIN);
  const end = existing.indexOf(BLOCK_END);
  let next: string;
  if (start !== -1 && end > start) {
    next = existing.slice(0, start) + block + existing.slice(end + BLOCK_END.length);
  } else if (existing.trim()) {
    next = `${existing.replace(/\s*$/, '')}\n\n${block}\n`;
  } else {
    next = `# Roster benchmark results\n\n${block}\n`;
  }
  await fsp.writeFile(RESULTS, next);
}

/** The start-up block of an existing RESULTS.md, for run.ts to keep when it rewrites the rest; '' if none. */
export function startupBlockOf(results: string): string {
  const start = results.indexOf(BLOCK_BEGIN);
  const end = results.indexOf(BLOCK_END);
  return start !== -1 && end > start ? results.slice(start, end + BLOCK_END.length) : '';
}

export async function runStartup(settings: StartupSettings = startupSettings()): Promise<void> {
  if (process.platform !== 'linux') throw new Error('the start-up bench reads /proc: Linux only');
  const startedAt = new Date();
  const loadBefore = os.loadavg()[0] ?? 0;
  console.log('Start-up, CLI and memory: building dist/ once (not timed)…');
  ensureBuilt();
  // One untimed run, so the files Node and the bundle load are in the page cache for every measured one.
  await timeCommand([BIN, '--help'], childEnv({ engine: 'embedded', dataDir: os.tmpdir() }));

  const scratch = await fsp.mkdtemp(path.join(os.tmpdir(), 'roster-startup-bench-'));
  const floor: number[] = [];
  const help: number[] = [];
  const env = childEnv({ engine: 'embedded', dataDir: scratch });
  for (let i = 0; i < settings.runs; i++) {
    floor.push(await timeCommand(['-e', ''], env));
    help.push(await timeCommand([BIN, '--help'], env));
  }
  const results: EngineResult[] = [];
  let pgVersion: string | null = null;
  let pgSkipped: string | null = null;
  try {
    console.log('Embedded (PGlite):');
    results.push(await measureEngine('embedded', settings, scratch, null));
    if (settings.adminUrl) {
      const admin = new pg.Pool({ connectionString: settings.adminUrl, max: 1 });
      try {
        pgVersion =
          (await admin.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ??
          '?';
      } catch (err) {
        pgSkipped = `PostgreSQL at ${new URL(settings.adminUrl).host} did not answer (${(err as Error).message})`;
      }
      try {
        if (pgVersion !== null) {
          console.log(`PostgreSQL ${pgVersion} at ${new URL(settings.adminUrl).host}:`);
          results.push(
            await measureEngine('postgres', settings, scratch, { admin, adminUrl: settings.adminUrl }),
          );
        }
      } finally {
        await admin.end();
      }
    } else {
      pgSkipped = 'BENCH_STARTUP_POSTGRES=false';
    }
  } finally {
    await fsp.rm(scratch, { recursive: true, force: true });
  }

  const cpus = os.cpus();
  const context = [
    `- Date: ${startedAt.toISOString()}; Node ${process.version}, ${os.type()} ${os.release()} ${os.arch()}`,
    `- CPUs: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown'}; memory ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; ` +
      `load average (1 min) before: ${loadBefore.toFixed(2)}, after: ${(os.loadavg()[0] ?? 0).toFixed(2)} (includes the bench)`,
    `- ${settings.runs} runs of each start and CLI command; every one a new \`node bin/roster.js …\` process with ` +
      'LOG_LEVEL=warn, CONSOLE_DIR=off, HOST=127.0.0.1, a free port and a temporary ROSTER_DATA_DIR; ' +
      `/healthz polled every ${POLL_MS} ms from the spawn`,
    `- The dist/ bundle was built before any timing (\`node scripts/server-build.mjs\`, repeated untimed before every spawn in case the sources changed): ` +
      `builds used ${[...buildsUsed].map((b) => `\`${b}\``).join(', ')}. The OS file cache is warm (one untimed run first): a cold boot is slower`,
    `- Floor: \`node -e ''\` median ${fmtMs(median(floor))}; \`node bin/roster.js --help\` (the bundle, no database) median ${fmtMs(median(help))}`,
    pgVersion !== null
      ? `- PostgreSQL ${pgVersion} at ${new URL(settings.adminUrl as string).host}, on this machine: fresh = a new empty database (CREATE DATABASE untimed), migrated by the start; existing = already migrated; the CLI always connects itself (no hand-over)`
      : `- PostgreSQL comparison skipped: ${pgSkipped}`,
  ];
  const block = report(results, settings, context);
  await writeBlock(block);
  console.log(`\n${block.split('\n').slice(1, -1).join('\n')}\n`);
  console.log('Written to the start-up block of bench/RESULTS.md.');
}

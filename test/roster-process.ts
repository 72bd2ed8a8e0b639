/**
 * Roster as the operator runs it, for the tests of processes: `node bin/roster.js …` in a child
 * process with only the environment a test gives it, a free port, an empty data folder or a fresh
 * PostgreSQL database (`roster_test_*`, dropped afterwards).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CONFIG_DOC } from '../src/config.ts';
import { emptyPostgresDatabase } from './helpers.ts';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const BIN = path.join(ROOT, 'bin/roster.js');

/** The parent's environment without any Roster setting, so only what a test passes reaches the child. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [name] of CONFIG_DOC) delete env[name];
  delete env.ROSTER_TEST_DATABASE_URL;
  return { ...env, ...extra };
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one `roster` command to its end (no time limit: the suite's own bound catches a hang). */
export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: cleanEnv(env) }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export interface Server {
  child: ChildProcess;
  base: string;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();

/** Kills every server a test left running (call from afterEach): none may hold a folder or a port. */
export function killAll() {
  for (const child of running) child.kill('SIGKILL');
}

export function spawnServe(env: Record<string, string>, port: number): Server {
  const childEnv = cleanEnv({ PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env });
  const child = spawn(process.execPath, [BIN, 'serve'], { cwd: ROOT, env: childEnv, stdio: 'pipe' });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, base: `http://127.0.0.1:${port}`, exited, stdout: () => out, stderr: () => err };
}

/** Resolves once `check` is true, polling; fails when `alive` says the thing waited on is gone. */
export async function until(check: () => Promise<boolean> | boolean, alive: () => boolean = () => true) {
  for (;;) {
    if (await check()) return;
    if (!alive()) throw new Error('gave up waiting: the process it waited on has exited');
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const answers = (url: string) =>
  fetch(url).then(
    (r) => r.ok,
    () => false,
  );

/** Spawns `roster serve` on a free port and waits until /healthz answers (or the process exits). */
export async function startServe(env: Record<string, string>): Promise<Server> {
  const server = spawnServe(env, await freePort());
  try {
    await until(
      () => answers(`${server.base}/healthz`),
      () => server.child.exitCode === null && server.child.signalCode === null,
    );
  } catch {
    throw new Error(`roster serve did not come up:\n${server.stdout()}\n${server.stderr()}`);
  }
  return server;
}

/** Stops a server with SIGTERM and waits for it to exit. */
export async function stopServe(server: Server) {
  server.child.kill('SIGTERM');
  return server.exited;
}

export const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

/** A new empty data folder. */
export async function tempFolder(label: string) {
  const dir = await mkdtemp(path.join(tmpdir(), `roster-${label}-`));
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** A new empty database on the PostgreSQL server (`roster_test_*`), for a process to migrate. */
export const tempPostgresDatabase = emptyPostgresDatabase;

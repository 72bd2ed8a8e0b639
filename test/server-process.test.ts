/**
 * `roster serve` as a real process (SPEC §4): it listens on PORT, writes JSON logs, drains and stops on
 * SIGTERM with exit code 0, and its embedded data outlives it. On PostgreSQL runs it is pointed at a
 * fresh database with DATABASE_URL instead of a data folder.
 */
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres, TEST_DATABASE_URL, uniqueEmail } from './helpers.ts';
import {
  killAll,
  post,
  type Server,
  spawnServe,
  startServe,
  tempFolder,
  tempPostgresDatabase,
  until,
} from './roster-process.ts';

const PASSWORD = 'correct horse battery';

/** An empty data folder, or an empty PostgreSQL database on PostgreSQL runs (serve migrates it). */
async function emptyDataTarget(): Promise<{ env: Record<string, string>; dispose(): Promise<void> }> {
  if (!TEST_DATABASE_URL) {
    const folder = await tempFolder('serve');
    return { env: { ROSTER_DATA_DIR: folder.dir }, dispose: folder.dispose };
  }
  const database = await tempPostgresDatabase(TEST_DATABASE_URL);
  return { env: { DATABASE_URL: database.url }, dispose: database.dispose };
}

/** Every stdout line, parsed: a line that is not JSON fails the test. */
function jsonLines(server: Server): Array<Record<string, unknown>> {
  return server
    .stdout()
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON log line: ${l}`);
      }
    });
}

// A server left running by a failed test must not hold the data folder or the port.
afterEach(killAll);

describe(`roster serve as a process (${onPostgres ? 'DATABASE_URL' : 'ROSTER_DATA_DIR'})`, () => {
  let target: Awaited<ReturnType<typeof emptyDataTarget>>;
  const email = uniqueEmail('serve');
  let token: string;
  beforeAll(async () => {
    target = await emptyDataTarget();
  });
  afterAll(() => target.dispose());

  it('serves real HTTP on PORT, and on SIGTERM stops with exit code 0 after logging JSON lines ending in "stopped"', async () => {
    const server = await startServe(target.env);
    const ready = await fetch(`${server.base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', database: onPostgres ? 'postgres' : 'pglite' });

    const signUp = await post(`${server.base}/v1/auth/sign-up`, {
      email,
      password: PASSWORD,
      name: 'Serve Test',
    });
    expect(signUp.status).toBe(201);
    token = (await signUp.json()).session.token;
    const me = await fetch(`${server.base}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect((await me.json()).email).toBe(email);

    expect(server.child.kill('SIGTERM')).toBe(true);
    expect(await server.exited).toEqual({ code: 0, signal: null });

    const lines = jsonLines(server);
    const messages = lines.map((l) => l.msg);
    expect(messages).toContain('Roster is listening');
    expect(messages).toContain('shutting down');
    expect(messages.at(-1)).toBe('stopped');
    for (const line of lines) expect(typeof line.level).toBe('number');
    expect(lines.some((l) => (l.req as { url?: string } | undefined)?.url === '/v1/me')).toBe(true);
    expect(server.stdout()).not.toContain(token.slice(-43));
    expect(server.stdout()).not.toContain(PASSWORD);
    expect(server.stderr()).not.toMatch(/error/i);
  });

  it('restarted on the same data, still knows the user; while draining, /readyz fails and requests are served', async () => {
    expect(token).toBeDefined();
    const server = await startServe({ ...target.env, SHUTDOWN_DRAIN_MS: '3000' });
    const signIn = await post(`${server.base}/v1/auth/sign-in`, { email, password: PASSWORD });
    expect(signIn.status).toBe(200);
    const me = await fetch(`${server.base}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200); // the session made before the restart is still valid
    expect((await me.json()).email).toBe(email);

    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    let readiness = await fetch(`${server.base}/readyz`);
    await until(async () => {
      readiness = await fetch(`${server.base}/readyz`);
      return readiness.status !== 200;
    });
    expect(readiness.status).toBe(503);
    expect((await readiness.json()).error.code).toBe('UNAVAILABLE');
    expect((await fetch(`${server.base}/healthz`)).status).toBe(200);
    const during = await fetch(`${server.base}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(during.status).toBe(200);

    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(3000);
    expect(jsonLines(server).at(-1)?.msg).toBe('stopped');
  });
});

describe('roster serve when it cannot listen', () => {
  it('exits with code 1 and a one-line error naming the address when PORT is taken', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const server = spawnServe({ DATABASE_URL: 'memory://' }, port);
      expect(await server.exited).toEqual({ code: 1, signal: null });
      expect(server.stderr()).toMatch(new RegExp(`^error: .*EADDRINUSE.*${port}`));
      expect(server.stderr()).not.toMatch(/\n\s+at /);
    } finally {
      await new Promise((r) => holder.close(r));
    }
  });
});

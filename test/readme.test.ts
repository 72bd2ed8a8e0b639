/**
 * The README's first session, run as a newcomer runs it: `npm start` on a new data folder, then the
 * session's shell block, as written, in bash (only the port changed, as the README's reader would if
 * 3000 were taken). The API key the block makes with the CLI, beside the running server, must work at
 * once on the permission check that ends it.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres } from './helpers.ts';
import { answers, cleanEnv, freePort, ROOT, tempFolder, until } from './roster-process.ts';

/** The shell block that follows `heading` in the README. */
async function shellBlockAfter(heading: string): Promise<string> {
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf(heading);
  expect(at, `README has "${heading}"`).toBeGreaterThan(-1);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  expect(block).not.toBeNull();
  return (block as RegExpExecArray)[1] as string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, detached = false) {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: 'pipe', detached });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

// The embedded default is what a newcomer starts; the PostgreSQL run would only repeat it.
describe.skipIf(onPostgres)("the README's first session", () => {
  let folder: Awaited<ReturnType<typeof tempFolder>>;
  let port: number;
  let server: ReturnType<typeof run>;
  beforeAll(async () => {
    folder = await tempFolder('readme');
    port = await freePort();
    // Its own process group, so stopping it stops npm and the server it started.
    server = run('npm', ['start'], cleanEnv({ PORT: String(port), ROSTER_DATA_DIR: folder.dir }), true);
    await until(
      () => answers(`http://127.0.0.1:${port}/healthz`),
      () => server.child.exitCode === null,
    );
  });
  afterAll(async () => {
    if (server.child.pid && server.child.exitCode === null) {
      process.kill(-server.child.pid, 'SIGTERM');
      await server.exited;
    }
    await folder.dispose();
  });

  it('runs as written beside `npm start`: every step answers, and the CLI-made key works at once', async () => {
    const block = await shellBlockAfter('### A first session with curl');
    expect(block).toContain('localhost:3000');
    expect(block).toContain('npx roster api-key create');
    const script = `set -euo pipefail\n${block.replaceAll('localhost:3000', `localhost:${port}`)}`;
    const session = run('bash', ['-c', script], cleanEnv({ ROSTER_DATA_DIR: folder.dir }));
    const code = await session.exited;
    expect(code, session.stderr()).toBe(0);
    const out = session.stdout();
    // Each curl printed its answer: the organization, its one member, the settings, the audit log…
    expect(out).toContain('"slug":"acme"');
    expect(out).toContain('"memberLimit":25');
    expect(out).toContain('"action":"organization.created"');
    // …and last the permission check (curl adds no newline), answered for the key the CLI just made.
    const last = JSON.parse(out.slice(out.lastIndexOf('{"status"')));
    expect(last).toMatchObject({ status: 'active', role: 'owner' });
    expect(last.scopes).toContain('member:read');
    expect(session.stderr()).toMatch(/cannot show it again/);
  });
});

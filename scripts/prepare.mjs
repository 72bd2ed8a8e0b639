/**
 * What `npm start` and `npm test` do before running anything: install the dependencies, build the web
 * console and compile the server — each only when what it is made from changed since it last ran, so
 * a second `npm start` goes straight to the server.
 *
 * - dependencies: `npm install` when node_modules lacks the stamp of the current package.json and
 *   package-lock.json (a hash written after each successful install);
 * - console: scripts/build-console.mjs (a hash of its sources);
 * - server: scripts/server-build.mjs (a hash of src/).
 *
 * Plain JavaScript and Node's built-ins: on a fresh clone nothing else is there yet.
 *
 * @example node scripts/prepare.mjs [--quiet]
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const STAMP = path.join(ROOT, 'node_modules', '.roster-install-stamp');
const quiet = process.argv.includes('--quiet');
const say = (line) => {
  if (!quiet) console.log(line);
};

function manifestHash() {
  const hash = createHash('sha256');
  for (const file of ['package.json', 'package-lock.json']) {
    const full = path.join(ROOT, file);
    hash.update(fs.existsSync(full) ? fs.readFileSync(full) : Buffer.alloc(0));
    hash.update('\0');
  }
  hash.update(process.version);
  return hash.digest('hex');
}

function installIfNeeded() {
  const current = manifestHash();
  if (fs.existsSync(STAMP) && fs.readFileSync(STAMP, 'utf8').trim() === current) {
    say('dependencies: up to date');
    return;
  }
  say('dependencies: npm install');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const res = spawnSync(npm, ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (res.status !== 0) {
    console.error('npm install failed');
    process.exit(res.status ?? 1);
  }
  // npm may have rewritten the lockfile: stamp what is there now.
  fs.writeFileSync(STAMP, `${manifestHash()}\n`);
}

installIfNeeded();
const { buildConsole } = await import('./build-console.mjs');
say((await buildConsole({ quiet: true })) ? 'console: built' : 'console: up to date');
const { serverEntry } = await import('./server-build.mjs');
const entry = await serverEntry();
say(entry ? `server: ${path.relative(ROOT, entry)}` : 'server: runs from the TypeScript sources (no build)');

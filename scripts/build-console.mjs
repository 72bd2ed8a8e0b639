/**
 * Builds the web console (console/ → console/dist) with Vite, unless the sources are unchanged since
 * the last build: a hash of everything the bundle is made from is kept in console/dist/.source-hash,
 * so `npm start` and `npm test` pay for a build only after a change. `--force` builds regardless.
 * Plain JavaScript: `npm start` runs it before anything else is known to work; Vite loads only when a
 * build is due.
 *
 * @example node scripts/build-console.mjs [--force]
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = path.resolve(import.meta.dirname, '..');
const CONSOLE = path.join(ROOT, 'console');
const DIST = path.join(CONSOLE, 'dist');
const STAMP = path.join(DIST, '.source-hash');
/** What the bundle is made from: the console, the typed client it imports, and the locked dependencies. */
const INPUTS = [
  'console/index.html',
  'console/vite.config.ts',
  'console/src',
  'console/public',
  'src/client',
  'package-lock.json',
];

/** @returns {string[]} */
function listInputs() {
  const out = [];
  for (const rel of INPUTS) {
    const full = path.join(ROOT, rel);
    if (!existsSync(full)) continue;
    if (statSync(full).isFile()) {
      out.push(rel);
      continue;
    }
    for (const e of readdirSync(full, { withFileTypes: true, recursive: true })) {
      if (e.isFile()) out.push(path.relative(ROOT, path.join(e.parentPath, e.name)));
    }
  }
  return out.sort();
}

/** @returns {string} */
export function sourceHash() {
  const hash = createHash('sha256');
  for (const rel of listInputs()) {
    hash.update(rel.split(path.sep).join('/'));
    hash.update('\0');
    hash.update(readFileSync(path.join(ROOT, rel)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/**
 * Builds when needed; returns whether it built.
 * @param {{ force?: boolean, quiet?: boolean }} [options]
 * @returns {Promise<boolean>}
 */
export async function buildConsole({ force = false, quiet = false } = {}) {
  const hash = sourceHash();
  const built = existsSync(path.join(DIST, 'index.html')) && existsSync(STAMP);
  if (!force && built && readFileSync(STAMP, 'utf8').trim() === hash) {
    if (!quiet) console.log('console: up to date');
    return false;
  }
  const { build } = await import('vite');
  await build({ configFile: path.join(CONSOLE, 'vite.config.ts'), logLevel: quiet ? 'warn' : 'info' });
  writeFileSync(STAMP, `${hash}\n`);
  return true;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await buildConsole({ force: process.argv.includes('--force') });
}

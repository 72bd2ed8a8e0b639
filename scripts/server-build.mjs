/**
 * The server and CLI, compiled from src/ into one ES module (plus lazily loaded chunks) with esbuild,
 * when the sources change: `bin/roster.js` runs the build instead of compiling TypeScript at every
 * start. A start then loads ~150 KB of JavaScript instead of running ~150 files through a
 * TypeScript loader — about half a second and 60 MB less on every `roster` command and server.
 *
 * Builds are content-addressed: dist/<hash of the sources>/cli.mjs. Processes starting together
 * build into their own temporary folder and rename it into place, so nobody ever runs a half-written
 * build; the last few builds stay for processes still running them. Plain JavaScript and Node's
 * built-ins only: it runs before anything else is known to work.
 *
 * @example node scripts/server-build.mjs   # builds if needed, prints the entry's path
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = path.resolve(import.meta.dirname, '..');
const SRC = path.join(ROOT, 'src');
const DIST = path.join(ROOT, 'dist');
/** Bumped when the build options below change, so old builds are not reused. */
const RECIPE = 'esm-node20-splitting-1';
/** Builds kept besides the newest (a server started before an edit may still load its chunks). */
const KEEP = 3;

function sources() {
  const files = [];
  for (const e of fs.readdirSync(SRC, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !e.name.endsWith('.ts') || e.name.endsWith('.test.ts')) continue;
    files.push(path.join(e.parentPath, e.name));
  }
  return files.sort();
}

/** A hash of everything the build is made from. */
export function sourceHash() {
  const hash = createHash('sha256').update(RECIPE);
  for (const file of sources()) {
    hash.update(path.relative(ROOT, file));
    hash.update('\0');
    hash.update(fs.readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

function prune(current) {
  let builds;
  try {
    builds = fs
      .readdirSync(DIST, { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name !== current)
      .map((e) => ({ name: e.name, at: fs.statSync(path.join(DIST, e.name)).mtimeMs }))
      .sort((a, b) => b.at - a.at);
  } catch {
    return;
  }
  for (const old of builds.slice(KEEP))
    fs.rmSync(path.join(DIST, old.name), { recursive: true, force: true });
}

/**
 * The path of the built `cli.mjs` for the current sources, building it first when missing; null when
 * it cannot be built here (no esbuild, a read-only install): the caller then runs the TypeScript.
 */
export async function serverEntry() {
  let hash;
  try {
    hash = sourceHash();
  } catch {
    return null; // no src/: nothing to build from
  }
  const target = path.join(DIST, hash);
  const entry = path.join(target, 'cli.mjs');
  if (fs.existsSync(entry)) return entry;
  const tmp = `${target}.tmp-${process.pid}`;
  try {
    const esbuild = await import('esbuild');
    await esbuild.build({
      entryPoints: { cli: path.join(SRC, 'cli.ts') },
      outdir: tmp,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      logLevel: 'silent',
      // Names stay as written, so a stack trace reads like the sources.
      keepNames: true,
    });
    try {
      fs.renameSync(tmp, target);
    } catch {
      // Another process finished the same build first: use theirs.
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    prune(hash);
    return fs.existsSync(entry) ? entry : null;
  } catch {
    fs.rmSync(tmp, { recursive: true, force: true });
    return null;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const entry = await serverEntry();
  if (!entry) {
    console.error('the server could not be built (is esbuild installed?)');
    process.exitCode = 1;
  } else {
    console.log(path.relative(ROOT, entry));
  }
}

#!/usr/bin/env node
/**
 * The whole test suite: once on the embedded database (PGlite), once on PostgreSQL. PostgreSQL is
 * ROSTER_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test). Without CI a server
 * that does not answer is skipped with a warning; with CI=true it fails the run. Before the PostgreSQL
 * run, the test databases that killed runs left on the server are dropped (see dropLeftoverDatabases).
 * Lists the files that failed, then ends with `N passed, N failed, N skipped` summed over both runs.
 * Extra arguments go to vitest.
 *
 * What counts as failed: a test that failed, and a test that did not run because something around it
 * failed (a beforeAll hook that threw or timed out, a file that could not be imported or collected);
 * a file that failed without a failed test counts one failure. Skipped means deliberately skipped
 * (`it.skip`, `it.skipIf`, `describe.skipIf`, `describe.runIf`, a `-t` filter) and nothing else.
 *
 * Vitest's JSON report alone cannot tell those two kinds of skipped apart: a failed beforeAll marks
 * the tests under it skipped exactly as `it.skip` would (status "skipped", no message), and the file's
 * own entry says only that the file failed, with the message of file-level errors only. So this file
 * is also a small vitest reporter (the default export below, loaded with `--reporter`): it notes which
 * tests were skipped when collected, and at the end adds `meta.notRun` (why) to every other test that
 * did not run. The JSON report carries each test's meta, and the counting here reads it.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const SELF = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SELF), '..');

/** The tests of a file or suite, depth first: the order of vitest's JSON report. */
function* testsOf(suite) {
  for (const task of suite.tasks ?? []) {
    if (task.type === 'suite') yield* testsOf(task);
    else yield task;
  }
}

/** The first line of a suite's (or file's) own error, when it failed by itself, not by a test. */
function ownFailure(suite) {
  const error = suite.result?.state === 'fail' ? suite.result.errors?.[0] : undefined;
  if (!error) return undefined;
  const message = String(error.message ?? error).split('\n')[0];
  return suite.type === 'suite' && suite.file && suite !== suite.file
    ? `"${suite.name}": ${message}`
    : message;
}

/** Marks with `meta.notRun` every test under `suite` that neither ran nor was deliberately skipped. */
function markNotRun(suite, deliberate, cause) {
  const why = ownFailure(suite) ?? cause;
  for (const task of suite.tasks ?? []) {
    if (task.type === 'suite') {
      markNotRun(task, deliberate, why);
      continue;
    }
    const state = task.result?.state;
    if (state === 'pass' || state === 'fail') continue;
    // Skipped when collected (it.skip, skipIf, runIf, todo, -t, .only elsewhere), or by ctx.skip().
    if (deliberate.has(task.id) || task.result?.pending) continue;
    task.meta = {
      ...task.meta,
      notRun: why ?? 'did not run to the end (the run stopped or its worker died)',
    };
  }
}

/** The vitest reporter: see the top of this file. Vitest loads it; the run below does not start then. */
export default class NotRunReporter {
  /** Ids of the tests that were skipped or todo when collected: deliberately not run. */
  deliberate = new Set();

  onTestModuleCollected(testModule) {
    for (const test of testsOf(testModule.task)) {
      if (test.mode === 'skip' || test.mode === 'todo') this.deliberate.add(test.id);
    }
  }

  // Synchronous on purpose: vitest calls onTestRunEnd just before onFinished, where the JSON reporter
  // writes its report, so the marks are in place by then.
  onTestRunEnd(testModules) {
    for (const testModule of testModules) markNotRun(testModule.task, this.deliberate, undefined);
  }
}

const ci = process.env.CI === 'true' || process.env.CI === '1';
const pgUrl = process.env.ROSTER_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.ROSTER_TEST_REDIS_URL || 'redis://127.0.0.1:6379';
const extra = process.argv.slice(2);

async function postgresAnswers() {
  const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (e) {
    console.error(`PostgreSQL at ${pgUrl} does not answer: ${e.message}`);
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

function redisAnswers() {
  const u = new URL(redisUrl);
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port || 6379), timeout: 3000 });
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(String(d).startsWith('+PONG'));
    });
    const fail = (why) => {
      console.error(`Redis at ${redisUrl} does not answer: ${why}`);
      socket.destroy();
      resolve(false);
    };
    socket.once('timeout', () => fail('timeout'));
    socket.once('error', (e) => fail(e.message));
  });
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM'; // alive, someone else's
  }
}

/**
 * Drops the `roster_test_*` databases that runs killed before their files' afterAll left behind.
 *
 * Which ones is the point: two runs at once against one server (two checkouts on one machine, two CI
 * jobs sharing a database server) must not drop each other's databases in use, so "every
 * roster_test_ database" is out, and so is "every one no session is connected to" on its own (a file's
 * database has no session between its CREATE DATABASE and its first connection, and none while its
 * pool sits idle). The name says whose a database is instead: test/helpers.ts names it
 * `roster_test_<host>_<pid>_<random>`, `<host>` a hash of the host name and `<pid>` the vitest worker
 * that created it and drops it when its file ends. A database is left over when that worker is dead:
 * its `<host>` is this machine's and no process `<pid>` is alive here. A live `<pid>` may be another
 * run's worker, or an unrelated process that reused the number; either way the database is kept (and
 * dropped by a later run). As a second guard, a database some session is connected to is kept too,
 * and the DROP is without FORCE. Names of another form (another machine's, older runs') are left alone.
 */
async function dropLeftoverDatabases() {
  const host = createHash('sha256').update(os.hostname()).digest('hex').slice(0, 8); // as test/helpers.ts
  const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    const { rows } = await client.query(
      `SELECT datname FROM pg_database d
        WHERE datname LIKE 'roster\\_test\\_%'
          AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)
        ORDER BY datname`,
    );
    let dropped = 0;
    let kept = 0;
    for (const { datname } of rows) {
      const m = /^roster_test_([0-9a-f]{8})_(\d+)_[0-9a-f]+$/.exec(datname);
      if (!m || m[1] !== host || processAlive(Number(m[2]))) {
        kept += 1;
        continue;
      }
      try {
        await client.query(`DROP DATABASE IF EXISTS "${datname}"`);
        dropped += 1;
      } catch (e) {
        console.warn(`Could not drop the leftover test database ${datname}: ${e.message}`);
      }
    }
    if (dropped > 0) console.log(`Dropped ${dropped} test databases left behind by killed runs.`);
    if (kept > 0) {
      console.log(
        `Kept ${kept} unused roster_test_ databases: not provably left by a dead process on this machine.`,
      );
    }
  } catch (e) {
    console.warn(`Could not look for leftover test databases: ${e.message}`);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Counts one vitest JSON report (see the top of this file). `failedFiles` gets one line per failed
 * file: its path and why.
 */
function countReport(json, label, failedFiles) {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const file of json.testResults ?? []) {
    let failedTests = 0;
    let notRun = 0;
    const causes = new Set();
    for (const test of file.assertionResults ?? []) {
      if (test.status === 'passed') counts.passed += 1;
      else if (test.status === 'failed') failedTests += 1;
      else if (test.meta?.notRun || test.status === 'pending') {
        // Not run because its file or suite failed; or still "pending" at the end: never finished.
        notRun += 1;
        causes.add(test.meta?.notRun ?? 'did not finish');
      } else counts.skipped += 1; // skipped or todo when collected: deliberately
    }
    let failed = failedTests + notRun;
    const why = [];
    if (failedTests > 0) why.push(`${failedTests} failed`);
    if (notRun > 0) why.push(`${notRun} not run: ${[...causes].join('; ')}`);
    if (file.status === 'failed' && failed === 0) {
      // Failed with no test to blame: not importable, nothing collected, an afterAll hook threw.
      failed = 1;
      why.push(file.message?.split('\n')[0] || 'failed outside its tests (an afterAll hook?)');
    } else if (file.message && !causes.has(file.message.split('\n')[0])) {
      why.push(file.message.split('\n')[0]);
    }
    counts.failed += failed;
    if (failed > 0) failedFiles.push(`[${label}] ${path.relative(ROOT, file.name)}: ${why.join('; ')}`);
  }
  return counts;
}

function runVitest(label, env, failedFiles) {
  const report = path.join(os.tmpdir(), `roster-vitest-${label}-${process.pid}.json`);
  fs.rmSync(report, { force: true });
  console.log(`\n=== tests on ${label} ===`);
  const res = spawnSync(
    process.execPath,
    [
      path.join(ROOT, 'node_modules/vitest/vitest.mjs'),
      'run',
      '--reporter=default',
      // Before the JSON reporter: its marks must be on the tests when the report is written.
      `--reporter=${SELF}`,
      '--reporter=json',
      `--outputFile.json=${report}`,
      ...extra,
    ],
    { stdio: 'inherit', env: { ...process.env, ...env } },
  );
  let counts = { passed: 0, failed: 0, skipped: 0 };
  try {
    counts = countReport(JSON.parse(fs.readFileSync(report, 'utf8')), label, failedFiles);
    fs.rmSync(report, { force: true });
  } catch (e) {
    counts.failed += 1;
    failedFiles.push(`[${label}] (no report from vitest: ${e.message})`);
  }
  if (res.status !== 0 && counts.failed === 0) {
    // Failed with every test passing: an unhandled error, or vitest itself died.
    counts.failed = 1;
    const how = res.signal ? `was killed by ${res.signal}` : `exited with code ${res.status}`;
    failedFiles.push(`[${label}] (vitest ${how} with no failed test: see "Unhandled Errors" above)`);
  }
  return counts;
}

async function main() {
  const totals = { passed: 0, failed: 0, skipped: 0 };
  const failedFiles = [];
  const add = (c) => {
    totals.passed += c.passed;
    totals.failed += c.failed;
    totals.skipped += c.skipped;
  };

  add(runVitest('pglite', { ROSTER_TEST_DATABASE_URL: '' }, failedFiles));

  if (await postgresAnswers()) {
    const redisOk = await redisAnswers();
    if (!redisOk && ci) {
      totals.failed += 1;
      failedFiles.push(`[postgres] (CI needs Redis at ${redisUrl})`);
    }
    await dropLeftoverDatabases();
    add(
      runVitest(
        'postgres',
        { ROSTER_TEST_DATABASE_URL: pgUrl, ROSTER_TEST_REDIS_URL: redisOk ? redisUrl : '' },
        failedFiles,
      ),
    );
  } else if (ci) {
    console.error('CI needs PostgreSQL: failing.');
    totals.failed += 1;
    failedFiles.push(`[postgres] (CI needs PostgreSQL at ${pgUrl})`);
  } else {
    console.warn(
      'Skipping the PostgreSQL run (set ROSTER_TEST_DATABASE_URL or start PostgreSQL on 127.0.0.1:5432).',
    );
  }

  if (failedFiles.length > 0) {
    console.log(`\nFailed (${failedFiles.length}):`);
    for (const line of failedFiles) console.log(`  ${line}`);
  }
  console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
  process.exitCode = totals.failed > 0 ? 1 : 0;
}

// Run as a script; not when vitest loads this file as its reporter.
if (process.argv[1] && path.resolve(process.argv[1]) === SELF) await main();

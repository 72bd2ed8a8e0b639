#!/usr/bin/env node
/**
 * The whole test suite: once on the embedded database (PGlite), once on PostgreSQL. PostgreSQL is
 * ROSTER_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test). Without CI a server
 * that does not answer is skipped with a warning; with CI=true it fails the run. Ends with
 * `N passed, N failed, N skipped` summed over both runs. Extra arguments go to vitest.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

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

function runVitest(label, env) {
  const report = path.join(os.tmpdir(), `roster-vitest-${label}-${process.pid}.json`);
  console.log(`\n=== tests on ${label} ===`);
  const res = spawnSync(
    process.execPath,
    [
      'node_modules/vitest/vitest.mjs',
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${report}`,
      ...extra,
    ],
    { stdio: 'inherit', env: { ...process.env, ...env } },
  );
  let counts = { passed: 0, failed: 0, skipped: 0 };
  try {
    const json = JSON.parse(fs.readFileSync(report, 'utf8'));
    counts = {
      passed: json.numPassedTests,
      failed: json.numFailedTests + (json.numRuntimeErrorTestSuites ?? 0),
      skipped: json.numPendingTests + json.numTodoTests,
    };
    fs.rmSync(report, { force: true });
  } catch {
    counts.failed += 1;
  }
  if (res.status !== 0 && counts.failed === 0) counts.failed = 1;
  return counts;
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const add = (c) => {
  totals.passed += c.passed;
  totals.failed += c.failed;
  totals.skipped += c.skipped;
};

add(runVitest('pglite', { ROSTER_TEST_DATABASE_URL: '' }));

if (await postgresAnswers()) {
  const redisOk = await redisAnswers();
  if (!redisOk && ci) totals.failed += 1;
  add(
    runVitest('postgres', {
      ROSTER_TEST_DATABASE_URL: pgUrl,
      ROSTER_TEST_REDIS_URL: redisOk ? redisUrl : '',
    }),
  );
} else if (ci) {
  console.error('CI needs PostgreSQL: failing.');
  totals.failed += 1;
} else {
  console.warn(
    'Skipping the PostgreSQL run (set ROSTER_TEST_DATABASE_URL or start PostgreSQL on 127.0.0.1:5432).',
  );
}

console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exitCode = totals.failed > 0 ? 1 : 0;

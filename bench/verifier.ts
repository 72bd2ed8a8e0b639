/**
 * Verifying an organization access token in the host's own process (`roster/verifier`), against the
 * HTTP permission check: `npm run bench -- --verifier` (also part of the default `npm run bench`).
 * Measured rows, printed and written into their own block of bench/RESULTS.md — not a test; the
 * target (20,000 verifications a second on one core) is printed beside the figure.
 *
 * A Roster starts in this process on an in-memory database; a person signs in through the real
 * authorization code flow (openid-client, PKCE, the interaction API) and gets an organization token by
 * refresh. The host verifier fetches Roster's JWKS once; then Roster is CLOSED, so the measured
 * verifications can make no network call at all. The rate is verifications per second of wall time
 * with one verification at a time and with 32 in flight, and verifications per CPU-second of this
 * process (user + system, every thread: "per core", whatever Node runs where).
 *
 * The permission check is measured beside it, over HTTP with autocannon against that Roster before it
 * closes (embedded database, one connection); `npm run bench` (hot paths) measures it on PostgreSQL.
 *
 * Environment:
 * - BENCH_VERIFIER_SECONDS       seconds of each verification run (default 5)
 * - BENCH_VERIFIER_HTTP_SECONDS  seconds of the HTTP permission-check run (default 5)
 * - BENCH_VERIFIER_CONNECTIONS   autocannon connections for it (default 10)
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import * as client from 'openid-client';
import { createVerifier } from '../src/verifier/index.ts';
import { createOrg, signUp } from '../test/helpers.ts';
import {
  apiKey,
  authorize,
  Browser,
  liveRoster,
  orgResource,
  redeem,
  registerRp,
} from '../test/oidc-helpers.ts';
import { intEnv } from './env.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.join(HERE, 'RESULTS.md');
export const VERIFIER_BEGIN =
  '<!-- verifier:begin (written by npm run bench -- --verifier; replaced on each run) -->';
export const VERIFIER_END = '<!-- verifier:end -->';
const TARGET_PER_SECOND = 20_000;

export interface VerifierSettings {
  seconds: number;
  httpSeconds: number;
  connections: number;
}

export function verifierSettings(): VerifierSettings {
  return {
    seconds: intEnv('BENCH_VERIFIER_SECONDS', 5, 1),
    httpSeconds: intEnv('BENCH_VERIFIER_HTTP_SECONDS', 5, 1),
    connections: intEnv('BENCH_VERIFIER_CONNECTIONS', 10, 1),
  };
}

export function verifierBlockOf(results: string): string {
  const start = results.indexOf(VERIFIER_BEGIN);
  const end = results.indexOf(VERIFIER_END);
  return start !== -1 && end > start ? results.slice(start, end + VERIFIER_END.length) : '';
}

interface Rate {
  perSecond: number;
  perCpuSecond: number;
  count: number;
}

/** Runs `verify` for `seconds` with `inFlight` at a time; counts them, and the CPU they took. */
async function measure(verify: () => Promise<unknown>, seconds: number, inFlight: number): Promise<Rate> {
  const until = performance.now() + seconds * 1000;
  const cpu = process.cpuUsage();
  const started = performance.now();
  let count = 0;
  const lane = async () => {
    while (performance.now() < until) {
      await verify();
      count += 1;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  const wall = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { perSecond: count / wall, perCpuSecond: count / ((used.user + used.system) / 1e6), count };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export async function runVerifier(settings: VerifierSettings = verifierSettings()): Promise<void> {
  console.log('Verifier: starting Roster in this process and signing a person in (not timed)…');
  const roster = await liveRoster({ logLevel: 'silent' });
  let token: string;
  let httpRow: { rps: number; p50: number; p99: number };
  // Two host verifiers: one checks the signature at every call (cacheSize 0: the cost of a token seen
  // for the first time), the other as hosts get it by default (a token seen again comes from its cache).
  const hosts: Array<ReturnType<typeof createVerifier>> = [];
  const host = (audience: string) => {
    if (hosts.length === 0) {
      hosts.push(createVerifier({ issuer: roster.issuer, audience, cacheSize: 0 }));
      hosts.push(createVerifier({ issuer: roster.issuer, audience }));
    }
    return hosts;
  };
  let audience: string;
  try {
    const adminKey = await apiKey(roster.app, 'clients:admin');
    const rp = await registerRp(roster, adminKey);
    audience = rp.clientId;
    const ada = await signUp(roster.app, 'ada@example.com', 'Ada');
    const org = await createOrg(roster.app, ada.token, 'Acme');
    const browser = new Browser(roster.issuer);
    await browser.signIn('ada@example.com');
    const tokens = await redeem(rp, await authorize(rp, browser));
    const orgTokens = await client.refreshTokenGrant(rp.config, tokens.refresh_token as string, {
      resource: orgResource(org.id),
    });
    token = orgTokens.access_token;
    for (const h of host(audience)) {
      const verified = await h.verify(token); // fetches the JWKS, once
      if (!verified.can('member:read')) throw new Error('the organization token does not carry member:read');
    }

    const key = await apiKey(roster.app, 'member:read');
    const result = await autocannon({
      url: `${roster.issuer}/v1/organizations/${org.id}/members/${ada.user.id}/permissions`,
      headers: { authorization: `Bearer ${key}` },
      connections: settings.connections,
      duration: settings.httpSeconds,
    });
    if (result.non2xx > 0) throw new Error(`permission check answered ${result.non2xx} non-2xx`);
    httpRow = { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
  } finally {
    await roster.close();
  }
  // Roster is gone: whatever follows is the host's process alone.
  const [uncached, cached] = host(audience) as [
    ReturnType<typeof createVerifier>,
    ReturnType<typeof createVerifier>,
  ];
  await measure(() => uncached.verify(token), 1, 1); // warm-up
  const sequential = await measure(() => uncached.verify(token), settings.seconds, 1);
  const concurrent = await measure(() => uncached.verify(token), settings.seconds, 32);
  const again = await measure(() => cached.verify(token), settings.seconds, 1);
  const best = Math.max(sequential.perCpuSecond, concurrent.perCpuSecond);
  const header = JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString()) as {
    alg: string;
  };

  const table = [
    '| what | per second (wall) | per CPU-second | p50 / p99 |',
    '|---|---:|---:|---:|',
    `| verify an organization token in the host (${header.alg}), signature checked every time, one at a time | ${fmt(sequential.perSecond)} | ${fmt(sequential.perCpuSecond)} | ${(1000 / sequential.perSecond).toFixed(3)} ms each |`,
    `| the same, 32 in flight | ${fmt(concurrent.perSecond)} | ${fmt(concurrent.perCpuSecond)} | |`,
    `| a token seen before (the verifier's cache, expiry re-checked) | ${fmt(again.perSecond)} | ${fmt(again.perCpuSecond)} | |`,
    `| HTTP permission check (API key, embedded database, ${settings.connections} connections) | ${fmt(httpRow.rps)} | | ${httpRow.p50} / ${httpRow.p99} ms |`,
  ].join('\n');
  const verdict = `Target ≥ ${fmt(TARGET_PER_SECOND)} verifications per second on one core, signature checked every time: ${fmt(best)} per CPU-second — ${best >= TARGET_PER_SECOND ? 'met' : 'NOT met'}; a token seen before: ${fmt(again.perCpuSecond)} per CPU-second.`;
  const block = [
    VERIFIER_BEGIN,
    '## Verifying organization tokens in the host',
    '',
    `Measured ${new Date().toISOString()} on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, ${settings.seconds} s per verification run (Roster closed during them: no network call), ${settings.httpSeconds} s of HTTP.`,
    '',
    table,
    '',
    verdict,
    VERIFIER_END,
  ].join('\n');
  const previous = await fs.readFile(RESULTS, 'utf8').catch(() => '');
  const old = verifierBlockOf(previous);
  await fs.writeFile(RESULTS, old ? previous.replace(old, block) : `${previous.trimEnd()}\n\n${block}\n`);
  console.log(`\n${table}\n\n${verdict}\nWritten to bench/RESULTS.md.`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runVerifier().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

/**
 * Can the anonymous join-request endpoint tell addresses apart by time? Starts Roster on a real port
 * (embedded database, or BENCH_DATABASE_URL's PostgreSQL server in a fresh database), prepares one
 * organization where five addresses are in five states, then sends requests for them round-robin
 * over HTTP and reports each state's median, p90 and mean response time.
 *
 *   node --import tsx bench/join-request-enumeration.ts            # PGlite, 250 requests per state
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test BENCH_REQUESTS=500 node --import tsx bench/join-request-enumeration.ts
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const PER_STATE = Number(process.env.BENCH_REQUESTS ?? 250);
const SERVER = process.env.BENCH_DATABASE_URL || null;

let databaseUrl = 'memory://';
let dropDatabase = async () => {};
if (SERVER) {
  const name = `roster_enum_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: SERVER });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(SERVER);
  url.pathname = `/${name}`;
  databaseUrl = url.toString();
  dropDatabase = async () => {
    const c = new pg.Client({ connectionString: SERVER });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  };
}

const app = await buildApp(
  loadConfig({
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    JOIN_REQUEST_LIMIT_PER_IP: '0',
    INVITE_LIMIT_PER_ORG: '0',
    CONSOLE_DIR: 'off',
  }),
);
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

async function call(method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) };
}

const password = 'correct horse battery';
const owner = (
  await call('POST', '/v1/auth/sign-up', { email: 'owner@bench.test', password, name: 'Owner' })
).json();
const org = (
  await call('POST', '/v1/organizations', { name: 'Enumeration Bench' }, owner.session.token)
).json();
await call('PATCH', `/v1/organizations/${org.id}`, { joinRequestsEnabled: true }, owner.session.token);
const sso = (await call('POST', '/v1/organizations', { name: 'SSO Bench' }, owner.session.token)).json();
await call(
  'PATCH',
  `/v1/organizations/${sso.id}`,
  { joinRequestsEnabled: true, ssoEnforced: true },
  owner.session.token,
);
// A member (by owner-add accepted), an invitee, and an address that already asked.
const member = (
  await call('POST', '/v1/auth/sign-up', { email: 'member@bench.test', password, name: 'M' })
).json();
const added = (
  await call(
    'POST',
    `/v1/organizations/${org.id}/members`,
    { userId: member.user.id, role: 'member' },
    owner.session.token,
  )
).json();
await call('POST', `/v1/me/memberships/${added.id}/accept`, undefined, member.session.token);
await call(
  'POST',
  `/v1/organizations/${org.id}/invitations`,
  { email: 'invitee@bench.test' },
  owner.session.token,
);
await call('POST', `/v1/organizations/${org.slug}/join-requests`, { email: 'asked@bench.test' });
await app.outbox.drain();

let n = 0;
const states: Record<string, () => [string, string]> = {
  'new address': () => [org.slug, `new-${n++}@bench.test`],
  'already a member': () => [org.slug, 'member@bench.test'],
  'already invited': () => [org.slug, 'invitee@bench.test'],
  'already asked': () => [org.slug, 'asked@bench.test'],
  'SSO enforced': () => [sso.slug, `sso-${n++}@bench.test`],
};
const times: Record<string, number[]> = Object.fromEntries(Object.keys(states).map((k) => [k, []]));
const bodies = new Set<string>();

// Warm-up, then round-robin so drift in the machine's load falls on every state alike.
for (let i = 0; i < 20; i++)
  await call('POST', `/v1/organizations/${org.slug}/join-requests`, { email: `w${i}@bench.test` });
for (let round = 0; round < PER_STATE; round++) {
  for (const [state, next] of Object.entries(states)) {
    const [slug, email] = next();
    const started = process.hrtime.bigint();
    const res = await call('POST', `/v1/organizations/${slug}/join-requests`, { email });
    (times[state] as number[]).push(Number(process.hrtime.bigint() - started) / 1e6);
    if (res.status !== 202) throw new Error(`${state}: ${res.status} ${res.text}`);
    bodies.add(res.text);
  }
  // The worker runs between rounds, as it would in the background.
  if (round % 25 === 24) await app.outbox.drain();
}

const q = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)] as number;
console.log(
  `database: ${SERVER ? 'PostgreSQL' : 'PGlite (embedded)'}; ${PER_STATE} requests per state over HTTP`,
);
console.log('| state | median ms | p90 ms | mean ms |');
console.log('|---|---:|---:|---:|');
for (const [state, xs] of Object.entries(times)) {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`| ${state} | ${q(xs, 0.5).toFixed(2)} | ${q(xs, 0.9).toFixed(2)} | ${mean.toFixed(2)} |`);
}
console.log(`distinct response bodies: ${bodies.size}`);
await app.close();
await dropDatabase();

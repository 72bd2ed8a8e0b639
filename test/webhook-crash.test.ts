/**
 * A worker that dies mid-delivery loses nothing (SPEC §2 "Events, audit, notifications"): it stops
 * renewing its short lease on the webhook message, the lease runs out within seconds, another worker
 * delivers the message under the same webhook-id, and once acknowledged it is not sent again. On
 * PostgreSQL the dying worker is a real `roster serve` process killed with SIGKILL while the receiver
 * holds its request, and a worker whose database connection goes away aborts its request before its
 * lease can run out; on PGlite (one process only) it is a claim that is never completed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.ts';
import { createMailer } from '../src/features/outbox/mailer.ts';
import { claimDue } from '../src/features/outbox/outbox.repository.ts';
import { createOutboxWorker, LEASE_SECONDS } from '../src/features/outbox/outbox.worker.ts';
import { createWebhookHandler } from '../src/features/webhooks/webhook.delivery.ts';
import {
  addActiveMember,
  bearer,
  createOrg,
  createTestApp,
  onPostgres,
  type SignedUp,
  signUpEach,
  TEST_DATABASE_URL,
  type TestApp,
  waitUntil,
} from './helpers.ts';
import { BIN, cleanEnv, freePort, ROOT } from './roster-process.ts';
import { startReceiver, type TestReceiver } from './webhook-receiver.ts';

/** The lease the old worker took (and did not renew): what recovery used to wait for. */
const OLD_LEASE_SECONDS = 300;

let t: TestApp;
let rx: TestReceiver;
let owner: SignedUp;
let member: SignedUp;
let org: { id: string; slug: string };
let role: 'admin' | 'member' = 'member';

async function register(hookPath: string) {
  const res = await t.app.inject({
    method: 'POST',
    url: `/v1/organizations/${org.slug}/webhooks`,
    headers: bearer(owner.token),
    payload: { url: `${rx.url}${hookPath}`, events: ['member.role_changed'] },
  });
  expect(res.statusCode).toBe(201);
  rx.setSecret(hookPath, res.json().secret);
  return res.json().id as string;
}

/** Publishes one member.role_changed event. */
async function changeRole() {
  role = role === 'member' ? 'admin' : 'member';
  const res = await t.app.inject({
    method: 'PATCH',
    url: `/v1/organizations/${org.slug}/members/${member.user.id}`,
    headers: bearer(owner.token),
    payload: { role },
  });
  expect(res.statusCode).toBe(200);
}

async function message(endpointId: string) {
  return t.database.db
    .selectFrom('outbox')
    .select(['id', 'status', 'attempts', sql<boolean>`coalesce(locked_until > now(), false)`.as('leased')])
    .where(sql<string>`payload->>'targetId'`, '=', endpointId)
    .executeTakeFirstOrThrow();
}

/** The message's lease and when it was sent, on the database's clock (epoch seconds), with the database's now. */
async function clock(id: string) {
  return t.database.db
    .selectFrom('outbox')
    .select([
      sql<number>`extract(epoch from now())::float8`.as('now'),
      sql<number | null>`extract(epoch from locked_until)::float8`.as('lockedUntil'),
      sql<number | null>`extract(epoch from sent_at)::float8`.as('sentAt'),
    ])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

/** The URL of this file's database, for another process or connection pool. */
async function databaseUrl() {
  const { name } = await sql<{ name: string }>`SELECT current_database() AS name`
    .execute(t.database.db)
    .then((r) => r.rows[0] as { name: string });
  const url = new URL(TEST_DATABASE_URL as string);
  url.pathname = `/${name}`;
  return url.toString();
}

async function attempts(endpointId: string) {
  return t.database.db
    .selectFrom('webhook_attempts')
    .select(['attempt', 'succeeded', 'response_status'])
    .where('endpoint_id', '=', endpointId)
    .orderBy('id')
    .execute();
}

/** The lease runs out (as it would LEASE_SECONDS after the claim). */
async function expireLease(id: string) {
  await t.database.db
    .updateTable('outbox')
    .set({ locked_until: sql`now() - interval '1 second'` })
    .where('id', '=', id)
    .execute();
}

beforeAll(async () => {
  rx = await startReceiver();
  t = await createTestApp({ webhookAllowPrivate: true });
  [owner, member] = await signUpEach(t.app, ['owner', 'member']);
  org = await createOrg(t.app, owner.token, 'Crashy');
  await addActiveMember(t.database, org.id, member.user.id, 'member');
});

afterAll(async () => {
  await t?.close();
  await rx?.close();
});

describe('a worker that dies holding a webhook message', () => {
  it('leaves it leased; after the lease runs out another worker delivers it once, under the same webhook-id', async () => {
    const endpoint = await register('/claimed');
    await changeRole();
    const m = await message(endpoint);
    // A worker claims the message and dies before it sends or records anything.
    const claimed = await claimDue(t.database.db, 100, LEASE_SECONDS);
    expect(claimed.map((c) => c.id)).toContain(m.id);
    expect(await message(endpoint)).toMatchObject({ status: 'pending', attempts: 1, leased: true });

    // While the lease holds, no other worker touches it.
    await t.app.outbox.drain();
    expect(rx.to('/claimed')).toHaveLength(0);

    await expireLease(m.id);
    await t.app.outbox.drain();
    await t.app.outbox.drain();
    expect(rx.to('/claimed').map((r) => [r.answered, r.verified])).toEqual([[200, true]]);
    expect(rx.to('/claimed')[0]?.id).toBe(`msg_${m.id.replaceAll('-', '')}`);
    expect(await message(endpoint)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(await attempts(endpoint)).toEqual([{ attempt: 2, succeeded: true, response_status: 200 }]);
  });
});

describe.skipIf(!onPostgres)('a roster process killed mid-delivery (PostgreSQL)', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('SIGKILL while the receiver holds its request: another worker delivers the event within seconds, once', async () => {
    const endpoint = await register('/killed');
    rx.hang('/killed');
    const env = cleanEnv({
      DATABASE_URL: await databaseUrl(),
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      OUTBOX_POLL_MS: '50',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_TIMEOUT_MS: '60000', // four leases: only renewals keep the message while it waits
      LOG_LEVEL: 'warn',
    });
    const spawned = spawn(process.execPath, [BIN, 'serve'], {
      cwd: ROOT,
      env,
      stdio: 'ignore',
    });
    child = spawned;
    const alive = () => spawned.exitCode === null && spawned.signalCode === null;
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      spawned.once('exit', (_c, s) => resolve(s)),
    );

    await changeRole();
    // The process's worker picks the message up and its request reaches the receiver, which holds it.
    // However long the process takes to start on a busy machine; if it exits instead, at once.
    await waitUntil(() => rx.to('/killed').length > 0, { alive, what: "the killed process's request" });
    const m = await message(endpoint);
    expect(m).toMatchObject({ status: 'pending', attempts: 1, leased: true });
    const seen = await clock(m.id);
    // Its lease is the short one (not the 300 s the old worker took) …
    expect((seen.lockedUntil as number) - seen.now).toBeLessThanOrEqual(LEASE_SECONDS);
    // … renewed for as long as the request lasts: past a whole lease, no other worker has taken it.
    await waitUntil(
      async () => {
        await t.app.outbox.drain();
        return (await clock(m.id)).now > seen.now + LEASE_SECONDS;
      },
      { alive, what: 'one lease to pass', everyMs: 250 },
    );
    expect(rx.to('/killed')).toHaveLength(1);
    expect(await message(endpoint)).toMatchObject({ status: 'pending', attempts: 1, leased: true });

    spawned.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    rx.dropHung();
    const killed = await clock(m.id);
    // Dead before it could record anything: no attempt logged, the message leased for at most one
    // more lease (its last renewal).
    expect(await attempts(endpoint)).toEqual([]);
    expect(await message(endpoint)).toMatchObject({ status: 'pending', attempts: 1, leased: true });
    expect((killed.lockedUntil as number) - killed.now).toBeLessThanOrEqual(LEASE_SECONDS);

    // Another worker (this test's) keeps polling, as a live instance does, until the event is delivered.
    await waitUntil(
      async () => {
        await t.app.outbox.drain();
        return rx.to('/killed').some((r) => r.answered === 200);
      },
      { what: 'the delivery by another worker', everyMs: 200 },
    );
    const got = rx.to('/killed');
    expect(got.map((r) => r.answered)).toEqual([0, 200]); // the killed attempt was never answered
    expect(new Set(got.map((r) => r.id))).toEqual(new Set([`msg_${m.id.replaceAll('-', '')}`]));
    expect(got.every((r) => r.verified)).toBe(true);
    expect(await message(endpoint)).toMatchObject({ status: 'sent', attempts: 2, leased: false });
    expect(await attempts(endpoint)).toEqual([{ attempt: 2, succeeded: true, response_status: 200 }]);
    // Taken over only once the dead worker's lease had run out, and long before the old 300 s lease
    // taken when its request started would have.
    const sentAt = (await clock(m.id)).sentAt as number;
    expect(sentAt).toBeGreaterThanOrEqual(killed.lockedUntil as number);
    expect(sentAt).toBeLessThan(seen.now + OLD_LEASE_SECONDS);
    console.info(
      `killed mid-delivery: the request held ${Math.round(killed.now - seen.now)} s under renewed ${LEASE_SECONDS} s leases, then dropped by SIGKILL; delivered by another worker on attempt 2, ${(sentAt - killed.now).toFixed(1)} s after the kill (the old lease would have waited up to ${OLD_LEASE_SECONDS} s from the claim); ${got.length} requests, 1 acknowledged`,
    );
  });
});

describe.skipIf(!onPostgres)('a worker whose database goes away mid-delivery (PostgreSQL)', () => {
  it('aborts its request before its lease can run out; another worker delivers the event afterwards, once', async () => {
    // A receiver of this test's own: when each request arrived and when its connection closed; the first is held.
    const requests: Array<{ arrivedAt: number; closedAt: number | null; answered: number }> = [];
    const server = http.createServer((req, res) => {
      const r = { arrivedAt: Date.now(), closedAt: null as number | null, answered: 0 };
      requests.push(r);
      req.resume();
      res.on('close', () => {
        r.closedAt ??= Date.now();
      });
      if (requests.length === 1) return;
      r.answered = 200;
      res.writeHead(200).end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const lines: Array<Record<string, unknown>> = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    // Another instance's worker, through its own connection pool, with a 4 s lease.
    const handle = await openDatabase({ databaseUrl: await databaseUrl(), dataDir: '' });
    const LEASE = 4;
    const worker = createOutboxWorker({
      db: handle.db,
      mailer: createMailer({ smtpUrl: null, from: 'x@roster.test', log }),
      log,
      pollMs: 1000,
      leaseSeconds: LEASE,
      handlers: {
        webhook: createWebhookHandler({
          db: handle.db,
          log,
          allowPrivate: true,
          timeoutMs: 60_000,
          secretsKey: t.config.secretsKey,
        }),
      },
    });
    try {
      const { port } = server.address() as AddressInfo;
      const res = await t.app.inject({
        method: 'POST',
        url: `/v1/organizations/${org.slug}/webhooks`,
        headers: bearer(owner.token),
        payload: { url: `http://127.0.0.1:${port}/gone`, events: ['member.role_changed'] },
      });
      expect(res.statusCode).toBe(201);
      const endpoint = res.json().id as string;
      await changeRole();
      const m = await message(endpoint);

      const pass = worker.drain();
      await waitUntil(() => requests.length === 1, { what: 'the first request' });
      // Its database goes away while the request is held: no renewal can reach it any more.
      await handle.close();
      const leaseEnd = ((await clock(m.id)).lockedUntil as number) * 1000;
      await pass; // it cannot record anything either: the pass ends
      const [first] = requests as [(typeof requests)[number]];
      // It cut its request while its lease was still running: no one else could have sent meanwhile.
      await waitUntil(() => first.closedAt !== null, { what: 'the receiver to see the connection close' });
      expect(first.closedAt as number).toBeLessThan(leaseEnd);
      expect(lines.some((l) => l.msg === 'outbox: could not renew the leases this worker holds')).toBe(true);
      expect(
        lines.some(
          (l) =>
            l.msg === 'outbox: stopped working on a message whose lease could not be kept' &&
            l.outboxId === m.id,
        ),
      ).toBe(true);
      expect(await message(endpoint)).toMatchObject({ status: 'pending', attempts: 1 });

      // Once that lease has run out, another worker (this test's) delivers the message.
      await waitUntil(
        async () => {
          await t.app.outbox.drain();
          return requests.some((r) => r.answered === 200);
        },
        { what: 'the delivery by another worker', everyMs: 100 },
      );
      expect(requests.map((r) => r.answered)).toEqual([0, 200]);
      // One worker at a time: the second request started after the first was cut.
      expect((requests[1] as (typeof requests)[number]).arrivedAt).toBeGreaterThanOrEqual(
        first.closedAt as number,
      );
      expect(await message(endpoint)).toMatchObject({ status: 'sent', attempts: 2, leased: false });
      // The cut attempt could not be logged (its database was gone); the delivery was.
      expect(await attempts(endpoint)).toEqual([{ attempt: 2, succeeded: true, response_status: 200 }]);
      console.info(
        `database gone mid-delivery: request cut ${Math.round(leaseEnd - (first.closedAt as number))} ms before its ${LEASE} s lease ran out; delivered by another worker ${(requests[1] as (typeof requests)[number]).arrivedAt - (first.closedAt as number)} ms after the cut`,
      );
    } finally {
      await worker.stop();
      await handle.close().catch(() => {});
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

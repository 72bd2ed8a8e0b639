/**
 * A worker that dies mid-delivery loses nothing (SPEC §2 "Events, audit, notifications"): its claim
 * on the webhook message runs out, another worker delivers the message under the same webhook-id, and
 * once acknowledged it is not sent again. On PostgreSQL the dying worker is a real `roster serve`
 * process killed with SIGKILL while the receiver holds its request; on PGlite (one process only) it is
 * a claim that is never completed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDue } from '../src/features/outbox/outbox.repository.ts';
import { LEASE_SECONDS } from '../src/features/outbox/outbox.worker.ts';
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

  it('SIGKILL while the receiver holds its request: the event is delivered after the lease runs out, once', async () => {
    const endpoint = await register('/killed');
    rx.hang('/killed');
    const { name } = await sql<{ name: string }>`SELECT current_database() AS name`
      .execute(t.database.db)
      .then((r) => r.rows[0] as { name: string });
    const url = new URL(TEST_DATABASE_URL as string);
    url.pathname = `/${name}`;
    const env = cleanEnv({
      DATABASE_URL: url.toString(),
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      OUTBOX_POLL_MS: '50',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_TIMEOUT_MS: '60000',
      LOG_LEVEL: 'warn',
    });
    const spawned = spawn(process.execPath, [BIN, 'serve'], {
      cwd: ROOT,
      env,
      stdio: 'ignore',
    });
    child = spawned;
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      spawned.once('exit', (_c, s) => resolve(s)),
    );

    await changeRole();
    // The process's worker picks the message up and its request reaches the receiver, which holds it.
    // However long the process takes to start on a busy machine; if it exits instead, at once.
    await waitUntil(() => rx.to('/killed').length > 0, {
      alive: () => spawned.exitCode === null && spawned.signalCode === null,
      what: "the killed process's request",
    });
    const m = await message(endpoint);
    expect(m).toMatchObject({ status: 'pending', attempts: 1, leased: true });
    spawned.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    rx.dropHung();

    // Dead before it could record anything: no attempt logged, the message still leased.
    expect(await attempts(endpoint)).toEqual([]);
    await t.app.outbox.drain();
    expect(rx.to('/killed')).toHaveLength(1);
    expect(await message(endpoint)).toMatchObject({ status: 'pending', attempts: 1, leased: true });

    await expireLease(m.id);
    await t.app.outbox.drain();
    await t.app.outbox.drain();
    const got = rx.to('/killed');
    expect(got.map((r) => r.answered)).toEqual([0, 200]); // the killed attempt was never answered
    expect(new Set(got.map((r) => r.id))).toEqual(new Set([`msg_${m.id.replaceAll('-', '')}`]));
    expect(got.every((r) => r.verified)).toBe(true);
    expect(await message(endpoint)).toMatchObject({ status: 'sent', attempts: 2, leased: false });
    expect(await attempts(endpoint)).toEqual([{ attempt: 2, succeeded: true, response_status: 200 }]);
    console.info(
      `killed mid-delivery: 1 request held then dropped by SIGKILL, delivered on attempt 2 after the lease, ${got.length} requests, 1 acknowledged`,
    );
  });
});

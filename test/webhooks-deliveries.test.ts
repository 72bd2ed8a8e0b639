/**
 * The webhook delivery log read whole (issue 13, item 8): a test event sent to one endpoint, a
 * delivery's payload and the start of every answer, a replay of a given-up delivery under the same
 * webhook-id with a fresh signature, endpoints subscribed to every event type ('*'), the 30-day
 * retention that empties payloads and answers, and an app's grant code never kept. Against the real
 * receiver of test/webhook-receiver.ts, which checks every signature on its own.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepWebhookLog } from '../src/features/webhooks/webhook.retention.ts';
import {
  addActiveMember,
  bearer,
  createOrg,
  createTestApp,
  errorCode,
  type SignedUp,
  signUpEach,
  type TestApp,
} from './helpers.ts';
import { type Json, startReceiver, type TestReceiver } from './webhook-receiver.ts';

let t: TestApp;
let rx: TestReceiver;
let owner: SignedUp;
let member: SignedUp;
let outsider: SignedUp;
let org: { id: string; slug: string };
let paths = 0;

interface Endpoint {
  id: string;
  secret: string;
  path: string;
}

interface Delivery {
  id: string;
  webhookId: string;
  replayOf: string | null;
  eventId: string;
  eventType: string;
  status: 'pending' | 'succeeded' | 'failed';
  nextAttemptAt: string | null;
  createdAt: string;
  payload: string | null;
  payloadKeptUntil: string;
  redacted: string[];
  replayRefusal: string | null;
  attempts: Array<{
    id: string;
    attempt: number;
    status: 'succeeded' | 'failed';
    responseStatus: number | null;
    responseBody: string | null;
    latencyMs: number;
    error: string | null;
    createdAt: string;
  }>;
}

async function register(events: string[]): Promise<Endpoint> {
  paths += 1;
  const path = `/deliveries/${paths}`;
  const res = await t.app.inject({
    method: 'POST',
    url: `/v1/organizations/${org.slug}/webhooks`,
    headers: bearer(owner.token),
    payload: { url: `${rx.url}${path}`, events },
  });
  expect(res.statusCode, res.body).toBe(201);
  rx.setSecret(path, res.json().secret);
  return { id: res.json().id, secret: res.json().secret, path };
}

async function remove(e: Endpoint) {
  await t.app.inject({
    method: 'DELETE',
    url: `/v1/organizations/${org.slug}/webhooks/${e.id}`,
    headers: bearer(owner.token),
  });
}

const base = (e: Endpoint) => `/v1/organizations/${org.slug}/webhooks/${e.id}`;

function sendTest(e: Endpoint, token = owner.token) {
  return t.app.inject({ method: 'POST', url: `${base(e)}/test`, headers: bearer(token) });
}

function readDelivery(e: Endpoint, id: string, token = owner.token) {
  return t.app.inject({ url: `${base(e)}/deliveries/${id}`, headers: bearer(token) });
}

async function delivery(e: Endpoint, id: string): Promise<Delivery> {
  const res = await readDelivery(e, id);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

function replay(e: Endpoint, id: string, token = owner.token) {
  return t.app.inject({
    method: 'POST',
    url: `${base(e)}/deliveries/${id}/replay`,
    headers: bearer(token),
  });
}

async function attemptsList(e: Endpoint) {
  const res = await t.app.inject({ url: `${base(e)}/deliveries?limit=100`, headers: bearer(owner.token) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data as Array<{ deliveryId: string; webhookId: string; attempt: number; status: string }>;
}

async function roleChange(role: 'admin' | 'member') {
  const res = await t.app.inject({
    method: 'PATCH',
    url: `/v1/organizations/${org.slug}/members/${member.user.id}`,
    headers: bearer(owner.token),
    payload: { role },
  });
  expect(res.statusCode, res.body).toBe(200);
}

/** The deliveries (log rows) of an endpoint, oldest first. */
async function deliveryRows(endpointId: string) {
  return t.database.db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('endpoint_id', '=', endpointId)
    .orderBy('id')
    .execute();
}

async function makeDue(id: string) {
  await t.database.db
    .updateTable('outbox')
    .set({ next_attempt_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

async function setEnabled(e: Endpoint, enabled: boolean) {
  const res = await t.app.inject({
    method: 'PATCH',
    url: base(e),
    headers: bearer(owner.token),
    payload: { enabled },
  });
  expect(res.statusCode, res.body).toBe(200);
}

/** Waits until the clock is past Unix second `seconds`, so that a new attempt has a new timestamp. */
async function pastSecond(seconds: number) {
  while (Math.floor(Date.now() / 1000) <= seconds) await new Promise((r) => setTimeout(r, 50));
}

beforeAll(async () => {
  rx = await startReceiver();
  t = await createTestApp({ webhookAllowPrivate: true });
  [owner, member, outsider] = await signUpEach(t.app, ['owner', 'member', 'outsider']);
  org = await createOrg(t.app, owner.token, 'Delivery Log');
  await addActiveMember(t.database, org.id, member.user.id, 'member');
});

afterAll(async () => {
  await t?.close();
  await rx?.close();
});

describe('a test event', () => {
  it('reaches that endpoint alone, signed; its delivery shows the payload sent and the answer', async () => {
    const e = await register(['member.added']);
    const everything = await register(['*']);
    const res = await sendTest(e);
    expect(res.statusCode, res.body).toBe(202);
    const queued = res.json() as Delivery;
    expect(queued).toMatchObject({ eventType: 'webhook.test', replayOf: null, redacted: [] });
    expect(queued.webhookId).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(['pending', 'succeeded']).toContain(queued.status);

    await t.app.outbox.drain();
    const [got] = rx.to(e.path);
    expect(got?.verified).toBe(true);
    expect(got?.id).toBe(queued.webhookId);
    expect(got?.json).toMatchObject({
      type: 'webhook.test',
      organizationId: org.id,
      actor: { type: 'user', id: owner.user.id },
      data: { endpointId: e.id },
    });
    // Sent on request to one endpoint: not to one subscribed to everything.
    expect(rx.to(everything.path)).toHaveLength(0);

    const d = await delivery(e, queued.id);
    expect(d.status).toBe('succeeded');
    expect(d.payload).toBe(got?.body); // the very bytes that were signed
    expect(d.attempts).toHaveLength(1);
    expect(d.attempts[0]).toMatchObject({
      attempt: 1,
      status: 'succeeded',
      responseStatus: 200,
      responseBody: 'ok',
      error: null,
    });
    expect(new Date(d.payloadKeptUntil).getTime() - new Date(d.createdAt).getTime()).toBe(30 * 86_400_000);
    expect(d.replayRefusal).toBe('WEBHOOK_DELIVERY_SUCCEEDED');
    // The list of attempts names the delivery each one belongs to.
    expect(await attemptsList(e)).toEqual([
      expect.objectContaining({ deliveryId: queued.id, webhookId: queued.webhookId, status: 'succeeded' }),
    ]);
    const audit = await t.database.db
      .selectFrom('audit_log')
      .select(['actor_id', 'data'])
      .where('action', '=', 'webhook_endpoint.tested')
      .where('target_id', '=', e.id)
      .execute();
    expect(audit).toEqual([{ actor_id: owner.user.id, data: { deliveryId: queued.id } }]);
    await remove(e);
    await remove(everything);
  });

  it('is refused for a disabled endpoint, an unknown one, a member without org:integrations and a stranger', async () => {
    const e = await register(['member.added']);
    await setEnabled(e, false);
    let res = await sendTest(e);
    expect([res.statusCode, errorCode(res)]).toEqual([409, 'WEBHOOK_ENDPOINT_DISABLED']);
    await setEnabled(e, true);
    res = await sendTest(e, member.token);
    expect([res.statusCode, errorCode(res)]).toEqual([403, 'FORBIDDEN']);
    res = await sendTest(e, outsider.token);
    expect([res.statusCode, errorCode(res)]).toEqual([404, 'ORGANIZATION_NOT_FOUND']);
    res = await sendTest({ ...e, id: '0190a0a0-0000-7000-8000-000000000000' });
    expect([res.statusCode, errorCode(res)]).toEqual([404, 'WEBHOOK_ENDPOINT_NOT_FOUND']);
    expect(await deliveryRows(e.id)).toHaveLength(0);
    await remove(e);
  });
});

describe('a delivery read whole', () => {
  it('keeps the first 2 KB of each answer, failed or not, without NUL characters', async () => {
    const e = await register(['member.role_changed']);
    rx.answer(e.path, 503, `${'é'.repeat(1500)}`); // 3000 bytes of UTF-8
    await roleChange('admin');
    await t.app.outbox.drain();
    const [row] = await deliveryRows(e.id);
    const first = await delivery(e, row?.id as string);
    expect(first.status).toBe('pending');
    expect(first.nextAttemptAt).not.toBeNull();
    expect(first.replayRefusal).toBe('WEBHOOK_DELIVERY_PENDING');
    expect(first.attempts[0]).toMatchObject({
      status: 'failed',
      responseStatus: 503,
      error: 'the receiver answered HTTP 503',
    });
    expect(first.attempts[0]?.responseBody).toBe('é'.repeat(1024)); // 2048 bytes

    rx.answer(e.path, 200, Buffer.from('accepted\u0000 with a NUL'));
    await makeDue(row?.id as string);
    await t.app.outbox.drain();
    const done = await delivery(e, row?.id as string);
    expect(done.status).toBe('succeeded');
    expect(done.nextAttemptAt).toBeNull();
    expect(done.attempts.map((a) => [a.attempt, a.responseStatus, a.responseBody?.slice(0, 20)])).toEqual([
      [1, 503, 'é'.repeat(20)],
      [2, 200, 'accepted with a NUL'],
    ]);
    await roleChange('member');
    await remove(e);
    await t.app.outbox.drain();
  });

  it('an answer whose body never ends is kept as far as it came, within the time limit; the status counts', async () => {
    const impatient = await createTestApp({ webhookAllowPrivate: true, webhookTimeoutMs: 300 }, t.database);
    const open: http.ServerResponse[] = [];
    const endless = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('accepted, and then');
      open.push(res);
    });
    await new Promise<void>((resolve) => endless.listen(0, '127.0.0.1', resolve));
    try {
      const port = (endless.address() as AddressInfo).port;
      const res = await t.app.inject({
        method: 'POST',
        url: `/v1/organizations/${org.slug}/webhooks`,
        headers: bearer(owner.token),
        payload: { url: `http://127.0.0.1:${port}/endless`, events: ['member.added'] },
      });
      const e = { id: res.json().id as string, secret: '', path: '/endless' };
      const sent = (await sendTest(e)).json() as Delivery;
      await impatient.app.outbox.drain();
      const d = await delivery(e, sent.id);
      expect(d.status).toBe('succeeded');
      expect(d.attempts[0]).toMatchObject({ responseStatus: 200, responseBody: 'accepted, and then' });
      expect(d.attempts[0]?.latencyMs).toBeGreaterThanOrEqual(250);
      await remove(e);
    } finally {
      for (const res of open) res.destroy();
      endless.closeAllConnections();
      await new Promise<void>((resolve) => endless.close(() => resolve()));
      await impatient.close();
    }
  });

  it('answers 404 for a delivery of another endpoint or none, 400 for a malformed id, 403 to a member', async () => {
    const a = await register(['member.added']);
    const b = await register(['member.added']);
    const sent = (await sendTest(a)).json() as Delivery;
    let res = await readDelivery(b, sent.id);
    expect([res.statusCode, errorCode(res)]).toEqual([404, 'WEBHOOK_DELIVERY_NOT_FOUND']);
    res = await replay(b, sent.id);
    expect([res.statusCode, errorCode(res)]).toEqual([404, 'WEBHOOK_DELIVERY_NOT_FOUND']);
    res = await readDelivery(a, '0190a0a0-0000-7000-8000-000000000000');
    expect([res.statusCode, errorCode(res)]).toEqual([404, 'WEBHOOK_DELIVERY_NOT_FOUND']);
    res = await readDelivery(a, 'not-a-uuid');
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'VALIDATION_FAILED']);
    res = await readDelivery(a, sent.id, member.token);
    expect([res.statusCode, errorCode(res)]).toEqual([403, 'FORBIDDEN']);
    res = await replay(a, sent.id, member.token);
    expect([res.statusCode, errorCode(res)]).toEqual([403, 'FORBIDDEN']);
    res = await readDelivery(a, sent.id, outsider.token);
    expect([res.statusCode, errorCode(res)]).toEqual([404, 'ORGANIZATION_NOT_FOUND']);
    await t.app.outbox.drain();
    await remove(a);
    await remove(b);
    // The endpoint gone, so is its log.
    res = await readDelivery(a, sent.id);
    expect([res.statusCode, errorCode(res)]).toEqual([404, 'WEBHOOK_ENDPOINT_NOT_FOUND']);
  });
});

describe('a replay', () => {
  it('of a given-up delivery arrives under the same webhook-id with the same body and a new valid signature; refused while under way, once acknowledged, and while the endpoint is disabled', async () => {
    const e = await register(['member.role_changed']);
    rx.fail(e.path, 500, 1);
    await roleChange('admin');
    await t.app.outbox.drain();
    const [row] = await deliveryRows(e.id);
    const id = row?.id as string;
    // Still retried: no replay.
    let res = await replay(e, id);
    expect([res.statusCode, errorCode(res)]).toEqual([409, 'WEBHOOK_DELIVERY_PENDING']);
    expect(res.json().error.details).toEqual({ deliveryId: id, webhookId: row?.webhook_id });

    // Disabled meanwhile, the endpoint gets no more attempts: the message is given up.
    await setEnabled(e, false);
    await makeDue(id);
    await t.app.outbox.drain();
    const given = await delivery(e, id);
    expect(given.status).toBe('failed');
    expect(given.replayRefusal).toBe('WEBHOOK_ENDPOINT_DISABLED');
    res = await replay(e, id);
    expect([res.statusCode, errorCode(res)]).toEqual([409, 'WEBHOOK_ENDPOINT_DISABLED']);

    // Fixed and re-enabled: replayed.
    await setEnabled(e, true);
    expect((await delivery(e, id)).replayRefusal).toBeNull();
    const [original] = rx.to(e.path);
    await pastSecond(Number(original?.timestamp));
    res = await replay(e, id);
    expect(res.statusCode, res.body).toBe(202);
    const again = res.json() as Delivery;
    expect(again).toMatchObject({
      replayOf: id,
      webhookId: original?.id,
      eventId: given.eventId,
      eventType: 'member.role_changed',
      payload: given.payload,
    });
    expect(again.id).not.toBe(id);
    // Under way: a second replay is refused (of either delivery).
    res = await replay(e, id);
    expect([res.statusCode, errorCode(res)]).toEqual([409, 'WEBHOOK_DELIVERY_PENDING']);

    await t.app.outbox.drain();
    const got = rx.to(e.path);
    expect(got).toHaveLength(2);
    expect(got[1]).toMatchObject({ id: original?.id, body: original?.body, verified: true, answered: 200 });
    expect(got[1]?.timestamp).not.toBe(original?.timestamp);
    expect(got[1]?.signature).not.toBe(original?.signature);
    expect((await delivery(e, again.id)).status).toBe('succeeded');
    // The log's attempts carry the message's webhook-id, replays included.
    const list = await attemptsList(e);
    expect(list.map((a) => [a.deliveryId, a.webhookId, a.status])).toEqual([
      [again.id, original?.id, 'succeeded'],
      [id, original?.id, 'failed'],
    ]);
    // Acknowledged: nothing more to replay.
    res = await replay(e, id);
    expect([res.statusCode, errorCode(res)]).toEqual([409, 'WEBHOOK_DELIVERY_SUCCEEDED']);
    expect((await delivery(e, id)).replayRefusal).toBe('WEBHOOK_DELIVERY_SUCCEEDED');
    const audit = await t.database.db
      .selectFrom('audit_log')
      .select(['data'])
      .where('action', '=', 'webhook_endpoint.delivery_replayed')
      .where('target_id', '=', e.id)
      .execute();
    expect(audit.map((a) => a.data)).toEqual([
      { deliveryId: id, replayId: again.id, webhookId: original?.id, eventType: 'member.role_changed' },
    ]);
    await roleChange('member');
    await remove(e);
    await t.app.outbox.drain();
  });

  it('sent twice at once goes out once', async () => {
    const e = await register(['member.added']);
    const id = ((await sendTest(e)).json() as Delivery).id;
    // Disabled before its first attempt: given up without one.
    await setEnabled(e, false);
    await t.app.outbox.drain();
    expect((await delivery(e, id)).status).toBe('failed');
    await setEnabled(e, true);
    const answers = await Promise.all([replay(e, id), replay(e, id)]);
    expect(answers.map((r) => r.statusCode).sort()).toEqual([202, 409]);
    const refused = answers.find((r) => r.statusCode === 409);
    expect(refused && errorCode(refused)).toBe('WEBHOOK_DELIVERY_PENDING');
    expect((await deliveryRows(e.id)).filter((r) => r.replay_of === id)).toHaveLength(1);
    await t.app.outbox.drain();
    expect(rx.to(e.path)).toHaveLength(1);
    await remove(e);
  });
});

describe("subscribing to every event type: ['*']", () => {
  it('receives every published type, stays stored as * (types added later included), and stands alone', async () => {
    const e = await register(['*']);
    const read = await t.app.inject({ url: base(e), headers: bearer(owner.token) });
    expect(read.json().events).toEqual(['*']);
    await roleChange('admin');
    await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org.slug}/members/${member.user.id}`,
      headers: bearer(owner.token),
    });
    await t.app.outbox.drain();
    const types = rx.to(e.path).map((r) => [r.json.type, r.verified]);
    expect(types).toEqual(
      expect.arrayContaining([
        ['member.role_changed', true],
        ['member.removed', true],
      ]),
    );
    expect(types).toHaveLength(2);
    await addActiveMember(t.database, org.id, member.user.id, 'member');

    const post = (events: Json) =>
      t.app.inject({
        method: 'POST',
        url: `/v1/organizations/${org.slug}/webhooks`,
        headers: bearer(owner.token),
        payload: { url: `${rx.url}/nowhere`, events },
      });
    let res = await post(['*', 'member.added']);
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'EVENT_WILDCARD_NOT_ALONE']);
    expect(res.json().error.details[0].field).toBe('events');
    res = await post(['webhook.test']);
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'EVENT_TYPE_NOT_SUBSCRIBABLE']);
    expect(res.json().error.details[0].field).toBe('events.0');
    res = await post(['member.*']);
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'UNKNOWN_EVENT_TYPE']);
    // Narrowed, then widened again.
    res = await t.app.inject({
      method: 'PATCH',
      url: base(e),
      headers: bearer(owner.token),
      payload: { events: ['member.added'] },
    });
    expect(res.json().events).toEqual(['member.added']);
    res = await t.app.inject({
      method: 'PATCH',
      url: base(e),
      headers: bearer(owner.token),
      payload: { events: ['member.added', '*'] },
    });
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'EVENT_WILDCARD_NOT_ALONE']);
    res = await t.app.inject({
      method: 'PATCH',
      url: base(e),
      headers: bearer(owner.token),
      payload: { events: ['*'] },
    });
    expect(res.json().events).toEqual(['*']);
    // The catalog says which types are sent on request only.
    const catalog = await t.app.inject({ url: '/v1/webhook-event-types' });
    const entries = catalog.json().data as Array<{ type: string; subscribable: boolean }>;
    expect(entries.find((x) => x.type === 'webhook.test')?.subscribable).toBe(false);
    expect(entries.find((x) => x.type === 'member.added')?.subscribable).toBe(true);
    await remove(e);
  });
});

describe('retention', () => {
  it('after 30 days empties the payload and the answers, keeps the rows, and a replay is refused (410)', async () => {
    const e = await register(['member.added']);
    rx.fail(e.path, 500, 1);
    const old = (await sendTest(e)).json() as Delivery;
    await t.app.outbox.drain();
    await setEnabled(e, false);
    await makeDue(old.id);
    await t.app.outbox.drain(); // given up: the endpoint is disabled
    await setEnabled(e, true);
    const recent = (await sendTest(e)).json() as Delivery;
    await t.app.outbox.drain();
    const before = await delivery(e, old.id);
    expect(before.replayRefusal).toBeNull();
    expect(before.attempts[0]?.responseBody).not.toBeNull();
    // 31 days ago.
    await t.database.db
      .updateTable('webhook_deliveries')
      .set({ created_at: sql`now() - interval '31 days'` })
      .where('id', '=', old.id)
      .execute();
    await t.database.db
      .updateTable('webhook_attempts')
      .set({ created_at: sql`now() - interval '31 days'` })
      .where('message_id', '=', old.id)
      .execute();
    const swept = await sweepWebhookLog(t.database.db, 1);
    expect(swept).toEqual({ payloads: 1, responses: 1 });
    expect(await sweepWebhookLog(t.database.db)).toEqual({ payloads: 0, responses: 0 });

    const after = await delivery(e, old.id);
    expect(after).toMatchObject({
      payload: null,
      status: 'failed',
      webhookId: old.webhookId,
      eventType: 'webhook.test',
      replayRefusal: 'WEBHOOK_DELIVERY_EXPIRED',
    });
    expect(after.attempts).toHaveLength(1);
    expect(after.attempts[0]).toMatchObject({ responseStatus: 500, responseBody: null });
    const res = await replay(e, old.id);
    expect([res.statusCode, errorCode(res)]).toEqual([410, 'WEBHOOK_DELIVERY_EXPIRED']);
    // The recent one is untouched.
    const kept = await delivery(e, recent.id);
    expect(kept.payload).not.toBeNull();
    expect(kept.attempts[0]?.responseBody).toBe('ok');
    await remove(e);
  });
});

describe("an app's webhook", () => {
  it('keeps installation.created without its grant code (redacted names it) and never replays it; the organization’s endpoint copy is whole', async () => {
    const appPath = '/deliveries/app';
    const created = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.slug}/apps`,
      headers: bearer(owner.token),
      payload: {
        name: 'Log Reader',
        slug: 'log-reader',
        scopes: ['org:read'],
        webhookUrl: `${rx.url}${appPath}`,
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    rx.setSecret(appPath, created.json().webhookSecret);
    const e = await register(['installation.created']);
    const installed = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.slug}/installations`,
      headers: bearer(owner.token),
      payload: { app: 'log-reader' },
    });
    expect(installed.statusCode, installed.body).toBe(201);
    await t.app.outbox.drain();
    const [toApp] = rx.to(appPath);
    expect(toApp?.verified).toBe(true);
    const code = toApp?.json.data.code as string;
    expect(code).toMatch(/^rg_/);

    const appId = created.json().id as string;
    const [row] = await t.database.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('app_id', '=', appId)
      .execute();
    const url = `/v1/organizations/${org.slug}/apps/log-reader/deliveries/${row?.id}`;
    const read = await t.app.inject({ url, headers: bearer(owner.token) });
    expect(read.statusCode, read.body).toBe(200);
    const d = read.json() as Delivery;
    expect(d).toMatchObject({
      eventType: 'installation.created',
      webhookId: toApp?.id,
      status: 'succeeded',
      redacted: ['data.code'],
      replayRefusal: 'WEBHOOK_DELIVERY_REDACTED',
    });
    const kept = JSON.parse(d.payload as string);
    expect(kept.data).not.toHaveProperty('code');
    expect(kept).toEqual({ ...toApp?.json, data: { ...toApp?.json.data, code: undefined } });
    expect(kept.data.codeExpiresInSeconds).toBe(600);
    // Nowhere in the log.
    const everything = await t.database.db.selectFrom('webhook_deliveries').select('payload').execute();
    expect(JSON.stringify(everything)).not.toContain(code.slice(3));
    const refused = await t.app.inject({
      method: 'POST',
      url: `${url}/replay`,
      headers: bearer(owner.token),
    });
    expect([refused.statusCode, errorCode(refused)]).toEqual([409, 'WEBHOOK_DELIVERY_REDACTED']);
    const stranger = await t.app.inject({ url, headers: bearer(member.token) });
    expect([stranger.statusCode, errorCode(stranger)]).toEqual([403, 'FORBIDDEN']);
    const unknownApp = await t.app.inject({
      url: `/v1/organizations/${org.slug}/apps/nope/deliveries/${row?.id}`,
      headers: bearer(owner.token),
    });
    expect([unknownApp.statusCode, errorCode(unknownApp)]).toEqual([404, 'APP_NOT_FOUND']);

    // The organization's endpoint got its own copy, which never had the code: kept whole.
    const [toEndpoint] = rx.to(e.path);
    const [endpointRow] = await deliveryRows(e.id);
    const copy = await delivery(e, endpointRow?.id as string);
    expect(copy.redacted).toEqual([]);
    expect(copy.payload).toBe(toEndpoint?.body);
    expect(copy.replayRefusal).toBe('WEBHOOK_DELIVERY_SUCCEEDED');
    await remove(e);
  });
});

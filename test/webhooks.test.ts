/**
 * Webhooks for the host application (SPEC §2 "Events, audit, notifications"): endpoints an admin
 * registers receive the events they subscribe to, from the outbox, signed per Standard Webhooks and
 * checked by a real receiver on 127.0.0.1; failures are retried with backoff for more than a day under
 * one webhook-id, each attempt is logged and readable through the API, an endpoint that keeps failing
 * is disabled, and URLs reaching loopback, private or link-local addresses are refused (SSRF) at
 * registration and again at delivery.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { publishEvent } from '../src/features/events/event.service.ts';
import { WEBHOOK_MAX_ATTEMPTS, webhookBackoffSeconds } from '../src/features/webhooks/webhook.delivery.ts';
import { sign, verify } from '../src/features/webhooks/webhook.signing.ts';
import {
  addActiveMember,
  bearer,
  createOrg,
  createTestApp,
  errorCode,
  type SignedUp,
  signUp,
  signUpEach,
  type TestApp,
  verifiedUser,
} from './helpers.ts';
import { startReceiver, type TestReceiver, verifySignature } from './webhook-receiver.ts';

let t: TestApp;
let rx: TestReceiver;
let owner: SignedUp;
let org: { id: string; slug: string };
let member: SignedUp;
let outsider: SignedUp;
let paths = 0;

interface Endpoint {
  id: string;
  secret: string;
  path: string;
}

async function register(events: string[], app: TestApp = t): Promise<Endpoint> {
  paths += 1;
  const path = `/hooks/${paths}`;
  const res = await app.app.inject({
    method: 'POST',
    url: `/v1/organizations/${org.slug}/webhooks`,
    headers: bearer(owner.token),
    payload: { url: `${rx.url}${path}`, events, description: `endpoint ${paths}` },
  });
  expect(res.statusCode, res.body).toBe(201);
  rx.setSecret(path, res.json().secret);
  return { id: res.json().id, secret: res.json().secret, path };
}

/** A member whose role changes, so that an event is published. */
async function roleChange(role: 'admin' | 'member') {
  return t.app.inject({
    method: 'PATCH',
    url: `/v1/organizations/${org.slug}/members/${member.user.id}`,
    headers: bearer(owner.token),
    payload: { role },
  });
}

async function messagesTo(endpointId: string) {
  return t.database.db
    .selectFrom('outbox')
    .select(['id', 'status', 'attempts', 'last_error'])
    .where('kind', '=', 'webhook')
    .where(sql<string>`payload->>'targetId'`, '=', endpointId)
    .orderBy('created_at')
    .execute();
}

async function makeDue(id: string) {
  await t.database.db
    .updateTable('outbox')
    .set({ next_attempt_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

async function deliveries(endpointId: string, query = '') {
  const res = await t.app.inject({
    url: `/v1/organizations/${org.slug}/webhooks/${endpointId}/deliveries${query}`,
    headers: bearer(owner.token),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as {
    data: Array<{
      webhookId: string;
      attempt: number;
      status: string;
      responseStatus: number | null;
      latencyMs: number;
      error: string | null;
      eventType: string;
    }>;
    nextCursor: string | null;
  };
}

beforeAll(async () => {
  rx = await startReceiver();
  t = await createTestApp({ webhookAllowPrivate: true });
  [owner, member, outsider] = await signUpEach(t.app, ['owner', 'member', 'outsider']);
  org = await createOrg(t.app, owner.token, 'Hooked');
  await addActiveMember(t.database, org.id, member.user.id, 'member');
});

afterAll(async () => {
  await t?.close();
  await rx?.close();
});

describe('signing', () => {
  it('is HMAC-SHA256 over "id.timestamp.body" with the base64-decoded secret, as a receiver written from the spec checks it', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = '{"test": 2432232314}';
    const signature = sign(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, body);
    // The example of the Standard Webhooks specification.
    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    expect(
      verifySignature(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', '1614265330', body, signature, 1614265330),
    ).toBe(true);
    expect(
      verifySignature(
        secret,
        'msg_p5jXN8AQM9LWM0D4loKWxJek',
        '1614265330',
        `${body} `,
        signature,
        1614265330,
      ),
    ).toBe(false);
    const headers = { id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: '1614265330', signature };
    expect(verify(secret, headers, body, 1614265330)).toBe(true);
    expect(verify(secret, headers, body, 1614265330 + 301)).toBe(false); // too old: a replay
  });
});

describe('registering an endpoint', () => {
  it('answers 201 with a whsec_ signing secret shown once; reading it back never shows it', async () => {
    const e = await register(['member.added']);
    expect(e.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const res = await t.app.inject({
      url: `/v1/organizations/${org.slug}/webhooks/${e.id}`,
      headers: bearer(owner.token),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).not.toHaveProperty('secret');
    expect(res.json()).toMatchObject({ events: ['member.added'], enabled: true });
    const list = await t.app.inject({
      url: `/v1/organizations/${org.slug}/webhooks`,
      headers: bearer(owner.token),
    });
    expect(list.json().data.map((x: { id: string }) => x.id)).toContain(e.id);
    const catalog = await t.app.inject({ url: '/v1/webhook-event-types' });
    expect(catalog.json().data.map((x: { type: string }) => x.type)).toEqual(
      expect.arrayContaining([
        'member.added',
        'member.removed',
        'member.role_changed',
        'invitation.created',
        'installation.deleted',
      ]),
    );
  });

  it('refuses bad input with a code naming the field, and callers without org:integrations', async () => {
    const post = (payload: Record<string, unknown>, token = owner.token) =>
      t.app.inject({
        method: 'POST',
        url: `/v1/organizations/${org.slug}/webhooks`,
        headers: bearer(token),
        payload: { url: `${rx.url}/x`, events: ['member.added'], ...payload },
      });
    let res = await post({ events: ['member.added', 'member.exploded'] });
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'UNKNOWN_EVENT_TYPE']);
    expect(res.json().error.details[0].field).toBe('events.1');
    res = await post({ events: [] });
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'VALIDATION_FAILED']);
    res = await post({ events: ['member.added', 'member.added'] });
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'VALIDATION_FAILED']);
    res = await post({ url: 'gopher://example.com/' });
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'WEBHOOK_URL_INVALID']);
    res = await post({ url: `http://user:pw@127.0.0.1:1/` });
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'WEBHOOK_URL_INVALID']);
    res = await post({ url: 42 });
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'VALIDATION_FAILED']);
    res = await post({}, member.token);
    expect([res.statusCode, errorCode(res)]).toEqual([403, 'FORBIDDEN']);
    res = await post({}, outsider.token);
    expect([res.statusCode, errorCode(res)]).toEqual([404, 'ORGANIZATION_NOT_FOUND']);
    const patch = await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org.slug}/webhooks/0190a0a0-0000-7000-8000-000000000000`,
      headers: bearer(owner.token),
      payload: { enabled: false },
    });
    expect([patch.statusCode, errorCode(patch)]).toEqual([404, 'WEBHOOK_ENDPOINT_NOT_FOUND']);
  });
});

describe('SSRF: without WEBHOOK_ALLOW_PRIVATE, URLs reaching internal addresses are refused', () => {
  let strict: TestApp;
  beforeAll(async () => {
    strict = await createTestApp({ webhookAllowPrivate: false }, t.database);
  });
  afterAll(async () => {
    await strict?.close();
  });

  it('at registration: loopback, private, link-local, unspecified, mapped and encoded forms', async () => {
    const refused = [
      'http://127.0.0.1/hook',
      'http://127.8.9.10:8080/hook',
      'http://localhost/hook',
      'http://[::1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://[::ffff:a9fe:a9fe]/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.7/hook',
      'http://172.16.5.4/hook',
      'http://192.168.1.1/hook',
      'http://100.64.0.1/hook',
      'http://0.0.0.0/hook',
      'http://0/hook',
      'http://2130706433/hook',
      'http://0x7f.1/hook',
      'http://[fe80::1]/hook',
      'http://[fd00::1]/hook',
      'http://[64:ff9b::7f00:1]/hook',
    ];
    for (const url of refused) {
      const res = await strict.app.inject({
        method: 'POST',
        url: `/v1/organizations/${org.slug}/webhooks`,
        headers: bearer(owner.token),
        payload: { url, events: ['member.added'] },
      });
      expect([res.statusCode, errorCode(res)], url).toEqual([400, 'WEBHOOK_URL_FORBIDDEN']);
      expect(res.json().error.details[0].field).toBe('url');
    }
    const unresolvable = await strict.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.slug}/webhooks`,
      headers: bearer(owner.token),
      payload: { url: 'http://roster-test.invalid/hook', events: ['member.added'] },
    });
    expect([unresolvable.statusCode, errorCode(unresolvable)]).toEqual([400, 'WEBHOOK_URL_UNRESOLVABLE']);
    const app = await strict.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.slug}/apps`,
      headers: bearer(owner.token),
      payload: { name: 'Internal', scopes: [], webhookUrl: 'http://127.0.0.1:9/' },
    });
    expect([app.statusCode, errorCode(app)]).toEqual([400, 'WEBHOOK_URL_FORBIDDEN']);
  });

  it('at delivery: a message to an address that is now refused never reaches it, and the attempt says why', async () => {
    // Registered where private addresses were allowed; delivered by an instance where they are not.
    const e = await register(['member.role_changed']);
    expect((await roleChange('admin')).statusCode).toBe(200);
    await strict.app.outbox.drain();
    expect(rx.to(e.path)).toHaveLength(0);
    const [m] = await messagesTo(e.id);
    expect(m?.status).toBe('pending');
    expect(m?.last_error).toMatch(/refused: the URL resolves to 127\.0\.0\.1/);
    const log = await deliveries(e.id);
    expect(log.data[0]).toMatchObject({ attempt: 1, status: 'failed', responseStatus: null });
    expect(log.data[0]?.error).toMatch(/refused/);
    // Where it is allowed, the retry goes through.
    await makeDue(m?.id as string);
    await t.app.outbox.drain();
    expect(rx.to(e.path)).toHaveLength(1);
    await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org.slug}/webhooks/${e.id}`,
      headers: bearer(owner.token),
    });
    await roleChange('member');
  });
});

describe('delivery', () => {
  it('an event reaches the endpoints subscribed to it, signed, with the event in the body; analytics records it once', async () => {
    const subscribed = await register(['member.role_changed', 'member.removed']);
    const other = await register(['member.removed']);
    const before = (
      await t.database.db
        .selectFrom('analytics_events')
        .select('id')
        .where('type', '=', 'member.role_changed')
        .execute()
    ).length;
    expect((await roleChange('admin')).statusCode).toBe(200);
    await t.app.outbox.drain();
    const got = rx.to(subscribed.path);
    expect(got).toHaveLength(1);
    expect(got[0]?.verified).toBe(true);
    expect(got[0]?.json).toMatchObject({
      type: 'member.role_changed',
      organizationId: org.id,
      actor: { type: 'user', id: owner.user.id },
      data: { userId: member.user.id, from: 'member', to: 'admin' },
    });
    expect(got[0]?.id).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(Math.abs(Number(got[0]?.timestamp) - Date.now() / 1000)).toBeLessThan(60);
    expect(rx.to(other.path)).toHaveLength(0);
    const events = await t.database.db
      .selectFrom('analytics_events')
      .selectAll()
      .where('type', '=', 'member.role_changed')
      .execute();
    expect(events).toHaveLength(before + 1);
    expect(events.at(-1)?.id).toBe(got[0]?.json.id); // the body's id is the event's
    // A role "change" to the same role changes nothing and publishes nothing.
    await roleChange('admin');
    await t.app.outbox.drain();
    expect(rx.to(subscribed.path)).toHaveLength(1);
    await roleChange('member');
    await t.app.outbox.drain();
    expect(rx.to(subscribed.path)).toHaveLength(2);
    for (const e of [subscribed, other]) {
      await t.app.inject({
        method: 'DELETE',
        url: `/v1/organizations/${org.slug}/webhooks/${e.id}`,
        headers: bearer(owner.token),
      });
    }
  });

  it('an invitation and its accept reach the endpoints subscribed to their events, "*" included, and no other', async () => {
    // Inviting and accepting write their events in one statement with the change (events/effects.ts).
    const invitations = await register(['invitation.created', 'invitation.accepted']);
    const all = await register(['*']);
    const other = await register(['member.removed']);
    const invitee = await verifiedUser(t);
    const invited = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.slug}/invitations`,
      headers: bearer(owner.token),
      payload: { email: invitee.user.email, role: 'member' },
    });
    expect(invited.statusCode, invited.body).toBe(201);
    const invitationId = invited.json().invitation.id as string;
    const accepted = await t.app.inject({
      method: 'POST',
      url: `/v1/me/invitations/${invitationId}/accept`,
      headers: bearer(invitee.token),
    });
    expect(accepted.statusCode, accepted.body).toBe(200);
    await t.app.outbox.drain();
    // In whatever order the worker delivered them.
    const types = (path: string) =>
      rx
        .to(path)
        .map((m) => m.json.type as string)
        .sort();
    expect(types(invitations.path)).toEqual(['invitation.accepted', 'invitation.created']);
    expect(types(all.path)).toEqual(['invitation.accepted', 'invitation.created', 'member.added']);
    expect(types(other.path)).toEqual([]);
    for (const m of [...rx.to(invitations.path), ...rx.to(all.path)]) expect(m.verified).toBe(true);
    expect(rx.to(all.path).find((m) => m.json.type === 'member.added')?.json).toMatchObject({
      organizationId: org.id,
      actor: { type: 'user', id: invitee.user.id },
      data: { userId: invitee.user.id, role: 'member', source: 'invitation' },
    });
    // Each message has its row in the delivery log, and each event one analytics record.
    expect((await deliveries(all.id)).data.map((d) => d.eventType).sort()).toEqual([
      'invitation.accepted',
      'invitation.created',
      'member.added',
    ]);
    const recorded = await t.database.db
      .selectFrom('analytics_events')
      .select('type')
      .where('organization_id', '=', org.id)
      .where(sql<string>`data->>'invitationId'`, '=', invitationId)
      .execute();
    expect(recorded.map((r) => r.type).sort()).toEqual(['invitation.accepted', 'invitation.created']);
    for (const e of [invitations, all, other]) {
      await t.app.inject({
        method: 'DELETE',
        url: `/v1/organizations/${org.slug}/webhooks/${e.id}`,
        headers: bearer(owner.token),
      });
    }
  });

  it('a member removed or leaving is member.removed, with the reason', async () => {
    const e = await register(['member.removed']);
    const leaver = await signUp(t.app);
    await addActiveMember(t.database, org.id, leaver.user.id, 'member');
    const kicked = await signUp(t.app);
    await addActiveMember(t.database, org.id, kicked.user.id, 'member');
    expect(
      (
        await t.app.inject({
          method: 'DELETE',
          url: `/v1/organizations/${org.slug}/members/${leaver.user.id}`,
          headers: bearer(leaver.token),
        })
      ).statusCode,
    ).toBe(204);
    expect(
      (
        await t.app.inject({
          method: 'DELETE',
          url: `/v1/organizations/${org.slug}/members/${kicked.user.id}`,
          headers: bearer(owner.token),
        })
      ).statusCode,
    ).toBe(204);
    await t.app.outbox.drain();
    const got = rx.to(e.path).map((r) => [r.json.data.userId, r.json.data.reason, r.verified]);
    // Not ordered: deliveries run in parallel lanes.
    expect(got).toHaveLength(2);
    expect(got).toEqual(
      expect.arrayContaining([
        [leaver.user.id, 'left', true],
        [kicked.user.id, 'removed', true],
      ]),
    );
    await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org.slug}/webhooks/${e.id}`,
      headers: bearer(owner.token),
    });
  });

  it('member.added when an owner-add is accepted and when a join request is approved; join_request.created when one is made', async () => {
    const e = await register(['member.added', 'join_request.created']);
    const added = await signUp(t.app);
    const add = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.slug}/members`,
      headers: bearer(owner.token),
      payload: { userId: added.user.id, role: 'member' },
    });
    expect(add.statusCode).toBe(201);
    const accept = await t.app.inject({
      method: 'POST',
      url: `/v1/me/memberships/${add.json().id}/accept`,
      headers: bearer(added.token),
    });
    expect(accept.statusCode).toBe(200);
    const settings = await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org.slug}`,
      headers: bearer(owner.token),
      payload: { joinRequestsEnabled: true },
    });
    expect(settings.statusCode).toBe(200);
    const asker = await verifiedUser(t);
    const ask = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.slug}/join-requests`,
      headers: bearer(asker.token),
    });
    expect(ask.statusCode, ask.body).toBe(201);
    const approve = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.slug}/join-requests/${ask.json().id}/approve`,
      headers: bearer(owner.token),
      payload: {},
    });
    expect(approve.statusCode, approve.body).toBe(200);
    await t.app.outbox.drain();
    // Deliveries run in parallel lanes and are not ordered (receivers order by the body's timestamp).
    const got = rx.to(e.path).map((r) => [r.json.type, r.json.data.userId, r.json.data.source, r.verified]);
    expect(got).toHaveLength(3);
    expect(got).toEqual(
      expect.arrayContaining([
        ['member.added', added.user.id, 'owner_add', true],
        ['join_request.created', asker.user.id, undefined, true],
        ['member.added', asker.user.id, 'join_request', true],
      ]),
    );
    await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org.slug}/webhooks/${e.id}`,
      headers: bearer(owner.token),
    });
  });

  it('a rolled-back change publishes nothing: no analytics row, no webhook', async () => {
    const e = await register(['member.added']);
    const marker = `rollback-${Date.now()}`;
    await expect(
      t.app.ctx.transaction(async (trx) => {
        await publishEvent(trx, {
          organizationId: org.id,
          type: 'member.added',
          data: { marker },
          actor: { type: 'system', id: null, ip: null },
        });
        throw new Error('the change fails after publishing');
      }),
    ).rejects.toThrow(/the change fails/);
    const rows = await t.database.db
      .selectFrom('analytics_events')
      .select('id')
      .where(sql<string>`data->>'marker'`, '=', marker)
      .execute();
    expect(rows).toHaveLength(0);
    expect(await messagesTo(e.id)).toHaveLength(0);
    await t.app.outbox.drain();
    expect(rx.to(e.path)).toHaveLength(0);
  });

  it('a receiver that fails, then recovers: retried with backoff under one webhook-id, delivered once acknowledged, every attempt logged', async () => {
    const e = await register(['member.role_changed']);
    rx.fail(e.path, 500, 2);
    await roleChange('admin');
    await t.app.outbox.drain();
    const [m] = await messagesTo(e.id);
    expect(m).toMatchObject({ status: 'pending', attempts: 1 });
    expect(m?.last_error).toMatch(/HTTP 500/);
    const due = await t.database.db
      .selectFrom('outbox')
      .select(sql<number>`extract(epoch from next_attempt_at - now())::float8`.as('in'))
      .where('id', '=', m?.id as string)
      .executeTakeFirstOrThrow();
    expect(due.in).toBeGreaterThan(5); // 10 s ± 20 %
    expect(due.in).toBeLessThanOrEqual(12);
    // Not due yet: nothing is sent.
    await t.app.outbox.drain();
    expect(rx.to(e.path)).toHaveLength(1);

    await makeDue(m?.id as string);
    await t.app.outbox.drain();
    await makeDue(m?.id as string);
    await t.app.outbox.drain();
    const got = rx.to(e.path);
    expect(got.map((r) => r.answered)).toEqual([500, 500, 200]);
    expect(new Set(got.map((r) => r.id)).size).toBe(1); // the same webhook-id every time
    expect(got.every((r) => r.verified)).toBe(true);
    expect(new Set(got.map((r) => r.body)).size).toBe(1); // the same bytes
    const [done] = await messagesTo(e.id);
    expect(done).toMatchObject({ status: 'sent', attempts: 3 });

    // Acknowledged: never sent again.
    await makeDue(m?.id as string);
    await t.app.outbox.drain();
    expect(rx.to(e.path)).toHaveLength(3);

    const log = await deliveries(e.id);
    expect(log.data.map((d) => [d.attempt, d.status, d.responseStatus])).toEqual([
      [3, 'succeeded', 200],
      [2, 'failed', 500],
      [1, 'failed', 500],
    ]);
    expect(new Set(log.data.map((d) => d.webhookId))).toEqual(new Set([got[0]?.id]));
    for (const d of log.data) {
      expect(Number.isInteger(d.latencyMs)).toBe(true);
      expect(d.latencyMs).toBeGreaterThanOrEqual(0);
      expect(d.eventType).toBe('member.role_changed');
    }
    const page = await deliveries(e.id, '?limit=2');
    expect(page.data).toHaveLength(2);
    const rest = await deliveries(e.id, `?limit=2&cursor=${page.nextCursor}`);
    expect(rest.data.map((d) => d.attempt)).toEqual([1]);
    const badCursor = await t.app.inject({
      url: `/v1/organizations/${org.slug}/webhooks/${e.id}/deliveries?cursor=nope`,
      headers: bearer(owner.token),
    });
    expect([badCursor.statusCode, errorCode(badCursor)]).toEqual([400, 'INVALID_CURSOR']);
    await roleChange('member');
    const byMember = await t.app.inject({
      url: `/v1/organizations/${org.slug}/webhooks/${e.id}/deliveries`,
      headers: bearer(member.token),
    });
    expect([byMember.statusCode, errorCode(byMember)]).toEqual([403, 'FORBIDDEN']);
    const byStranger = await t.app.inject({
      url: `/v1/organizations/${org.slug}/webhooks/${e.id}/deliveries`,
      headers: bearer(outsider.token),
    });
    expect(byStranger.statusCode).toBe(404);
    await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org.slug}/webhooks/${e.id}`,
      headers: bearer(owner.token),
    });
    await t.app.outbox.drain();
  });

  it('a receiver that never answers times out; the attempt is logged as such', async () => {
    const impatient = await createTestApp({ webhookAllowPrivate: true, webhookTimeoutMs: 300 }, t.database);
    try {
      const e = await register(['member.role_changed']);
      rx.hang(e.path);
      await roleChange('admin');
      await impatient.app.outbox.drain();
      const log = await deliveries(e.id);
      expect(log.data[0]).toMatchObject({ status: 'failed', responseStatus: null });
      expect(log.data[0]?.error).toMatch(/timed out after 300 ms/);
      rx.dropHung();
      const [m] = await messagesTo(e.id);
      await makeDue(m?.id as string);
      await t.app.outbox.drain();
      expect((await messagesTo(e.id))[0]?.status).toBe('sent');
      await roleChange('member');
      await t.app.inject({
        method: 'DELETE',
        url: `/v1/organizations/${org.slug}/webhooks/${e.id}`,
        headers: bearer(owner.token),
      });
      await t.app.outbox.drain();
    } finally {
      await impatient.close();
    }
  });

  it('rotating the secret: later deliveries verify with the new secret, not the old one', async () => {
    const e = await register(['member.role_changed']);
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.slug}/webhooks/${e.id}/rotate-secret`,
      headers: bearer(owner.token),
    });
    expect(res.statusCode).toBe(200);
    const fresh = res.json().secret as string;
    expect(fresh).not.toBe(e.secret);
    await roleChange('admin');
    await t.app.outbox.drain();
    const [got] = rx.to(e.path);
    expect(got?.verified).toBe(false); // the receiver still holds the old secret, and refused it
    expect(got?.answered).toBe(401);
    rx.setSecret(e.path, fresh);
    const [m] = await messagesTo(e.id);
    await makeDue(m?.id as string);
    await t.app.outbox.drain();
    expect(rx.to(e.path)[1]?.verified).toBe(true);
    await roleChange('member');
    await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org.slug}/webhooks/${e.id}`,
      headers: bearer(owner.token),
    });
    await t.app.outbox.drain();
  });

  it('a deleted endpoint’s pending messages are dropped without a request', async () => {
    const e = await register(['member.role_changed']);
    await roleChange('admin');
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org.slug}/webhooks/${e.id}`,
      headers: bearer(owner.token),
    });
    expect(del.statusCode).toBe(204);
    await t.app.outbox.drain();
    expect(rx.to(e.path)).toHaveLength(0);
    const [m] = await messagesTo(e.id);
    expect(m).toMatchObject({ status: 'dead', attempts: 1 });
    expect(m?.last_error).toMatch(/deleted/);
    await roleChange('member');
    await t.app.outbox.drain();
  });
});

describe('retries and sustained failure', () => {
  it(`backs off exponentially for more than 24 hours over ${WEBHOOK_MAX_ATTEMPTS} attempts, even with the lowest jitter`, () => {
    const delays = (random: () => number) =>
      Array.from(
        { length: WEBHOOK_MAX_ATTEMPTS - 1 },
        (_, i) => webhookBackoffSeconds(i + 1, random) as number,
      );
    const lowest = delays(() => 0);
    const middle = delays(() => 0.5);
    for (let i = 1; i < middle.length; i++) expect(middle[i]).toBeGreaterThanOrEqual(middle[i - 1] as number);
    expect(middle.slice(0, 4)).toEqual([10, 30, 90, 270]);
    expect(lowest.reduce((a, b) => a + b, 0)).toBeGreaterThan(24 * 3600);
    expect(middle.reduce((a, b) => a + b, 0)).toBeGreaterThan(36 * 3600);
    expect(webhookBackoffSeconds(WEBHOOK_MAX_ATTEMPTS)).toBeNull();
  });

  it('an endpoint whose message fails every attempt, with no success meanwhile, is disabled; re-enabling resumes deliveries', async () => {
    const e = await register(['member.role_changed']);
    rx.fail(e.path, 503, WEBHOOK_MAX_ATTEMPTS);
    await roleChange('admin');
    const [m] = await messagesTo(e.id);
    for (let attempt = 1; attempt <= WEBHOOK_MAX_ATTEMPTS; attempt++) {
      await makeDue(m?.id as string);
      await t.app.outbox.drain();
    }
    expect(rx.to(e.path)).toHaveLength(WEBHOOK_MAX_ATTEMPTS);
    expect(new Set(rx.to(e.path).map((r) => r.id)).size).toBe(1);
    expect((await messagesTo(e.id))[0]).toMatchObject({ status: 'dead', attempts: WEBHOOK_MAX_ATTEMPTS });
    const read = await t.app.inject({
      url: `/v1/organizations/${org.slug}/webhooks/${e.id}`,
      headers: bearer(owner.token),
    });
    expect(read.json()).toMatchObject({ enabled: false });
    expect(read.json().disabledReason).toMatch(/failed for more than a day.*HTTP 503/);
    const audit = await t.database.db
      .selectFrom('audit_log')
      .select(['actor_type'])
      .where('action', '=', 'webhook_endpoint.disabled')
      .where('target_id', '=', e.id)
      .execute();
    expect(audit).toEqual([{ actor_type: 'system' }]);
    expect((await deliveries(e.id, '?limit=100')).data).toHaveLength(WEBHOOK_MAX_ATTEMPTS);

    // Disabled: new events are not queued for it.
    await roleChange('member');
    expect(await messagesTo(e.id)).toHaveLength(1);

    const enable = await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org.slug}/webhooks/${e.id}`,
      headers: bearer(owner.token),
      payload: { enabled: true },
    });
    expect(enable.json()).toMatchObject({ enabled: true, disabledReason: null });
    await roleChange('admin');
    await t.app.outbox.drain();
    expect(rx.to(e.path).at(-1)).toMatchObject({ answered: 200, verified: true });
    await roleChange('member');
    await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org.slug}/webhooks/${e.id}`,
      headers: bearer(owner.token),
    });
    await t.app.outbox.drain();
  });

  it('a message given up while the endpoint acknowledged others since does not disable it', async () => {
    const e = await register(['member.role_changed']);
    rx.fail(e.path, 500, 1);
    await roleChange('admin');
    await t.app.outbox.drain(); // the first message fails once
    await roleChange('member');
    await t.app.outbox.drain(); // the second is acknowledged
    const [first] = await messagesTo(e.id);
    rx.fail(e.path, 500, WEBHOOK_MAX_ATTEMPTS);
    for (let attempt = 2; attempt <= WEBHOOK_MAX_ATTEMPTS; attempt++) {
      await makeDue(first?.id as string);
      await t.app.outbox.drain();
    }
    expect((await messagesTo(e.id)).map((m) => m.status)).toEqual(['dead', 'sent']);
    const read = await t.app.inject({
      url: `/v1/organizations/${org.slug}/webhooks/${e.id}`,
      headers: bearer(owner.token),
    });
    expect(read.json().enabled).toBe(true);
    await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org.slug}/webhooks/${e.id}`,
      headers: bearer(owner.token),
    });
  });
});

describe('configuration', () => {
  it('WEBHOOK_ALLOW_PRIVATE is off unless set; SECRETS_KEY must be 32 bytes; bad values name the variable', () => {
    expect(loadConfig({}).webhookAllowPrivate).toBe(false);
    expect(loadConfig({ WEBHOOK_ALLOW_PRIVATE: 'true' }).webhookAllowPrivate).toBe(true);
    expect(() => loadConfig({ WEBHOOK_ALLOW_PRIVATE: 'sometimes' })).toThrow(/WEBHOOK_ALLOW_PRIVATE/);
    expect(loadConfig({ SECRETS_KEY: Buffer.alloc(32, 1).toString('base64') }).secretsKey).toEqual(
      Buffer.alloc(32, 1),
    );
    expect(loadConfig({ SECRETS_KEY: 'ab'.repeat(32) }).secretsKey).toEqual(Buffer.alloc(32, 0xab));
    expect(() => loadConfig({ SECRETS_KEY: 'too-short' })).toThrow(/SECRETS_KEY/);
    expect(() => loadConfig({ WEBHOOK_TIMEOUT_MS: '5' })).toThrow(/WEBHOOK_TIMEOUT_MS/);
    expect(loadConfig({ ANALYTICS_LOG: 'true' }).analyticsLog).toBe(true);
  });

  it('ANALYTICS_LOG writes each event to the log once its change commits', async () => {
    const logged = await createTestApp({ webhookAllowPrivate: true, analyticsLog: true }, t.database);
    try {
      const someone = await signUp(logged.app);
      await createOrg(logged.app, someone.token, 'Logged Org');
      const lines = logged.logs.filter((l) => l.msg === 'analytics event');
      expect(lines).toHaveLength(1);
      expect(lines[0]?.analytics).toMatchObject({ type: 'member.added', data: { userId: someone.user.id } });
      await expect(
        logged.app.ctx.transaction(async (trx) => {
          await publishEvent(trx, {
            organizationId: null,
            type: 'member.added',
            data: {},
            actor: { type: 'system', id: null, ip: null },
          });
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect(logged.logs.filter((l) => l.msg === 'analytics event')).toHaveLength(1);
    } finally {
      await logged.close();
    }
  });
});

describe('signing secrets at rest with SECRETS_KEY', () => {
  it('are stored encrypted, still sign deliveries, and a wrong key fails the attempt instead of signing with garbage', async () => {
    const key = Buffer.alloc(32, 7);
    const sealed = await createTestApp({ webhookAllowPrivate: true, secretsKey: key }, t.database);
    const wrongKey = await createTestApp(
      { webhookAllowPrivate: true, secretsKey: Buffer.alloc(32, 9) },
      t.database,
    );
    try {
      const e = await register(['member.role_changed'], sealed);
      const row = await t.database.db
        .selectFrom('webhook_endpoints')
        .select('secret')
        .where('id', '=', e.id)
        .executeTakeFirstOrThrow();
      expect(row.secret).toMatch(/^gcm1:/);
      expect(row.secret).not.toContain(e.secret.slice('whsec_'.length, 20));
      await roleChange('admin');
      await wrongKey.app.outbox.drain();
      expect(rx.to(e.path)).toHaveLength(0);
      expect((await deliveries(e.id)).data[0]?.error).toMatch(/does not open with SECRETS_KEY/);
      const [m] = await messagesTo(e.id);
      await makeDue(m?.id as string);
      await sealed.app.outbox.drain();
      expect(rx.to(e.path)).toHaveLength(1);
      expect(rx.to(e.path)[0]?.verified).toBe(true);
      await roleChange('member');
      await t.app.inject({
        method: 'DELETE',
        url: `/v1/organizations/${org.slug}/webhooks/${e.id}`,
        headers: bearer(owner.token),
      });
      await t.app.outbox.drain();
    } finally {
      await sealed.close();
      await wrongKey.close();
    }
  });
});

/**
 * Anonymous requests to join by email (SPEC "Join requests"): 404 / 400 / 403 / 429, otherwise always
 * 202 with the same body, whatever the address; only a new address becomes a request in the queue.
 * The rate limit is per client IP and shared by instances (PostgreSQL, or Redis with REDIS_URL).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addActiveMember,
  bearer,
  createOrg,
  createTestApp,
  emailsTo,
  errorCode,
  type SignedUp,
  signUp,
  type TestApp,
  tokenOf,
  uniqueEmail,
  verifiedUser,
} from './helpers.ts';
import { invited } from './invitation-helpers.ts';

const REDIS_URL = process.env.ROSTER_TEST_REDIS_URL || null;

let t: TestApp;
let ipCounter = 0;
/** A client address of its own for each test, so the per-IP limit of one never bites another. */
const freshIp = () => `198.51.100.${++ipCounter}`;

beforeAll(async () => {
  t = await createTestApp({ invitationSweepMs: 0 });
});
afterAll(() => t.close());

async function openOrg(settings: Record<string, unknown> = { joinRequestsEnabled: true }) {
  const owner = await signUp(t.app);
  const org = await createOrg(t.app, owner.token);
  const admin = await signUp(t.app);
  await addActiveMember(t.database, org.id, admin.user.id, 'admin');
  const res = await t.app.inject({
    method: 'PATCH',
    url: `/v1/organizations/${org.id}`,
    headers: bearer(owner.token),
    payload: settings,
  });
  expect(res.statusCode, res.body).toBe(200);
  return { owner, admin, org };
}

function ask(app: TestApp['app'], org: string, payload: unknown, ip: string) {
  return app.inject({
    method: 'POST',
    url: `/v1/organizations/${org}/join-requests`,
    remoteAddress: ip,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
}

async function requestsIn(orgId: string) {
  return t.database.db
    .selectFrom('invitations')
    .select(['id', 'email', 'approval', 'status', 'expires_at'])
    .where('organization_id', '=', orgId)
    .where('approval', '=', 'requested_to_join')
    .execute();
}

describe('POST /v1/organizations/{slug}/join-requests with {email}, no session', () => {
  it('answers 404 for an unknown org, 400 naming email when malformed or missing, 403 when closed', async () => {
    const ip = freshIp();
    const unknown = await ask(t.app, 'no-such-org-anywhere', { email: 'a@example.com' }, ip);
    expect([unknown.statusCode, errorCode(unknown)]).toEqual([404, 'ORGANIZATION_NOT_FOUND']);
    const { org } = await openOrg();
    for (const payload of [{ email: 'not-an-email' }, undefined, {}]) {
      const res = await ask(t.app, org.slug, payload, freshIp());
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.details).toEqual([expect.objectContaining({ field: 'email' })]);
    }
    const odd = await ask(t.app, org.slug, { email: 'x@example.com', role: 'owner' }, freshIp());
    expect(odd.statusCode).toBe(400);
    const closed = await openOrg({ joinRequestsEnabled: false });
    const off = await ask(t.app, closed.org.slug, { email: 'x@example.com' }, freshIp());
    expect([off.statusCode, errorCode(off)]).toEqual([403, 'JOIN_REQUESTS_DISABLED']);
  });

  it('gives the same 202 and body for a new address, a member, an invitee, a repeat, and an SSO org', async () => {
    const { owner, admin, org } = await openOrg();
    const member = await signUp(t.app);
    await addActiveMember(t.database, org.id, member.user.id, 'member');
    const invitee = uniqueEmail('invitee');
    await invited(t.app, owner, org.id, invitee);
    const repeat = uniqueEmail('repeat');
    expect((await ask(t.app, org.slug, { email: repeat }, freshIp())).statusCode).toBe(202);
    await t.app.outbox.drain();
    const sso = await openOrg({ joinRequestsEnabled: true, ssoEnforced: true });
    const fresh = uniqueEmail('Fresh');

    const answers = [
      await ask(t.app, org.slug, { email: fresh.toUpperCase() }, freshIp()),
      await ask(t.app, org.slug, { email: member.user.email }, freshIp()),
      await ask(t.app, org.slug, { email: invitee }, freshIp()),
      await ask(t.app, org.slug, { email: repeat }, freshIp()),
      await ask(t.app, sso.org.slug, { email: uniqueEmail() }, freshIp()),
    ];
    for (const res of answers) {
      expect(res.statusCode).toBe(202);
      expect(res.body).toBe(answers[0]?.body);
      expect(res.headers['content-length']).toBe(answers[0]?.headers['content-length']);
    }
    await t.app.outbox.drain();

    const rows = await requestsIn(org.id);
    expect(rows.map((r) => r.email).sort()).toEqual([fresh.toLowerCase(), repeat].sort());
    expect(rows.every((r) => r.status === 'pending' && r.expires_at === null)).toBe(true);
    const links = await t.database.db
      .selectFrom('invitation_links')
      .select('id')
      .where(
        'invitation_id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    expect(links).toEqual([]); // a request awaiting approval has no link
    expect(await requestsIn(sso.org.id)).toEqual([]);
    const members = await t.database.db
      .selectFrom('memberships')
      .select('id')
      .where('organization_id', '=', org.id)
      .execute();
    expect(members).toHaveLength(3);

    // The admins hear of the new request (once), with the requester's address.
    for (const who of [owner, admin] as SignedUp[]) {
      const mails = (await emailsTo(t, who.user.email)).filter((m) =>
        m.subject.includes(fresh.toLowerCase()),
      );
      expect(mails).toHaveLength(1);
      expect(mails[0]?.links).toEqual([`http://roster.test/orgs/${org.slug}/join-requests`]);
    }
    const audit = await t.database.db
      .selectFrom('audit_log')
      .select(['action', 'actor_type', 'ip', 'data'])
      .where('organization_id', '=', org.id)
      .where('action', '=', 'join_request.created')
      .execute();
    expect(audit).toHaveLength(2);
    expect(audit.every((a) => a.actor_type === 'system' && a.ip?.startsWith('198.51.100.'))).toBe(true);
  });

  it('past 5 requests a minute from one client IP: 429 with Retry-After; another IP is not affected', async () => {
    const { org } = await openOrg();
    const ip = freshIp();
    for (let i = 0; i < 5; i++) {
      expect((await ask(t.app, org.slug, { email: uniqueEmail() }, ip)).statusCode).toBe(202);
    }
    const sixth = await ask(t.app, org.slug, { email: uniqueEmail() }, ip);
    expect([sixth.statusCode, errorCode(sixth)]).toEqual([429, 'RATE_LIMITED']);
    expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(sixth.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Probing other organizations or sending bad input costs the same.
    expect((await ask(t.app, 'no-such-org-anywhere', { email: 'a@example.com' }, ip)).statusCode).toBe(429);
    expect((await ask(t.app, org.slug, { email: uniqueEmail() }, freshIp())).statusCode).toBe(202);
  });

  it('the limit is shared by two instances on one database (PostgreSQL-backed counters)', async () => {
    const second = await createTestApp({ invitationSweepMs: 0 }, t.database);
    try {
      const { org } = await openOrg();
      const ip = freshIp();
      const apps = [t.app, second.app];
      for (let i = 0; i < 5; i++) {
        expect(
          (await ask(apps[i % 2] as TestApp['app'], org.slug, { email: uniqueEmail() }, ip)).statusCode,
        ).toBe(202);
      }
      expect((await ask(second.app, org.slug, { email: uniqueEmail() }, ip)).statusCode).toBe(429);
      expect((await ask(t.app, org.slug, { email: uniqueEmail() }, ip)).statusCode).toBe(429);
    } finally {
      await second.close();
    }
  });

  it.skipIf(!REDIS_URL)('with REDIS_URL, two instances share the limit through Redis', async () => {
    const cfg = { invitationSweepMs: 0, redisUrl: REDIS_URL as string };
    const a = await createTestApp(cfg, t.database);
    const b = await createTestApp(cfg, t.database);
    const probe = new Redis(REDIS_URL as string);
    try {
      await probe.ping();
      expect(a.app.rateLimits.store).toBe('redis');
      const { org } = await openOrg();
      // An address no earlier run used: the Redis counters outlive a test run for their window.
      const ip = `203.0.113.${Math.floor(Math.random() * 250) + 1}`;
      const key = `roster-rl:join-ip:${ip}`;
      await probe.del(key);
      for (let i = 0; i < 5; i++) {
        const app = (i % 2 === 0 ? a : b).app;
        expect((await ask(app, org.slug, { email: uniqueEmail() }, ip)).statusCode).toBe(202);
      }
      expect((await ask(b.app, org.slug, { email: uniqueEmail() }, ip)).statusCode).toBe(429);
      expect(Number(await probe.get(key))).toBeGreaterThanOrEqual(5);
      const inPostgres = await t.database.db
        .selectFrom('rate_limits')
        .select('key')
        .where('key', '=', `join-ip:${ip}`)
        .execute();
      expect(inPostgres).toEqual([]);
    } finally {
      await probe.quit();
      await a.close();
      await b.close();
    }
  });
});

describe('anonymous requests in the approval queue', () => {
  it('appear beside signed-in ones (kind email); approve sends the requester an invitation link', async () => {
    const { admin, org } = await openOrg();
    const user = await verifiedUser(t);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: `/v1/organizations/${org.id}/join-requests`,
          headers: bearer(user.token),
        })
      ).statusCode,
    ).toBe(201);
    const email = uniqueEmail('anon');
    expect((await ask(t.app, org.slug, { email }, freshIp())).statusCode).toBe(202);
    await t.app.outbox.drain();

    const queue = await t.app.inject({
      url: `/v1/organizations/${org.id}/join-requests`,
      headers: bearer(admin.token),
    });
    expect(queue.statusCode, queue.body).toBe(200);
    const items = queue.json().data as Array<{
      id: string;
      kind: string;
      email: string;
      userId: string | null;
    }>;
    expect(items.map((i) => [i.kind, i.email])).toEqual([
      ['user', user.user.email],
      ['email', email],
    ]);
    const anon = items[1] as { id: string };

    const approve = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.id}/join-requests/${anon.id}/approve`,
      headers: bearer(admin.token),
    });
    expect(approve.statusCode, approve.body).toBe(200);
    expect(approve.json().invitation).toMatchObject({ email, approval: 'approved', status: 'pending' });
    const mail = (await emailsTo(t, email)).at(-1); // still waiting, so it holds its link
    const link = mail?.links[0] as string;
    expect(link).toMatch(/^http:\/\/roster\.test\/invitations\/accept\?token=ri_/);
    // The person follows the link: sign up with it and land in the organization.
    const signUpRes = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-up',
      payload: { email, password: 'correct horse battery', name: 'Anon', invitationToken: tokenOf(link) },
    });
    expect(signUpRes.statusCode, signUpRes.body).toBe(201);
    const after = await t.app.inject({
      url: `/v1/organizations/${org.id}/join-requests`,
      headers: bearer(admin.token),
    });
    expect(after.json().data.map((i: { kind: string }) => i.kind)).toEqual(['user']);
  });

  it('reject revokes an anonymous request; the address may ask again', async () => {
    const { admin, org } = await openOrg();
    const email = uniqueEmail('again');
    await ask(t.app, org.slug, { email }, freshIp());
    await t.app.outbox.drain();
    const [row] = await requestsIn(org.id);
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.id}/join-requests/${row?.id}/reject`,
      headers: bearer(admin.token),
    });
    expect(res.statusCode, res.body).toBe(204);
    expect((await requestsIn(org.id)).map((r) => r.status)).toEqual(['revoked']);
    await ask(t.app, org.slug, { email }, freshIp());
    await t.app.outbox.drain();
    expect((await requestsIn(org.id)).map((r) => r.status).sort()).toEqual(['pending', 'revoked']);
  });
});

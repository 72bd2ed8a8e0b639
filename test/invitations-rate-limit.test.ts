/**
 * Rate limits on sending invitations: per organization and per inviter, answered with 429
 * RATE_LIMITED and Retry-After; only what was done is charged; the counters are shared by every
 * instance — in PostgreSQL, or in Redis when REDIS_URL is set (PostgreSQL standing in while Redis
 * does not answer).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/features/api-keys/api-key.service.ts';
import { createRateLimits } from '../src/lib/rate-limit.ts';
import {
  addActiveMember,
  bearer,
  createOrg,
  createTestApp,
  errorCode,
  type SignedUp,
  signUp,
  type TestApp,
  uniqueEmail,
} from './helpers.ts';
import { invite, invited } from './invitation-helpers.ts';

const REDIS_URL = process.env.ROSTER_TEST_REDIS_URL || null;

let t: TestApp;
let owner: SignedUp;

beforeAll(async () => {
  t = await createTestApp({ invitationSweepMs: 0, inviteLimitPerOrg: 3, inviteLimitPerInviter: 10_000 });
  owner = await signUp(t.app, uniqueEmail('owner'));
});
afterAll(() => t?.close());

const countRows = async (orgId: string) =>
  (await t.database.db.selectFrom('invitations').select('id').where('organization_id', '=', orgId).execute())
    .length;

describe('per organization', () => {
  it('the 4th invitation of a window is 429 RATE_LIMITED with Retry-After; another organization is not affected', async () => {
    const org = await createOrg(t.app, owner.token);
    for (let i = 0; i < 3; i++) {
      expect((await invite(t.app, owner, org.id, { email: uniqueEmail() })).statusCode).toBe(201);
    }
    const res = await invite(t.app, owner, org.id, { email: uniqueEmail() });
    expect(res.statusCode).toBe(429);
    expect(errorCode(res)).toBe('RATE_LIMITED');
    const retryAfter = Number(res.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(86_000);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
    expect(res.json().error.details).toMatchObject({
      limit: 'invite-org',
      points: 3,
      retryAfterSeconds: retryAfter,
    });
    expect(await countRows(org.id)).toBe(3);
    const other = await createOrg(t.app, owner.token);
    expect((await invite(t.app, owner, other.id, { email: uniqueEmail() })).statusCode).toBe(201);
  });

  it('charges only invitations made: a refused duplicate costs nothing; resend counts one', async () => {
    const org = await createOrg(t.app, owner.token);
    const email = uniqueEmail('dup');
    const first = await invited(t.app, owner, org.id, email); // 1
    expect((await invite(t.app, owner, org.id, { email })).statusCode).toBe(409); // not charged
    const resend = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.id}/invitations/${first.invitation.id}/resend`,
      headers: bearer(owner.token),
    });
    expect(resend.statusCode).toBe(200); // 2
    expect((await invite(t.app, owner, org.id, { email: uniqueEmail() })).statusCode).toBe(201); // 3
    const again = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.id}/invitations/${first.invitation.id}/resend`,
      headers: bearer(owner.token),
    });
    expect([again.statusCode, errorCode(again)]).toEqual([429, 'RATE_LIMITED']);
    expect(again.headers['retry-after']).toBeDefined();
  });

  it('a bulk larger than what is left is refused whole (429) without using up the window', async () => {
    const org = await createOrg(t.app, owner.token);
    const big = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.id}/invitations/bulk`,
      headers: bearer(owner.token),
      payload: { emails: Array.from({ length: 4 }, () => uniqueEmail('bulk')) },
    });
    expect([big.statusCode, errorCode(big)]).toEqual([429, 'RATE_LIMITED']);
    expect(await countRows(org.id)).toBe(0);
    // Malformed and repeated addresses are not charged: 3 valid distinct ones fit exactly.
    const a = uniqueEmail('fit');
    const fits = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.id}/invitations/bulk`,
      headers: bearer(owner.token),
      payload: { emails: [a, 'nope', a.toUpperCase(), uniqueEmail('fit'), uniqueEmail('fit')] },
    });
    expect(fits.statusCode, fits.body).toBe(200);
    expect(fits.json().created).toBe(3);
    expect((await invite(t.app, owner, org.id, { email: uniqueEmail() })).statusCode).toBe(429);
  });
});

describe('per inviter', () => {
  it('counts one person across organizations; a colleague and an API key are not held to it', async () => {
    // This instance holds people to 5 invitations per window (same database, same counters).
    const tp = await createTestApp(
      { invitationSweepMs: 0, inviteLimitPerOrg: 3, inviteLimitPerInviter: 5 },
      t.database,
    );
    const app = tp.app;
    try {
      const inviter = await signUp(app, uniqueEmail('busy'));
      const colleague = await signUp(app, uniqueEmail('colleague'));
      const orgs = await Promise.all([1, 2].map(() => createOrg(app, owner.token)));
      for (const o of orgs) {
        await addActiveMember(t.database, o.id, inviter.user.id, 'admin');
        await addActiveMember(t.database, o.id, colleague.user.id, 'admin');
      }
      // 5 per inviter: 3 in the first org, 2 in the second, the 6th refused.
      for (let i = 0; i < 3; i++) await invited(app, inviter, orgs[0]?.id as string, uniqueEmail());
      for (let i = 0; i < 2; i++) await invited(app, inviter, orgs[1]?.id as string, uniqueEmail());
      const sixth = await invite(app, inviter, orgs[1]?.id as string, { email: uniqueEmail() });
      expect([sixth.statusCode, errorCode(sixth)]).toEqual([429, 'RATE_LIMITED']);
      expect(sixth.json().error.details.limit).toBe('invite-user');
      expect((await invite(app, colleague, orgs[1]?.id as string, { email: uniqueEmail() })).statusCode).toBe(
        201,
      );
      // An API key (the operator's host application) is held to the per-organization limit only: six
      // invitations over two organizations, past the per-inviter 5.
      const key = await createApiKey(t.database.db, 'host', ['member:invite']);
      for (const o of [await createOrg(app, owner.token), await createOrg(app, owner.token)]) {
        for (let i = 0; i < 3; i++) {
          expect((await invite(app, key.token, o.id, { email: uniqueEmail() })).statusCode).toBe(201);
        }
      }
    } finally {
      await tp.close();
    }
  });
});

describe('shared by every instance', () => {
  it('two app instances on one database share the PostgreSQL counters', async () => {
    const t2 = await createTestApp(
      { invitationSweepMs: 0, inviteLimitPerOrg: 3, inviteLimitPerInviter: 0 },
      t.database,
    );
    try {
      expect(t2.app.rateLimits.store).toBe('postgres');
      const org = await createOrg(t.app, owner.token);
      expect((await invite(t.app, owner, org.id, { email: uniqueEmail() })).statusCode).toBe(201);
      expect((await invite(t2.app, owner, org.id, { email: uniqueEmail() })).statusCode).toBe(201);
      expect((await invite(t.app, owner, org.id, { email: uniqueEmail() })).statusCode).toBe(201);
      expect((await invite(t2.app, owner, org.id, { email: uniqueEmail() })).statusCode).toBe(429);
      const rows = await t.database.db
        .selectFrom('rate_limits')
        .selectAll()
        .where('key', '=', `invite-org:${org.id}`)
        .execute();
      expect(rows.map((r) => r.points)).toEqual([3]);
    } finally {
      await t2.close();
    }
  });

  it('with Redis unreachable, the limits hold through PostgreSQL', async () => {
    const t3 = await createTestApp(
      {
        invitationSweepMs: 0,
        inviteLimitPerOrg: 2,
        inviteLimitPerInviter: 0,
        redisUrl: 'redis://127.0.0.1:1',
      },
      t.database,
    );
    try {
      expect(t3.app.rateLimits.store).toBe('redis');
      const org = await createOrg(t3.app, owner.token);
      expect((await invite(t3.app, owner, org.id, { email: uniqueEmail() })).statusCode).toBe(201);
      expect((await invite(t3.app, owner, org.id, { email: uniqueEmail() })).statusCode).toBe(201);
      expect((await invite(t3.app, owner, org.id, { email: uniqueEmail() })).statusCode).toBe(429);
      const rows = await t.database.db
        .selectFrom('rate_limits')
        .selectAll()
        .where('key', '=', `invite-org:${org.id}`)
        .execute();
      expect(rows).toHaveLength(1);
    } finally {
      await t3.close();
    }
  });

  describe.skipIf(!REDIS_URL)('on Redis', () => {
    it('two instances, each with its own Redis connection, share one Redis counter (nothing in PostgreSQL)', async () => {
      const name = `test-${randomBytes(4).toString('hex')}`;
      const clients = [new Redis(REDIS_URL as string), new Redis(REDIS_URL as string)];
      await Promise.all(clients.map((c) => c.ping())); // connected: no stand-in
      const [a, b] = clients.map((redis) => createRateLimits({ db: t.database.db, redis }));
      try {
        const spec = { name, points: 3, durationSeconds: 60 };
        const la = a?.limiter(spec);
        const lb = b?.limiter(spec);
        await la?.consume('k');
        await lb?.consume('k', 2);
        await expect(la?.consume('k')).rejects.toMatchObject({ code: 'RATE_LIMITED', statusCode: 429 });
        await lb?.refund('k');
        await la?.consume('k');
        const rows = await t.database.db
          .selectFrom('rate_limits')
          .selectAll()
          .where('key', 'like', `${name}%`)
          .execute();
        expect(rows).toHaveLength(0);
        expect(Number(await clients[0]?.get(`roster-rl:${name}:k`))).toBe(3);
      } finally {
        await a?.close();
        await b?.close();
      }
    });

    it('an app with REDIS_URL keeps invitation limits in Redis', async () => {
      const t4 = await createTestApp(
        {
          invitationSweepMs: 0,
          inviteLimitPerOrg: 1,
          inviteLimitPerInviter: 0,
          redisUrl: REDIS_URL as string,
        },
        t.database,
      );
      try {
        // Let the connection come up, so the first call goes to Redis rather than the stand-in.
        const probe = new Redis(REDIS_URL as string);
        await probe.ping();
        for (let i = 0; i < 50; i++) {
          if (
            String(await probe.client('LIST'))
              .split('\n')
              .filter(Boolean).length >= 2
          )
            break;
          await new Promise((r) => setTimeout(r, 20));
        }
        const org = await createOrg(t4.app, owner.token);
        expect((await invite(t4.app, owner, org.id, { email: uniqueEmail() })).statusCode).toBe(201);
        expect((await invite(t4.app, owner, org.id, { email: uniqueEmail() })).statusCode).toBe(429);
        expect(Number(await probe.get(`roster-rl:invite-org:${org.id}`))).toBe(1);
        const rows = await t.database.db
          .selectFrom('rate_limits')
          .selectAll()
          .where('key', '=', `invite-org:${org.id}`)
          .execute();
        expect(rows).toHaveLength(0);
        await probe.quit();
      } finally {
        await t4.close();
      }
    });
  });
});

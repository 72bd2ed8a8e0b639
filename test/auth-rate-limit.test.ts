/**
 * Sign-in is rate limited: failed attempts count per email address (whether or not an account has it)
 * and per client IP. Past either limit the answer is 429 RATE_LIMITED with Retry-After, without the
 * password being checked; a success clears the address's failures. The counters are shared by every
 * instance: in PostgreSQL, or in Redis when REDIS_URL is set.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, errorCode, signUp, type TestApp, uniqueEmail } from './helpers.ts';

const REDIS_URL = process.env.ROSTER_TEST_REDIS_URL || null;
const PASSWORD = 'correct horse battery'; // what helpers' signUp sets
const WRONG = 'not the password at all';
/** 3 failures per address and 8 per IP in a window of 15 minutes. */
const LIMITS = { signInLimitPerEmail: 3, signInLimitPerIp: 8, signInLimitWindowSeconds: 900 };

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp(LIMITS);
});
afterAll(() => t?.close());

/**
 * A client IP of its own (documentation range, random per run: Redis counters outlive a run), so
 * each test's per-IP count starts at zero.
 */
const RUN = randomBytes(2).toString('hex');
let ipCounter = 0;
const uniqueIp = () => `2001:db8:${RUN}::${(++ipCounter).toString(16)}`;

function signIn(app: FastifyInstance, email: string, password: string, ip: string) {
  return app.inject({
    method: 'POST',
    url: '/v1/auth/sign-in',
    payload: { email, password },
    remoteAddress: ip,
  });
}

function expectLimited(res: LightMyRequestResponse, limit: 'sign-in-email' | 'sign-in-ip', points: number) {
  expect([res.statusCode, errorCode(res)], res.body).toEqual([429, 'RATE_LIMITED']);
  const retryAfter = Number(res.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(LIMITS.signInLimitWindowSeconds);
  expect(res.json().error.details).toMatchObject({
    limit,
    points,
    remaining: 0,
    retryAfterSeconds: retryAfter,
  });
  expect(res.headers['set-cookie']).toBeUndefined();
  expect(res.json()).not.toHaveProperty('session');
}

const sessionsOf = async (userId: string) =>
  (await t.database.db.selectFrom('sessions').select('id').where('user_id', '=', userId).execute()).length;

/** The key of an address's counter: a hash of the normalized address, never the address. */
const emailKey = (email: string) =>
  `sign-in-email:${createHash('sha256').update(email.toLowerCase(), 'utf8').digest('base64url')}`;

describe('per email address', () => {
  it('past the limit, 429 with Retry-After even with the right password, and no session', async () => {
    const ip = uniqueIp();
    const user = await signUp(t.app, uniqueEmail('victim'));
    for (let i = 0; i < 3; i++) {
      // The address in any case is the same address.
      const email = i === 1 ? user.user.email.toUpperCase() : user.user.email;
      const res = await signIn(t.app, email, `${WRONG}${i}`, ip);
      expect([res.statusCode, errorCode(res)]).toEqual([401, 'INVALID_CREDENTIALS']);
    }
    const before = await sessionsOf(user.user.id);
    const right = await signIn(t.app, user.user.email, PASSWORD, ip);
    expectLimited(right, 'sign-in-email', 3);
    // From another IP too: the limit is the address's.
    expectLimited(await signIn(t.app, user.user.email, PASSWORD, uniqueIp()), 'sign-in-email', 3);
    expect(await sessionsOf(user.user.id)).toBe(before);
  });

  it('answers an unknown address exactly as an existing one: 401 alike, then 429 alike', async () => {
    const ip = uniqueIp();
    const known = await signUp(t.app, uniqueEmail('known'));
    const unknown = uniqueEmail('nobody');
    const knownAnswers: LightMyRequestResponse[] = [];
    const unknownAnswers: LightMyRequestResponse[] = [];
    for (let i = 0; i < 4; i++) {
      knownAnswers.push(await signIn(t.app, known.user.email, WRONG, ip));
      unknownAnswers.push(await signIn(t.app, unknown, PASSWORD, ip));
    }
    expect(knownAnswers.map((r) => [r.statusCode, errorCode(r)])).toEqual([
      [401, 'INVALID_CREDENTIALS'],
      [401, 'INVALID_CREDENTIALS'],
      [401, 'INVALID_CREDENTIALS'],
      [429, 'RATE_LIMITED'],
    ]);
    expect(unknownAnswers.map((r) => [r.statusCode, errorCode(r)])).toEqual(
      knownAnswers.map((r) => [r.statusCode, errorCode(r)]),
    );
    expect(knownAnswers[0]?.body).toBe(unknownAnswers[0]?.body);
    // The 429s differ at most in the seconds left to wait.
    const details = (res?: LightMyRequestResponse) => {
      const { retryAfterSeconds: _, ...rest } = res?.json().error.details ?? {};
      return rest;
    };
    expect(details(knownAnswers[3])).toEqual(details(unknownAnswers[3]));
    expect(details(knownAnswers[3])).toMatchObject({ limit: 'sign-in-email', points: 3 });
  });

  it('a success clears the failures: the full allowance is back', async () => {
    const ip = uniqueIp();
    const user = await signUp(t.app, uniqueEmail('forgetful'));
    for (let i = 0; i < 2; i++)
      expect((await signIn(t.app, user.user.email, WRONG, ip)).statusCode).toBe(401);
    expect((await signIn(t.app, user.user.email, PASSWORD, ip)).statusCode).toBe(200);
    // Without the reset, the 2 earlier failures would leave room for 1 more only.
    for (let i = 0; i < 3; i++)
      expect((await signIn(t.app, user.user.email, WRONG, ip)).statusCode).toBe(401);
    expectLimited(await signIn(t.app, user.user.email, WRONG, ip), 'sign-in-email', 3);
  });

  it('keeps no address in the counters, and logs neither the address nor the password', async () => {
    const email = uniqueEmail('private');
    const secret = `secret-${randomBytes(6).toString('hex')}`;
    for (let i = 0; i < 4; i++) await signIn(t.app, email, secret, uniqueIp());
    const rows = await t.database.db.selectFrom('rate_limits').select(['key', 'points']).execute();
    expect(rows.find((r) => r.key === emailKey(email))?.points).toBe(3);
    const local = email.split('@')[0] as string;
    expect(rows.filter((r) => r.key.includes(local))).toEqual([]);
    const logged = JSON.stringify(t.logs);
    expect(logged).not.toContain(local);
    expect(logged).not.toContain(secret);
  });
});

describe('per client IP', () => {
  it('another address from the same IP is unaffected until the IP limit; then every address is refused there', async () => {
    const ip = uniqueIp();
    const a = await signUp(t.app, uniqueEmail('a'));
    const b = await signUp(t.app, uniqueEmail('b'));
    const c = await signUp(t.app, uniqueEmail('c'));
    for (let i = 0; i < 3; i++) expect((await signIn(t.app, a.user.email, WRONG, ip)).statusCode).toBe(401);
    expectLimited(await signIn(t.app, a.user.email, PASSWORD, ip), 'sign-in-email', 3);
    // b from the same IP: its own address allowance, and a success costs the IP nothing.
    expect((await signIn(t.app, b.user.email, PASSWORD, ip)).statusCode).toBe(200);
    for (let i = 0; i < 3; i++) expect((await signIn(t.app, b.user.email, WRONG, ip)).statusCode).toBe(401);
    const unknown = uniqueEmail('spray');
    for (let i = 0; i < 2; i++) expect((await signIn(t.app, unknown, WRONG, ip)).statusCode).toBe(401);
    // 3 + 3 + 2 = 8 failures from this IP: its limit. c, with no failure of its own, is refused here…
    expectLimited(await signIn(t.app, c.user.email, PASSWORD, ip), 'sign-in-ip', 8);
    // …and signs in from elsewhere.
    expect((await signIn(t.app, c.user.email, PASSWORD, uniqueIp())).statusCode).toBe(200);
  });
});

describe('shared by every instance', () => {
  it('two app instances on one PostgreSQL database count one address together', async () => {
    const t2 = await createTestApp(LIMITS, t.database);
    try {
      expect(t2.app.rateLimits.store).toBe('postgres');
      const user = await signUp(t.app, uniqueEmail('shared'));
      const apps = [t.app, t2.app, t.app];
      for (const app of apps)
        expect((await signIn(app, user.user.email, WRONG, uniqueIp())).statusCode).toBe(401);
      expectLimited(await signIn(t2.app, user.user.email, PASSWORD, uniqueIp()), 'sign-in-email', 3);
      expectLimited(await signIn(t.app, user.user.email, PASSWORD, uniqueIp()), 'sign-in-email', 3);
      const rows = await t.database.db
        .selectFrom('rate_limits')
        .select('points')
        .where('key', '=', emailKey(user.user.email))
        .execute();
      expect(rows.map((r) => r.points)).toEqual([3]);
    } finally {
      await t2.close();
    }
  });

  describe.skipIf(!REDIS_URL)('on Redis', () => {
    /** Waits until `app`'s limits answer from Redis rather than the PostgreSQL stand-in. */
    async function untilOnRedis(app: FastifyInstance, probe: Redis) {
      const name = `probe-${randomBytes(4).toString('hex')}`;
      const limiter = app.rateLimits.limiter({ name, points: 1_000_000, durationSeconds: 60 });
      for (let i = 0; i < 250; i++) {
        await limiter.consume('k');
        if ((await probe.get(`roster-rl:${name}:k`)) !== null) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error('the app never reached Redis');
    }

    it('two app instances with REDIS_URL count one address together in Redis (nothing in PostgreSQL)', async () => {
      const overrides = { ...LIMITS, redisUrl: REDIS_URL as string };
      const [r1, r2] = [
        await createTestApp(overrides, t.database),
        await createTestApp(overrides, t.database),
      ];
      const probe = new Redis(REDIS_URL as string);
      try {
        for (const r of [r1, r2]) {
          expect(r.app.rateLimits.store).toBe('redis');
          await untilOnRedis(r.app, probe);
        }
        const user = await signUp(r1.app, uniqueEmail('redis'));
        for (const app of [r1.app, r2.app, r1.app]) {
          expect((await signIn(app, user.user.email, WRONG, uniqueIp())).statusCode).toBe(401);
        }
        expectLimited(await signIn(r2.app, user.user.email, PASSWORD, uniqueIp()), 'sign-in-email', 3);
        expect(Number(await probe.get(`roster-rl:${emailKey(user.user.email)}`))).toBe(3);
        const rows = await t.database.db
          .selectFrom('rate_limits')
          .select('key')
          .where('key', '=', emailKey(user.user.email))
          .execute();
        expect(rows).toEqual([]);
      } finally {
        await probe.quit();
        await r1.close();
        await r2.close();
      }
    });
  });
});

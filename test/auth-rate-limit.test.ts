/**
 * Sign-in is rate limited: failed attempts count per (email address, client IP), per address from
 * every IP, and per client IP, whether or not an account has the address. Past any limit the answer
 * is 429 RATE_LIMITED with Retry-After, without the password being checked; a success clears the
 * address's failures. A stranger's failures lock an address out from the stranger's IP only, short of
 * the address-wide bar. The counters are shared by every instance: in PostgreSQL, or in Redis when
 * REDIS_URL is set, and keyed by an HMAC of the address, never the address or a plain hash of it.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignInLimits, signInLimits } from '../src/features/auth/auth.service.ts';
import { clientKey } from '../src/lib/rate-limit.ts';
import { createTestApp, errorCode, freshDatabase, signUp, type TestApp, uniqueEmail } from './helpers.ts';

const REDIS_URL = process.env.ROSTER_TEST_REDIS_URL || null;
const PASSWORD = 'correct horse battery'; // what helpers' signUp sets
const WRONG = 'not the password at all';
/** 3 failures per (address, IP), 6 per address, 8 per IP, in a window of 15 minutes. */
const LIMITS = {
  signInLimitPerEmailIp: 3,
  signInLimitPerEmail: 6,
  signInLimitPerIp: 8,
  signInLimitWindowSeconds: 900,
};
type LimitName = 'sign-in-email-ip' | 'sign-in-email' | 'sign-in-ip';

let t: TestApp;
/** The app's limits, built as its routes build them: for the counters' keys. */
let limits: SignInLimits;
beforeAll(async () => {
  t = await createTestApp(LIMITS);
  limits = await signInLimits(t.app.ctx, t.app.rateLimits);
});
afterAll(() => t?.close());

/**
 * A client of its own: an IPv6 /64 of the documentation range, random per run (Redis counters outlive
 * a run), so each test's per-IP count starts at zero. Counters take a /64 as one client.
 */
const RUN = randomBytes(2).toString('hex');
let ipCounter = 0;
const uniqueIp = () => `2001:db8:${RUN}:${(++ipCounter).toString(16)}::1`;

function signIn(app: FastifyInstance, email: string, password: string, ip: string) {
  return app.inject({
    method: 'POST',
    url: '/v1/auth/sign-in',
    payload: { email, password },
    remoteAddress: ip,
  });
}

function expectLimited(res: LightMyRequestResponse, limit: LimitName, points: number) {
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

async function expectFailures(app: FastifyInstance, email: string, ips: string[]) {
  for (const ip of ips) {
    const res = await signIn(app, email, WRONG, ip);
    expect([res.statusCode, errorCode(res)], `from ${ip}`).toEqual([401, 'INVALID_CREDENTIALS']);
  }
}
const manyIps = (n: number) => Array.from({ length: n }, uniqueIp);

const sessionsOf = async (userId: string) =>
  (await t.database.db.selectFrom('sessions').select('id').where('user_id', '=', userId).execute()).length;

/** The stored key of an address's counter (limit name and HMAC, as the store writes it). */
const emailKey = (email: string) => `sign-in-email:${limits.keys(email.toLowerCase(), '').perEmail}`;

describe('per (email address, client IP)', () => {
  it('past the limit from one IP, 429 there even with the right password; the owner signs in from another IP', async () => {
    const attacker = uniqueIp();
    const user = await signUp(t.app, uniqueEmail('victim'));
    for (let i = 0; i < 3; i++) {
      // The address in any case is the same address.
      const email = i === 1 ? user.user.email.toUpperCase() : user.user.email;
      const res = await signIn(t.app, email, `${WRONG}${i}`, attacker);
      expect([res.statusCode, errorCode(res)]).toEqual([401, 'INVALID_CREDENTIALS']);
    }
    const before = await sessionsOf(user.user.id);
    expectLimited(await signIn(t.app, user.user.email, PASSWORD, attacker), 'sign-in-email-ip', 3);
    expect(await sessionsOf(user.user.id)).toBe(before);
    // The owner, from their own IP, is not locked out…
    const own = await signIn(t.app, user.user.email, PASSWORD, uniqueIp());
    expect(own.statusCode, own.body).toBe(200);
    expect(await sessionsOf(user.user.id)).toBe(before + 1);
    // …and their success does not lift the block on the attacker's IP.
    expectLimited(await signIn(t.app, user.user.email, PASSWORD, attacker), 'sign-in-email-ip', 3);
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
    expect(details(knownAnswers[3])).toMatchObject({ limit: 'sign-in-email-ip', points: 3 });
  });

  it('a success clears the failures: the full allowance is back', async () => {
    const ip = uniqueIp();
    const user = await signUp(t.app, uniqueEmail('forgetful'));
    await expectFailures(t.app, user.user.email, [ip, ip]);
    expect((await signIn(t.app, user.user.email, PASSWORD, ip)).statusCode).toBe(200);
    // Without the reset, the 2 earlier failures would leave room for 1 more only.
    await expectFailures(t.app, user.user.email, [ip, ip, ip]);
    expectLimited(await signIn(t.app, user.user.email, WRONG, ip), 'sign-in-email-ip', 3);
  });
});

describe('per email address, from every IP', () => {
  it('failures spread over many IPs reach the address-wide limit: then every IP is refused, the right password too', async () => {
    const user = await signUp(t.app, uniqueEmail('spread'));
    await expectFailures(t.app, user.user.email, manyIps(6)); // one per IP: no (address, IP) limit near
    const before = await sessionsOf(user.user.id);
    expectLimited(await signIn(t.app, user.user.email, PASSWORD, uniqueIp()), 'sign-in-email', 6);
    expectLimited(await signIn(t.app, user.user.email, PASSWORD, uniqueIp()), 'sign-in-email', 6);
    expect(await sessionsOf(user.user.id)).toBe(before);
  });

  it('a success clears the address-wide count too', async () => {
    const user = await signUp(t.app, uniqueEmail('spread-reset'));
    await expectFailures(t.app, user.user.email, manyIps(5));
    expect((await signIn(t.app, user.user.email, PASSWORD, uniqueIp())).statusCode).toBe(200);
    // Without the reset, the 5 earlier failures would leave room for 1 more only.
    await expectFailures(t.app, user.user.email, manyIps(6));
    expectLimited(await signIn(t.app, user.user.email, WRONG, uniqueIp()), 'sign-in-email', 6);
  });
});

describe('per client IP', () => {
  it('another address from the same IP is unaffected until the IP limit; then every address is refused there', async () => {
    const ip = uniqueIp();
    const a = await signUp(t.app, uniqueEmail('a'));
    const b = await signUp(t.app, uniqueEmail('b'));
    const c = await signUp(t.app, uniqueEmail('c'));
    await expectFailures(t.app, a.user.email, [ip, ip, ip]);
    expectLimited(await signIn(t.app, a.user.email, PASSWORD, ip), 'sign-in-email-ip', 3);
    // b from the same IP: its own allowance, and a success costs the IP nothing.
    expect((await signIn(t.app, b.user.email, PASSWORD, ip)).statusCode).toBe(200);
    await expectFailures(t.app, b.user.email, [ip, ip, ip]);
    const unknown = uniqueEmail('spray');
    await expectFailures(t.app, unknown, [ip, ip]);
    // 3 + 3 + 2 = 8 failures from this IP: its limit. c, with no failure of its own, is refused here…
    expectLimited(await signIn(t.app, c.user.email, PASSWORD, ip), 'sign-in-ip', 8);
    // …and signs in from elsewhere.
    expect((await signIn(t.app, c.user.email, PASSWORD, uniqueIp())).statusCode).toBe(200);
  });
});

describe('what counts as one client', () => {
  it('an IPv4 address, an IPv4-mapped IPv6 address as that IPv4 address, an IPv6 address by its /64', () => {
    expect(clientKey('203.0.113.9')).toBe('203.0.113.9');
    expect(clientKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(clientKey('::ffff:cb00:7109')).toBe('203.0.113.9');
    expect(clientKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:DB8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey(null)).toBe('unknown');
  });

  it('addresses of one IPv6 /64 share the per-IP count: rotating within it gains nothing', async () => {
    const net = uniqueIp().replace(/::1$/, '');
    const rotating = Array.from({ length: 8 }, (_, i) => `${net}:${(i + 1).toString(16)}:0:0:${i + 7}`);
    for (const ip of rotating) {
      const res = await signIn(t.app, uniqueEmail('rotate'), WRONG, ip);
      expect(res.statusCode).toBe(401);
    }
    const owner = await signUp(t.app, uniqueEmail('same-net'));
    expectLimited(await signIn(t.app, owner.user.email, PASSWORD, `${net}:ffff::9`), 'sign-in-ip', 8);
    // The next /64 is another client.
    expect((await signIn(t.app, owner.user.email, PASSWORD, uniqueIp())).statusCode).toBe(200);
  });
});

describe('the counters keep no address', () => {
  it('keys them by an HMAC: no address, no plain SHA-256 of it; nothing logged', async () => {
    const email = uniqueEmail('private');
    const secret = `secret-${randomBytes(6).toString('hex')}`;
    const ips = manyIps(4);
    for (const ip of [...ips, ips[0] as string]) await signIn(t.app, email, secret, ip);
    const rows = await t.database.db.selectFrom('rate_limits').select(['key', 'points']).execute();
    expect(rows.find((r) => r.key === emailKey(email))?.points).toBe(5);
    expect(
      rows.find((r) => r.key === `sign-in-email-ip:${limits.keys(email, clientKey(ips[0])).perEmailIp}`)
        ?.points,
    ).toBe(2);
    // What the counters were keyed by before: SHA-256 of the address, which anyone can compute from a
    // list of addresses.
    const sha256 = createHash('sha256').update(email, 'utf8');
    const plain = [sha256.copy().digest('base64url'), sha256.copy().digest('hex'), sha256.digest('base64')];
    const local = email.split('@')[0] as string;
    const leaks = rows.filter((r) => r.key.includes(local) || plain.some((h) => r.key.includes(h)));
    expect(leaks).toEqual([]);
    const logged = JSON.stringify(t.logs);
    expect(logged).not.toContain(local);
    expect(logged).not.toContain(secret);
  });

  it("the HMAC key is the install's: two installs key one address apart, and SECRETS_KEY, when set, roots it", async () => {
    const email = 'same.person@example.com';
    const key = (l: SignInLimits) => l.keys(email, '').perEmail;
    // One install: every instance derives the same key (its root is stored in the database once).
    const again = await signInLimits({ db: t.database.db, config: t.config }, t.app.rateLimits);
    expect(key(again)).toBe(key(limits));
    const roots = await t.database.db.selectFrom('install_secrets').select(['name', 'secret']).execute();
    expect(roots.map((r) => [r.name, r.secret.length])).toEqual([['install', 32]]);
    // Another install: another random root, another key.
    const other = await freshDatabase();
    try {
      const elsewhere = await signInLimits({ db: other.db, config: t.config }, t.app.rateLimits);
      expect(key(elsewhere)).not.toBe(key(limits));
    } finally {
      await other.close();
    }
    // SECRETS_KEY roots it instead when set (two instances with one key agree; another key differs).
    const withKey = (k: number) =>
      signInLimits(
        { db: t.database.db, config: { ...t.config, secretsKey: Buffer.alloc(32, k) } },
        t.app.rateLimits,
      );
    const [k1, k1b, k2] = [key(await withKey(1)), key(await withKey(1)), key(await withKey(2))];
    expect(k1).toBe(k1b);
    expect(new Set([k1, k2, key(limits)]).size).toBe(3);
  });
});

describe('shared by every instance', () => {
  it('two app instances on one PostgreSQL database count one address together', async () => {
    const t2 = await createTestApp(LIMITS, t.database);
    try {
      expect(t2.app.rateLimits.store).toBe('postgres');
      const user = await signUp(t.app, uniqueEmail('shared'));
      // From one IP: the (address, IP) counter is shared…
      const ip = uniqueIp();
      for (const app of [t.app, t2.app, t.app])
        expect((await signIn(app, user.user.email, WRONG, ip)).statusCode).toBe(401);
      expectLimited(await signIn(t2.app, user.user.email, PASSWORD, ip), 'sign-in-email-ip', 3);
      // …and from many, the address's.
      for (const app of [t2.app, t.app, t2.app])
        expect((await signIn(app, user.user.email, WRONG, uniqueIp())).statusCode).toBe(401);
      expectLimited(await signIn(t2.app, user.user.email, PASSWORD, uniqueIp()), 'sign-in-email', 6);
      expectLimited(await signIn(t.app, user.user.email, PASSWORD, uniqueIp()), 'sign-in-email', 6);
      const rows = await t.database.db
        .selectFrom('rate_limits')
        .select('points')
        .where('key', '=', emailKey(user.user.email))
        .execute();
      expect(rows.map((r) => r.points)).toEqual([6]);
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
        const ip = uniqueIp();
        for (const app of [r1.app, r2.app, r1.app]) {
          expect((await signIn(app, user.user.email, WRONG, ip)).statusCode).toBe(401);
        }
        expectLimited(await signIn(r2.app, user.user.email, PASSWORD, ip), 'sign-in-email-ip', 3);
        for (const app of [r2.app, r1.app, r2.app]) {
          expect((await signIn(app, user.user.email, WRONG, uniqueIp())).statusCode).toBe(401);
        }
        expectLimited(await signIn(r1.app, user.user.email, PASSWORD, uniqueIp()), 'sign-in-email', 6);
        expect(Number(await probe.get(`roster-rl:${emailKey(user.user.email)}`))).toBe(6);
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

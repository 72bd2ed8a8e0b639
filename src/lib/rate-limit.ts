/**
 * Rate limits shared by every instance, built on rate-limiter-flexible. The counters live in
 * PostgreSQL (the `rate_limits` table, through Kysely, so the embedded PGlite works too); with
 * REDIS_URL they live in Redis, and PostgreSQL stands in while Redis does not answer.
 *
 * A limit is generic: a name, a number of points and a window. Callers consume points for a key
 * (an organization, a person, a client IP); past the limit, `consume` throws `RATE_LIMITED` (429,
 * with `Retry-After`). A refused attempt is not charged, so a request too large for what is left
 * does not use up the window for the requests that would fit.
 *
 * @example
 *   const perIp = rateLimits.limiter({ name: 'join-ip', points: 5, durationSeconds: 60 });
 *   await perIp.consume(request.ip);
 */
import { isIPv4, isIPv6 } from 'node:net';
import { CompiledQuery, sql } from 'kysely';
import {
  type RateLimiterAbstract,
  RateLimiterPostgres,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import type { Database } from '../db/database.ts';
import { CommonErrors } from './errors.ts';

export interface LimitSpec {
  /** Names the limit; keys of different limits never collide. Letters, digits and `-`. */
  name: string;
  /** Points allowed per window; 0 = no limit. */
  points: number;
  /** Window length in seconds (a fixed window starting at the first point). */
  durationSeconds: number;
}

export interface Limiter {
  readonly spec: LimitSpec;
  /** Charges `points` to `key`, or throws RATE_LIMITED (and charges nothing). */
  consume(key: string, points?: number): Promise<void>;
  /** Gives back points charged for work that did not happen. */
  refund(key: string, points?: number): Promise<void>;
  /** Forgets everything charged to `key` in its window (a success that clears earlier failures). */
  reset(key: string): Promise<void>;
}

/**
 * Charges `points` to each `[limiter, key]` in turn, or throws the first RATE_LIMITED having charged
 * none of them. Returns how to give back `k` points to every one charged (errors ignored: a refund
 * that fails leaves a stricter limit, never a looser one).
 */
export async function consumeAll(
  charges: ReadonlyArray<readonly [Limiter, string]>,
  points = 1,
): Promise<(k: number) => Promise<void>> {
  const charged: Array<readonly [Limiter, string]> = [];
  const refund = async (k: number) => {
    for (const [limiter, key] of charged) await limiter.refund(key, k).catch(() => {});
  };
  try {
    for (const [limiter, key] of charges) {
      await limiter.consume(key, points);
      charged.push([limiter, key]);
    }
  } catch (err) {
    await refund(points);
    throw err;
  }
  return refund;
}

/**
 * Limits that share one window, by field.
 *
 * @example
 *   const limits = limitsOf(rateLimits, 60, { perIp: ['join-ip', 5], perOrg: ['join-org', 50] });
 *   await limits.perIp.consume(request.ip);
 */
export function limitsOf<K extends string>(
  rateLimits: RateLimits,
  durationSeconds: number,
  specs: Record<K, readonly [name: string, points: number]>,
): Record<K, Limiter> {
  const entries = Object.entries<readonly [string, number]>(specs).map(
    ([field, [name, points]]) => [field, rateLimits.limiter({ name, points, durationSeconds })] as const,
  );
  return Object.fromEntries(entries) as Record<K, Limiter>;
}

/**
 * The key a client is counted under: an IPv4 address as it is (an IPv4-mapped IPv6 address as its
 * IPv4 address), an IPv6 address by its /64 prefix. A /64 is one subscriber's network, whose hosts
 * pick any of 2^64 addresses: counted one address at a time, a single client could rotate past every
 * per-IP limit. No address at all counts as one client, `unknown`.
 *
 * @example
 *   clientKey('2001:db8:1:2:aaaa::1') // '2001:db8:1:2::/64'
 *   clientKey('::ffff:203.0.113.9')   // '203.0.113.9'
 */
export function clientKey(ip: string | null | undefined): string {
  if (!ip) return 'unknown';
  const address = ip.split('%')[0] as string; // a zone (fe80::1%eth0) names an interface, not a client
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return address;
  const groups = ipv6Groups(address);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi, lo] = [groups[6] as number, groups[7] as number];
    return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail converted). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? (text.split('::') as [string, string]) : [text, null];
  const parse = (part: string) => (part ? part.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const front = parse(head);
  if (tail === null) return front;
  const back = parse(tail);
  return [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
}

export interface RateLimits {
  readonly store: 'postgres' | 'redis';
  limiter(spec: LimitSpec): Limiter;
  /** Deletes counters whose window ended more than an hour ago (PostgreSQL store). */
  sweep(): Promise<number>;
  close(): Promise<void>;
}

/** The part of an ioredis client the limiter needs. */
export interface RedisLike {
  status?: string;
  quit(): Promise<unknown>;
  disconnect(): void;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/** What RateLimiterPostgres calls a pool, answering through Kysely (so through PGlite or pg alike). */
function kyselyAsPgPool(db: Database) {
  return {
    async query(q: { text: string; values?: unknown[] }) {
      const result = await db.executeQuery(CompiledQuery.raw(q.text, q.values ?? []));
      return { rows: result.rows, rowCount: result.rows.length || Number(result.numAffectedRows ?? 0) };
    },
  };
}

const NAME_RE = /^[a-z0-9-]{1,40}$/;

function wrap(spec: LimitSpec, impl: RateLimiterAbstract | null): Limiter {
  return {
    spec,
    async consume(key, points = 1) {
      if (!impl || points <= 0) return;
      try {
        await impl.consume(key, points);
      } catch (err) {
        if (!(err instanceof RateLimiterRes)) throw err;
        // The store counted the refused points: give them back, so only what was done is charged.
        await impl.reward(key, points).catch(() => {});
        const retryAfterSeconds = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
        throw CommonErrors.RATE_LIMITED(
          {
            limit: spec.name,
            points: spec.points,
            windowSeconds: spec.durationSeconds,
            remaining: Math.max(0, spec.points - (err.consumedPoints - points)),
            retryAfterSeconds,
          },
          `Too many requests for '${spec.name}': ${spec.points} per ${spec.durationSeconds} s. Retry in ${retryAfterSeconds} s.`,
        );
      }
    },
    async refund(key, points = 1) {
      if (!impl || points <= 0) return;
      await impl.reward(key, points);
    },
    async reset(key) {
      if (!impl) return;
      await impl.delete(key);
    },
  };
}

export function createRateLimits(opts: { db: Database; redis?: RedisLike | null }): RateLimits {
  const pool = kyselyAsPgPool(opts.db);
  const redis = opts.redis ?? null;
  const postgresLimiter = (spec: LimitSpec) =>
    new RateLimiterPostgres({
      storeClient: pool,
      storeType: 'pool',
      tableName: 'rate_limits',
      tableCreated: true, // by the migrations
      clearExpiredByTimeout: false, // `sweep` does it, on the app's schedule
      keyPrefix: spec.name,
      points: spec.points,
      duration: spec.durationSeconds,
    });
  return {
    store: redis ? 'redis' : 'postgres',
    limiter(spec) {
      if (!NAME_RE.test(spec.name)) throw new Error(`invalid rate limit name '${spec.name}'`);
      if (spec.points <= 0) return wrap(spec, null);
      const impl = redis
        ? new RateLimiterRedis({
            storeClient: redis,
            keyPrefix: `roster-rl:${spec.name}`,
            points: spec.points,
            duration: spec.durationSeconds,
            // While Redis is unreachable, PostgreSQL keeps the limit (still shared by every instance).
            rejectIfRedisNotReady: true,
            insuranceLimiter: postgresLimiter(spec),
          })
        : postgresLimiter(spec);
      return wrap(spec, impl);
    },
    async sweep() {
      const result = await opts.db
        .deleteFrom('rate_limits')
        .where(sql<boolean>`expire < ${Date.now() - 3_600_000}`)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async close() {
      if (!redis) return;
      // A connection that is not up has nothing to flush: drop it rather than wait for it.
      if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
      else redis.disconnect();
    },
  };
}

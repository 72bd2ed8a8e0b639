/**
 * Builds the shared rate limits (lib/rate-limit.ts): on PostgreSQL, or on Redis when REDIS_URL is
 * set. Features take their limiters from `app.rateLimits`. Closes the Redis connection with the app.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { createRateLimits, type RateLimits } from '../lib/rate-limit.ts';

declare module 'fastify' {
  interface FastifyInstance {
    rateLimits: RateLimits;
  }
}

/** How often counters of ended windows are deleted from the PostgreSQL store. */
const SWEEP_MS = 10 * 60_000;

async function rateLimitPlugin(app: FastifyInstance) {
  const { config, db } = app.ctx;
  let redis: Redis | null = null;
  if (config.redisUrl) {
    // Loaded only when configured.
    const { Redis: RedisClient } = await import('ioredis');
    redis = new RedisClient(config.redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 5000 });
    // Reported, not thrown: while Redis is away the limits fall back on PostgreSQL.
    let reported = false;
    redis.on('error', (err) => {
      if (!reported) app.log.warn({ err }, 'rate limits: Redis does not answer; using PostgreSQL meanwhile');
      reported = true;
    });
    redis.on('ready', () => {
      reported = false;
    });
  }
  const limits = createRateLimits({ db, redis });
  app.decorate('rateLimits', limits);
  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    timer = setInterval(() => {
      limits.sweep().catch((err) => app.log.warn({ err }, 'rate limits: sweep failed'));
    }, SWEEP_MS);
    timer.unref();
  });
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
    await limits.close();
  });
}

export default fp(rateLimitPlugin, { name: 'rate-limit', dependencies: ['context'] });

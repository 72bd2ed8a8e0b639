/** Prometheus metrics on /metrics: request counts and latencies by route, outbox results, process stats. */

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { countPending } from '../features/outbox/outbox.repository.ts';
import { CommonErrors } from '../lib/errors.ts';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: { registry: Registry; outboxDeliveries: Counter<'result'> };
  }
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Compares digests, so neither the token's characters nor its length show in the timing. */
function tokenMatches(header: string | undefined, expected: string): boolean {
  const given = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
  return given !== undefined && timingSafeEqual(digest(given), digest(expected));
}

async function metrics(app: FastifyInstance, opts: { metricsToken: string | null }) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'roster_' });
  const requests = new Histogram({
    name: 'roster_http_request_duration_seconds',
    help: 'HTTP request latency by route, method and status code',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const outboxDeliveries = new Counter({
    name: 'roster_outbox_deliveries_total',
    help: 'Outbox delivery attempts by result (sent, retry, dead)',
    labelNames: ['result'],
    registers: [registry],
  });
  new Gauge({
    name: 'roster_outbox_pending',
    help: 'Messages waiting in the outbox',
    registers: [registry],
    async collect() {
      // A database that does not answer must not take the process metrics down with it: the gauge
      // keeps its last value and /readyz reports the database.
      try {
        this.set(await countPending(app.ctx.db));
      } catch (err) {
        app.log.warn({ err }, 'metrics: could not count the outbox');
      }
    },
  });
  app.decorate('metrics', { registry, outboxDeliveries });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (route === '/metrics') return;
    requests.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  // The metrics token is not a session or an API key: the auth plugin must not judge it.
  app.get('/metrics', { schema: { hide: true }, config: { auth: 'manual' } }, async (request, reply) => {
    if (opts.metricsToken && !tokenMatches(request.headers.authorization, opts.metricsToken)) {
      reply.header('www-authenticate', 'Bearer realm="metrics"');
      throw CommonErrors.UNAUTHENTICATED(undefined, 'Present the metrics token as a Bearer token.');
    }
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}

export default fp(metrics, { name: 'metrics', dependencies: ['context'] });

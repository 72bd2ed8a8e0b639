/**
 * Mounts the OpenID Connect provider in Roster's process and port.
 *
 * The provider is a Koa application; its endpoints (`/.well-known/openid-configuration` and `/oidc/…`,
 * except the console's `/oidc/interaction/…` pages) are answered before Fastify routes the request:
 * an `onRequest` hook hands the raw request to the provider and hijacks the reply. So Fastify's body
 * parsing, validation, error envelope, authentication and the console's catch-all never touch them,
 * and the provider's errors stay OAuth errors (`{error, error_description}`). They are outside
 * Fastify's route table, hence outside the OpenAPI document: discovery describes them (that is its
 * purpose), and README's "Use Roster from your application" lists them. Request logging still
 * applies (the logger redacts `code`, `refresh_token`, `client_secret`, … from URLs).
 *
 * Upkeep, on timers that do not keep the process alive: the signing keys are re-read every
 * KEY_REFRESH_MS (a rotation elsewhere reaches this instance), and expired artifacts are swept every
 * OIDC_SWEEP_MS.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { KEY_REFRESH_MS } from './oidc.keys.ts';
import oidcRoutes from './oidc.routes.ts';
import { isProviderPath, OidcService } from './oidc.service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    oidc: OidcService;
  }
}

async function oidcPlugin(app: FastifyInstance) {
  const service = await OidcService.start(app.ctx);
  app.decorate('oidc', service);

  app.addHook('onRequest', async (request, reply) => {
    if (!isProviderPath(request.url)) return;
    reply.hijack();
    try {
      await service.handle(request.raw, reply.raw);
    } catch (err) {
      // The engine answers its own errors; anything escaping it is a bug, logged, and a bare 500.
      request.log.error({ err }, 'OpenID Connect request failed');
      if (!reply.raw.headersSent) {
        reply.raw.writeHead(500, { 'content-type': 'application/json' });
        reply.raw.end(JSON.stringify({ error: 'server_error', error_description: 'unexpected error' }));
      }
    }
  });

  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, what: string, work: () => Promise<unknown>) => {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      work()
        .catch((err) => app.log.error({ err }, what))
        .finally(() => {
          running = false;
        });
    }, ms);
    timer.unref();
    timers.push(timer);
  };
  app.addHook('onReady', async () => {
    every(KEY_REFRESH_MS, 'could not re-read the OpenID Connect signing keys', () => service.refreshKeys());
    const sweepMs = app.ctx.config.oidcSweepMs;
    if (sweepMs > 0) every(sweepMs, 'could not sweep expired OpenID Connect records', () => service.sweep());
  });
  app.addHook('onClose', async () => {
    for (const t of timers) clearInterval(t);
  });

  await app.register(oidcRoutes);
}

export default fp(oidcPlugin, { name: 'oidc', dependencies: ['context', 'auth'] });

import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { sql } from 'kysely';
import { CommonErrors } from '../../lib/errors.ts';
import { withErrors } from '../../lib/schemas.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Set on shutdown so load balancers stop sending traffic before the listener closes. */
    draining: boolean;
  }
}

async function healthRoutes(app: FastifyInstance) {
  // On the root instance (hence fastify-plugin): server.ts sets `app.draining` there, and a decorator
  // made inside an encapsulated plugin would shadow it, leaving /readyz at 200 during shutdown.
  app.decorate('draining', false);

  app.get(
    '/healthz',
    {
      // Probes carry no credentials; a stray Authorization header must not fail them or cost a query.
      config: { auth: 'manual' },
      schema: {
        tags: ['operations'],
        summary: 'Liveness: the process is up',
        security: [],
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { auth: 'manual' },
      schema: {
        tags: ['operations'],
        summary: 'Readiness: the database answers and the instance is not shutting down',
        security: [],
        response: withErrors(
          { 200: Type.Object({ status: Type.Literal('ready'), database: Type.String() }) },
          503,
        ),
      },
    },
    async () => {
      if (app.draining) throw CommonErrors.UNAVAILABLE(undefined, 'Shutting down.');
      try {
        await sql`SELECT 1`.execute(app.ctx.db);
      } catch {
        throw CommonErrors.UNAVAILABLE(undefined, 'The database does not answer.');
      }
      return { status: 'ready' as const, database: app.database.kind };
    },
  );
}

export default fp(healthRoutes, { name: 'health', dependencies: ['context'] });

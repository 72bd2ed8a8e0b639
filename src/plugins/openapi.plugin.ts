/** The OpenAPI 3.1 document, built from the route schemas, at /v1/openapi.json; browsable at /docs. */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

async function openapi(app: FastifyInstance, opts: { version: string; publicUrl: string }) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Roster API',
        version: opts.version,
        description:
          'Organizations, members, roles, invitations, join requests and app installations. ' +
          'Authenticate with `Authorization: Bearer <session token or API key>`. Errors are ' +
          '`{ "error": { "code", "message", "details" } }` with stable codes; each operation lists every ' +
          'status it can answer, those the server gives before any route runs (400, 408, 414, 431, 503) included.',
      },
      servers: [{ url: opts.publicUrl }],
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'A session token (rs_…) or an API key (rk_…)',
          },
          cookie: { type: 'apiKey', in: 'cookie', name: 'roster_session' },
        },
      },
      security: [{ bearer: [] }, { cookie: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  // Public: a client holding a stale key can still fetch the document.
  app.get('/v1/openapi.json', { schema: { hide: true }, config: { auth: 'manual' } }, async () =>
    app.swagger(),
  );
}

export default fp(openapi, { name: 'openapi' });

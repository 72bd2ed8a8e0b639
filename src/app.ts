/**
 * Builds the Roster application: `buildApp(config)` returns a Fastify instance that is ready to
 * `listen` (server.ts) or to be driven with `inject` (tests). It never reads the environment.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Config } from './config.ts';
import type { DatabaseHandle } from './db/database.ts';
import accountRoutes from './features/account/account.routes.ts';
import appRoutes from './features/apps/app.routes.ts';
import auditRoutes from './features/audit/audit.routes.ts';
import authRoutes from './features/auth/auth.routes.ts';
import { User } from './features/auth/auth.schemas.ts';
import domainRoutes from './features/domains/domain.routes.ts';
import healthRoutes from './features/health/health.routes.ts';
import invitationRoutes from './features/invitations/invitation.routes.ts';
import { Invitation } from './features/invitations/invitation.schemas.ts';
import joinLinkRoutes from './features/join-links/join-link.routes.ts';
import joinRequestRoutes from './features/join-requests/join-request.routes.ts';
import memberRoutes from './features/members/member.routes.ts';
import { Member } from './features/members/member.schemas.ts';
import mfaRoutes from './features/mfa/mfa.routes.ts';
import oidcPlugin from './features/oidc/oidc.plugin.ts';
import organizationRoutes from './features/organizations/organization.routes.ts';
import ownerAddRoutes from './features/owner-adds/owner-add.routes.ts';
import ownershipTransferRoutes from './features/ownership-transfers/ownership-transfer.routes.ts';
import roleRoutes from './features/roles/role.routes.ts';
import webhookRoutes from './features/webhooks/webhook.routes.ts';
import { loggerOptions } from './lib/logger.ts';
import { ErrorResponse } from './lib/schemas.ts';
import { compileValidator } from './lib/validation.ts';
import authPlugin from './plugins/auth.plugin.ts';
import consolePlugin from './plugins/console.plugin.ts';
import contextPlugin from './plugins/context.plugin.ts';
import errorHandler, { clientErrorHandler, frameworkErrors } from './plugins/error-handler.plugin.ts';
import metricsPlugin from './plugins/metrics.plugin.ts';
import openapiPlugin from './plugins/openapi.plugin.ts';
import rateLimitPlugin from './plugins/rate-limit.plugin.ts';
import { VERSION } from './version.ts';

export interface BuildOptions {
  /** An already open database (tests); otherwise the app opens the configured one and closes it. */
  database?: DatabaseHandle;
  /** Apply pending migrations before serving. @default true */
  migrate?: boolean;
  /** A pino destination stream for the logs (tests capture them). */
  logStream?: NodeJS.WritableStream;
}

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(config, options.logStream),
    // Fastify accepts a hop count too; its types only list the other forms.
    trustProxy: config.trustProxy as boolean | string,
    bodyLimit: config.bodyLimit,
    // Router errors (bad percent-encoding, over-long segments) get the same error envelope, and so do
    // the HTTP parser's refusals (headers or URL too large, not HTTP) and the answer while closing.
    frameworkErrors,
    clientErrorHandler,
    return503OnClosing: false,
    // Query strings may repeat keys; route params are never case-folded.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // One validator for every plugin, including those that add shared schemas (which would otherwise
    // fall back to Fastify's default Ajv and its coercion rules).
    // (Request schemas never $ref shared schemas, so the factory ignores Fastify's external schemas;
    // Fastify's types describe an Ajv-shaped compiler, hence the cast.)
    schemaController: {
      compilersFactory: {
        buildValidator: (() => compileValidator) as unknown as NonNullable<
          NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
        >['buildValidator'],
      },
    },
  });
  // Shared response schemas, referenced by `$ref` from several features.
  app.addSchema(ErrorResponse);
  app.addSchema(Member);
  app.addSchema(Invitation);
  app.addSchema(User);

  await app.register(errorHandler);
  await app.register(contextPlugin, {
    config,
    database: options.database,
    migrate: options.migrate ?? true,
    onDelivery: (result) => app.metrics?.outboxDeliveries.inc({ result }),
  });
  await app.register(openapiPlugin, { version: VERSION, publicUrl: config.publicUrl });
  await app.register(metricsPlugin, { metricsToken: config.metricsToken });
  await app.register(authPlugin);
  await app.register(rateLimitPlugin);
  // Before the routes: its onRequest hook answers the OpenID Connect provider's own paths.
  await app.register(oidcPlugin);

  await app.register(healthRoutes);
  await app.register(authRoutes);
  await app.register(accountRoutes);
  await app.register(mfaRoutes);
  await app.register(organizationRoutes);
  await app.register(memberRoutes);
  await app.register(ownerAddRoutes);
  await app.register(ownershipTransferRoutes);
  await app.register(roleRoutes);
  await app.register(domainRoutes);
  await app.register(joinRequestRoutes);
  await app.register(joinLinkRoutes);
  await app.register(auditRoutes);
  await app.register(invitationRoutes);
  await app.register(appRoutes);
  await app.register(webhookRoutes);
  // Last: its catch-all route answers only what no API route does.
  await app.register(consolePlugin, { dir: config.consoleDir });
  return app as unknown as FastifyInstance;
}

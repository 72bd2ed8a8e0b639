/**
 * Opens the database (unless one is handed in), runs migrations when asked, builds the service
 * context and the outbox worker, and closes them with the app.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { type Context, createContext } from '../context.ts';
import { type DatabaseHandle, openDatabase } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { type PasswordResetJob, takeInPasswordReset } from '../features/account/password-reset.service.ts';
import { takeInJoinRequest } from '../features/join-requests/join-request.service.ts';
import { reportSeats, type SeatCheckJob } from '../features/organizations/seat-events.ts';
import { createMailer } from '../features/outbox/mailer.ts';
import type { JoinRequestJob } from '../features/outbox/outbox.repository.ts';
import { backoffSeconds, createOutboxWorker, type OutboxWorker } from '../features/outbox/outbox.worker.ts';
import { createWebhookHandler } from '../features/webhooks/webhook.delivery.ts';

declare module 'fastify' {
  interface FastifyInstance {
    ctx: Context;
    outbox: OutboxWorker;
    database: DatabaseHandle;
  }
}

export interface ContextPluginOptions {
  config: Config;
  /** Use this database instead of opening one (tests share one per file); the app will not close it. */
  database?: DatabaseHandle;
  /** Apply pending migrations at start. */
  migrate: boolean;
  /** Called with each delivery's result (metrics). */
  onDelivery?: (result: 'sent' | 'retry' | 'dead') => void;
}

async function contextPlugin(app: FastifyInstance, opts: ContextPluginOptions) {
  const handle = opts.database ?? (await openDatabase(opts.config));
  if (opts.migrate) await migrateToLatest(handle.db);
  const mailer = createMailer({
    smtpUrl: opts.config.smtpUrl,
    from: opts.config.mailFrom,
    log: app.log as Logger,
  });
  const outbox = createOutboxWorker({
    db: handle.db,
    mailer,
    log: app.log as Logger,
    pollMs: opts.config.outboxPollMs,
    onResult: opts.onDelivery,
    handlers: {
      webhook: createWebhookHandler({
        db: handle.db,
        log: app.log as Logger,
        allowPrivate: opts.config.webhookAllowPrivate,
        timeoutMs: opts.config.webhookTimeoutMs,
        secretsKey: opts.config.secretsKey,
      }),
      // Anonymous requests to join, decided after they were answered (see join-requests).
      join_request: {
        send: (m) => takeInJoinRequest(app.ctx, m.payload as unknown as JoinRequestJob),
        backoffSeconds: (attempts) => backoffSeconds(attempts),
      },
      // Password-reset requests, decided after they were answered (see account/password-reset).
      password_reset: {
        send: (m) => takeInPasswordReset(app.ctx, m.payload as unknown as PasswordResetJob),
        backoffSeconds: (attempts) => backoffSeconds(attempts),
      },
      // Seat counts that may have moved (enqueued by the database: migration 0017, organizations/seat-events).
      seat_check: {
        send: async (m) => {
          await reportSeats(app.ctx, m.payload as unknown as SeatCheckJob);
        },
        backoffSeconds: (attempts) => backoffSeconds(attempts),
      },
    },
  });
  app.decorate('database', handle);
  app.decorate('outbox', outbox);
  app.decorate(
    'ctx',
    createContext(handle.db, opts.config, () => outbox.kick(), app.log as Logger),
  );
  if (opts.config.outboxWorker) app.addHook('onReady', async () => outbox.start());
  app.addHook('onClose', async () => {
    await outbox.stop();
    mailer.close();
    if (!opts.database) await handle.close();
  });
}

export default fp(contextPlugin, { name: 'context' });

/**
 * Starts Roster and stops it gracefully.
 *
 * Start: the database is opened and checked (a bad setting ends here, in one line), the embedded
 * data folder claimed, pending migrations applied — all before Fastify is built, so no plugin timer
 * can cut a slow migration or a wait for another instance's migration lock short — then the app is
 * built, listens, and, on an embedded folder, starts taking CLI commands on the folder's channel.
 *
 * Stop: on SIGTERM/SIGINT, readiness fails first (for `config.shutdownDrainMs`), then the listener
 * closes, in-flight requests finish, the outbox worker stops, the database closes and the folder is
 * released; the process then exits with code 0.
 */
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from './app.ts';
import type { Config } from './config.ts';
import { openDatabase } from './db/database.ts';
import { migrateIfPending } from './db/migrate.ts';
import { loggerOptions } from './lib/logger.ts';

/** How long closing may take, after the drain delay, before the process gives up and exits with 1. */
const SHUTDOWN_TIMEOUT_MS = 25_000;

export async function startServer(config: Config): Promise<FastifyInstance> {
  const log = pino(loggerOptions(config) as pino.LoggerOptions);
  const handle = await openDatabase(config, { kind: 'server', command: 'roster serve' });
  let app: FastifyInstance | undefined;
  let commands: typeof import('./commands.ts') | null = null;
  try {
    await migrateIfPending(handle.db, (names) =>
      log.info(
        { migrations: names },
        handle.kind === 'postgres'
          ? 'applying migrations (waiting first if another instance holds the migration lock)'
          : 'applying migrations',
      ),
    );
    app = await buildApp(config, { database: handle, migrate: false });
    // Loaded before listening: from the first answer on, nothing is awaited before the signal
    // handlers below are in place.
    commands = handle.claim ? await import('./commands.ts') : null;
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    // Release the database (and the data folder) before the error reaches the CLI.
    await app?.close().catch(() => {});
    await handle.close().catch(() => {});
    throw err;
  }
  const server = app;
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    server.log.info({ signal, drainMs: config.shutdownDrainMs }, 'shutting down');
    server.draining = true;
    const timer = setTimeout(() => {
      server.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownDrainMs + SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    if (config.shutdownDrainMs > 0) await new Promise((r) => setTimeout(r, config.shutdownDrainMs));
    try {
      await server.close();
      await handle.close();
      server.log.info('stopped');
      process.exitCode = 0;
    } catch (err) {
      server.log.error({ err }, 'error while shutting down');
      process.exitCode = 1;
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  if (handle.claim && commands) {
    const { execute } = commands;
    const host = { config, db: handle.db, ctx: server.ctx, kind: 'server' as const };
    handle.claim.describe({ url: config.publicUrl });
    handle.claim.acceptCommands(async (argv) => {
      const result = await execute(argv, host);
      server.log.info({ command: argv.slice(0, 2).join(' '), code: result.code }, 'ran a CLI command');
      return result;
    });
  }
  server.log.info(
    { url: config.publicUrl, database: handle.kind, smtp: config.smtpUrl ? 'configured' : 'log only' },
    'Roster is listening',
  );
  return server;
}

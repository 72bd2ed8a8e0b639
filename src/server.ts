/**
 * Starts Roster and stops it gracefully: on SIGTERM/SIGINT, readiness fails first (for
 * `config.shutdownDrainMs`), then the listener closes, in-flight requests finish, the outbox worker
 * stops and the database closes; the process then exits with code 0.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import type { Config } from './config.ts';

/** How long closing may take, after the drain delay, before the process gives up and exits with 1. */
const SHUTDOWN_TIMEOUT_MS = 25_000;

export async function startServer(config: Config): Promise<FastifyInstance> {
  const app = await buildApp(config);
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    // Release the database (a PGlite folder admits one process) before the error reaches the CLI.
    await app.close().catch(() => {});
    throw err;
  }
  app.log.info(
    { url: config.publicUrl, database: app.database.kind, smtp: config.smtpUrl ? 'configured' : 'log only' },
    'Roster is listening',
  );

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal, drainMs: config.shutdownDrainMs }, 'shutting down');
    app.draining = true;
    const timer = setTimeout(() => {
      app.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownDrainMs + SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    if (config.shutdownDrainMs > 0) await new Promise((r) => setTimeout(r, config.shutdownDrainMs));
    try {
      await app.close();
      app.log.info('stopped');
      process.exitCode = 0;
    } catch (err) {
      app.log.error({ err }, 'error while shutting down');
      process.exitCode = 1;
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  return app;
}

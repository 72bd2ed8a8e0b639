/**
 * One bench server in its own process, so the load generator never shares an event loop with it.
 * `roster <url>`: the real application (buildApp), as `roster serve` would run it, without the outbox worker.
 * `reference <url> [prepared]`: the physical reference — a bare Fastify route doing one primary-key SELECT
 * through its own pg.Pool of the same size as Roster's (20), as an unnamed statement unless `prepared`.
 * Reports `{ port }` to the parent once listening; closes on the message 'stop' or when the parent goes.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const POOL_SIZE = 20;

/** `prepared`: a named statement, parsed and planned once per connection, instead of an unnamed one. */
async function reference(url: string, prepared: boolean): Promise<FastifyInstance> {
  const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE, idleTimeoutMillis: 30_000 });
  pool.on('error', () => {});
  const app = Fastify({ logger: false });
  const text = 'SELECT id, role, status FROM memberships WHERE id = $1';
  app.get<{ Params: { id: string } }>('/memberships/:id', async (request, reply) => {
    const values = [request.params.id];
    const { rows } = await pool.query(
      prepared ? { name: 'membership_by_id', text, values } : { text, values },
    );
    if (!rows[0]) return reply.status(404).send({ error: 'not found' });
    return rows[0];
  });
  app.addHook('onClose', async () => pool.end());
  return app;
}

/** Roster as `roster serve` runs it, without the outbox worker. */
function roster(url: string): Promise<FastifyInstance> {
  return buildApp(loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'warn', OUTBOX_WORKER: 'false' }));
}

const [mode, url, option] = process.argv.slice(2);
if ((mode !== 'roster' && mode !== 'reference') || !url) {
  console.error('usage: server-child.ts roster|reference <postgres url> [prepared]');
  process.exit(2);
}
const app = mode === 'roster' ? await roster(url) : await reference(url, option === 'prepared');
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : 0;

const stop = async () => {
  await app.close();
  process.exit(0);
};
process.on('message', (message) => {
  if (message === 'stop') void stop();
});
process.on('disconnect', () => void stop());
process.send?.({ port });

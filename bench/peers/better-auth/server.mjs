/**
 * Better Auth 1.7.25 with its organization plugin, the peer of `npm run bench -- --peers` (bench/peers.ts).
 * Runs from this folder's own node_modules (`npm ci --prefix bench/peers/better-auth`, done by the bench).
 *
 *   node server.mjs migrate <postgres url>   create Better Auth's tables with its own migration (getMigrations)
 *   node server.mjs serve <postgres url>     serve /api/auth/* on 127.0.0.1, a free port; reports { port } to
 *                                            the parent over IPC and stops on the message 'stop'
 *
 * The secret comes from BETTER_AUTH_SECRET (the bench signs its session cookies with it). Configuration is
 * Better Auth's defaults except what a load test of one organization needs, each noted below.
 */
import http from 'node:http';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { organization } from 'better-auth/plugins';
import pg from 'pg';

/** The size of Roster's pool (src/db/database.ts) and of the reference's. */
const POOL_SIZE = 20;

function options(url, baseURL) {
  const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE, idleTimeoutMillis: 30_000 });
  pool.on('error', () => {});
  return {
    pool,
    options: {
      database: pool,
      baseURL,
      secret: process.env.BETTER_AUTH_SECRET,
      emailAndPassword: { enabled: true },
      // Its per-IP limiter (on by default in production, in memory) would refuse a load test from one
      // address; Roster's per-organization invitation limits are raised to their maximum instead.
      rateLimit: { enabled: false },
      telemetry: { enabled: false },
      plugins: [
        organization({
          // Emails are not sent in the bench (Roster's outbox worker is off too; Roster still writes its
          // outbox row inside the transaction).
          sendInvitationEmail: async () => {},
          // Defaults are 100 pending invitations per organization and 100 members: the scenarios need more.
          invitationLimit: 1_000_000_000,
          membershipLimit: 1_000_000_000,
        }),
      ],
    },
  };
}

const [mode, url] = process.argv.slice(2);
if ((mode !== 'migrate' && mode !== 'serve') || !url) {
  console.error('usage: node server.mjs migrate|serve <postgres url>');
  process.exit(2);
}

if (mode === 'migrate') {
  const { pool, options: o } = options(url, 'http://127.0.0.1');
  const { runMigrations } = await getMigrations(o);
  await runMigrations();
  await pool.end();
} else {
  // The base URL (its origin is the one trusted origin) needs the port, known once listening.
  let handler = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const { pool, options: o } = options(url, `http://127.0.0.1:${port}`);
  const auth = betterAuth(o);
  handler = toNodeHandler(auth);
  // Requests in flight finish before the pool ends (2 s at most).
  const stop = () => {
    const timer = setTimeout(() => server.closeAllConnections(), 2000);
    server.close(() => {
      clearTimeout(timer);
      pool.end().finally(() => process.exit(0));
    });
    server.closeIdleConnections();
  };
  process.on('message', (message) => {
    if (message === 'stop') stop();
  });
  process.on('disconnect', stop);
  process.send?.({ port });
}

/**
 * The bench database: a dedicated `roster_bench` database, dropped and recreated on every run, migrated
 * like production, holding one organization with N active members (bulk SQL) and one API key.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DatabaseHandle } from '../src/db/database.ts';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import type { DB } from '../src/db/schema.ts';
import { createApiKey } from '../src/features/api-keys/api-key.service.ts';
import * as memberRepo from '../src/features/members/member.repository.ts';
import { parseToken } from '../src/lib/crypto.ts';

export const BENCH_DATABASE = 'roster_bench';

/** The URL of the bench database on the server `adminUrl` points at. */
export function benchDatabaseUrl(adminUrl: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${BENCH_DATABASE}`;
  return url.toString();
}

/** Drops and recreates `roster_bench`, so every run starts from the same state. */
export async function recreateBenchDatabase(adminUrl: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${BENCH_DATABASE}`);
  } finally {
    await admin.end();
  }
  return benchDatabaseUrl(adminUrl);
}

export interface Seeded {
  orgId: string;
  orgSlug: string;
  /** `rk_…` with member:read only. */
  apiKey: string;
  /** Membership ids in join (= id) order; index i is member number i + 1. */
  membershipIds: string[];
  /** User ids, in the same order as `membershipIds`. */
  userIds: string[];
  seedMs: number;
}

/**
 * A UUIDv7 built in SQL from a millisecond timestamp (48 bits), the version nibble 7, 12 random bits,
 * the RFC 9562 variant (8–b) and 62 random bits: the same layout as src/lib/ids.ts. Each member gets its
 * own millisecond, so id order is join order, strictly.
 */
const UUIDV7_SQL = `(
  lpad(to_hex($1::bigint + n), 12, '0') || '7' || substr(md5(random()::text), 1, 3)
  || substr('89ab', 1 + floor(random() * 4)::int, 1) || substr(md5(random()::text), 1, 15)
)::uuid`;

export async function seed(url: string, members: number): Promise<Seeded> {
  const started = performance.now();
  const handle: DatabaseHandle = await openDatabase({ databaseUrl: url, dataDir: '' });
  try {
    await migrateToLatest(handle.db);
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    try {
      const org = await pool.query<{ id: string; slug: string }>(
        `INSERT INTO organizations (slug, name) VALUES ('bench', 'Bench Inc.') RETURNING id, slug`,
      );
      const orgId = org.rows[0]?.id as string;
      // Member n joined at base + n ms (a few minutes in the past), so ids and joined_at follow n.
      const base = Date.now() - members - 600_000;
      await pool.query(
        `WITH u AS (
           INSERT INTO users (email, name, email_verified_at)
           SELECT format('member-%s@bench.example', lpad(i::text, 7, '0')), format('Member %s', i), now()
           FROM generate_series(1, $3::int) AS i
           RETURNING id, email
         ), numbered AS (
           SELECT id AS user_id, row_number() OVER (ORDER BY email) AS n FROM u
         )
         INSERT INTO memberships (id, organization_id, user_id, role, status, source, created_at, joined_at)
         SELECT ${UUIDV7_SQL}, $2::uuid, user_id,
                CASE WHEN n = 1 THEN 'owner' ELSE 'member' END, 'active',
                CASE WHEN n = 1 THEN 'created_org' ELSE 'invitation' END,
                to_timestamp(($1::bigint + n) / 1000.0), to_timestamp(($1::bigint + n) / 1000.0)
         FROM numbered`,
        [base, orgId, members],
      );
      // Visibility map and statistics as a long-running database would have them.
      await pool.query('VACUUM (ANALYZE) users, memberships, organizations');
      const rows = await pool.query<{ id: string; user_id: string; out_of_order: boolean }>(
        `SELECT id, user_id, joined_at < lag(joined_at) OVER (ORDER BY id) AS out_of_order
         FROM memberships WHERE organization_id = $1 ORDER BY id`,
        [orgId],
      );
      if (rows.rows.length !== members) throw new Error(`seeded ${rows.rows.length} members, not ${members}`);
      if (rows.rows.some((r) => r.out_of_order)) throw new Error('membership ids are not in join order');
      const key = await createApiKey(handle.db, 'bench', ['member:read']);
      return {
        orgId,
        orgSlug: org.rows[0]?.slug as string,
        apiKey: key.token,
        membershipIds: rows.rows.map((r) => r.id),
        userIds: rows.rows.map((r) => r.user_id),
        seedMs: performance.now() - started,
      };
    } finally {
      await pool.end();
    }
  } finally {
    await handle.close();
  }
}

export interface Plan {
  label: string;
  sql: string;
  lines: string[];
}

/**
 * EXPLAIN (ANALYZE, BUFFERS) of the exact SQL Roster sends: the repository functions run against a
 * Kysely that records each compiled query, which is then explained with its parameters.
 */
export async function explainQueries(
  url: string,
  s: Seeded,
  deepAfterId: string,
): Promise<{ firstPage: Plan; deepPage: Plan; permission: Plan }> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const captured: { sql: string; parameters: readonly unknown[] }[] = [];
  const db = new Kysely<DB>({
    dialect: new PostgresDialect({ pool }),
    log: (event) => {
      if (event.level === 'query') captured.push(event.query);
    },
  });
  const explain = async (label: string, run: () => Promise<unknown>): Promise<Plan> => {
    captured.length = 0;
    await run();
    const q = captured.at(-1);
    if (!q) throw new Error(`no query captured for ${label}`);
    const res = await pool.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, BUFFERS) ${q.sql}`,
      q.parameters as unknown[],
    );
    return { label, sql: q.sql.replace(/\s+/g, ' ').trim(), lines: res.rows.map((r) => r['QUERY PLAN']) };
  };
  try {
    const firstPage = await explain('members, first page', () =>
      memberRepo.listMembersJson(db, { organizationId: s.orgId, limit: 100 }),
    );
    const deepPage = await explain('members, deep page', () =>
      memberRepo.listMembersJson(db, { organizationId: s.orgId, limit: 100, afterId: deepAfterId }),
    );
    const apiKeyId = parseToken('rk', s.apiKey)?.id as string;
    const permission = await explain('permission check', () =>
      memberRepo.permissionLookup(db, {
        kind: 'api_key',
        credentialId: apiKeyId,
        orgId: s.orgId,
        orgSlug: null,
        userId: s.userIds[Math.floor(s.userIds.length / 2)] as string,
      }),
    );
    return { firstPage, deepPage, permission };
  } finally {
    await db.destroy();
  }
}

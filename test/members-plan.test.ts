/**
 * Members pages of a large organization cost what a small one's do (member.repository.ts, listMembersJson):
 * - on both engines, every shape of page (first, deep, role, status, both, source, q prefix found from
 *   the users' side or by walking the organization) returns exactly what the plain query does, page
 *   after page;
 * - on PostgreSQL, with the plan picked for the values (custom) and the one kept for any values after
 *   five runs of the prepared statement (generic), no shape reads memberships by its primary key or
 *   scans memberships or users, and the large organization's page touches no more buffers than a small
 *   one's (a little slack for index depth).
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import type { DB } from '../src/db/schema.ts';
import {
  listMembersJson,
  type MemberListRow,
  type MemberQuery,
  PREFIX_CANDIDATES,
  prefixUpperBound,
} from '../src/features/members/member.repository.ts';
import { emptyPostgresDatabase, freshDatabase, onPostgres, TEST_DATABASE_URL } from './helpers.ts';

/** Members of the large organization, and small organizations of SMALL members beside it. */
const BIG = 6_000;
const SMALLS = 400;
const SMALL = 24;
const PAGE = 5;

/**
 * Small organizations first (each one's members in a row), then the large one: its first member comes
 * after every small organization's, so reading memberships in id order would skip all of those.
 * Member n: 1 owner; every `every`-th an admin; half-way between two admins pending (join_request or
 * owner_add); the rest active members by invitation. `every` is 4 in a small organization, 100 in the
 * large one. Emails big-000001@plan.test… and s0001-01@plan.test…
 */
async function seed(database: Kysely<DB>) {
  // One connection throughout: the layout is a temporary table.
  await database.connection().execute((db) => seedOn(db));
  const orgs = await database.selectFrom('organizations').select(['id', 'slug']).execute();
  const idOf = (slug: string) => orgs.find((o) => o.slug === slug)?.id as string;
  return { big: idOf('plan-big'), small: idOf(`plan-s${String(SMALLS / 2).padStart(4, '0')}`) };
}

async function seedOn(db: Kysely<DB>) {
  await sql`
    INSERT INTO organizations (slug, name)
    SELECT 'plan-big', 'Plan Big' UNION ALL
    SELECT 'plan-s' || lpad(j::text, 4, '0'), 'Plan ' || j FROM generate_series(1, ${SMALLS}::int) j
  `.execute(db);
  await sql`
    CREATE TEMP TABLE plan_seed AS
    SELECT s.*, o.id AS org_id,
           (lpad(to_hex(${Date.now() - 10_000_000}::bigint + s.slot), 12, '0') || '7'
             || substr(md5(s.slot::text || 'u'), 1, 3) || '8' || substr(md5(s.slot::text || 'u'), 4, 15))::uuid AS user_id,
           (lpad(to_hex(${Date.now() - 10_000_000}::bigint + s.slot), 12, '0') || '7'
             || substr(md5(s.slot::text || 'm'), 1, 3) || '9' || substr(md5(s.slot::text || 'm'), 4, 15))::uuid AS id
    FROM (
      SELECT j AS org_no, k AS n, 4 AS every, (j - 1) * ${SMALL} + (k - 1) AS slot
      FROM generate_series(1, ${SMALLS}::int) j, generate_series(1, ${SMALL}::int) k
      UNION ALL
      SELECT 0, i, 100, ${SMALLS * SMALL} + i - 1 FROM generate_series(1, ${BIG}::int) i
    ) s
    JOIN organizations o ON o.slug = CASE WHEN s.org_no = 0 THEN 'plan-big' ELSE 'plan-s' || lpad(s.org_no::text, 4, '0') END
  `.execute(db);
  await sql`
    INSERT INTO users (id, email, name)
    SELECT user_id,
           CASE WHEN org_no = 0 THEN 'big-' || lpad(n::text, 6, '0') || '@plan.test'
                ELSE 's' || lpad(org_no::text, 4, '0') || '-' || lpad(n::text, 2, '0') || '@plan.test' END,
           CASE WHEN org_no = 0 THEN 'Big Member ' || n ELSE 'Small ' || org_no || ' Member ' || n END
    FROM plan_seed ORDER BY slot
  `.execute(db);
  await sql`
    INSERT INTO memberships (id, organization_id, user_id, role, status, source, created_at, joined_at)
    SELECT id, org_id, user_id,
           CASE WHEN n = 1 THEN 'owner' WHEN n % every = 0 THEN 'admin' ELSE 'member' END,
           CASE WHEN n % every = every / 2 THEN 'pending' ELSE 'active' END,
           CASE WHEN n = 1 THEN 'created_org' WHEN n % every <> every / 2 THEN 'invitation'
                WHEN (n / every) % 2 = 0 THEN 'join_request' ELSE 'owner_add' END,
           now(), CASE WHEN n % every = every / 2 THEN NULL ELSE now() END
    FROM plan_seed ORDER BY slot
  `.execute(db);
  await sql`DROP TABLE plan_seed`.execute(db);
  await sql`VACUUM (ANALYZE) users, memberships, organizations`.execute(db);
}

type Filters = Omit<MemberQuery, 'organizationId' | 'limit'>;

/** The page the plain way: every condition in one WHERE, ordered by id. */
async function reference(db: Kysely<DB>, orgId: string, f: Filters, limit: number) {
  let q = db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select('m.id')
    .where('m.organization_id', '=', orgId);
  if (f.afterId) q = q.where('m.id', '>', f.afterId);
  if (f.role) q = q.where('m.role', '=', f.role);
  if (f.status) q = q.where('m.status', '=', f.status);
  if (f.source) q = q.where('m.source', '=', f.source);
  if (f.q) {
    const p = `${f.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where((eb) => eb.or([eb('u.email', 'like', p), eb(sql`lower(u.name)`, 'like', p)]));
  }
  return (await q.orderBy('m.id').limit(limit).execute()).map((r) => r.id);
}

/** A page as listMembersJson writes it, read back. */
async function members(db: Kysely<DB>, q: MemberQuery) {
  const page = await listMembersJson(db, q);
  return { rows: JSON.parse(page.data) as MemberListRow[], lastIdIfMore: page.lastIdIfMore };
}

/** Every shape of page, with values that fill a page in both organizations. */
function shapes(org: 'big' | 'small'): Array<[string, Filters]> {
  const mid = org === 'big' ? 'big-00310' : `s${String(SMALLS / 2).padStart(4, '0')}-`;
  return [
    ['first page', {}],
    ['role=admin', { role: 'admin' }],
    ['role=owner', { role: 'owner' }],
    ['status=pending', { status: 'pending' }],
    ['role=owner&status=active', { role: 'owner', status: 'active' }],
    ['role=member&status=pending', { role: 'member', status: 'pending' }],
    ['source=owner_add', { source: 'owner_add' }],
    [`q=${mid} (few users match)`, { q: mid }],
    [`q=${org === 'big' ? 'big' : 's'} (many users match)`, { q: org === 'big' ? 'big' : 's' }],
    ['q=<a name prefix>', { q: org === 'big' ? 'big member 100' : `small ${SMALLS / 2} member 1` }],
    ['q=% (nothing)', { q: '%' }],
  ];
}

describe('listMembersJson at scale', () => {
  let handle: DatabaseHandle;
  let dispose: () => Promise<void> = async () => {};
  let url: string | null = null;
  let orgs: { big: string; small: string };

  beforeAll(async () => {
    if (TEST_DATABASE_URL) {
      const database = await emptyPostgresDatabase(TEST_DATABASE_URL);
      url = database.url;
      handle = await openDatabase({ databaseUrl: database.url, dataDir: '' });
      await migrateToLatest(handle.db);
      dispose = async () => {
        await handle.close();
        await database.dispose();
      };
    } else {
      handle = await freshDatabase();
      dispose = () => handle.close();
    }
    orgs = await seed(handle.db);
  });

  afterAll(() => dispose());

  it('prefixUpperBound: the least string above every string with the prefix, in code-point order', () => {
    expect(prefixUpperBound('abc')).toBe('abd');
    expect(prefixUpperBound('a\u{10FFFF}')).toBe('b');
    expect(prefixUpperBound('\u{10FFFF}')).toBeNull();
    expect(prefixUpperBound('a\uD7FF')).toBe('a\uE000');
    expect(prefixUpperBound('x\u{1F600}')).toBe('x\u{1F601}');
  });

  it('every shape returns the plain query’s pages, from the first and from near the end', async () => {
    for (const org of ['big', 'small'] as const) {
      const orgId = orgs[org];
      for (const [label, f] of shapes(org)) {
        const all = await reference(handle.db, orgId, f, 1_000_000);
        const deep = all.length > 3 * PAGE ? all[all.length - 2 * PAGE - 1] : undefined;
        for (const start of [undefined, deep]) {
          let afterId = start;
          for (let page = 0; page < 3; page++) {
            const got = await members(handle.db, { organizationId: orgId, limit: PAGE, ...f, afterId });
            const expected = await reference(handle.db, orgId, { ...f, afterId }, PAGE + 1);
            const where = `${org}: ${label}, page ${page} after ${afterId ?? 'the start'}`;
            expect(
              got.rows.map((r) => r.id),
              where,
            ).toEqual(expected.slice(0, PAGE));
            expect(got.lastIdIfMore, where).toBe(expected.length > PAGE ? expected[PAGE - 1] : null);
            if (got.lastIdIfMore === null) break;
            afterId = got.lastIdIfMore;
          }
        }
      }
    }
  });

  it('a prefix many users share is walked, one few share is looked up: the same rows either way', async () => {
    const [many] = await sql<{
      n: string;
    }>`SELECT count(*) AS n FROM users WHERE lower(name) LIKE 'big member 3%'`
      .execute(handle.db)
      .then((r) => r.rows);
    expect(Number(many?.n)).toBeGreaterThan(PREFIX_CANDIDATES);
    const few = await members(handle.db, { organizationId: orgs.big, limit: 51, q: 'BIG-0031' });
    expect(few.rows.map((r) => r.email)).toEqual(
      Array.from({ length: 51 }, (_, i) => `big-${String(3100 + i).padStart(6, '0')}@plan.test`),
    );
    const byName = await members(handle.db, { organizationId: orgs.big, limit: 6, q: 'big member 3' });
    expect(byName.rows.map((r) => r.name)).toEqual([
      'Big Member 3',
      'Big Member 30',
      'Big Member 31',
      'Big Member 32',
      'Big Member 33',
      'Big Member 34',
    ]);
    expect(byName.lastIdIfMore).toBe(byName.rows.at(-1)?.id);
  });

  // PostgreSQL only: PGlite is one connection without statement plans to force.
  describe.runIf(onPostgres)('plans on PostgreSQL', () => {
    interface Measured {
      lines: string[];
      buffers: number;
    }

    /** EXPLAIN of the statement listMembersJson sends, prepared as Roster prepares it, generic or custom. */
    async function explain(orgId: string, f: Filters, mode: 'generic' | 'custom'): Promise<Measured> {
      const pool = new pg.Pool({ connectionString: url as string, max: 1 });
      // A connection still closing when the file's database is dropped gets 57P01 from the server:
      // not this test's concern (the pool used by Roster ignores idle errors the same way).
      pool.on('error', () => {});
      const captured: { sql: string; parameters: readonly unknown[] }[] = [];
      const db = new Kysely<DB>({
        dialect: new PostgresDialect({ pool }),
        log: (e) => {
          if (e.level === 'query') captured.push(e.query);
        },
      });
      try {
        await listMembersJson(db, { organizationId: orgId, limit: PAGE, ...f });
        const q = captured.at(-1) as { sql: string; parameters: readonly unknown[] };
        const client = await pool.connect();
        try {
          const args = q.parameters
            .map((v) => (typeof v === 'number' ? String(v) : client.escapeLiteral(String(v))))
            .join(', ');
          await client.query(`SET plan_cache_mode = force_${mode}_plan`);
          await client.query(`PREPARE page AS ${q.sql}`);
          await client.query(`EXECUTE page(${args})`);
          const res = await client.query<{ 'QUERY PLAN': string }>(
            `EXPLAIN (ANALYZE, BUFFERS) EXECUTE page(${args})`,
          );
          const lines = res.rows.map((r) => r['QUERY PLAN']);
          const top = lines.find((l) => /^\s*Buffers:/.test(l)) ?? '';
          const buffers = [...top.matchAll(/(?:hit|read)=(\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
          return { lines, buffers };
        } finally {
          client.release();
        }
      } finally {
        await db.destroy();
      }
    }

    for (const mode of ['generic', 'custom'] as const) {
      it(`${mode} plans: no primary-key walk or scan, and the large organization reads what a small one does`, async () => {
        const big = shapes('big');
        const small = shapes('small');
        for (const [i, [label, f]] of big.entries()) {
          const b = await explain(orgs.big, f, mode);
          const s = await explain(orgs.small, (small[i] as [string, Filters])[1], mode);
          const text = b.lines.join('\n');
          expect(text, `${label}: ${text}`).not.toMatch(/memberships_pkey|Seq Scan on (memberships|users)/);
          expect(
            b.buffers,
            `${label}: big ${b.buffers} buffers, small ${s.buffers}\n${text}`,
          ).toBeLessThanOrEqual(Math.ceil(s.buffers * 1.5) + 16);
        }
      });
    }
  });
});

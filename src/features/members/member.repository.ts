/** SQL for memberships. */
import { CompiledQuery, type Kysely, sql } from 'kysely';
import { compiledOnce } from '../../db/compiled.ts';
import type { DB, MembershipSource, MembershipStatus } from '../../db/schema.ts';
import { uuidv7 } from '../../lib/ids.ts';
import { ROLES, type Role, type Scope, scopesForRole } from '../access/scopes.ts';
import { secondFactorEnrolled } from '../mfa/mfa.repository.ts';
import { customRoleScopes } from '../roles/role.repository.ts';

export interface NewMembership {
  organizationId: string;
  userId: string;
  role: Role;
  status: MembershipStatus;
  source: MembershipSource;
  addedBy: string | null;
}

/** The row a membership is stored as; an active one joined now (the transaction's clock). */
export function membershipRow(m: NewMembership & { id: string; expiresAt?: Date | null }) {
  return {
    id: m.id,
    organization_id: m.organizationId,
    user_id: m.userId,
    role: m.role,
    status: m.status,
    source: m.source,
    added_by: m.addedBy,
    joined_at: m.status === 'active' ? sql<Date>`now()` : null,
    ...(m.expiresAt && { expires_at: m.expiresAt }),
  };
}

export function insertMembership(db: Kysely<DB>, m: NewMembership) {
  return db
    .insertInto('memberships')
    .values(membershipRow({ ...m, id: uuidv7() }))
    .returning(['id', 'created_at', 'joined_at'])
    .executeTakeFirstOrThrow();
}

const MEMBER_COLUMNS = [
  'm.id',
  'm.user_id',
  'u.email',
  'u.name',
  'm.role',
  'm.status',
  'm.source',
  'm.added_by',
  'm.created_at',
  'm.joined_at',
  'm.expires_at',
] as const;

export interface MemberQuery {
  organizationId: string;
  limit: number;
  afterId?: string;
  role?: Role;
  status?: MembershipStatus;
  source?: MembershipSource;
  /** Exact email or name/email prefix. */
  q?: string;
}

/**
 * A row of a members page, already in the API's shape (Member in member.schemas.ts): camelCase names,
 * timestamps as the ISO 8601 text a Date would serialize to (UTC, milliseconds, truncated), so the
 * server neither parses them into Dates nor formats them back.
 */
export interface MemberListRow {
  id: string;
  userId: string;
  email: string;
  name: string;
  role: Role;
  status: MembershipStatus;
  source: MembershipSource;
  addedBy: string | null;
  createdAt: string;
  joinedAt: string | null;
  expiresAt: string | null;
}

/** Every status a membership can have (the table's CHECK), spelled so that adding one fails to compile here. */
const ALL_STATUSES = Object.keys({ active: true, pending: true } satisfies Record<MembershipStatus, true>);

/**
 * Up to this many users may match a `q` prefix (over all organizations) for the page to be found from
 * the users' side: each match is one probe of (organization_id, user_id). Past it the prefix is common,
 * and walking the organization's members in id order finds a page of matches sooner.
 */
export const PREFIX_CANDIDATES = 1000;

/** `Date.prototype.toISOString` in SQL, whatever the session's TimeZone and DateStyle. */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
/** Each field of a members page's row (MemberListRow) and the SQL that gives it. */
const PAGE_FIELDS: ReadonlyArray<readonly [keyof MemberListRow, string]> = [
  ['id', 'm.id'],
  ['userId', 'm.user_id'],
  ['email', 'u.email'],
  ['name', 'u.name'],
  ['role', 'm.role'],
  ['status', 'm.status'],
  ['source', 'm.source'],
  ['addedBy', 'm.added_by'],
  ['createdAt', iso('m.created_at')],
  ['joinedAt', iso('m.joined_at')],
  ['expiresAt', iso('m.expires_at')],
];
/**
 * A page's row as the JSON text of a MemberListRow, written by the database: each value by `to_json`
 * (strings escaped as JSON.stringify escapes them, or null), the fields in the schema's order, with
 * no spaces (json_build_object would put them around every colon and comma).
 */
const PAGE_ROW_JSON = `'{' || ${PAGE_FIELDS.map(([k, e]) => `'"${k}":' || coalesce(to_json(${e})::text, 'null')`).join(" || ',' || ")} || '}' AS json`;
const MEMBERSHIP_COLUMNS =
  'm.id, m.organization_id, m.user_id, m.role, m.status, m.source, m.added_by, m.created_at, m.joined_at, m.expires_at';

/**
 * The smallest string above every string that starts with `prefix`, in code-point order (which is the
 * byte order of UTF-8, so of `text_pattern_ops`); null when there is none (a prefix of U+10FFFF only).
 */
export function prefixUpperBound(prefix: string): string | null {
  const points = Array.from(prefix, (c) => c.codePointAt(0) as number);
  while (points.length > 0) {
    let last = (points.pop() as number) + 1;
    if (last >= 0xd800 && last <= 0xdfff) last = 0xe000;
    if (last <= 0x10ffff) return String.fromCodePoint(...points, last);
  }
  return null;
}

interface PageShape {
  cursor: boolean;
  role: boolean;
  status: boolean;
  source: boolean;
  /** 'none', or a prefix search with or without an upper bound (see prefixUpperBound). */
  q: 'none' | 'bounded' | 'unbounded';
}

/**
 * The SQL of one shape of members page, with its parameters in this order: organization, limit + 1,
 * then those the shape has — cursor, role, status, source, LIKE pattern, prefix, prefix upper bound.
 *
 * How each part reaches its rows, whatever values the parameters take (PostgreSQL plans a prepared
 * statement once for all values after five runs — a generic plan — so a plan must not depend on them):
 * - The organization is `organization_id = ANY (ARRAY[$1])`, not `= $1`. An equality makes the column
 *   a constant to the planner, so `ORDER BY id` could also be read off the primary key while skipping
 *   other organizations' rows — cheap on paper when one organization holds a large share of the table
 *   (the planner assumes its rows are spread evenly in id order), a walk over every older membership in
 *   fact. With `= ANY`, only an index led by organization_id returns `ORDER BY organization_id, id`, and
 *   the B-tree still treats it as an equality: the later columns bound the scan.
 * - Without a role or status filter, (organization_id, id) answers in order from the cursor on. With
 *   one, (organization_id, status, role, id) does, one range per (status, role) pair the filters
 *   allow — a status alone reads each built-in role's range and one of the organization's own roles'
 *   members (a partial index), each read in id order and merged — so a rare role or status is found
 *   without reading the others' rows. A `source` filter alone reads (organization_id, source, id);
 *   with a role or status, it is checked on the rows of their ranges.
 * - A `q` prefix is found from the users' side (users' email and lower(name) indexes, text_pattern_ops,
 *   as ranges [prefix, upper bound): a LIKE with a parameter cannot use an index in a generic plan)
 *   when at most PREFIX_CANDIDATES users match it; otherwise by walking the organization's members in
 *   order as above, checking each one's user. A one-time filter on the count of candidates (read with
 *   a LIMIT, so it costs at most PREFIX_CANDIDATES index entries) runs exactly one of the two.
 */
function pageSql(shape: PageShape, columns: string): string {
  let n = 2;
  const param = () => `$${++n}`;
  const cursor = shape.cursor ? param() : null;
  const role = shape.role ? param() : null;
  const status = shape.status ? param() : null;
  const source = shape.source ? param() : null;
  const like = shape.q !== 'none' ? param() : null;
  const lo = shape.q !== 'none' ? param() : null;
  const hi = shape.q === 'bounded' ? param() : null;

  const where = (conds: (string | null)[]) => conds.filter((c) => c !== null).join(' AND ');
  const org = 'm.organization_id = ANY (ARRAY[$1::uuid])';
  const order = 'ORDER BY m.organization_id, m.id LIMIT $2';
  /** Conditions on the membership row itself, checked on each row read. */
  const rowFilters = [cursor && `m.id > ${cursor}`, source && `m.source = ${source}`];
  // The (status, role) ranges to read: each pair the filters allow, when either is filtered.
  const pairs: string[][] = [];
  if (role || status) {
    const statuses = status ? [status] : ALL_STATUSES.map((s) => `'${s}'`);
    // Without a role filter: each built-in role's range, and the organization's own roles' members as
    // one more (memberships_custom_role_idx: (organization_id, status, id) where custom_role is set).
    const roles = role
      ? [`m.role = ${role}`]
      : [...ROLES.map((r) => `m.role = '${r}'`), 'm.custom_role IS NOT NULL'];
    for (const s of statuses) for (const r of roles) pairs.push([`m.status = ${s}`, r]);
  } else {
    pairs.push([]);
  }

  if (!like) {
    if (pairs.length === 1) {
      return `SELECT ${columns} FROM memberships m JOIN users u ON u.id = m.user_id
        WHERE ${where([org, ...(pairs[0] as string[]), ...rowFilters])} ${order}`;
    }
    // Each range sorted and limited on its own, then merged; users are read for the page's rows only.
    const ranges = pairs.map(
      (pair) =>
        `(SELECT ${MEMBERSHIP_COLUMNS} FROM memberships m WHERE ${where([org, ...pair, ...rowFilters])} ${order})`,
    );
    return `SELECT ${columns} FROM (${ranges.join(' UNION ALL ')}) m
      JOIN users u ON u.id = m.user_id ${order}`;
  }

  const range = (col: string) => where([`${col} ~>=~ ${lo}`, hi && `${col} ~<~ ${hi}`]);
  // The users whose email or lower(name) starts with the prefix — exactly: the ranges are — up to
  // PREFIX_CANDIDATES + 1 of each. Each range is read in its index's order (USING ~<~: text_pattern_ops)
  // so that no plan reads users in table order instead, which a common prefix could make look cheaper.
  const ranged = (col: string) =>
    `(SELECT id FROM users WHERE ${range(col)} ORDER BY ${col} USING ~<~ LIMIT ${PREFIX_CANDIDATES + 1})`;
  const candidates = `(${ranged('email')} UNION ALL ${ranged('lower(name)')})`;
  const few = '(SELECT few FROM counted)';
  // From the users' side: each candidate's membership in this organization, one probe of
  // (organization_id, user_id) per candidate. OFFSET 0 keeps it that: joined freely, the planner may
  // walk the organization instead. The candidates' users need no further check.
  const byUser = `(SELECT m.* FROM (SELECT DISTINCT id FROM ${candidates} c) c
      CROSS JOIN LATERAL (
        SELECT ${MEMBERSHIP_COLUMNS} FROM memberships m
        WHERE ${where([
          'm.organization_id = $1 AND m.user_id = c.id',
          role && `m.role = ${role}`,
          status && `m.status = ${status}`,
          ...rowFilters,
        ])}
        OFFSET 0
      ) m
      WHERE ${few})`;
  // Walking the organization in order as without a prefix, each member's user checked by id (OFFSET 0
  // again: one probe per membership read, never a scan of users).
  const walks = pairs.map(
    (pair) => `(SELECT ${MEMBERSHIP_COLUMNS} FROM memberships m
      CROSS JOIN LATERAL (
        SELECT 1 FROM users u WHERE u.id = m.user_id AND (u.email LIKE ${like} OR lower(u.name) LIKE ${like})
        OFFSET 0
      ) u
      WHERE ${where([`NOT ${few}`, org, ...pair, ...rowFilters])} ${order})`,
  );
  // `few`: at most PREFIX_CANDIDATES candidates (counted with duplicates, so at most that many users),
  // found by reading one past it in the indexes, no more.
  return `WITH counted AS MATERIALIZED (
      SELECT NOT EXISTS (SELECT 1 FROM ${candidates} c OFFSET ${PREFIX_CANDIDATES}) AS few
    )
    SELECT ${columns}
    FROM (SELECT * FROM (${[byUser, ...walks].join(' UNION ALL ')}) m ${order}) m
    JOIN users u ON u.id = m.user_id
    ORDER BY m.organization_id, m.id`;
}

/** The columns of a page: its id and the API's JSON of it (listMembersJson), or the table's (listPending). */
const SELECTS = {
  json: `m.id, ${PAGE_ROW_JSON}`,
  table:
    'm.id, m.user_id, u.email, u.name, m.role, m.status, m.source, m.added_by, m.created_at, m.joined_at',
} as const;

const pageSqlCache = new Map<string, string>();

/** The page statement of `q`'s shape (see pageSql) and its parameters; texts are cached by shape. */
function pageStatement(q: MemberQuery, select: keyof typeof SELECTS): CompiledQuery {
  const values: unknown[] = [q.organizationId, q.limit + 1];
  if (q.afterId) values.push(q.afterId);
  if (q.role) values.push(q.role);
  if (q.status) values.push(q.status);
  if (q.source) values.push(q.source);
  let bounded = false;
  if (q.q) {
    // Emails are stored lowercased and names compared lowercased, so the prefix is too; `%`, `_` and
    // backslash are matched literally. (A lone surrogate reaches the database as U+FFFD: so here.)
    const prefix = q.q.toLowerCase().replace(/[\uD800-\uDFFF]/gu, '\uFFFD');
    const upper = prefixUpperBound(prefix);
    values.push(`${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`, prefix);
    if (upper !== null) values.push(upper);
    bounded = upper !== null;
  }
  const shape: PageShape = {
    cursor: Boolean(q.afterId),
    role: Boolean(q.role),
    status: Boolean(q.status),
    source: Boolean(q.source),
    q: q.q ? (bounded ? 'bounded' : 'unbounded') : 'none',
  };
  const key = `${select} ${JSON.stringify(shape)}`;
  let text = pageSqlCache.get(key);
  if (text === undefined) {
    text = pageSql(shape, SELECTS[select]).replace(/\s+/g, ' ').trim();
    pageSqlCache.set(key, text);
  }
  return CompiledQuery.raw(text, values);
}

/** Runs the page statement of `q`'s shape (see pageSql), prepared once per connection. */
async function page<R>(db: Kysely<DB>, q: MemberQuery, select: keyof typeof SELECTS): Promise<R[]> {
  const result = await db.executeQuery<R>(pageStatement(q, select));
  return result.rows;
}

/** A members page as the database wrote it: the JSON array of its rows, and where the next one starts. */
export interface MemberPageJson {
  /** The page's rows (at most `limit`), a JSON array of MemberListRow, in join order. */
  data: string;
  /** The last row's id when more rows follow, else null. */
  lastIdIfMore: string | null;
}

/**
 * A page in join order (ids are UUIDv7), keyset on id within the organization: a deep page costs what
 * the first does, and so does a page of a large organization (see pageSql). The statement's text
 * depends only on which filters are present. The database writes each row's JSON (PAGE_ROW_JSON), so
 * the server joins texts instead of reading rows into objects and writing them out again.
 */
export async function listMembersJson(db: Kysely<DB>, q: MemberQuery): Promise<MemberPageJson> {
  const rows = await page<{ id: string; json: string }>(db, q, 'json');
  const more = rows.length > q.limit;
  const shown = more ? rows.slice(0, q.limit) : rows;
  return {
    data: `[${shown.map((r) => r.json).join(',')}]`,
    lastIdIfMore: more ? (shown.at(-1)?.id ?? null) : null,
  };
}

export function findMember(db: Kysely<DB>, organizationId: string, userId: string) {
  return db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(MEMBER_COLUMNS)
    .where('m.organization_id', '=', organizationId)
    .where('m.user_id', '=', userId)
    .executeTakeFirst();
}

/** A new role; an owner's membership does not expire, so becoming one clears any expiry. */
export function updateRole(db: Kysely<DB>, membershipId: string, role: Role) {
  return db
    .updateTable('memberships')
    .set({ role, ...(role === 'owner' && { expires_at: null, expiry_reminded_at: null }) })
    .where('id', '=', membershipId)
    .execute();
}

/** A new expiry (or none); the reminder is due again for it. */
export function updateExpiry(db: Kysely<DB>, membershipId: string, expiresAt: Date | null) {
  return db
    .updateTable('memberships')
    .set({ expires_at: expiresAt, expiry_reminded_at: null })
    .where('id', '=', membershipId)
    .execute();
}

/**
 * The target membership's status as the permission check answers it: `expired` from the moment its
 * expiry passes (the sweep that removes it comes later).
 */
const TARGET_STATUS = sql.raw(`CASE WHEN tm.expires_at <= now() THEN 'expired' ELSE tm.status END`);

/** SQL: the membership `m` has not passed its expiry. */
export const NOT_EXPIRED = sql<boolean>`(m.expires_at IS NULL OR m.expires_at > now())`;

export function deleteMembership(db: Kysely<DB>, membershipId: string) {
  return db.deleteFrom('memberships').where('id', '=', membershipId).execute();
}

export async function countActiveOwners(db: Kysely<DB>, organizationId: string): Promise<number> {
  const row = await db
    .selectFrom('memberships')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('organization_id', '=', organizationId)
    .where('role', '=', 'owner')
    .where('status', '=', 'active')
    .executeTakeFirstOrThrow();
  return row.n;
}

export interface PermissionRow {
  secret_hash: Uint8Array | null;
  key_scopes: string[] | null;
  org_id: string | null;
  org_slug: string | null;
  org_name: string | null;
  /** The organization requires a second factor of its members. */
  mfa_required: boolean | null;
  caller_role: Role | null;
  /** The scopes of the calling person's role when it is one of the organization's own. */
  caller_role_scopes: string[] | null;
  caller_status: MembershipStatus | 'expired' | null;
  /** Whether the calling person has a second factor; null unless the organization requires one. */
  caller_mfa: boolean | null;
  status: MembershipStatus | 'expired' | null;
  role: Role | null;
  /** The scopes of the target's role when it is one of the organization's own. */
  role_scopes: string[] | null;
  /** Whether the target has a second factor; null unless the organization requires one. */
  target_mfa: boolean | null;
}

/** One answer row of `batchPermissionLookup`: the credential (repeated), and the question's facts. */
export interface BatchPermissionRow {
  /** The question's position in the request. */
  i: number;
  secret_hash: Uint8Array | null;
  key_scopes: string[] | null;
  /** An app token's organization (the one that installed the app); null for an API key. */
  credential_org: string | null;
  org_id: string | null;
  mfa_required: boolean | null;
  status: MembershipStatus | 'expired' | null;
  role: Role | null;
  /** The scopes of the user's role when it is one of the organization's own. */
  role_scopes: string[] | null;
  /** Whether the user has a second factor; null unless the organization requires one. */
  target_mfa: boolean | null;
}

/** The credential's part of a batch check: its secret's hash, its scopes, and an app's organization. */
function batchCredential(kind: 'api_key' | 'app', id: string) {
  return kind === 'api_key'
    ? sql`SELECT k.secret_hash, k.scopes, NULL::uuid AS organization_id FROM api_keys k
          WHERE k.id = ${id} AND k.revoked_at IS NULL`
    : sql`SELECT t.access_hash AS secret_hash, i.scopes, i.organization_id FROM app_tokens t
          JOIN app_installations i ON i.id = t.installation_id
          WHERE t.id = ${id} AND t.revoked_at IS NULL AND t.access_expires_at > now()`;
}

const batchLookup = (kind: 'api_key' | 'app') =>
  compiledOnce(
    ['credentialId', 'questions'],
    (_db, p: { credentialId: string; questions: string }) =>
      sql<BatchPermissionRow>`
      SELECT q.i, c.secret_hash, c.scopes AS key_scopes, c.organization_id AS credential_org,
        o.id AS org_id, o.mfa_required, ${TARGET_STATUS} AS status, tm.role,
        ${customRoleScopes('tm')} AS role_scopes,
        CASE WHEN o.mfa_required AND tm.status IS NOT NULL
          THEN ${secondFactorEnrolled(sql.ref('tm.user_id'))} END AS target_mfa
      FROM jsonb_to_recordset(${p.questions}::jsonb) AS q(i int, org_id uuid, org_slug text, user_id uuid)
      LEFT JOIN (${batchCredential(kind, p.credentialId)}) c ON true
      LEFT JOIN organizations o
        ON o.id = coalesce(q.org_id, (SELECT s.id FROM organizations s WHERE s.slug = q.org_slug))
      LEFT JOIN memberships tm ON tm.organization_id = o.id AND tm.user_id = q.user_id
      ORDER BY q.i`,
  );
const batchLookups = { api_key: batchLookup('api_key'), app: batchLookup('app') };

/**
 * Many permission questions in one round trip (`POST /v1/permissions/check`): for each question —
 * an organization by id or by slug, a user — the organization and the user's membership in it, each an
 * index probe, with the caller's credential (an API key or an app's token) on every row. One row per
 * question, in the questions' order; one statement per kind of credential, whatever the count.
 */
export async function batchPermissionLookup(
  db: Kysely<DB>,
  kind: 'api_key' | 'app',
  credentialId: string,
  questions: ReadonlyArray<{ orgId: string | null; orgSlug: string | null; userId: string }>,
): Promise<BatchPermissionRow[]> {
  const json = JSON.stringify(
    questions.map((x, i) => ({ i, org_id: x.orgId, org_slug: x.orgSlug, user_id: x.userId })),
  );
  return (await batchLookups[kind](db, { credentialId, questions: json })).rows;
}

/**
 * The hot path, in one round trip: the caller's credential (session or API key), the organization
 * (by id or slug), the caller's own membership, and the target's membership — each one index probe,
 * in a statement shape simple enough to plan cheaply (and prepared once per connection). Where the
 * organization requires a second factor, whether the target (and a calling person) has one: two more
 * index probes each, inside a CASE that PostgreSQL evaluates only then.
 */
export async function permissionLookup(
  db: Kysely<DB>,
  p: {
    kind: 'session' | 'api_key' | 'app';
    credentialId: string;
    orgId: string | null;
    orgSlug: string | null;
    userId: string;
  },
): Promise<PermissionRow | undefined> {
  const org = p.orgId === null ? sql`o.slug = ${p.orgSlug}` : sql`o.id = ${p.orgId}`;
  const targetMfa = sql`CASE WHEN o.mfa_required AND tm.status IS NOT NULL
                          THEN ${secondFactorEnrolled(sql.ref('tm.user_id'))} END`;
  const targetScopes = customRoleScopes('tm');
  const result =
    p.kind === 'app'
      ? // An app's token reaches the organization that installed it, and no other.
        await sql<PermissionRow>`
          SELECT t.access_hash AS secret_hash, i.scopes AS key_scopes, o.id AS org_id,
                 o.slug AS org_slug, o.name AS org_name, o.mfa_required,
                 NULL AS caller_role, NULL AS caller_role_scopes, NULL AS caller_status, NULL AS caller_mfa,
                 tm.role, ${targetScopes} AS role_scopes, ${TARGET_STATUS} AS status,
                 ${targetMfa} AS target_mfa
          FROM (SELECT 1) AS one
          LEFT JOIN app_tokens t ON t.id = ${p.credentialId} AND t.revoked_at IS NULL
                                AND t.access_expires_at > now()
          LEFT JOIN app_installations i ON i.id = t.installation_id
          LEFT JOIN organizations o ON ${org} AND o.id = i.organization_id
          LEFT JOIN memberships tm ON tm.organization_id = o.id AND tm.user_id = ${p.userId}
        `.execute(db)
      : p.kind === 'api_key'
        ? await sql<PermissionRow>`
          SELECT k.secret_hash, k.scopes AS key_scopes, o.id AS org_id,
                 o.slug AS org_slug, o.name AS org_name, o.mfa_required,
                 NULL AS caller_role, NULL AS caller_role_scopes, NULL AS caller_status, NULL AS caller_mfa,
                 tm.role, ${targetScopes} AS role_scopes, ${TARGET_STATUS} AS status,
                 ${targetMfa} AS target_mfa
          FROM (SELECT 1) AS one
          LEFT JOIN api_keys k ON k.id = ${p.credentialId} AND k.revoked_at IS NULL
          LEFT JOIN organizations o ON ${org}
          LEFT JOIN memberships tm ON tm.organization_id = o.id AND tm.user_id = ${p.userId}
        `.execute(db)
        : await sql<PermissionRow>`
          SELECT s.secret_hash, NULL AS key_scopes, o.id AS org_id,
                 o.slug AS org_slug, o.name AS org_name, o.mfa_required,
                 cm.role AS caller_role, ${customRoleScopes('cm')} AS caller_role_scopes,
                 CASE WHEN cm.expires_at <= now() THEN 'expired' ELSE cm.status END AS caller_status,
                 CASE WHEN o.mfa_required AND cm.status = 'active'
                   THEN ${secondFactorEnrolled(sql.ref('cm.user_id'))} END AS caller_mfa,
                 tm.role, ${targetScopes} AS role_scopes, ${TARGET_STATUS} AS status,
                 ${targetMfa} AS target_mfa
          FROM (SELECT 1) AS one
          LEFT JOIN sessions s ON s.id = ${p.credentialId} AND s.expires_at > now()
          LEFT JOIN organizations o ON ${org}
          LEFT JOIN memberships cm ON cm.organization_id = o.id AND cm.user_id = s.user_id
          LEFT JOIN memberships tm ON tm.organization_id = o.id AND tm.user_id = ${p.userId}
        `.execute(db);
  return result.rows[0];
}

/** One membership by its own id (not the user's), with the user's email and name. */
export function findMembershipById(db: Kysely<DB>, membershipId: string) {
  return db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select([...MEMBER_COLUMNS, 'm.organization_id'])
    .where('m.id', '=', membershipId)
    .executeTakeFirst();
}

/**
 * Turns a pending membership active, with `role` when given. False when it is no longer pending: a
 * concurrent answer came first, and nothing is written.
 */
export async function activateMembership(db: Kysely<DB>, membershipId: string, role?: Role) {
  const result = await db
    .updateTable('memberships')
    .set({ status: 'active', joined_at: sql<Date>`now()`, ...(role && { role }) })
    .where('id', '=', membershipId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * The active members whose role gives `scope` — a built-in role's, or one of the organization's own
 * holding it — with their email and name: who approves requests and hears of requests to join.
 */
export function activeMembersWithScope(db: Kysely<DB>, organizationId: string, scope: Scope) {
  const builtIn = ROLES.filter((r) => scopesForRole(r).includes(scope));
  return db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['u.id', 'u.email', 'u.name'])
    .where('m.organization_id', '=', organizationId)
    .where('m.status', '=', 'active')
    .where(NOT_EXPIRED)
    .where((eb) =>
      eb.or([
        eb('m.role', 'in', builtIn),
        eb('m.custom_role', 'in', (sub) =>
          sub
            .selectFrom('org_roles as r')
            .select('r.key')
            .where('r.organization_id', '=', organizationId)
            .where(sql<boolean>`${scope} = ANY (r.scopes)`),
        ),
      ]),
    )
    .orderBy('u.email')
    .execute();
}

/** A membership with its user's email and name, as the table holds it. */
export interface MemberRow {
  id: string;
  user_id: string;
  email: string;
  name: string;
  role: Role;
  status: MembershipStatus;
  source: MembershipSource;
  added_by: string | null;
  created_at: Date;
  joined_at: Date | null;
}

/**
 * Pending memberships of one source, oldest first, keyset on id: the join-request queue. The members
 * page's statement (pending, one range per role), so a large organization's queue costs what a small
 * one's does.
 */
export function listPending(
  db: Kysely<DB>,
  q: { organizationId: string; source: MembershipSource; limit: number; afterId?: string },
): Promise<MemberRow[]> {
  return page<MemberRow>(db, { ...q, status: 'pending' }, 'table');
}

/** The unique index on (organization_id, user_id) said no: a concurrent writer added this user first. */
export function isMembershipConflict(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string };
  return e.code === '23505' && e.constraint === 'memberships_org_user_key';
}

/** The user's own pending owner-adds, oldest first, with the organization and the adder's name. */
export function pendingOwnerAddsOf(db: Kysely<DB>, userId: string) {
  return db
    .selectFrom('memberships as m')
    .innerJoin('organizations as o', 'o.id', 'm.organization_id')
    .leftJoin('users as adder', 'adder.id', 'm.added_by')
    .select([
      'm.id',
      'm.organization_id',
      'm.role',
      'm.created_at',
      'o.slug as org_slug',
      'o.name as org_name',
      'adder.name as adder_name',
    ])
    .where('m.user_id', '=', userId)
    .where('m.status', '=', 'pending')
    .where('m.source', '=', 'owner_add')
    .orderBy('m.id')
    .execute();
}

/** SQL for memberships. */
import { type Kysely, sql } from 'kysely';
import type { DB, MembershipSource, MembershipStatus } from '../../db/schema.ts';
import { uuidv7 } from '../../lib/ids.ts';
import type { Role } from '../access/scopes.ts';
import { secondFactorEnrolled } from '../mfa/mfa.repository.ts';

export function insertMembership(
  db: Kysely<DB>,
  m: {
    organizationId: string;
    userId: string;
    role: Role;
    status: MembershipStatus;
    source: MembershipSource;
    addedBy: string | null;
  },
) {
  return db
    .insertInto('memberships')
    .values({
      id: uuidv7(),
      organization_id: m.organizationId,
      user_id: m.userId,
      role: m.role,
      status: m.status,
      source: m.source,
      added_by: m.addedBy,
      joined_at: m.status === 'active' ? sql<Date>`now()` : null,
    })
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

/** A page in join order (ids are UUIDv7), keyset on (organization_id, id): a deep page costs what the first does. */
export function listMembers(db: Kysely<DB>, q: MemberQuery) {
  let query = db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(MEMBER_COLUMNS)
    .where('m.organization_id', '=', q.organizationId);
  if (q.afterId) query = query.where('m.id', '>', q.afterId);
  if (q.role) query = query.where('m.role', '=', q.role);
  if (q.status) query = query.where('m.status', '=', q.status);
  if (q.source) query = query.where('m.source', '=', q.source);
  if (q.q) {
    // Emails are stored lowercased and names compared lowercased, so the prefix is too; `%`, `_` and
    // backslash are matched literally.
    const prefix = `${q.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) =>
      eb.or([eb('u.email', 'like', prefix), eb(sql`lower(u.name)`, 'like', prefix)]),
    );
  }
  return query
    .orderBy('m.id')
    .limit(q.limit + 1)
    .execute();
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

export function updateRole(db: Kysely<DB>, membershipId: string, role: Role) {
  return db.updateTable('memberships').set({ role }).where('id', '=', membershipId).execute();
}

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
  caller_status: MembershipStatus | null;
  /** Whether the calling person has a second factor; null unless the organization requires one. */
  caller_mfa: boolean | null;
  status: MembershipStatus | null;
  role: Role | null;
  /** Whether the target has a second factor; null unless the organization requires one. */
  target_mfa: boolean | null;
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
  const result =
    p.kind === 'app'
      ? // An app's token reaches the organization that installed it, and no other.
        await sql<PermissionRow>`
          SELECT t.access_hash AS secret_hash, i.scopes AS key_scopes, o.id AS org_id,
                 o.slug AS org_slug, o.name AS org_name, o.mfa_required,
                 NULL AS caller_role, NULL AS caller_status, NULL AS caller_mfa, tm.role, tm.status,
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
                 NULL AS caller_role, NULL AS caller_status, NULL AS caller_mfa, tm.role, tm.status,
                 ${targetMfa} AS target_mfa
          FROM (SELECT 1) AS one
          LEFT JOIN api_keys k ON k.id = ${p.credentialId} AND k.revoked_at IS NULL
          LEFT JOIN organizations o ON ${org}
          LEFT JOIN memberships tm ON tm.organization_id = o.id AND tm.user_id = ${p.userId}
        `.execute(db)
        : await sql<PermissionRow>`
          SELECT s.secret_hash, NULL AS key_scopes, o.id AS org_id,
                 o.slug AS org_slug, o.name AS org_name, o.mfa_required,
                 cm.role AS caller_role, cm.status AS caller_status,
                 CASE WHEN o.mfa_required AND cm.status = 'active'
                   THEN ${secondFactorEnrolled(sql.ref('cm.user_id'))} END AS caller_mfa,
                 tm.role, tm.status, ${targetMfa} AS target_mfa
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

/** The emails of an organization's active owners and admins: who hears about requests to join. */
export async function adminEmails(db: Kysely<DB>, organizationId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select('u.email')
    .where('m.organization_id', '=', organizationId)
    .where('m.status', '=', 'active')
    .where('m.role', 'in', ['owner', 'admin'])
    .orderBy('u.email')
    .execute();
  return rows.map((r) => r.email);
}

/** Pending memberships of one source, oldest first, keyset on id: the join-request queue. */
export function listPending(
  db: Kysely<DB>,
  q: { organizationId: string; source: MembershipSource; limit: number; afterId?: string },
) {
  let query = db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(MEMBER_COLUMNS)
    .where('m.organization_id', '=', q.organizationId)
    .where('m.status', '=', 'pending')
    .where('m.source', '=', q.source);
  if (q.afterId) query = query.where('m.id', '>', q.afterId);
  return query
    .orderBy('m.id')
    .limit(q.limit + 1)
    .execute();
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

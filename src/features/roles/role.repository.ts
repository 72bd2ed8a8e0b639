/** SQL for an organization's own roles (`org_roles`; migration 0020). */
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { isBuiltInRole, type Role, type Scope } from '../access/scopes.ts';

/**
 * SQL: the scopes of the organization's own role held in the row `alias` (a membership, or anything
 * with `organization_id` and `custom_role`), or NULL for a built-in role — then no lookup is made
 * (CASE evaluates its branch lazily), so the built-in roles cost the caller's statement nothing.
 */
export function customRoleScopes(alias: string): RawBuilder<Scope[] | null> {
  const row = sql.table(alias);
  return sql<Scope[] | null>`CASE WHEN ${row}.custom_role IS NOT NULL THEN
    (SELECT r.scopes FROM org_roles r
      WHERE r.organization_id = ${row}.organization_id AND r.key = ${row}.custom_role) END`;
}

export const ROLE_COLUMNS = [
  'r.key',
  'r.name',
  'r.description',
  'r.scopes',
  'r.created_by',
  'r.created_at',
  'r.updated_at',
] as const;

export function listRoles(db: Kysely<DB>, orgId: string) {
  return db
    .selectFrom('org_roles as r')
    .select(ROLE_COLUMNS)
    .where('r.organization_id', '=', orgId)
    .orderBy('r.name')
    .orderBy('r.key')
    .execute();
}

export type RoleRow = Awaited<ReturnType<typeof listRoles>>[number];

export function findRole(db: Kysely<DB>, orgId: string, key: string) {
  return db
    .selectFrom('org_roles as r')
    .select(ROLE_COLUMNS)
    .where('r.organization_id', '=', orgId)
    .where('r.key', '=', key)
    .executeTakeFirst();
}

/** The scopes of each of the organization's own roles named in `keys` (built-in keys are not read). */
export async function customScopesOf(
  db: Kysely<DB>,
  orgId: string,
  keys: readonly Role[],
): Promise<Map<string, Scope[]>> {
  const custom = [...new Set(keys.filter((k) => !isBuiltInRole(k)))];
  if (custom.length === 0) return new Map();
  const rows = await db
    .selectFrom('org_roles')
    .select(['key', 'scopes'])
    .where('organization_id', '=', orgId)
    .where('key', 'in', custom)
    .execute();
  return new Map(rows.map((r) => [r.key, r.scopes]));
}

export async function countRoles(db: Kysely<DB>, orgId: string): Promise<number> {
  const row = await db
    .selectFrom('org_roles')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('organization_id', '=', orgId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Inserts the role; undefined when the organization already has one with this key. */
export function insertRole(
  db: Kysely<DB>,
  values: {
    orgId: string;
    key: string;
    name: string;
    description: string;
    scopes: Scope[];
    createdBy: string | null;
  },
) {
  return db
    .insertInto('org_roles')
    .values({
      organization_id: values.orgId,
      key: values.key,
      name: values.name,
      description: values.description,
      scopes: values.scopes,
      created_by: values.createdBy,
    })
    .onConflict((oc) => oc.columns(['organization_id', 'key']).doNothing())
    .returning(['key', 'name', 'description', 'scopes', 'created_by', 'created_at', 'updated_at'])
    .executeTakeFirst();
}

export function updateRole(
  db: Kysely<DB>,
  orgId: string,
  key: string,
  patch: { name?: string; description?: string; scopes?: Scope[] },
) {
  return db
    .updateTable('org_roles as r')
    .set({ ...patch, updated_at: sql<Date>`now()` })
    .where('r.organization_id', '=', orgId)
    .where('r.key', '=', key)
    .returning(ROLE_COLUMNS)
    .executeTakeFirstOrThrow();
}

export function deleteRole(db: Kysely<DB>, orgId: string, key: string) {
  return db.deleteFrom('org_roles').where('organization_id', '=', orgId).where('key', '=', key).execute();
}

/** How many members (any status) hold each of the organization's own roles. */
export async function memberCounts(db: Kysely<DB>, orgId: string): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('memberships')
    .select(['role', (eb) => eb.fn.countAll<string>().as('n')])
    .where('organization_id', '=', orgId)
    .where('custom_role', 'is not', null)
    .groupBy('role')
    .execute();
  return new Map(rows.map((r) => [r.role, Number(r.n)]));
}

/** What still holds the role: memberships (any status), pending invitations, live join links, domains' auto-join. */
export async function holdersOf(db: Kysely<DB>, orgId: string, key: string) {
  const result = await sql<{ members: string; invitations: string; join_links: string; domains: string }>`
    SELECT
      (SELECT count(*) FROM memberships WHERE organization_id = ${orgId} AND custom_role = ${key}) AS members,
      (SELECT count(*) FROM invitations WHERE organization_id = ${orgId} AND custom_role = ${key}) AS invitations,
      (SELECT count(*) FROM join_links WHERE organization_id = ${orgId} AND custom_role = ${key}) AS join_links,
      (SELECT count(*) FROM org_domains WHERE organization_id = ${orgId} AND custom_role = ${key}) AS domains
  `.execute(db);
  const row = result.rows[0];
  return {
    members: Number(row?.members ?? 0),
    invitations: Number(row?.invitations ?? 0),
    joinLinks: Number(row?.join_links ?? 0),
    domains: Number(row?.domains ?? 0),
  };
}

/**
 * Moves everything holding role `from` to role `to`: memberships (returning whose), pending
 * invitations, live join links and domains' auto-join — so that `from` can be deleted.
 */
export async function moveHolders(db: Kysely<DB>, orgId: string, from: string, to: string) {
  const members = await db
    .updateTable('memberships')
    .set({ role: to })
    .where('organization_id', '=', orgId)
    .where('custom_role', '=', from)
    .returning(['id', 'user_id', 'status'])
    .execute();
  const invitations = await db
    .updateTable('invitations')
    .set({ role: to, updated_at: sql<Date>`now()` })
    .where('organization_id', '=', orgId)
    .where('custom_role', '=', from)
    .executeTakeFirst();
  const links = await db
    .updateTable('join_links')
    .set({ role: to })
    .where('organization_id', '=', orgId)
    .where('custom_role', '=', from)
    .executeTakeFirst();
  const domains = await db
    .updateTable('org_domains')
    .set({ role: to })
    .where('organization_id', '=', orgId)
    .where('custom_role', '=', from)
    .executeTakeFirst();
  return {
    members,
    invitations: Number(invitations.numUpdatedRows),
    joinLinks: Number(links.numUpdatedRows),
    domains: Number(domains.numUpdatedRows),
  };
}

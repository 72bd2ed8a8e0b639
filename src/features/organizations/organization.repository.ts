/** SQL for organizations. */
import {
  type Compilable,
  type Expression,
  type InferResult,
  type Kysely,
  sql,
  type Updateable,
} from 'kysely';
import { compiledOnce } from '../../db/compiled.ts';
import type { DB, MembershipStatus, OrganizationsTable } from '../../db/schema.ts';
import { isUuid } from '../../lib/ids.ts';
import type { Role, Scope } from '../access/scopes.ts';
import { NOT_EXPIRED } from '../members/member.repository.ts';
import { secondFactorEnrolled } from '../mfa/mfa.repository.ts';
import { customRoleScopes } from '../roles/role.repository.ts';

export const ORG_COLUMNS = [
  'o.id',
  'o.slug',
  'o.name',
  'o.member_limit',
  'o.join_requests_enabled',
  'o.sso_enforced',
  'o.mfa_required',
  'o.invite_expiry_days',
  'o.invite_verified_domains_only',
  'o.created_at',
  'o.updated_at',
] as const;

/** `{org}` in a path is an id or a slug (slugs are lowercase, so `Acme-Inc` finds `acme-inc`). */
function whereRef(ref: string) {
  return isUuid(ref)
    ? (['o.id', '=', ref.toLowerCase()] as const)
    : (['o.slug', '=', ref.toLowerCase()] as const);
}

/** The column `{org}` names an organization by (see whereRef). */
export type OrgRefColumn = 'o.id' | 'o.slug';

/**
 * The organization named by `ref` in `column` and `user`'s membership in it (if any) — `user` a user
 * id or a column of an enclosing statement. When the organization requires a second factor,
 * `member_mfa_enrolled` says whether an active member has one (two index probes, made only then: CASE
 * evaluates its branch lazily); otherwise it is null.
 */
export function orgWithMembershipQuery(
  db: Kysely<DB>,
  column: OrgRefColumn,
  ref: string,
  user: string | Expression<string>,
) {
  return (
    db
      .selectFrom('organizations as o')
      // A membership past its expiry is no membership, from that moment (the sweep removes it later).
      .leftJoin('memberships as m', (j) =>
        j.onRef('m.organization_id', '=', 'o.id').on('m.user_id', '=', user).on(NOT_EXPIRED),
      )
      .select([
        ...ORG_COLUMNS,
        'm.role as member_role',
        customRoleScopes('m').as('member_role_scopes'),
        'm.status as member_status',
        'm.id as membership_id',
        sql<boolean | null>`CASE WHEN o.mfa_required AND m.status = 'active'
        THEN ${secondFactorEnrolled(sql.ref('m.user_id'))} END`.as('member_mfa_enrolled'),
      ])
      .where(column, '=', ref)
  );
}

/** One compiled statement per column a reference may name (`orgWithMembershipQuery` built once each). */
export function byRefColumn<P extends Record<string, unknown>, O>(
  keys: ReadonlyArray<keyof P & string>,
  build: (db: Kysely<DB>, column: OrgRefColumn, p: P) => Compilable<O>,
) {
  const byColumn = {
    'o.id': compiledOnce(keys, (db, p: P) => build(db, 'o.id', p)),
    'o.slug': compiledOnce(keys, (db, p: P) => build(db, 'o.slug', p)),
  };
  /** Runs the statement for `ref` (an id or a slug), which reaches it lowercased as `p.ref`. */
  return (db: Kysely<DB>, ref: string, p: Omit<P, 'ref'>) => {
    const [column, , value] = whereRef(ref);
    return byColumn[column](db, { ...p, ref: value } as unknown as P);
  };
}

const orgWithMembership = byRefColumn<{ ref: string; userId: string }, OrgRow>(
  ['ref', 'userId'],
  (db, column, p) => orgWithMembershipQuery(db, column, p.ref, p.userId),
);

/** The organization and the user's membership in it (if any), in one query (orgWithMembershipQuery). */
export async function findOrgWithMembership(db: Kysely<DB>, ref: string, userId: string | null) {
  const result = await orgWithMembership(db, ref, {
    userId: userId ?? '00000000-0000-0000-0000-000000000000',
  });
  return result.rows[0];
}

/**
 * The organization's gate: a transaction-scoped advisory lock, taken just before its row lock, shared by
 * `shareOrg` and exclusive for `lockOrg`. Row locks do not queue fairly — a new FOR SHARE is granted
 * while a FOR NO KEY UPDATE waits, so a steady stream of invitations could hold a role change off for
 * ever — but advisory locks do: a sharer arriving after a waiting exclusive writer waits its turn. In the
 * same statement as the row lock (a materialized CTE, taken before the row lock above the scan).
 */
function gate(orgId: string, mode: 'shared' | 'exclusive') {
  const key = sql`hashtextextended('org:' || ${orgId}::text, 0)`;
  return mode === 'shared'
    ? sql`(SELECT pg_advisory_xact_lock_shared(${key}) AS locked)`
    : sql`(SELECT pg_advisory_xact_lock(${key}) AS locked)`;
}

/** Locks the organization row for the rest of the transaction: membership changes of one org go one at a time. */
export function lockOrg(db: Kysely<DB>, orgId: string) {
  return db
    .with('gate', () => gate(orgId, 'exclusive') as never)
    .selectFrom(['gate', 'organizations as o'])
    .select(ORG_COLUMNS)
    .where('o.id', '=', orgId)
    .forNoKeyUpdate('o')
    .executeTakeFirst();
}

/** What `shareOrg` reads of the organization, after its gate. */
function shareOrgQuery(db: Kysely<DB>, orgId: string) {
  return db
    .with('gate', () => gate(orgId, 'shared') as never)
    .selectFrom(['gate', 'organizations as o'])
    .select(ORG_COLUMNS)
    .select(sql<Date>`now()`.as('now'))
    .where('o.id', '=', orgId);
}

const shareOrgAs = {
  /** For an API key or an app: no caller membership to hold. */
  key: compiledOnce(['orgId'], (db, p: { orgId: string }) =>
    shareOrgQuery(db, p.orgId)
      .select([
        sql<Role | null>`NULL`.as('caller_role'),
        sql<Scope[] | null>`NULL`.as('caller_role_scopes'),
        sql<MembershipStatus | null>`NULL`.as('caller_status'),
        sql<string | null>`NULL`.as('caller_name'),
      ])
      .forShare('o'),
  ),
  person: compiledOnce(['orgId', 'userId'], (db, p: { orgId: string; userId: string }) =>
    shareOrgQuery(db, p.orgId)
      .innerJoin('memberships as cm', (join) =>
        join.onRef('cm.organization_id', '=', 'o.id').on('cm.user_id', '=', p.userId),
      )
      .innerJoin('users as cu', 'cu.id', 'cm.user_id')
      .select([
        sql<Role | null>`cm.role`.as('caller_role'),
        customRoleScopes('cm').as('caller_role_scopes'),
        sql<MembershipStatus | null>`CASE WHEN cm.expires_at <= now() THEN NULL ELSE cm.status END`.as(
          'caller_status',
        ),
        sql<string | null>`cu.name`.as('caller_name'),
      ])
      .forShare(['o', 'cm']),
  ),
};

/**
 * Shares the organization's row lock for the rest of the transaction (FOR SHARE): writes that only add
 * to the organization (inviting, accepting an invitation) hold it side by side, while every change that
 * takes `lockOrg` waits for them, and they for it (both pass the organization's gate first, which keeps
 * the turns fair). In the same round trip: the transaction's clock (`now()`, fixed for the whole
 * transaction) and — given `userId` — the calling person's membership, locked too (FOR SHARE), and name.
 * Locking it is what makes the role read current: a row read in the statement that waited for a lock is
 * re-read after the wait only if it is locked itself, and a demotion (under `lockOrg`) is what such a
 * wait may have been for. For the same reason, read anything else a `lockOrg` writer may have changed
 * (webhook endpoints) in a later statement. No row: the organization is gone, or the person is not a
 * member of it.
 */
export async function shareOrg(db: Kysely<DB>, orgId: string, userId: string | null) {
  const result =
    userId === null ? await shareOrgAs.key(db, { orgId }) : await shareOrgAs.person(db, { orgId, userId });
  return result.rows[0];
}

/**
 * With a member limit, seats are counted, and writes that take one under `shareOrg` must count one at
 * a time: a transaction-scoped advisory lock per organization serializes them (those under `lockOrg`
 * already exclude them all). Take it before `seatsInUse`, in its own statement, so the count's
 * snapshot comes after the lock.
 */
export async function lockSeats(db: Kysely<DB>, orgId: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`seats:${orgId}`}, 0))`.execute(db);
}

export function insertOrg(db: Kysely<DB>, values: { id: string; slug: string; name: string }) {
  return db
    .insertInto('organizations')
    .values(values)
    .onConflict((oc) => oc.column('slug').doNothing())
    .returning(ORG_COLUMNS.map((c) => c.slice(2) as keyof OrganizationsTable))
    .executeTakeFirst();
}

export type OrgPatch = Omit<Updateable<OrganizationsTable>, 'id' | 'created_at' | 'updated_at'>;

export function updateOrg(db: Kysely<DB>, orgId: string, patch: OrgPatch) {
  return db
    .updateTable('organizations')
    .set({ ...patch, updated_at: sql<Date>`now()` })
    .where('id', '=', orgId)
    .returning(ORG_COLUMNS.map((c) => c.slice(2) as keyof OrganizationsTable))
    .executeTakeFirstOrThrow();
}

export function deleteOrg(db: Kysely<DB>, orgId: string) {
  return db.deleteFrom('organizations').where('id', '=', orgId).executeTakeFirst();
}

/**
 * Seats in use: active members plus pending, approved, unexpired invitations — the one definition
 * every check against `memberLimit` uses. Call it under `lockOrg` for a check that must hold.
 */
export async function seatsInUse(db: Kysely<DB>, orgId: string): Promise<number> {
  const result = await sql<{ n: number }>`
    SELECT (SELECT count(*) FROM memberships WHERE organization_id = ${orgId} AND status = 'active')
         + (SELECT count(*) FROM invitations
            WHERE organization_id = ${orgId} AND status = 'pending' AND approval = 'approved'
              AND expires_at > now())
      AS n
  `.execute(db);
  return Number(result.rows[0]?.n ?? 0);
}

export function listUserOrgs(db: Kysely<DB>, userId: string) {
  return db
    .selectFrom('memberships as m')
    .innerJoin('organizations as o', 'o.id', 'm.organization_id')
    .select([...ORG_COLUMNS, 'm.id as membership_id', 'm.role', 'm.status', 'm.source', 'm.joined_at'])
    .where('m.user_id', '=', userId)
    .where(NOT_EXPIRED)
    .orderBy('o.name')
    .orderBy('o.id')
    .execute();
}

export type OrgRow = InferResult<ReturnType<typeof orgWithMembershipQuery>>[number];
export type { Role };

/** Every organization with its count of active members, oldest first: the operator's `roster org list`. */
export function listAllOrgs(db: Kysely<DB>) {
  return db
    .selectFrom('organizations as o')
    .select([
      ...ORG_COLUMNS,
      (eb) =>
        eb
          .selectFrom('memberships as m')
          .select(sql<number>`count(*)::int`.as('n'))
          .whereRef('m.organization_id', '=', 'o.id')
          .where('m.status', '=', 'active')
          .as('active_members'),
    ])
    .orderBy('o.created_at')
    .orderBy('o.id')
    .execute();
}

/** The active owners' emails, for the operator's `roster org show`. */
export async function ownerEmails(db: Kysely<DB>, orgId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select('u.email')
    .where('m.organization_id', '=', orgId)
    .where('m.role', '=', 'owner')
    .where('m.status', '=', 'active')
    .orderBy('u.email')
    .execute();
  return rows.map((r) => r.email);
}

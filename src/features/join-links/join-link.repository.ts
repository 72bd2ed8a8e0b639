/** SQL for join links (`join_links`, migration 0016). */
import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Role } from '../access/scopes.ts';

export interface NewJoinLink {
  id: string;
  organizationId: string;
  label: string | null;
  role: Role;
  requireApproval: boolean;
  allowedDomains: string[];
  maxUses: number | null;
  expiresAt: Date | null;
  secretHash: Uint8Array;
  createdBy: string | null;
}

/** Live links an organization may hold at once: past it, revoke one before making another. */
export const MAX_LIVE_JOIN_LINKS = 50;

const LINK_COLUMNS = [
  'l.id',
  'l.organization_id',
  'l.label',
  'l.role',
  'l.require_approval',
  'l.allowed_domains',
  'l.max_uses',
  'l.uses',
  'l.expires_at',
  'l.created_by',
  'l.created_at',
  'l.rotated_at',
  'l.revoked_at',
] as const;

/** A link's state at the database's clock: `active` admits, the others say why it does not. */
const stateExpr = sql<'active' | 'revoked' | 'expired' | 'used_up'>`CASE
    WHEN l.revoked_at IS NOT NULL THEN 'revoked'
    WHEN l.expires_at IS NOT NULL AND l.expires_at <= now() THEN 'expired'
    WHEN l.max_uses IS NOT NULL AND l.uses >= l.max_uses THEN 'used_up'
    ELSE 'active' END`;

function linkQuery(db: Kysely<DB>) {
  return db
    .selectFrom('join_links as l')
    .leftJoin('users as c', 'c.id', 'l.created_by')
    .select(LINK_COLUMNS)
    .select(['c.name as created_by_name', stateExpr.as('state')]);
}

export type JoinLinkRow = NonNullable<Awaited<ReturnType<typeof findLink>>>;

export async function insertLink(db: Kysely<DB>, l: NewJoinLink) {
  await db
    .insertInto('join_links')
    .values({
      id: l.id,
      organization_id: l.organizationId,
      label: l.label,
      role: l.role,
      require_approval: l.requireApproval,
      allowed_domains: l.allowedDomains,
      max_uses: l.maxUses,
      expires_at: l.expiresAt,
      secret_hash: l.secretHash,
      created_by: l.createdBy,
    })
    .execute();
}

/** One link of the organization, with its state; undefined when it has no such link. */
export function findLink(db: Kysely<DB>, organizationId: string, id: string) {
  return linkQuery(db)
    .where('l.organization_id', '=', organizationId)
    .where('l.id', '=', id)
    .executeTakeFirst();
}

/** The organization's links, newest first (ids are UUIDv7), one page past `beforeId`. */
export function listLinks(db: Kysely<DB>, q: { organizationId: string; limit: number; beforeId?: string }) {
  let query = linkQuery(db).where('l.organization_id', '=', q.organizationId);
  if (q.beforeId) query = query.where('l.id', '<', q.beforeId);
  return query
    .orderBy('l.id', 'desc')
    .limit(q.limit + 1)
    .execute();
}

/** How many of the organization's links still admit someone. */
export async function countLiveLinks(db: Kysely<DB>, organizationId: string): Promise<number> {
  const row = await db
    .selectFrom('join_links as l')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('l.organization_id', '=', organizationId)
    .where(stateExpr, '=', 'active')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * What a token's id names, with its organization: for the landing page and for a use. The secret is
 * compared by the caller, in constant time.
 */
export function findLinkForToken(db: Kysely<DB>, id: string) {
  return db
    .selectFrom('join_links as l')
    .innerJoin('organizations as o', 'o.id', 'l.organization_id')
    .select(LINK_COLUMNS)
    .select([
      'l.secret_hash',
      stateExpr.as('state'),
      'o.slug as org_slug',
      'o.name as org_name',
      'o.sso_enforced as org_sso_enforced',
    ])
    .where('l.id', '=', id)
    .executeTakeFirst();
}

/** Compare-and-set to revoked; false when it already was. */
export async function revokeLink(db: Kysely<DB>, organizationId: string, id: string, by: string | null) {
  const r = await db
    .updateTable('join_links')
    .set({ revoked_at: sql<Date>`now()`, revoked_by: by })
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/** A new secret for a link that is not revoked; false when it is (or is gone). */
export async function rotateSecret(
  db: Kysely<DB>,
  organizationId: string,
  id: string,
  secretHash: Uint8Array,
) {
  const r = await db
    .updateTable('join_links')
    .set({ secret_hash: secretHash, rotated_at: sql<Date>`now()` })
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/**
 * Counts one use, only while the link admits (not revoked, not expired, a use left) and its secret is
 * still `secretHash` (a rotation since the token was read makes the old token fail). The row lock
 * this takes orders parallel uses: each re-reads the count the one before it left, so a link with
 * `max_uses = n` is used at most n times (and the CHECK on the table says so again).
 */
export async function takeUse(db: Kysely<DB>, id: string, secretHash: Uint8Array): Promise<boolean> {
  const r = await db
    .updateTable('join_links')
    .set((eb) => ({ uses: eb('uses', '+', 1) }))
    .where('id', '=', id)
    .where('secret_hash', '=', secretHash)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]))
    .where((eb) => eb.or([eb('max_uses', 'is', null), eb('uses', '<', eb.ref('max_uses'))]))
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/** A pending request to join becomes active through a link that joins directly. */
export async function activateThroughLink(db: Kysely<DB>, membershipId: string, role: Role) {
  const r = await db
    .updateTable('memberships')
    .set({ status: 'active', joined_at: sql<Date>`now()`, role, source: 'join_link' })
    .where('id', '=', membershipId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/** The ids of the pending invitations to `email` in the organization (a link use makes them moot). */
export async function pendingInvitationIds(db: Kysely<DB>, organizationId: string, email: string) {
  const rows = await db
    .selectFrom('invitations')
    .select('id')
    .where('organization_id', '=', organizationId)
    .where('email', '=', email)
    .where('status', '=', 'pending')
    .execute();
  return rows.map((r) => r.id);
}

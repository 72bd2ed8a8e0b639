/**
 * Organization context in OpenID Connect tokens. A client names an organization with the resource
 * indicator `urn:roster:organization:<id>` (RFC 8707); the access token it gets for it is a JWT whose
 * claims say the person's standing there *at issue time*: `org_id`, `org_slug`, `org_role` and
 * `permissions` (the role's scopes). Only an active member gets one, and where the organization
 * requires a second factor, only a member who has one (as the permission check answers).
 */
import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { type Role, roleScopes, type Scope } from '../access/scopes.ts';
import { NOT_EXPIRED } from '../members/member.repository.ts';
import { secondFactorEnrolled } from '../mfa/mfa.repository.ts';
import { findOrgWithMembership } from '../organizations/organization.repository.ts';
import { customRoleScopes } from '../roles/role.repository.ts';

export const ORG_RESOURCE_PREFIX = 'urn:roster:organization:';
/** The OpenID scope that lists memberships and allows organization tokens. */
export const ORGANIZATIONS_SCOPE = 'organizations';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The organization id a resource indicator names, or null when it is not an organization's. */
export function orgIdOfResource(resource: string): string | null {
  if (!resource.startsWith(ORG_RESOURCE_PREFIX)) return null;
  const id = resource.slice(ORG_RESOURCE_PREFIX.length).toLowerCase();
  return UUID.test(id) ? id : null;
}

export const orgResource = (orgId: string) => `${ORG_RESOURCE_PREFIX}${orgId}`;

export interface OrgStanding {
  id: string;
  slug: string;
  name: string;
  role: Role;
  /** The scopes the role gives. */
  scopes: readonly Scope[];
  /** The organization requires a second factor and the person has none: no token for it. */
  mfaBlocked: boolean;
}

/** Every active membership of `userId`, oldest first, with whether a second factor holds it back. */
export async function activeMemberships(db: Database, userId: string): Promise<OrgStanding[]> {
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('organizations as o', 'o.id', 'm.organization_id')
    .select(['o.id', 'o.slug', 'o.name', 'm.role', customRoleScopes('m').as('role_scopes'), 'o.mfa_required'])
    .select(
      sql<boolean | null>`CASE WHEN o.mfa_required
        THEN ${secondFactorEnrolled(sql.ref('m.user_id'))} END`.as('mfa_enrolled'),
    )
    .where('m.user_id', '=', userId)
    .where('m.status', '=', 'active')
    .where(NOT_EXPIRED)
    .orderBy('m.joined_at')
    .orderBy('o.id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    slug: r.slug,
    name: r.name,
    role: r.role,
    scopes: roleScopes(r.role, r.role_scopes),
    mfaBlocked: r.mfa_required && r.mfa_enrolled !== true,
  }));
}

/** The person's standing in one organization (one query), or null when they are not an active member. */
export async function membershipIn(db: Database, userId: string, orgId: string): Promise<OrgStanding | null> {
  const row = await findOrgWithMembership(db, orgId, userId);
  if (row?.member_status !== 'active' || !row.member_role) return null;
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    role: row.member_role,
    scopes: roleScopes(row.member_role, row.member_role_scopes),
    mfaBlocked: row.mfa_required && row.member_mfa_enrolled !== true,
  };
}

/** The claims an organization access token carries. */
export function orgClaims(standing: OrgStanding) {
  return {
    org_id: standing.id,
    org_slug: standing.slug,
    org_role: standing.role,
    permissions: [...standing.scopes],
  };
}

/**
 * Who may do what in an organization. Resolves the caller's standing in one query, hides the
 * organization from non-members (404), and checks scopes (403) — the only gate handlers use.
 */
import type { Kysely } from 'kysely';
import type { Context } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import { CommonErrors } from '../../lib/errors.ts';
import { type Actor, SYSTEM_ACTOR } from '../audit/audit.repository.ts';
import { actorOf, type Principal } from '../auth/principal.ts';
import { OrganizationErrors } from '../organizations/organization.errors.ts';
import { findOrgWithMembership, type OrgRow } from '../organizations/organization.repository.ts';
import {
  type Grant,
  grantForApiKey,
  grantForApp,
  grantForRole,
  hasScope,
  type Role,
  SCOPES,
  type Scope,
} from './scopes.ts';

export type Organization = Omit<OrgRow, 'member_role' | 'member_status' | 'membership_id'>;

export interface OrgAccess {
  org: Organization;
  grant: Grant;
  /** The caller's role when the caller is a member; null for an API key or an app. */
  role: Role | null;
  /** The caller's user id when the caller is a person. */
  userId: string | null;
  actor: Actor;
}

export async function orgAccess(ctx: Context, principal: Principal | null, ref: string, ip: string | null) {
  if (!principal) throw CommonErrors.UNAUTHENTICATED();
  const userId = principal.kind === 'user' ? principal.user.id : null;
  const row = await findOrgWithMembership(ctx.db, ref, userId);
  if (!row) throw OrganizationErrors.ORGANIZATION_NOT_FOUND();
  const { member_role, member_status, membership_id: _, ...org } = row;
  let grant: Grant;
  let role: Role | null = null;
  if (principal.kind === 'user') {
    // A pending membership is not membership yet: the organization stays invisible.
    if (member_status !== 'active' || !member_role) throw OrganizationErrors.ORGANIZATION_NOT_FOUND();
    role = member_role;
    grant = grantForRole(member_role);
  } else if (principal.kind === 'app') {
    // An app's token reaches the organization that installed it, and no other.
    if (org.id !== principal.organizationId) throw OrganizationErrors.ORGANIZATION_NOT_FOUND();
    grant = grantForApp(principal.scopes);
  } else {
    grant = grantForApiKey(principal.scopes);
  }
  return { org, grant, role, userId, actor: actorOf(principal, ip) } satisfies OrgAccess;
}

export function requireScope(access: OrgAccess, scope: Scope): void {
  if (!hasScope(access.grant, scope)) {
    throw CommonErrors.FORBIDDEN({ requiredScope: scope }, `This needs the '${scope}' permission.`);
  }
}

/** Loads the organization and checks one scope: the usual first line of an org-scoped handler. */
export async function authorize(
  ctx: Context,
  principal: Principal | null,
  ref: string,
  scope: Scope,
  ip: string | null,
) {
  const access = await orgAccess(ctx, principal, ref, ip);
  requireScope(access, scope);
  return access;
}

/**
 * The operator at the command line (`roster org …`): every scope, up to the owner ceiling, audited as
 * `system`. The organization rules (last owner, seats, consent) bind the operator like anyone else.
 */
export async function operatorAccess(ctx: Context, ref: string): Promise<OrgAccess> {
  const row = await findOrgWithMembership(ctx.db, ref, null);
  if (!row) throw OrganizationErrors.ORGANIZATION_NOT_FOUND();
  const { member_role: _r, member_status: _s, membership_id: _m, ...org } = row;
  return { org, grant: grantForApiKey(SCOPES), role: null, userId: null, actor: SYSTEM_ACTOR };
}

/**
 * The caller's standing read again inside a transaction that holds the organization's lock: while the
 * request waited for it, a concurrent change may have demoted or removed the caller, whose authority
 * must not outlive that. Checks `scope` on it (404 when no longer a member, 403 without the scope) and
 * returns the grant as it is now. An API key's grant does not depend on memberships.
 */
export async function requireScopeUnderLock(db: Kysely<DB>, access: OrgAccess, scope: Scope): Promise<Grant> {
  let grant: Grant = access.grant;
  if (access.userId !== null) {
    const row = await db
      .selectFrom('memberships')
      .select(['role', 'status'])
      .where('organization_id', '=', access.org.id)
      .where('user_id', '=', access.userId)
      .executeTakeFirst();
    if (row?.status !== 'active') throw OrganizationErrors.ORGANIZATION_NOT_FOUND();
    grant = grantForRole(row.role);
  }
  requireScope({ ...access, grant }, scope);
  return grant;
}

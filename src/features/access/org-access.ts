/**
 * Who may do what in an organization. Resolves the caller's standing in one query, hides the
 * organization from non-members (404), and checks scopes (403) — the only gate handlers use.
 */
import type { Context } from '../../context.ts';
import { CommonErrors } from '../../lib/errors.ts';
import type { Actor } from '../audit/audit.repository.ts';
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

/**
 * Who may do what in an organization. Resolves the caller's standing in one query, hides the
 * organization from non-members (404), and checks scopes (403) — the only gate handlers use — and,
 * for changes made under the organization's lock, reads that standing again once the lock is held.
 *
 * An organization may require a second factor (`mfa_required`): a member without one (no confirmed
 * authenticator app, no passkey) then holds a grant with no scope (`grantPendingMfa`), and every
 * scope or standing check answers 403 MFA_REQUIRED, naming the organization and where to enrol. The
 * same query says whether they have one, so the gate costs no extra round trip. What needs no scope
 * stays open: leaving the organization, and reading it (`viewer.mfa` tells the console to send them to
 * enrolment). API keys and apps are not people and are not affected.
 */
import type { Kysely } from 'kysely';
import type { Context } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import { CommonErrors, invalidField } from '../../lib/errors.ts';
import { type Actor, SYSTEM_ACTOR } from '../audit/audit.repository.ts';
import { actorOf, type Principal } from '../auth/principal.ts';
import { MemberErrors } from '../members/member.errors.ts';
import { NOT_EXPIRED } from '../members/member.repository.ts';
import { OrganizationErrors } from '../organizations/organization.errors.ts';
import {
  findOrgWithMembership,
  lockOrg,
  type OrgRow,
  shareOrg,
} from '../organizations/organization.repository.ts';
import { customRoleScopes, customScopesOf } from '../roles/role.repository.ts';
import { AccessErrors } from './access.errors.ts';
import {
  builtInRole,
  canManageRole,
  type Grant,
  grantForApiKey,
  grantForApp,
  grantForRole,
  grantPendingMfa,
  hasScope,
  isBuiltInRole,
  type Role,
  type RoleDef,
  SCOPES,
  type Scope,
} from './scopes.ts';

export type Organization = Omit<
  OrgRow,
  'member_role' | 'member_role_scopes' | 'member_status' | 'membership_id' | 'member_mfa_enrolled'
>;

/** Where a person sets up a second factor (`GET /v1/me/mfa` and the routes under it). */
export const MFA_ENROL_PATH = '/v1/me/mfa';

export interface OrgAccess {
  org: Organization;
  grant: Grant;
  /** The caller's role when the caller is a member; null for an API key or an app. */
  role: Role | null;
  /** The caller's user id when the caller is a person. */
  userId: string | null;
  actor: Actor;
  /**
   * For a person in an organization that requires a second factor: whether they have one (without,
   * `grant` holds no scope). Null when the organization does not require one, or for a key or an app.
   */
  mfa: { required: true; enrolled: boolean } | null;
}

/**
 * What the auth plugin read with the session for this organization (resolveSessionIn), once: a second
 * look at the organization in the same request reads it again. Undefined when nothing was read for `ref`.
 */
function takePrefetched(principal: Principal, ref: string): OrgRow | null | undefined {
  if (principal.kind !== 'user' || principal.prefetchedOrg?.ref !== ref) return undefined;
  const { row } = principal.prefetchedOrg;
  principal.prefetchedOrg = undefined;
  return row;
}

export async function orgAccess(
  ctx: Context,
  principal: Principal | null,
  ref: string,
  ip: string | null,
): Promise<OrgAccess> {
  if (!principal) throw CommonErrors.UNAUTHENTICATED();
  const userId = principal.kind === 'user' ? principal.user.id : null;
  const prefetched = takePrefetched(principal, ref);
  const row = prefetched !== undefined ? prefetched : await findOrgWithMembership(ctx.db, ref, userId);
  if (!row) throw OrganizationErrors.ORGANIZATION_NOT_FOUND();
  const {
    member_role,
    member_role_scopes,
    member_status,
    membership_id: _,
    member_mfa_enrolled,
    ...org
  } = row;
  let grant: Grant;
  let role: Role | null = null;
  let mfa: OrgAccess['mfa'] = null;
  if (principal.kind === 'user') {
    // A pending membership is not membership yet: the organization stays invisible.
    if (member_status !== 'active' || !member_role) throw OrganizationErrors.ORGANIZATION_NOT_FOUND();
    role = member_role;
    if (org.mfa_required) {
      const enrolled = member_mfa_enrolled === true;
      mfa = { required: true, enrolled };
      grant = enrolled ? grantForRole(member_role, member_role_scopes) : grantPendingMfa(org);
    } else {
      grant = grantForRole(member_role, member_role_scopes);
    }
  } else if (principal.kind === 'app') {
    // An app's token reaches the organization that installed it, and no other.
    if (org.id !== principal.organizationId) throw OrganizationErrors.ORGANIZATION_NOT_FOUND();
    grant = grantForApp(principal.scopes);
  } else {
    grant = grantForApiKey(principal.scopes);
  }
  return { org, grant, role, userId, actor: actorOf(principal, ip), mfa };
}

/** 403 MFA_REQUIRED: the organization requires a second factor and the caller has none yet. */
export function mfaRequired(organization: { id: string; slug: string; name: string }) {
  return AccessErrors.MFA_REQUIRED({
    organization: { id: organization.id, slug: organization.slug, name: organization.name },
    enrol: MFA_ENROL_PATH,
  });
}

const forbidden = (scope: Scope) =>
  CommonErrors.FORBIDDEN({ requiredScope: scope }, `This needs the '${scope}' permission.`);

function requireGrant(grant: Grant, scope: Scope | null): void {
  if (grant.mfaRequiredBy) throw mfaRequired(grant.mfaRequiredBy);
  if (scope !== null && !hasScope(grant, scope)) throw forbidden(scope);
}

export function requireScope(access: OrgAccess, scope: Scope): void {
  requireGrant(access.grant, scope);
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
  const {
    member_role: _r,
    member_role_scopes: _rs,
    member_status: _s,
    membership_id: _m,
    member_mfa_enrolled: _e,
    ...org
  } = row;
  return { org, grant: grantForApiKey(SCOPES), role: null, userId: null, actor: SYSTEM_ACTOR, mfa: null };
}

/** The organization row as `lockOrg` returns it, read under the lock. */
export type LockedOrg = NonNullable<Awaited<ReturnType<typeof lockOrg>>>;

/**
 * The first step of every membership change: locks the organization's row (`lockOrg`: changes to one
 * organization's memberships go one at a time; 404 when it is gone), then reads the caller's standing
 * again under that lock. While the request waited for the lock, a concurrent change may have demoted or
 * removed the caller, whose authority must not outlive that. `standing` is the caller's grant as it is
 * now: null when the caller is no longer an active member; an API key's or an app's grant does not
 * depend on memberships. Nothing is checked yet: `requireStanding` checks it, at once or after a state
 * rule that must answer first (two owners demoting each other learn LAST_OWNER).
 */
export async function lockAsCaller(
  trx: Kysely<DB>,
  access: OrgAccess,
): Promise<{ org: LockedOrg; standing: Grant | null }> {
  const org = await lockOrg(trx, access.org.id);
  if (!org) throw OrganizationErrors.ORGANIZATION_NOT_FOUND();
  if (access.userId === null) return { org, standing: access.grant };
  // A membership past its expiry grants nothing, whether or not the sweep has removed it yet.
  const me = await trx
    .selectFrom('memberships as m')
    .select(['m.role', 'm.status', customRoleScopes('m').as('role_scopes')])
    .where('m.organization_id', '=', org.id)
    .where('m.user_id', '=', access.userId)
    .where(NOT_EXPIRED)
    .executeTakeFirst();
  return { org, standing: standingOf(access, me?.role ?? null, me?.role_scopes, me?.status ?? null) };
}

/** The caller's grant given their membership as read under a lock: null unless active. */
function standingOf(
  access: OrgAccess,
  role: Role | null,
  roleScopes: readonly string[] | null | undefined,
  status: string | null,
): Grant | null {
  if (access.userId === null) return access.grant;
  if (status !== 'active' || !role) return null;
  // A member held back for want of a second factor stays so (their grant answers MFA_REQUIRED).
  return access.grant.mfaRequiredBy ? access.grant : grantForRole(role, roleScopes);
}

/** What `shareAsCaller` read under the shared lock. */
export type SharedOrg = NonNullable<Awaited<ReturnType<typeof shareOrg>>>;

/**
 * `lockAsCaller` for the writes that only add to an organization (inviting, accepting): the row lock
 * is shared (`shareOrg`), so these run side by side, one organization's invitations no longer queueing
 * behind each other, while a change under `lockOrg` (a role change, a removal, a setting) still
 * excludes them and they it. The caller's standing is read in the same round trip. Where the write
 * takes a seat in an organization with a member limit, call `lockSeats` before counting.
 */
export async function shareAsCaller(
  trx: Kysely<DB>,
  access: OrgAccess,
): Promise<{ org: SharedOrg; standing: Grant | null }> {
  const org = await shareOrg(trx, access.org.id, access.userId);
  if (!org) throw OrganizationErrors.ORGANIZATION_NOT_FOUND();
  return {
    org,
    standing: standingOf(access, org.caller_role, org.caller_role_scopes, org.caller_status),
  };
}

/**
 * Checks a standing read by `lockAsCaller`: 404 when the caller is no longer a member, 403 without
 * `scope` (none: membership is enough), ROLE_CEILING for the first of `roles` beyond the caller's
 * ceiling (read them with `roleDefs` in the same transaction); MFA_REQUIRED for a member held back until
 * they have a second factor, whatever the scope. Returns the grant, to check further roles met later
 * with `requireCeiling`.
 */
export function requireStanding(
  standing: Grant | null,
  scope: Scope | null,
  roles: readonly RoleDef[] = [],
): Grant {
  if (!standing) throw OrganizationErrors.ORGANIZATION_NOT_FOUND();
  requireGrant(standing, scope);
  for (const role of roles) requireRole(standing, role);
  return standing;
}

/**
 * What each of `keys` gives in the organization, in order: a built-in role's scopes at once, its own
 * roles' in one query. A key it has not defined is refused as `field` of the request (400).
 */
export async function roleDefs(
  db: Kysely<DB>,
  orgId: string,
  keys: readonly Role[],
  field = 'role',
): Promise<RoleDef[]> {
  const custom = await customScopesOf(db, orgId, keys);
  return keys.map((key) => {
    if (isBuiltInRole(key)) return builtInRole(key);
    const scopes = custom.get(key);
    if (!scopes) throw invalidField(field, `'${key}' is not a role of this organization`);
    return { key, scopes };
  });
}

/** ROLE_CEILING unless the grant may grant, change or remove `role` (`canManageRole`). */
export function requireRole(grant: Grant, role: RoleDef): void {
  if (!canManageRole(grant, role)) throw MemberErrors.ROLE_CEILING({ role: role.key });
}

/**
 * Only roles whose scopes are all within one's own may be granted, changed or removed; only owners
 * make or unmake owners. Reads what the organization's own roles among `roles` give (`roleDefs`).
 */
export async function requireCeiling(
  db: Kysely<DB>,
  orgId: string,
  grant: Grant,
  ...roles: Role[]
): Promise<RoleDef[]> {
  const defs = await roleDefs(db, orgId, roles);
  for (const def of defs) requireRole(grant, def);
  return defs;
}

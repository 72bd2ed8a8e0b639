/**
 * Roles, scopes and who may grant what: the one place these rules live. Handlers and services ask
 * `hasScope` / `canManageRole`; nothing else compares role names. Besides the built-in roles, an
 * organization may define its own (`org_roles`, src/features/roles), each a set of scopes.
 */
export const SCOPES = [
  'org:read',
  'org:write',
  'org:delete',
  'member:read',
  'member:invite',
  'member:admin',
  'org:integrations',
  'audit:read',
  'role:admin',
] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * Scopes of the install itself rather than of an organization: held by operator API keys only, never
 * by a role, an app or an organization grant (no organization route checks them).
 * - `clients:admin`: register and remove OpenID Connect clients (`/v1/oidc/clients`).
 */
export const OPERATOR_SCOPES = ['clients:admin'] as const;
export type OperatorScope = (typeof OPERATOR_SCOPES)[number];

/** What an API key may be created with: the organization scopes and the operator's. */
export const API_KEY_SCOPES: readonly string[] = [...SCOPES, ...OPERATOR_SCOPES];

export function isApiKeyScope(value: string): boolean {
  return API_KEY_SCOPES.includes(value);
}

/** Does an API key created with `keyScopes` hold the operator scope `scope`? */
export function keyHasOperatorScope(keyScopes: readonly string[], scope: OperatorScope): boolean {
  return keyScopes.includes(scope);
}

/** The built-in roles, highest first: every organization has them, and they cannot be changed or deleted. */
export const ROLES = ['owner', 'admin', 'member'] as const;
export type BuiltInRole = (typeof ROLES)[number];
/**
 * A role's key: a built-in role, or one the organization defined (`org_roles`), whose scopes are read
 * with the membership (`customRoleScopes`).
 */
export type Role = string;

/** What a role key looks like, built-in or not (the database checks the same for `org_roles.key`). */
export const ROLE_KEY_PATTERN = '^[a-z][a-z0-9_-]{1,39}$';

export function isBuiltInRole(role: string): role is BuiltInRole {
  return (ROLES as readonly string[]).includes(role);
}

/** What an organization's own role may hold: any scope but deleting the organization, which stays the owners'. */
export const CUSTOM_ROLE_SCOPES: readonly Scope[] = SCOPES.filter((s) => s !== 'org:delete');

const ROLE_SCOPES: Record<BuiltInRole, readonly Scope[]> = {
  owner: SCOPES,
  admin: SCOPES.filter((s) => s !== 'org:delete'),
  member: ['org:read', 'member:read'],
};

/** A role and the scopes it gives: a built-in role's from ROLE_SCOPES, an organization's own from its row. */
export interface RoleDef {
  key: Role;
  scopes: readonly Scope[];
}

export function scopesForRole(role: BuiltInRole): readonly Scope[] {
  return ROLE_SCOPES[role];
}

/**
 * The scopes `role` gives: `customScopes` (read with the membership) for an organization's own role.
 * Names the catalog no longer has are dropped, never granted.
 */
export function roleScopes(role: Role, customScopes: readonly string[] | null | undefined): readonly Scope[] {
  if (isBuiltInRole(role)) return ROLE_SCOPES[role];
  return (customScopes ?? []).filter(isCustomRoleScope);
}

export function isCustomRoleScope(value: string): value is Scope {
  return (CUSTOM_ROLE_SCOPES as readonly string[]).includes(value);
}

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/**
 * The roles an actor may grant, change or remove: those whose scopes are all in `scopes` — a set rule,
 * not an order — and `owner` only when `owner` is set (only owners, and the operator's keys, make or
 * unmake owners, whatever scopes another role holds).
 */
export interface Ceiling {
  owner: boolean;
  scopes: readonly Scope[];
}

/** Whoever acts on an organization: a member (by role) or an API key (by its scopes). */
export interface Grant {
  scopes: readonly Scope[];
  ceiling: Ceiling;
  /**
   * Set for a member of an organization that requires a second factor while they have none: the grant
   * holds no scope, and every check of it answers 403 MFA_REQUIRED naming that organization.
   */
  mfaRequiredBy?: { id: string; slug: string; name: string };
}

/** A member's grant: their role's scopes, and the roles within them as their ceiling. */
export function grantForRole(role: Role, customScopes?: readonly string[] | null): Grant {
  const scopes = roleScopes(role, customScopes);
  return { scopes, ceiling: { owner: role === 'owner', scopes } };
}

/**
 * A member held back until they enrol a second factor: no scope, the lowest ceiling. Leaving the
 * organization needs no scope, so it stays open to them; everything else answers MFA_REQUIRED.
 */
export function grantPendingMfa(organization: { id: string; slug: string; name: string }): Grant {
  return {
    scopes: [],
    ceiling: { owner: false, scopes: [] },
    mfaRequiredBy: { id: organization.id, slug: organization.slug, name: organization.name },
  };
}

/**
 * An operator's API key acts server-to-server for the host application, with the scopes it was created
 * with and no role of its own: it is trusted up to `owner` (the last-owner rule still holds).
 */
export function grantForApiKey(scopes: readonly Scope[]): Grant {
  // Operator scopes (`clients:admin`) are the install's, not an organization's: never in a grant.
  return { scopes: scopes.filter(isScope), ceiling: { owner: true, scopes: SCOPES } };
}

/**
 * What an app may ask for: every scope but deleting the organization and managing integrations (an
 * app does not install other apps, register webhooks, or remove the org that installed it).
 */
export const APP_SCOPES: readonly Scope[] = SCOPES.filter(
  (s) => s !== 'org:delete' && s !== 'org:integrations' && s !== 'role:admin',
);

export function isAppScope(value: string): value is Scope {
  return (APP_SCOPES as readonly string[]).includes(value);
}

/**
 * An installed app acts with the scopes its installation granted, and its ceiling is `member`'s scopes:
 * an app is not a person of the organization, so it never grants, changes or removes a role that gives
 * more than `member` does (with `member:admin` it may manage plain members, never promote anyone to
 * admin or owner — which would let whoever controls the app escalate their own account — nor touch
 * admins and owners). It does not define roles (`role:admin` is not an app scope).
 */
export function grantForApp(scopes: readonly Scope[]): Grant {
  return { scopes: scopes.filter(isAppScope), ceiling: { owner: false, scopes: ROLE_SCOPES.member } };
}

export function hasScope(grant: Grant, scope: Scope): boolean {
  return grant.scopes.includes(scope);
}

/**
 * May this actor grant, change or remove `role` (or define a role with its scopes)? Only when each of
 * the role's scopes is one of the actor's ceiling; `owner` only with an owner's ceiling.
 */
export function canManageRole(grant: Grant, role: RoleDef): boolean {
  if (role.key === 'owner') return grant.ceiling.owner;
  return role.scopes.every((s) => grant.ceiling.scopes.includes(s));
}

/** The built-in role's definition (no query needed). */
export function builtInRole(role: BuiltInRole): RoleDef {
  return { key: role, scopes: ROLE_SCOPES[role] };
}

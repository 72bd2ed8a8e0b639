/**
 * Roles, scopes and who may grant what: the one place these rules live. Handlers and services ask
 * `hasScope` / `canManageRole`; nothing else compares role names.
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

/** Roles from highest to lowest. */
export const ROLES = ['owner', 'admin', 'member'] as const;
export type Role = (typeof ROLES)[number];

const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  owner: SCOPES,
  admin: SCOPES.filter((s) => s !== 'org:delete'),
  member: ['org:read', 'member:read'],
};

const RANK: Record<Role, number> = { owner: 3, admin: 2, member: 1 };

export function scopesForRole(role: Role): readonly Scope[] {
  return ROLE_SCOPES[role];
}

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/**
 * Whoever acts on an organization: a member (by role) or an API key (by its scopes).
 * `ceiling` is the highest role the actor may grant, change or remove.
 */
export interface Grant {
  scopes: readonly Scope[];
  ceiling: Role;
  /**
   * Set for a member of an organization that requires a second factor while they have none: the grant
   * holds no scope, and every check of it answers 403 MFA_REQUIRED naming that organization.
   */
  mfaRequiredBy?: { id: string; slug: string; name: string };
}

export function grantForRole(role: Role): Grant {
  return { scopes: ROLE_SCOPES[role], ceiling: role };
}

/**
 * A member held back until they enrol a second factor: no scope, the lowest ceiling. Leaving the
 * organization needs no scope, so it stays open to them; everything else answers MFA_REQUIRED.
 */
export function grantPendingMfa(organization: { id: string; slug: string; name: string }): Grant {
  return {
    scopes: [],
    ceiling: 'member',
    mfaRequiredBy: { id: organization.id, slug: organization.slug, name: organization.name },
  };
}

/**
 * An operator's API key acts server-to-server for the host application, with the scopes it was created
 * with and no role of its own: it is trusted up to `owner` (the last-owner rule still holds).
 */
export function grantForApiKey(scopes: readonly Scope[]): Grant {
  // Operator scopes (`clients:admin`) are the install's, not an organization's: never in a grant.
  return { scopes: scopes.filter(isScope), ceiling: 'owner' };
}

/**
 * What an app may ask for: every scope but deleting the organization and managing integrations (an
 * app does not install other apps, register webhooks, or remove the org that installed it).
 */
export const APP_SCOPES: readonly Scope[] = SCOPES.filter(
  (s) => s !== 'org:delete' && s !== 'org:integrations',
);

export function isAppScope(value: string): value is Scope {
  return (APP_SCOPES as readonly string[]).includes(value);
}

/**
 * An installed app acts with the scopes its installation granted, and its ceiling is `member`: an app
 * is not a person of the organization, so it never grants, changes or removes a role above `member`
 * (with `member:admin` it may manage plain members, never promote anyone to admin or owner — which
 * would let whoever controls the app escalate their own account — nor touch admins and owners).
 */
export function grantForApp(scopes: readonly Scope[]): Grant {
  return { scopes: scopes.filter(isAppScope), ceiling: 'member' };
}

export function hasScope(grant: Grant, scope: Scope): boolean {
  return grant.scopes.includes(scope);
}

/** May an actor with this ceiling grant, change or remove `role`? Only owners touch owners. */
export function canManageRole(grant: Grant, role: Role): boolean {
  return RANK[grant.ceiling] >= RANK[role];
}

/**
 * Roles and scopes in words, and what the viewer may do to whom — shown ahead of time so that the
 * console offers only what the API would allow (the API stays the judge of every action).
 *
 * The API decides from one statements file (src/features/access/scopes.ts); the console mirrors its
 * scope catalog and its built-in role → scopes table here, typed over the API's scope union, and
 * test/console-words.test.ts fails when the two drift apart. An organization's own roles ("custom
 * roles") come from `GET /v1/organizations/{org}/roles`, each a set of scopes.
 *
 * Who may grant, change or remove a role is a set rule, as on the server (`canManageRole`): a role
 * whose every scope is one of the viewer's own, and `owner` only for an owner.
 */
import type { Member, OrgRole, Role, Scope } from './api.ts';

/** Every organization scope, in the order the API lists them. */
export const SCOPES: readonly Scope[] = [
  'org:read',
  'org:write',
  'org:delete',
  'member:read',
  'member:invite',
  'member:admin',
  'org:integrations',
  'audit:read',
  'role:admin',
];

/** The built-in roles, highest first: every organization has them, and they cannot be changed. */
export const BUILT_IN_ROLES = ['owner', 'admin', 'member'] as const;
export type BuiltInRole = (typeof BUILT_IN_ROLES)[number];

export function isBuiltInRole(role: string): role is BuiltInRole {
  return (BUILT_IN_ROLES as readonly string[]).includes(role);
}

/** What each built-in role holds (the API's ROLE_SCOPES). */
export const ROLE_SCOPES: Record<BuiltInRole, readonly Scope[]> = {
  owner: SCOPES,
  admin: SCOPES.filter((s) => s !== 'org:delete'),
  member: ['org:read', 'member:read'],
};

/** What an organization's own role may hold: every scope but deleting the organization. */
export type CustomRoleScope = Exclude<Scope, 'org:delete'>;
export const CUSTOM_ROLE_SCOPES: readonly CustomRoleScope[] = SCOPES.filter(
  (s): s is CustomRoleScope => s !== 'org:delete',
);

/** What a role key looks like (the API's ROLE_KEY_PATTERN). */
export const ROLE_KEY_PATTERN = /^[a-z][a-z0-9_-]{1,39}$/;

/** What a scope lets a person do, as the end of "can …". */
export const SCOPE_WORDS: Record<Scope, string> = {
  'org:read': 'see the organization and its settings',
  'org:write': 'change its name and settings',
  'org:delete': 'delete the organization',
  'member:read': 'see the members and the invitations',
  'member:invite': 'invite people by email',
  'member:admin':
    'add people who have an account, give and change roles and remove people (for roles whose every ability they have themselves), and answer requests to join',
  'org:integrations': 'install apps and manage webhooks',
  'audit:read': 'read the audit log',
  'role:admin': "define the organization's own roles and change what they can do",
};

/** A role as the console needs it: its key, what it is called, what it holds, and whether it is built in. */
export type RoleDef = Pick<OrgRole, 'key' | 'name' | 'builtIn'> & { scopes: readonly Scope[] };

/**
 * The built-in roles as the roles list gives them: what the console shows until (or unless) the list
 * is read. A built-in role is called by its key ("owner", "admin", "member").
 */
export const BUILT_IN_DEFS: readonly RoleDef[] = BUILT_IN_ROLES.map((key) => ({
  key,
  name: key,
  builtIn: true,
  scopes: ROLE_SCOPES[key],
}));

/** A role by its key: from the organization's list, else a built-in one; null for a role not (yet) known. */
export function roleDef(key: Role, roles: readonly RoleDef[] = BUILT_IN_DEFS): RoleDef | null {
  return (
    roles.find((r) => r.key === key) ??
    (isBuiltInRole(key) ? (BUILT_IN_DEFS.find((r) => r.key === key) ?? null) : null)
  );
}

/** What a role is called: a built-in role's key, an organization's own role's name (its key when unknown). */
export function roleLabel(key: Role, roles: readonly RoleDef[] = BUILT_IN_DEFS): string {
  if (isBuiltInRole(key)) return key;
  return roleDef(key, roles)?.name || key;
}

/** "an admin", "a member", "an owner", "an Auditor", "a Support agent". */
export function withArticle(role: Role, roles?: readonly RoleDef[]): string {
  const label = roleLabel(role, roles);
  return `${/^[aeiou]/i.test(label) ? 'an' : 'a'} ${label}`;
}

/** What a role can do, in words, one line per scope it holds (and, for owners, that they make owners). */
export function roleAbilities(role: Pick<RoleDef, 'key' | 'scopes'>): string[] {
  const lines = SCOPES.filter((s) => role.scopes.includes(s)).map((s) => SCOPE_WORDS[s]);
  return role.key === 'owner' ? [...lines, 'make people owners, and change or remove other owners'] : lines;
}

/** The viewer, as the Members page needs them: their role and scopes. */
export interface Viewer {
  role: Role | null;
  scopes: readonly Scope[];
  userId: string;
}

/**
 * May the viewer grant, change or remove `role`? Only when each of its scopes is one of the viewer's
 * own; `owner` only when the viewer is an owner (the API's `canManageRole`).
 */
export function canManageRole(
  viewer: Pick<Viewer, 'role' | 'scopes'>,
  role: Pick<RoleDef, 'key' | 'scopes'>,
): boolean {
  if (role.key === 'owner') return viewer.role === 'owner';
  return role.scopes.every((s) => viewer.scopes.includes(s));
}

/** The roles the viewer may hand out, in the list's order (built-in first). */
export function grantableRoles(
  viewer: Pick<Viewer, 'role' | 'scopes'>,
  roles: readonly RoleDef[] = BUILT_IN_DEFS,
): RoleDef[] {
  return roles.filter((r) => canManageRole(viewer, r));
}

/** Why a role list is short, for a viewer who may not grant every role; undefined when nothing is missing. */
export function roleLimitNote(
  viewer: Pick<Viewer, 'role' | 'scopes'>,
  roles: readonly RoleDef[] = BUILT_IN_DEFS,
  { owners = true }: { owners?: boolean } = {},
): string | undefined {
  const missing = roles.filter((r) => !canManageRole(viewer, r));
  const notes = [
    owners && missing.some((r) => r.key === 'owner') ? 'Only an owner can make someone an owner.' : null,
    missing.some((r) => r.key !== 'owner')
      ? 'Roles that can do something your role cannot are not offered.'
      : null,
  ].filter(Boolean);
  return notes.length > 0 ? notes.join(' ') : undefined;
}

/** What the viewer may do to one member, as the Members page offers it. */
export interface MemberActions {
  changeRole: boolean;
  remove: boolean;
  /** Set or remove the day their access ends (never an owner's: an owner's membership does not end). */
  setExpiry: boolean;
  /** Propose to make them an owner (owners only, to an active member who is not one yet). */
  transfer: boolean;
  why: string | null;
}

const NOTHING = { changeRole: false, remove: false, setExpiry: false, transfer: false } as const;

/**
 * What the viewer may do to a member, and when something is missing, why — in the words the row
 * shows where the button would be. `lastOwner` is true when `m` is the organization's only active owner;
 * `roles` are the organization's roles (a member's role, if not among them, is one the viewer cannot
 * judge, so nothing is offered on it).
 */
export function memberActions(
  viewer: Viewer,
  m: Pick<Member, 'userId' | 'role' | 'status' | 'name'>,
  lastOwner: boolean,
  roles: readonly RoleDef[] = BUILT_IN_DEFS,
): MemberActions {
  const isMe = m.userId === viewer.userId;
  if (!viewer.scopes.includes('member:admin')) return { ...NOTHING, why: null };
  const target = roleDef(m.role, roles);
  if (m.role === 'owner' && viewer.role !== 'owner') {
    return { ...NOTHING, why: `Only an owner can change or remove ${isMe ? 'you' : 'an owner'}.` };
  }
  if (!target) return { ...NOTHING, why: null };
  if (!canManageRole(viewer, target)) {
    return {
      ...NOTHING,
      why: `Only someone whose role can do everything ${withArticle(m.role, roles)} can do may change or remove ${isMe ? 'you' : 'them'}.`,
    };
  }
  if (lastOwner && m.status === 'active') {
    return {
      ...NOTHING,
      why: isMe
        ? 'You are the only owner: make another member an owner before you change your own role.'
        : null,
    };
  }
  const active = m.status === 'active';
  return {
    changeRole: active,
    remove: !isMe,
    setExpiry: active && m.role !== 'owner',
    transfer: viewer.role === 'owner' && !isMe && active && m.role !== 'owner',
    why: null,
  };
}

/**
 * Roles and scopes in words, and what the viewer may do to whom — shown ahead of time so that the
 * console offers only what the API would allow (the API stays the judge of every action).
 *
 * The API decides from one statements file (src/features/access/scopes.ts); the console mirrors its
 * role → scopes table here, typed over the API's role and scope unions, and test/console-words.test.ts
 * fails when the two drift apart.
 */
import type { Member, Role, Scope } from './api.ts';

export { rolesUpTo, withArticle } from './api.ts';

const RANK: Record<Role, number> = { owner: 3, admin: 2, member: 1 };

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
];

/** What each role holds (the API's ROLE_SCOPES). */
export const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  owner: SCOPES,
  admin: SCOPES.filter((s) => s !== 'org:delete'),
  member: ['org:read', 'member:read'],
};

/** What a scope lets a person do, as the end of "can …". */
export const SCOPE_WORDS: Record<Scope, string> = {
  'org:read': 'see the organization and its settings',
  'org:write': 'change its name and settings',
  'org:delete': 'delete the organization',
  'member:read': 'see the members and the invitations',
  'member:invite': 'invite people by email',
  'member:admin':
    'add people who have an account, change roles and remove people (up to their own role), and answer requests to join',
  'org:integrations': 'install apps and manage webhooks',
  'audit:read': 'read the audit log',
};

/** What a role can do, in words, one line per scope it holds (and, for owners, their own rank). */
export function roleAbilities(role: Role): string[] {
  const lines = ROLE_SCOPES[role].map((s) => SCOPE_WORDS[s]);
  return role === 'owner' ? [...lines, 'make people owners, and change or remove other owners'] : lines;
}

/** May a viewer with `role` change or remove someone whose role is `target`? Only owners touch owners. */
export function outranks(role: Role | null, target: Role): boolean {
  return RANK[role ?? 'member'] >= RANK[target];
}

/** The viewer, as the Members page needs them: their role and scopes. */
export interface Viewer {
  role: Role | null;
  scopes: readonly Scope[];
  userId: string;
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
 * shows where the button would be. `lastOwner` is true when `m` is the organization's only active owner.
 */
export function memberActions(
  viewer: Viewer,
  m: Pick<Member, 'userId' | 'role' | 'status' | 'name'>,
  lastOwner: boolean,
): MemberActions {
  const isMe = m.userId === viewer.userId;
  if (!viewer.scopes.includes('member:admin')) return { ...NOTHING, why: null };
  if (!outranks(viewer.role, m.role)) {
    return { ...NOTHING, why: `Only an owner can change or remove ${isMe ? 'you' : 'an owner'}.` };
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

/**
 * Roles shown with what they can do, in words: the organization's roles (built-in and its own, read
 * from `GET …/roles`), the explainer on the Members page, role pickers and role badges.
 */
import { createContext, useContext, useId } from 'react';
import {
  BUILT_IN_DEFS,
  grantableRoles,
  isBuiltInRole,
  type RoleDef,
  roleAbilities,
  roleDef,
  roleLabel,
  roleLimitNote,
  withArticle,
} from '../access.ts';
import { api, type Organization, type OrgRole, type Role } from '../api.ts';
import { useLoad } from '../hooks.ts';

export interface OrgRoles {
  /** Every role of the organization, built-in first; the built-in ones alone until the list is read. */
  roles: readonly RoleDef[];
  /** The list as read (with member counts), once it is. */
  data: OrgRole[] | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/**
 * The organization's roles (`GET …/roles`, open to every member with `org:read`). `version` reads them
 * again when it changes. Without the list (still loading, or not readable) the built-in roles stand in.
 */
export function useOrgRoles(org: Organization, version: string | number = 0): OrgRoles {
  const loaded = useLoad(async () => {
    if (!org.viewer.scopes.includes('org:read')) return undefined;
    return (await api.call('GET /v1/organizations/{org}/roles', { path: { org: org.id } })).data;
  }, `${org.id}|roles|${version}`);
  return { ...loaded, roles: loaded.data ?? BUILT_IN_DEFS };
}

/**
 * The organization's roles for what a page draws deep down (a badge in a table row), so that they need
 * not be passed through every component between: a page that reads them with `useOrgRoles` provides them.
 */
export const OrgRolesContext = createContext<readonly RoleDef[]>(BUILT_IN_DEFS);

/** A role's badge named from the roles the page provides (OrgRolesContext). */
export function ContextRoleBadge({ role }: { role: Role }) {
  return <RoleBadge role={role} roles={useContext(OrgRolesContext)} />;
}

/** The roles the viewer of `org` may hand out, and why some are missing (when they are). */
export function viewerGrants(
  org: Organization,
  roles: readonly RoleDef[],
  options?: { owners?: boolean },
): { roles: RoleDef[]; limitNote: string | undefined } {
  const all = options?.owners === false ? roles.filter((r) => r.key !== 'owner') : roles;
  return {
    roles: grantableRoles(org.viewer, all),
    limitNote: roleLimitNote(org.viewer, all, options),
  };
}

/** A role as a badge: a built-in role's key, an organization's own role's name (its key when unknown). */
export function RoleBadge({ role, roles }: { role: Role; roles?: readonly RoleDef[] | undefined }) {
  const custom = !isBuiltInRole(role);
  return (
    <span className={`badge ${custom ? 'role-custom' : `role-${role}`}`} title={custom ? role : undefined}>
      {roleLabel(role, roles)}
    </span>
  );
}

/** "What can each role do?": every role with its abilities, from its scopes. */
export function RolesExplained({
  viewerRole,
  roles = BUILT_IN_DEFS,
}: {
  viewerRole: Role | null;
  roles?: readonly RoleDef[] | undefined;
}) {
  return (
    <details className="roles-explained">
      <summary>What can each role do?</summary>
      <dl>
        {roles.map((r) => (
          <div key={r.key} className="role-line">
            <dt>
              <RoleBadge role={r.key} roles={roles} />
              {viewerRole === r.key ? <span className="muted"> (your role)</span> : null}
            </dt>
            <dd>{abilitiesSentence(r)}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

/** "an admin" → "An admin". */
export const capitalized = (words: string) => `${words.charAt(0).toUpperCase()}${words.slice(1)}`;

/** "Can see the organization and its settings; read the audit log." */
export function abilitiesSentence(role: Pick<RoleDef, 'key' | 'scopes'>): string {
  const lines = roleAbilities(role);
  return lines.length > 0 ? `Can ${lines.join('; ')}.` : 'Can do nothing yet.';
}

/** A role `<select>` offering only `roles`, with what the chosen one can do beneath it. */
export function RolePicker({
  label = 'Role',
  roles,
  value,
  onChange,
  limitNote,
}: {
  label?: string;
  roles: readonly RoleDef[];
  value: Role;
  onChange(r: Role): void;
  /** Why some roles are missing from the list (an admin cannot make owners), when they are. */
  limitNote?: string | undefined;
}) {
  const id = useId();
  const chosen = roleDef(value, roles);
  const said = chosen ? roleAbilities(chosen) : [];
  const article = withArticle(value, roles);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-describedby={`${id}-hint`}
      >
        {roles.map((r) => (
          <option key={r.key} value={r.key}>
            {roleLabel(r.key, roles)}
          </option>
        ))}
      </select>
      <p className="hint" id={`${id}-hint`}>
        {chosen
          ? `${capitalized(article)} ${said.length > 0 ? `can ${said.join('; ')}` : 'can do nothing yet'}.`
          : null}
        {limitNote ? ` ${limitNote}` : ''}
      </p>
    </div>
  );
}

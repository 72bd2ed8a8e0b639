/** Roles shown with what they can do, in words: the explainer on the Members page, and role pickers. */
import { useId } from 'react';
import { roleAbilities } from '../access.ts';
import type { Role } from '../api.ts';

/** "What can each role do?": every role with its abilities, from its scopes. */
export function RolesExplained({ viewerRole }: { viewerRole: Role | null }) {
  return (
    <details className="roles-explained">
      <summary>What can each role do?</summary>
      <dl>
        {(['owner', 'admin', 'member'] as const).map((r) => (
          <div key={r} className="role-line">
            <dt>
              <span className={`badge role-${r}`}>{r}</span>
              {viewerRole === r ? <span className="muted"> (your role)</span> : null}
            </dt>
            <dd>Can {roleAbilities(r).join('; ')}.</dd>
          </div>
        ))}
      </dl>
    </details>
  );
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
  roles: Role[];
  value: Role;
  onChange(r: Role): void;
  /** Why some roles are missing from the list (an admin cannot make owners), when they are. */
  limitNote?: string | undefined;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value as Role)}
        aria-describedby={`${id}-hint`}
      >
        {roles.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
      <p className="hint" id={`${id}-hint`}>
        {value === 'member' ? 'A member' : value === 'admin' ? 'An admin' : 'An owner'} can{' '}
        {roleAbilities(value).join('; ')}.{limitNote ? ` ${limitNote}` : ''}
      </p>
    </div>
  );
}

/** Why the role list is short, for a viewer who may not grant every role. */
export function roleLimitNote(viewerRole: Role | null): string | undefined {
  return viewerRole === 'owner' ? undefined : 'Only an owner can make someone an owner.';
}

/**
 * The organization's roles (`/orgs/:org/roles`): the built-in ones and those the organization defined,
 * each with what it can do in words and how many members hold it. With `role:admin` the viewer defines
 * a role (a key, a name, a description and its abilities — only abilities of their own), changes one
 * (name, description, abilities) and deletes one; a role still held is deleted by moving its holders
 * (members, pending invitations, join links) to another role, chosen here.
 */
import { type FormEvent, type ReactNode, useState } from 'react';
import {
  CUSTOM_ROLE_SCOPES,
  type CustomRoleScope,
  canManageRole,
  grantableRoles,
  ROLE_KEY_PATTERN,
  type RoleDef,
  roleAbilities,
  roleLabel,
  SCOPE_WORDS,
  withArticle,
} from '../access.ts';
import { ApiError, api, errorCode, type Organization, type OrgRole } from '../api.ts';
import { RoleBadge, useOrgRoles } from '../members/roles.tsx';
import { Link } from '../router.tsx';
import type { OrgPageProps } from '../routes.tsx';
import {
  Checkbox,
  ErrorMessage,
  Field,
  Inline,
  LoadError,
  Loading,
  OutcomeMessage,
  Page,
  TextArea,
  useAction,
  useOpener,
  useOutcome,
  useSubmit,
} from '../ui.tsx';

/** What the role form edits; text as typed. */
interface Draft {
  key: string;
  name: string;
  description: string;
  scopes: CustomRoleScope[];
}

const EMPTY: Draft = { key: '', name: '', description: '', scopes: [] };

/** "Support agent" → "support-agent": a key proposed from the name until one is typed. */
function keyFrom(name: string): string {
  const key = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '')
    .slice(0, 40);
  return key;
}

/** The form's own checks, by field, before anything is sent. */
function check(d: Draft, creating: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  if (creating) {
    if (!ROLE_KEY_PATTERN.test(d.key))
      out.key =
        'Use 2 to 40 lowercase letters, digits, - or _, starting with a letter (for example support-agent).';
    else if (['owner', 'admin', 'member'].includes(d.key))
      out.key = 'owner, admin and member are the built-in roles. Choose another key.';
  }
  if (!d.name.trim()) out.name = 'Give the role a name.';
  if (d.scopes.length === 0) out.scopes = 'Choose at least one thing the role can do.';
  return out;
}

export function RolesPage({ org, reloadOrg }: OrgPageProps) {
  const [version, setVersion] = useState(0);
  const orgRoles = useOrgRoles(org, version);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);
  const { outcome, show } = useOutcome();
  const canDefine = org.viewer.scopes.includes('role:admin');
  const newOpener = useOpener();
  const changed = () => setVersion((v) => v + 1);
  const roles = orgRoles.data;
  const custom = roles?.filter((r) => !r.builtIn) ?? [];

  const deleted = (role: OrgRole, replaceWith: string | undefined) => {
    changed();
    // The viewer's own role may have been the one deleted.
    if (org.viewer.role === role.key) reloadOrg();
    show({
      ok: replaceWith
        ? `The role ${role.name} was deleted; whoever had it now has the role ${roleLabel(replaceWith, roles)}.`
        : `The role ${role.name} was deleted.`,
    });
  };

  const actions =
    canDefine && !creating ? (
      <button
        ref={newOpener.ref}
        type="button"
        className="button primary"
        onClick={() => {
          show(null);
          setEditing(null);
          setCreating(true);
        }}
      >
        New role
      </button>
    ) : null;

  return (
    <Page title="Roles" actions={actions}>
      <p className="muted intro">
        Every member of {org.name} has one role, and the role says what they can do. The built-in roles
        (owner, admin and member) are the same in every organization;{' '}
        {canDefine
          ? 'you can define roles of your own, each a set of abilities you have yourself.'
          : 'owners and admins can define roles of the organization’s own.'}{' '}
        Give roles to people on the <Link to={`/orgs/${encodeURIComponent(org.slug)}/members`}>Members</Link>{' '}
        page.
      </p>
      {creating ? (
        <RoleForm
          org={org}
          onCancel={() => {
            setCreating(false);
            newOpener.refocus();
          }}
          onSaved={(role) => {
            setCreating(false);
            changed();
            show({
              ok: `The role ${role.name} was created. Give it to people from the Members page, an invitation or a join link.`,
            });
          }}
        />
      ) : null}
      <OutcomeMessage outcome={outcome} />
      {orgRoles.error ? <LoadError error={orgRoles.error} retry={orgRoles.reload} /> : null}
      {orgRoles.loading && !roles ? <Loading label="Loading roles…" /> : null}
      {roles ? (
        <>
          <h2 id="built-in-heading">Built-in roles</h2>
          <ul className="role-cards" aria-labelledby="built-in-heading">
            {roles
              .filter((r) => r.builtIn)
              .map((r) => (
                <RoleCard key={r.key} org={org} role={r} roles={roles} />
              ))}
          </ul>
          <h2 id="custom-heading">Roles of {org.name}</h2>
          {custom.length === 0 ? (
            <p className="muted">
              {org.name} has no roles of its own yet.
              {canDefine ? ' Use “New role” to define one.' : ''}
            </p>
          ) : (
            <ul className="role-cards" aria-labelledby="custom-heading">
              {custom.map((r) => (
                <RoleCard
                  key={r.key}
                  org={org}
                  role={r}
                  roles={roles}
                  editing={editing === r.key}
                  canChange={canDefine && canManageRole(org.viewer, r)}
                  outcome={<OutcomeMessage outcome={outcome} at={r.key} />}
                  onEdit={(on) => {
                    show(null);
                    setCreating(false);
                    setEditing(on ? r.key : null);
                  }}
                  onSaved={(saved) => {
                    setEditing(null);
                    changed();
                    if (org.viewer.role === saved.key) reloadOrg();
                    show({ ok: `The role ${saved.name} was saved.`, at: r.key });
                  }}
                  onDeleted={(replaceWith) => deleted(r, replaceWith)}
                />
              ))}
            </ul>
          )}
        </>
      ) : null}
    </Page>
  );
}

function RoleCard({
  org,
  role,
  roles,
  editing = false,
  canChange = false,
  outcome,
  onEdit,
  onSaved,
  onDeleted,
}: {
  org: Organization;
  role: OrgRole;
  roles: readonly RoleDef[];
  editing?: boolean;
  canChange?: boolean;
  outcome?: ReactNode;
  onEdit?(on: boolean): void;
  onSaved?(role: OrgRole): void;
  onDeleted?(replaceWith: string | undefined): void;
}) {
  const [deleting, setDeleting] = useState(false);
  const editOpener = useOpener();
  const deleteOpener = useOpener();
  const abilities = roleAbilities(role);
  const headingId = `role-${role.key}-heading`;
  const mine = org.viewer.role === role.key;
  return (
    <li className="card role-card" aria-labelledby={headingId}>
      <div className="section-header">
        <h3 id={headingId} className="role-card-title">
          {role.builtIn ? <RoleBadge role={role.key} roles={roles} /> : role.name}
          {role.builtIn ? null : <code className="muted role-key">{role.key}</code>}
          {mine ? <span className="muted"> (your role)</span> : null}
        </h3>
        {role.memberCount !== null ? (
          <span className="muted">{role.memberCount === 1 ? '1 member' : `${role.memberCount} members`}</span>
        ) : null}
      </div>
      {role.description ? <p>{role.description}</p> : null}
      {editing && onSaved && onEdit ? (
        <RoleForm
          org={org}
          role={role}
          onCancel={() => {
            onEdit(false);
            editOpener.refocus();
          }}
          onSaved={onSaved}
        />
      ) : (
        <>
          <p className="role-can">{withArticleCap(role.key, roles)} can:</p>
          <ul className="abilities">
            {abilities.map((a) => (
              <li key={a}>{a}</li>
            ))}
          </ul>
        </>
      )}
      {outcome}
      {deleting && onDeleted ? (
        <DeleteRole
          org={org}
          role={role}
          roles={roles}
          onDeleted={onDeleted}
          onCancel={() => {
            setDeleting(false);
            deleteOpener.refocus();
          }}
        />
      ) : null}
      {canChange && !editing && !deleting ? (
        <div className="row">
          <button
            ref={editOpener.ref}
            type="button"
            className="button small"
            onClick={() => onEdit?.(true)}
            aria-label={`Edit the role ${role.name}`}
          >
            Edit
          </button>
          <button
            ref={deleteOpener.ref}
            type="button"
            className="button small danger-outline"
            onClick={() => setDeleting(true)}
            aria-label={`Delete the role ${role.name}`}
          >
            Delete
          </button>
        </div>
      ) : null}
      {!role.builtIn && !canChange && org.viewer.scopes.includes('role:admin') ? (
        <p className="muted why-missing">
          This role can do things your role cannot, so only someone who can do all of them may change it.
        </p>
      ) : null}
    </li>
  );
}

const withArticleCap = (key: string, roles: readonly RoleDef[]) => {
  const words = withArticle(key, roles);
  return `${words.charAt(0).toUpperCase()}${words.slice(1)}`;
};

/** Define a role, or change one (its key stays). */
function RoleForm({
  org,
  role,
  onCancel,
  onSaved,
}: {
  org: Organization;
  role?: OrgRole;
  onCancel(): void;
  onSaved(role: OrgRole): void;
}) {
  const creating = role === undefined;
  const [draft, setDraft] = useState<Draft>(
    role
      ? {
          key: role.key,
          name: role.name,
          description: role.description,
          scopes: CUSTOM_ROLE_SCOPES.filter((s) => role.scopes.includes(s)),
        }
      : EMPTY,
  );
  /** The key follows the name until it is typed itself. */
  const [keyTyped, setKeyTyped] = useState(false);
  const [found, setFound] = useState<Record<string, string>>({});
  const save = useSubmit(async () => {
    const saved = creating
      ? await api.call('POST /v1/organizations/{org}/roles', {
          path: { org: org.id },
          body: {
            key: draft.key,
            name: draft.name.trim(),
            description: draft.description.trim(),
            scopes: draft.scopes,
          },
        })
      : await api.call('PATCH /v1/organizations/{org}/roles/{key}', {
          path: { org: org.id, key: draft.key },
          body: { name: draft.name.trim(), description: draft.description.trim(), scopes: draft.scopes },
        });
    onSaved(saved);
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    save.clear();
    const now = check(draft, creating);
    setFound(now);
    if (Object.keys(now).length === 0) void save.submit();
  }

  const toggle = (scope: CustomRoleScope, on: boolean) =>
    setDraft((d) => ({
      ...d,
      scopes: on
        ? CUSTOM_ROLE_SCOPES.filter((s) => s === scope || d.scopes.includes(s))
        : d.scopes.filter((s) => s !== scope),
    }));

  const errors = { ...save.fields, ...found };
  const title = creating ? 'New role' : `Edit the role ${role.name}`;
  const formId = creating ? 'new-role' : `edit-role-${role.key}`;
  return (
    <Inline onCancel={onCancel} className="role-form-frame">
      <form className={creating ? 'card medium' : 'stack'} onSubmit={submit} noValidate aria-label={title}>
        {creating ? <h2 className="form-title">New role</h2> : null}
        <ErrorMessage>{save.message}</ErrorMessage>
        <Field
          label="Name"
          name="name"
          maxLength={80}
          autoComplete="off"
          value={draft.name}
          onChange={(e) => {
            const name = e.target.value;
            setDraft((d) => ({ ...d, name, ...(creating && !keyTyped ? { key: keyFrom(name) } : {}) }));
          }}
          hint="What people see, for example Support agent."
          error={errors.name}
        />
        {creating ? (
          <Field
            label="Key"
            name="key"
            maxLength={40}
            autoComplete="off"
            spellCheck={false}
            value={draft.key}
            onChange={(e) => {
              setKeyTyped(true);
              setDraft((d) => ({ ...d, key: e.target.value }));
            }}
            hint="How the API and the audit log name the role; it cannot be changed later. Lowercase letters, digits, - and _."
            error={errors.key}
          />
        ) : null}
        <TextArea
          label="Description (optional)"
          name="description"
          rows={2}
          maxLength={500}
          value={draft.description}
          onChange={(e) => setDraft((d) => ({ ...d, description: e.target.value }))}
          error={errors.description}
        />
        <fieldset
          className="field scopes"
          aria-describedby={errors.scopes ? `${formId}-scopes-error` : `${formId}-scopes-hint`}
        >
          <legend className="legend">What the role can do</legend>
          <p className="hint" id={`${formId}-scopes-hint`}>
            You can give a role only abilities your own role has. Deleting the organization stays the owners’.
          </p>
          {CUSTOM_ROLE_SCOPES.map((scope) => {
            const mine = org.viewer.scopes.includes(scope);
            return (
              <Checkbox
                key={scope}
                label={capitalize(SCOPE_WORDS[scope])}
                hint={mine ? undefined : 'Your role cannot do this, so you cannot give it.'}
                name="scopes"
                value={scope}
                disabled={!mine}
                checked={draft.scopes.includes(scope)}
                onChange={(e) => toggle(scope, e.target.checked)}
              />
            );
          })}
          {errors.scopes ? (
            <p className="field-error" id={`${formId}-scopes-error`}>
              {errors.scopes}
            </p>
          ) : null}
        </fieldset>
        <div className="row">
          <button type="submit" className="button primary" disabled={save.busy}>
            {save.busy ? 'Saving…' : creating ? 'Create role' : 'Save changes'}
          </button>
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </Inline>
  );
}

const capitalize = (s: string) => `${s.charAt(0).toUpperCase()}${s.slice(1)}`;

/** What still holds a role, from a ROLE_IN_USE refusal's details. */
interface Holders {
  members: number;
  invitations: number;
  joinLinks: number;
}

function holdersOf(err: unknown): Holders | null {
  if (!(err instanceof ApiError) || err.code !== 'ROLE_IN_USE') return null;
  const d = (err.details ?? {}) as Partial<Record<keyof Holders, unknown>>;
  const n = (v: unknown) => (typeof v === 'number' ? v : 0);
  return { members: n(d.members), invitations: n(d.invitations), joinLinks: n(d.joinLinks) };
}

function holdersInWords(h: Holders): string {
  const parts = [
    h.members ? `${h.members} ${h.members === 1 ? 'member' : 'members'}` : null,
    h.invitations ? `${h.invitations} pending ${h.invitations === 1 ? 'invitation' : 'invitations'}` : null,
    h.joinLinks ? `${h.joinLinks} join ${h.joinLinks === 1 ? 'link' : 'links'}` : null,
  ].filter(Boolean) as string[];
  if (parts.length <= 1) return parts[0] ?? 'nothing';
  return `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

/**
 * "Delete the role?" — tried without a replacement first: a role nothing holds goes at once; for one
 * still held, the API says by what (members, pending invitations, join links), and the person chooses
 * the role to give them instead.
 */
function DeleteRole({
  org,
  role,
  roles,
  onDeleted,
  onCancel,
}: {
  org: Organization;
  role: OrgRole;
  roles: readonly RoleDef[];
  onDeleted(replaceWith: string | undefined): void;
  onCancel(): void;
}) {
  const [holders, setHolders] = useState<Holders | null>(null);
  const replacements = grantableRoles(org.viewer, roles).filter(
    (r) => r.key !== role.key && r.key !== 'owner',
  );
  const [replaceWith, setReplaceWith] = useState<string>(
    replacements.find((r) => r.key === 'member')?.key ?? replacements[0]?.key ?? '',
  );
  const del = useAction(
    async (moveTo: string | undefined) => {
      await api.call('DELETE /v1/organizations/{org}/roles/{key}', {
        path: { org: org.id, key: role.key },
        query: moveTo ? { replaceWith: moveTo } : {},
      });
      onDeleted(moveTo);
    },
    (err) => {
      const held = holdersOf(err);
      if (held) setHolders(held);
    },
  );
  const replaceId = `replace-${role.key}`;
  const canMove = org.viewer.scopes.includes('member:admin');
  // A refusal for being in use is answered by the form below, not repeated as an error.
  const problem = errorCode(del.error) === 'ROLE_IN_USE' ? null : del.message;

  if (holders === null) {
    return (
      <Inline onCancel={onCancel} className="confirm">
        <p>
          Delete the role <strong>{role.name}</strong>? If anyone still has it, you choose a role to give them
          instead.
        </p>
        <ErrorMessage>{problem}</ErrorMessage>
        <div className="row">
          <button
            type="button"
            className="button danger"
            disabled={del.busy}
            onClick={() => del.run(undefined)}
          >
            Delete role
          </button>
          <button type="button" className="button" onClick={onCancel} data-autofocus>
            Cancel
          </button>
        </div>
      </Inline>
    );
  }
  const total = holders.members + holders.invitations + holders.joinLinks;
  return (
    <Inline onCancel={onCancel} className="confirm">
      <form
        className="stack"
        aria-label={`Delete the role ${role.name}`}
        onSubmit={(e) => {
          e.preventDefault();
          if (replaceWith) void del.run(replaceWith);
        }}
      >
        <p role="status">
          <strong>{role.name}</strong> is still held by {holdersInWords(holders)}. Choose the role to give{' '}
          {total === 1 ? 'it' : 'them'} instead; then the role is deleted.
        </p>
        <ErrorMessage>{problem}</ErrorMessage>
        {canMove && replacements.length > 0 ? (
          <>
            <div className="field">
              <label htmlFor={replaceId}>Give them this role instead</label>
              <select
                id={replaceId}
                value={replaceWith}
                onChange={(e) => setReplaceWith(e.target.value)}
                aria-describedby={`${replaceId}-hint`}
              >
                {replacements.map((r) => (
                  <option key={r.key} value={r.key}>
                    {roleLabel(r.key, roles)}
                  </option>
                ))}
              </select>
              <p className="hint" id={`${replaceId}-hint`}>
                {replaceWith ? replacementWords(replaceWith, roles) : null}
              </p>
            </div>
            <div className="row">
              <button type="submit" className="button danger" disabled={del.busy || !replaceWith}>
                Move them and delete
              </button>
              <button type="button" className="button" onClick={onCancel}>
                Cancel
              </button>
            </div>
          </>
        ) : (
          <>
            <p className="muted why-missing">
              Moving them to another role takes changing roles, which your role does not allow. Ask an owner
              or an admin to delete it.
            </p>
            <button type="button" className="button" onClick={onCancel}>
              Cancel
            </button>
          </>
        )}
      </form>
    </Inline>
  );
}

function replacementWords(key: string, roles: readonly RoleDef[]): string {
  const def = roles.find((r) => r.key === key);
  if (!def) return '';
  const can = roleAbilities(def);
  return `${withArticleCap(key, roles)} ${can.length ? `can ${can.join('; ')}` : 'can do nothing yet'}.`;
}

import { type FormEvent, type ReactNode, useState } from 'react';
import {
  type MemberActions,
  memberActions,
  type RoleDef,
  roleDef,
  roleLabel,
  withArticle,
} from '../access.ts';
import { api, formatDate, type Member, Problem, type Role, SOURCE_LABELS } from '../api.ts';
import { useLoad, usePaged } from '../hooks.ts';
import { AddPeople } from '../members/add-people.tsx';
import { OwnershipTransfers, ProposeTransfer, pendingTransfer, useTransfers } from '../members/ownership.tsx';
import {
  abilitiesSentence,
  capitalized,
  RoleBadge,
  RolesExplained,
  useOrgRoles,
  viewerGrants,
} from '../members/roles.tsx';
import { useWaiting, Waiting } from '../members/waiting.tsx';
import { Link, navigate } from '../router.tsx';
import type { OrgPageProps } from '../routes.tsx';
import { useSession, useUser } from '../session.tsx';
import {
  Empty,
  Inline,
  LoadError,
  Loading,
  OutcomeMessage,
  Page,
  Pager,
  useOpener,
  useOutcome,
} from '../ui.tsx';

const PAGE_SIZE = 25;

interface Filters {
  q: string;
  role: Role | '';
  status: Member['status'] | '';
}

type EditKind = 'role' | 'remove' | 'expiry' | 'transfer';
type Editing = { kind: EditKind; userId: string } | null;

/** The day of `date` in the browser's time zone, as a date input writes it (`YYYY-MM-DD`). */
function dayOf(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}`;
}

/** The last moment of the day `day` (`YYYY-MM-DD`) in the browser's time zone: when access ends. */
const endOfDay = (day: string) => new Date(`${day}T23:59:59`);

/**
 * The organization's members: "Add people" (invite by email, or add an existing account), who is
 * waiting to join, the ownership transfer waiting for an answer, and a filterable, paginated table of
 * members — offering only the changes the viewer's role allows (role, the day access ends, removal,
 * and for owners a proposal to make someone an owner), and saying why where one is missing.
 */
export function MembersPage({ org, reloadOrg, search }: OrgPageProps) {
  const me = useUser();
  const session = useSession();
  const initial: Filters = { q: search.get('q') ?? '', role: '', status: 'active' };
  const [draft, setDraft] = useState<Filters>(initial);
  const [filters, setFilters] = useState<Filters>(initial);
  const [editing, setEditing] = useState<Editing>(null);
  const [confirmLeave, setConfirmLeave] = useState(false);
  const [adding, setAdding] = useState(search.get('add') === '1');
  const [version, setVersion] = useState(0);
  const { outcome, show, busy, act } = useOutcome();
  const scopes = org.viewer.scopes;
  const canAdmin = scopes.includes('member:admin');
  const canAdd = scopes.includes('member:invite') || canAdmin;
  const addOpener = useOpener();
  const leaveOpener = useOpener();

  const list = usePaged(
    (cursor) =>
      api.call('GET /v1/organizations/{org}/members', {
        path: { org: org.id },
        query: {
          limit: PAGE_SIZE,
          cursor,
          q: filters.q.trim() || undefined,
          role: filters.role || undefined,
          status: filters.status || undefined,
        },
      }),
    `${org.id}|${filters.q}|${filters.role}|${filters.status}|${version}`,
  );
  // Two active owners are enough to know whether one of them is the last.
  const owners = useLoad(
    () =>
      api.call('GET /v1/organizations/{org}/members', {
        path: { org: org.id },
        query: { role: 'owner', status: 'active', limit: 2 },
      }),
    `${org.id}|owners|${version}`,
  );
  const waiting = useWaiting(org, version);
  const orgRoles = useOrgRoles(org, version);
  const roles = orgRoles.roles;
  const grants = viewerGrants(org, roles);
  const transfers = useTransfers(org, version);
  const pending = pendingTransfer(transfers.data);
  // A proposal waits (one at a time), or the list is not read yet: no new one is offered.
  const canPropose = transfers.data !== undefined && pending === null;
  const lastOwner = owners.data?.data.length === 1 ? (owners.data.data[0]?.userId ?? null) : null;
  const iAmLastOwner = lastOwner === me.id;
  const changed = () => setVersion((v) => v + 1);

  function applyFilters(e: FormEvent) {
    e.preventDefault();
    setFilters(draft);
  }

  const changeRole = (m: Member, role: Role) =>
    act(
      `${m.name}'s role was not changed.`,
      async () => {
        await api.call('PATCH /v1/organizations/{org}/members/{userId}', {
          path: { org: org.id, userId: m.userId },
          body: { role },
        });
        setEditing(null);
        changed();
        if (m.userId === me.id) {
          reloadOrg();
          await session.refresh();
        }
        return `${m.name} is now ${withArticle(role, roles)}.`;
      },
      m.userId,
    );

  const setExpiry = (m: Member, day: string | null) =>
    act(
      `${m.name}'s access was not changed.`,
      async () => {
        const ends = day === null ? null : endOfDay(day);
        if (ends && Number.isNaN(ends.getTime())) throw new Problem('Choose a day, like 2030-01-31.');
        if (ends && !(ends.getTime() > Date.now())) throw new Problem('Choose today or a later day.');
        await api.call('PATCH /v1/organizations/{org}/members/{userId}', {
          path: { org: org.id, userId: m.userId },
          body: { expiresAt: ends ? ends.toISOString() : null },
        });
        setEditing(null);
        changed();
        return ends
          ? `${m.name}'s access now ends on ${formatDate(ends.toISOString())}.`
          : `${m.name}'s access no longer ends on its own.`;
      },
      m.userId,
    );

  const propose = (m: Member, keepOwner: boolean) =>
    act(
      `${m.name} was not asked to become an owner.`,
      async () => {
        await api.call('POST /v1/organizations/{org}/ownership-transfers', {
          path: { org: org.id },
          body: { userId: m.userId, keepOwner },
        });
        setEditing(null);
        changed();
        return `${m.name} was emailed and asked to become an owner of ${org.name}; they have 7 days to accept.`;
      },
      m.userId,
    );

  const remove = (m: Member) =>
    act(`${m.name} was not removed.`, async () => {
      await api.call('DELETE /v1/organizations/{org}/members/{userId}', {
        path: { org: org.id, userId: m.userId },
      });
      setEditing(null);
      changed();
      return `${m.name} was removed from ${org.name}.`;
    });

  const leave = () =>
    act(
      `You have not left ${org.name}.`,
      async () => {
        await api.call('DELETE /v1/organizations/{org}/members/{userId}', {
          path: { org: org.id, userId: me.id },
        });
        await session.refresh();
        navigate('/');
        return `You left ${org.name}.`;
      },
      'leave',
    );

  const rows = list.data?.data ?? [];
  const filtered = filters.q !== '' || filters.role !== '' || filters.status !== 'active';
  const alone =
    !filtered &&
    list.page === 1 &&
    rows.length === 1 &&
    rows[0]?.userId === me.id &&
    waiting.data?.rows.length === 0;

  const closeAdding = () => {
    setAdding(false);
    addOpener.refocus();
  };
  const actions = (
    <>
      {canAdd && !adding ? (
        <button
          ref={addOpener.ref}
          type="button"
          className="button primary"
          onClick={() => {
            show(null);
            setAdding(true);
          }}
        >
          Add people
        </button>
      ) : null}
      {iAmLastOwner || confirmLeave ? null : (
        <button
          ref={leaveOpener.ref}
          type="button"
          className="button"
          onClick={() => {
            show(null);
            setConfirmLeave(true);
          }}
        >
          Leave organization
        </button>
      )}
    </>
  );

  return (
    <Page title="Members" actions={actions}>
      {iAmLastOwner ? (
        <p className="muted why-missing">
          You are the only owner of {org.name}, so you cannot leave it: an organization always keeps an owner.
          Make another member an owner first, then you can leave.
        </p>
      ) : null}
      {confirmLeave ? (
        <Inline
          className="confirm card"
          onCancel={() => {
            setConfirmLeave(false);
            leaveOpener.refocus();
          }}
        >
          <p>
            Leave <strong>{org.name}</strong>? You will lose access to it.
          </p>
          <OutcomeMessage outcome={outcome} at="leave" />
          <div className="row">
            <button type="button" className="button danger" onClick={leave} disabled={busy}>
              Leave
            </button>
            <button
              type="button"
              className="button"
              data-autofocus
              onClick={() => {
                setConfirmLeave(false);
                leaveOpener.refocus();
              }}
              disabled={busy}
            >
              Cancel
            </button>
          </div>
        </Inline>
      ) : null}
      {adding ? <AddPeople org={org} roles={roles} onClose={closeAdding} onChanged={changed} /> : null}
      <OutcomeMessage outcome={outcome} />

      {alone && !adding ? (
        <div className="empty first-steps">
          <p className="empty-title">You are the only member of {org.name} so far.</p>
          {canAdd ? (
            <>
              <p>
                Start by adding the people you work with: invite them by email, or add someone who already has
                a Roster account. They join once they accept.
              </p>
              <button type="button" className="button primary" onClick={() => setAdding(true)}>
                Add your first members
              </button>
            </>
          ) : null}
        </div>
      ) : null}

      <Waiting org={org} waiting={waiting} roles={roles} onChanged={changed} />
      <OwnershipTransfers org={org} meId={me.id} transfers={transfers} onChanged={changed} />

      <h2 id="members-heading">Current members</h2>
      <RolesExplained viewerRole={org.viewer.role} roles={roles} />
      {canAdmin ? null : (
        <p className="muted why-missing">
          Your role ({org.viewer.role ? roleLabel(org.viewer.role, roles) : 'none'}) lets you see who is here.
          Owners and admins add people, change roles and remove people; to bring someone in, ask them on the{' '}
          <Link to={`/orgs/${encodeURIComponent(org.slug)}/invitations`}>Invitations</Link> page.
        </p>
      )}

      <form className="filters" onSubmit={applyFilters} aria-label="Filter members">
        <div className="field">
          <label htmlFor="member-q">Search</label>
          <input
            id="member-q"
            type="search"
            placeholder="Name or email"
            value={draft.q}
            onChange={(e) => setDraft({ ...draft, q: e.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor="member-role">Role</label>
          <select
            id="member-role"
            value={draft.role}
            onChange={(e) => setDraft({ ...draft, role: e.target.value as Filters['role'] })}
          >
            <option value="">Any role</option>
            {roles.map((r) => (
              <option key={r.key} value={r.key}>
                {roleLabel(r.key, roles)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="member-status">Status</label>
          <select
            id="member-status"
            value={draft.status}
            onChange={(e) => setDraft({ ...draft, status: e.target.value as Filters['status'] })}
          >
            <option value="active">Members</option>
            <option value="pending">Waiting for an answer</option>
            <option value="">Both</option>
          </select>
        </div>
        <button type="submit" className="button">
          Filter
        </button>
      </form>

      {list.error ? <LoadError error={list.error} retry={list.reload} /> : null}
      {list.loading && !list.data ? <Loading label="Loading members…" /> : null}
      {list.data && rows.length === 0 ? (
        <Empty title={filtered ? 'No member matches these filters.' : 'No members yet.'}>
          {filtered ? 'Change or clear the filters.' : null}
        </Empty>
      ) : null}
      {rows.length > 0 ? (
        <table className="table" aria-busy={list.loading}>
          <caption className="visually-hidden">Members of {org.name}</caption>
          <thead>
            <tr>
              <th scope="col">Member</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Source</th>
              <th scope="col">Joined</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((m) => (
              <MemberRow
                key={m.id}
                org={org}
                member={m}
                isMe={m.userId === me.id}
                can={memberActions({ ...org.viewer, userId: me.id }, m, m.userId === lastOwner, roles)}
                canPropose={canPropose}
                asked={pending?.to.userId === m.userId}
                roles={grants.roles}
                allRoles={roles}
                limitNote={grants.limitNote}
                editing={editing?.userId === m.userId ? editing.kind : null}
                busy={busy}
                outcome={<OutcomeMessage outcome={outcome} at={m.userId} />}
                onEdit={(kind) => {
                  show(null);
                  setEditing(kind ? { kind, userId: m.userId } : null);
                }}
                onChangeRole={(role) => changeRole(m, role)}
                onSetExpiry={(day) => setExpiry(m, day)}
                onPropose={(keepOwner) => propose(m, keepOwner)}
                onRemove={() => remove(m)}
              />
            ))}
          </tbody>
        </table>
      ) : null}
      <Pager list={list} />
    </Page>
  );
}

function MemberRow({
  org,
  member: m,
  isMe,
  can,
  canPropose,
  asked,
  roles,
  allRoles,
  limitNote,
  editing,
  busy,
  outcome,
  onEdit,
  onChangeRole,
  onSetExpiry,
  onPropose,
  onRemove,
}: {
  org: OrgPageProps['org'];
  member: Member;
  isMe: boolean;
  can: MemberActions;
  /** No ownership transfer waits: one may be proposed. */
  canPropose: boolean;
  /** The ownership transfer waiting for an answer asks this member. */
  asked: boolean;
  /** The roles the viewer may give. */
  roles: readonly RoleDef[];
  /** Every role of the organization (to name the member's). */
  allRoles: readonly RoleDef[];
  limitNote: string | undefined;
  editing: EditKind | null;
  busy: boolean;
  outcome: ReactNode;
  onEdit(kind: EditKind | null): void;
  onChangeRole(role: Role): void;
  /** `YYYY-MM-DD`: the last day of access; null: access no longer ends. */
  onSetExpiry(day: string | null): void;
  onPropose(keepOwner: boolean): void;
  onRemove(): void;
}) {
  const [role, setRole] = useState<Role>(m.role);
  const [day, setDay] = useState(m.expiresAt ? dayOf(new Date(m.expiresAt)) : '');
  const roleOpener = useOpener();
  const expiryOpener = useOpener();
  const transferOpener = useOpener();
  const removeOpener = useOpener();
  const roleId = `role-${m.id}`;
  const chosen = roleDef(role, allRoles);
  const chosenAbilities = chosen
    ? `${capitalized(withArticle(role, allRoles))} ${abilitiesSentence(chosen).replace(/^Can/, 'can')}`
    : '';
  const expiryId = `expiry-${m.id}`;
  const cancel = () => {
    const was = editing;
    onEdit(null);
    setRole(m.role);
    setDay(m.expiresAt ? dayOf(new Date(m.expiresAt)) : '');
    const openers = {
      role: roleOpener,
      remove: removeOpener,
      expiry: expiryOpener,
      transfer: transferOpener,
    };
    if (was) openers[was].refocus();
  };
  const transfer = can.transfer && canPropose;
  const expiryLabel = m.expiresAt ? 'Change end date' : 'Set end date';
  return (
    <>
      <tr>
        <td data-label="Member">
          <span className="member-name">
            {m.name}
            {isMe ? <span className="muted"> (you)</span> : null}
          </span>
          <span className="muted member-email">{m.email}</span>
        </td>
        <td data-label="Role">
          <span className="cell-lines">
            <RoleBadge role={m.role} roles={allRoles} />
            {asked ? <span className="muted cell-note">asked to become an owner</span> : null}
          </span>
        </td>
        <td data-label="Status">
          <span className="cell-lines">
            <span className={`badge status-${m.status}`}>{m.status}</span>
            {m.expiresAt ? (
              <span className="muted cell-note">Access ends {formatDate(m.expiresAt)}</span>
            ) : null}
          </span>
        </td>
        <td data-label="Source">{SOURCE_LABELS[m.source]}</td>
        <td data-label="Joined">{formatDate(m.joinedAt)}</td>
        <td data-label="Actions" className="actions">
          {editing === 'role' ? (
            <Inline onCancel={cancel}>
              <form
                className="inline-form"
                onSubmit={(e) => {
                  e.preventDefault();
                  onChangeRole(role);
                }}
              >
                <label htmlFor={roleId} className="visually-hidden">
                  New role for {m.name}
                </label>
                <select
                  id={roleId}
                  value={role}
                  onChange={(e) => setRole(e.target.value)}
                  aria-describedby={`${roleId}-can${limitNote ? ` ${roleId}-note` : ''}`}
                >
                  {roles.map((r) => (
                    <option key={r.key} value={r.key}>
                      {roleLabel(r.key, allRoles)}
                    </option>
                  ))}
                </select>
                <button type="submit" className="button primary" disabled={busy || role === m.role}>
                  Save
                </button>
                <button type="button" className="button" onClick={cancel}>
                  Cancel
                </button>
                <span className="muted inline-note" id={`${roleId}-can`}>
                  {chosenAbilities}
                </span>
                {limitNote ? (
                  <span className="muted inline-note" id={`${roleId}-note`}>
                    {limitNote}
                  </span>
                ) : null}
              </form>
            </Inline>
          ) : editing === 'expiry' ? (
            <Inline onCancel={cancel}>
              <form
                className="inline-form"
                onSubmit={(e) => {
                  e.preventDefault();
                  onSetExpiry(day);
                }}
              >
                <label htmlFor={expiryId}>
                  Last day of access<span className="visually-hidden"> for {m.name}</span>
                </label>
                <input
                  id={expiryId}
                  type="date"
                  min={dayOf(new Date())}
                  value={day}
                  onChange={(e) => setDay(e.target.value)}
                  aria-describedby={`${expiryId}-note`}
                />
                <button type="submit" className="button primary" disabled={busy || day === ''}>
                  Save
                </button>
                {m.expiresAt ? (
                  <button type="button" className="button" onClick={() => onSetExpiry(null)} disabled={busy}>
                    Remove end date
                  </button>
                ) : null}
                <button type="button" className="button" onClick={cancel}>
                  Cancel
                </button>
                <span className="muted inline-note" id={`${expiryId}-note`}>
                  {m.name} stays a member until the end of that day, then is removed; they are emailed a week
                  before.
                </span>
              </form>
            </Inline>
          ) : editing === 'remove' ? (
            <Inline onCancel={cancel}>
              <span>Remove {m.name}?</span>
              <button type="button" className="button danger" onClick={onRemove} disabled={busy}>
                Remove
              </button>
              <button type="button" className="button" onClick={cancel} data-autofocus>
                Cancel
              </button>
            </Inline>
          ) : can.changeRole || can.setExpiry || transfer || can.remove ? (
            <div className="row">
              {can.changeRole ? (
                <button
                  ref={roleOpener.ref}
                  type="button"
                  className="button small"
                  onClick={() => onEdit('role')}
                  aria-label={`Change role of ${m.name}`}
                >
                  Change role
                </button>
              ) : null}
              {can.setExpiry ? (
                <button
                  ref={expiryOpener.ref}
                  type="button"
                  className="button small"
                  onClick={() => {
                    setDay(m.expiresAt ? dayOf(new Date(m.expiresAt)) : '');
                    onEdit('expiry');
                  }}
                  aria-label={`${expiryLabel} for ${m.name}'s access`}
                >
                  {expiryLabel}
                </button>
              ) : null}
              {transfer ? (
                <button
                  ref={transferOpener.ref}
                  type="button"
                  className="button small"
                  onClick={() => onEdit(editing === 'transfer' ? null : 'transfer')}
                  aria-expanded={editing === 'transfer'}
                  aria-label={`Transfer ownership to ${m.name}`}
                >
                  Transfer ownership…
                </button>
              ) : null}
              {can.remove ? (
                <button
                  ref={removeOpener.ref}
                  type="button"
                  className="button small danger-outline"
                  onClick={() => onEdit('remove')}
                  aria-label={`Remove ${m.name}`}
                >
                  Remove
                </button>
              ) : null}
            </div>
          ) : can.why ? (
            <span className="muted why-missing">{can.why}</span>
          ) : null}
          {outcome}
        </td>
      </tr>
      {editing === 'transfer' && transfer ? (
        <tr className="row-editor">
          <td colSpan={6}>
            <ProposeTransfer org={org} member={m} busy={busy} onPropose={onPropose} onCancel={cancel} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

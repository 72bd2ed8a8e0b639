import { type FormEvent, useState } from 'react';
import { api, explain, formatDate, type Member, ROLES, type Role, SOURCE_LABELS } from '../api.ts';
import { usePaged } from '../hooks.ts';
import { navigate } from '../router.tsx';
import type { OrgPageProps } from '../routes.tsx';
import { useSession, useUser } from '../session.tsx';
import { Empty, ErrorMessage, Loading, OutcomeMessage, Page, Pager, useOutcome } from '../ui.tsx';

const PAGE_SIZE = 25;

interface Filters {
  q: string;
  role: Role | '';
  status: Member['status'] | '';
}

type Pending = { kind: 'role' | 'remove' | 'leave'; userId: string } | null;

/** The organization's members: a filterable, paginated table; change role, remove, leave. */
export function MembersPage({ org, reloadOrg }: OrgPageProps) {
  const me = useUser();
  const session = useSession();
  const [draft, setDraft] = useState<Filters>({ q: '', role: '', status: '' });
  const [filters, setFilters] = useState<Filters>(draft);
  const [pending, setPending] = useState<Pending>(null);
  const { outcome, show, busy, act: perform } = useOutcome();
  const canAdmin = org.viewer.scopes.includes('member:admin');

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
    `${org.id}|${filters.q}|${filters.role}|${filters.status}`,
  );

  function applyFilters(e: FormEvent) {
    e.preventDefault();
    setFilters(draft);
  }

  /** Runs a change; its notice replaces the confirmation, which stays when the change is refused. */
  const act = (description: string, run: () => Promise<string>) =>
    perform(description, async () => {
      const ok = await run();
      setPending(null);
      return ok;
    });

  const changeRole = (m: Member, role: Role) =>
    act(`${m.name}'s role was not changed.`, async () => {
      await api.call('PATCH /v1/organizations/{org}/members/{userId}', {
        path: { org: org.id, userId: m.userId },
        body: { role },
      });
      list.reload();
      if (m.userId === me.id) {
        reloadOrg();
        await session.refresh();
      }
      return `${m.name} is now ${role === 'admin' ? 'an' : 'a'} ${role}.`;
    });

  const remove = (m: Member) =>
    act(`${m.name} was not removed.`, async () => {
      await api.call('DELETE /v1/organizations/{org}/members/{userId}', {
        path: { org: org.id, userId: m.userId },
      });
      list.reload();
      return `${m.name} was removed from ${org.name}.`;
    });

  const leave = () =>
    act(`You have not left ${org.name}.`, async () => {
      await api.call('DELETE /v1/organizations/{org}/members/{userId}', {
        path: { org: org.id, userId: me.id },
      });
      await session.refresh();
      navigate('/');
      return `You left ${org.name}.`;
    });

  const rows = list.data?.data ?? [];
  const filtered = filters.q !== '' || filters.role !== '' || filters.status !== '';

  return (
    <Page
      title="Members"
      actions={
        pending?.kind === 'leave' ? null : (
          <button
            type="button"
            className="button"
            onClick={() => setPending({ kind: 'leave', userId: me.id })}
          >
            Leave organization
          </button>
        )
      }
    >
      {pending?.kind === 'leave' ? (
        <fieldset className="confirm card">
          <legend className="visually-hidden">Confirm leaving</legend>
          <p>
            Leave <strong>{org.name}</strong>? You will lose access to it.
          </p>
          <div className="row">
            <button type="button" className="button danger" onClick={leave} disabled={busy}>
              Leave
            </button>
            <button type="button" className="button" onClick={() => setPending(null)} disabled={busy}>
              Cancel
            </button>
          </div>
        </fieldset>
      ) : null}
      <OutcomeMessage outcome={outcome} />

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
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
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
            <option value="">Any status</option>
            <option value="active">active</option>
            <option value="pending">pending</option>
          </select>
        </div>
        <button type="submit" className="button">
          Filter
        </button>
      </form>

      {list.error ? <ErrorMessage>{explain(list.error)}</ErrorMessage> : null}
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
                member={m}
                isMe={m.userId === me.id}
                canAdmin={canAdmin}
                pending={pending?.userId === m.userId ? pending.kind : null}
                busy={busy}
                onPending={(kind) => {
                  show(null);
                  setPending(kind ? { kind, userId: m.userId } : null);
                }}
                onChangeRole={(role) => changeRole(m, role)}
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
  member: m,
  isMe,
  canAdmin,
  pending,
  busy,
  onPending,
  onChangeRole,
  onRemove,
}: {
  member: Member;
  isMe: boolean;
  canAdmin: boolean;
  pending: 'role' | 'remove' | 'leave' | null;
  busy: boolean;
  onPending(kind: 'role' | 'remove' | 'leave' | null): void;
  onChangeRole(role: Role): void;
  onRemove(): void;
}) {
  const [role, setRole] = useState<Role>(m.role);
  const roleId = `role-${m.id}`;
  return (
    <tr>
      <td data-label="Member">
        <span className="member-name">
          {m.name}
          {isMe ? <span className="muted"> (you)</span> : null}
        </span>
        <span className="muted member-email">{m.email}</span>
      </td>
      <td data-label="Role">
        <span className={`badge role-${m.role}`}>{m.role}</span>
      </td>
      <td data-label="Status">
        <span className={`badge status-${m.status}`}>{m.status}</span>
      </td>
      <td data-label="Source">{SOURCE_LABELS[m.source]}</td>
      <td data-label="Joined">{formatDate(m.joinedAt)}</td>
      <td data-label="Actions" className="actions">
        {pending === 'role' ? (
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
            <select id={roleId} value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
            <button type="submit" className="button primary" disabled={busy || role === m.role}>
              Save
            </button>
            <button type="button" className="button" onClick={() => onPending(null)}>
              Cancel
            </button>
          </form>
        ) : pending === 'remove' ? (
          <div className="inline-form">
            <span>Remove {m.name}?</span>
            <button type="button" className="button danger" onClick={onRemove} disabled={busy}>
              Remove
            </button>
            <button type="button" className="button" onClick={() => onPending(null)}>
              Cancel
            </button>
          </div>
        ) : canAdmin ? (
          <div className="row">
            <button
              type="button"
              className="button small"
              onClick={() => onPending('role')}
              aria-label={`Change role of ${m.name}`}
            >
              Change role
            </button>
            {isMe ? null : (
              <button
                type="button"
                className="button small danger-outline"
                onClick={() => onPending('remove')}
                aria-label={`Remove ${m.name}`}
              >
                Remove
              </button>
            )}
          </div>
        ) : null}
      </td>
    </tr>
  );
}

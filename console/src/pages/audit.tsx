import { type FormEvent, useState } from 'react';
import { type AuditEntry, api, explain, formatDateTime } from '../api.ts';
import { usePaged } from '../hooks.ts';
import type { OrgPageProps } from '../routes.tsx';
import { Empty, ErrorMessage, Loading, Page, Pager } from '../ui.tsx';

const PAGE_SIZE = 50;

/** What happened in an entry, in words, from its action and data. */
function describe(e: AuditEntry): string {
  const d = e.data as Record<string, unknown>;
  switch (e.action) {
    case 'organization.created':
      return 'Created the organization';
    case 'organization.updated':
      return `Changed settings${d.changes && typeof d.changes === 'object' ? `: ${Object.keys(d.changes).join(', ')}` : ''}`;
    case 'member.added':
      return `Added a member${typeof d.role === 'string' ? ` as ${d.role}` : ''}`;
    case 'member.role_changed':
      return `Changed a role from ${String(d.from)} to ${String(d.to)}`;
    case 'member.removed':
      return 'Removed a member';
    case 'member.left':
      return 'Left the organization';
    default:
      return e.action;
  }
}

function who(e: AuditEntry): string {
  if (e.actor.type === 'system') return 'Roster';
  const label = { user: 'User', api_key: 'API key', app: 'App' }[e.actor.type];
  return e.actor.id ? `${label} ${e.actor.id.slice(0, 8)}…` : label;
}

/** The organization's audit log, newest first, filterable by action. */
export function AuditPage({ org }: OrgPageProps) {
  const [draft, setDraft] = useState('');
  const [action, setAction] = useState('');
  const list = usePaged(
    (cursor) =>
      api.call('GET /v1/organizations/{org}/audit-log', {
        path: { org: org.id },
        query: { limit: PAGE_SIZE, cursor, action: action || undefined },
      }),
    `${org.id}|${action}`,
  );
  const rows = list.data?.data ?? [];

  function submit(e: FormEvent) {
    e.preventDefault();
    setAction(draft.trim());
  }

  return (
    <Page title="Audit log">
      <form className="filters" onSubmit={submit} aria-label="Filter the audit log">
        <div className="field">
          <label htmlFor="audit-action">Action</label>
          <input
            id="audit-action"
            placeholder="e.g. member.role_changed"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            autoCapitalize="none"
            spellCheck={false}
          />
        </div>
        <button type="submit" className="button">
          Filter
        </button>
      </form>
      {list.error ? <ErrorMessage>{explain(list.error)}</ErrorMessage> : null}
      {list.loading && !list.data ? <Loading label="Loading the audit log…" /> : null}
      {list.data && rows.length === 0 ? (
        <Empty title={action ? `No “${action}” entries.` : 'Nothing has happened here yet.'} />
      ) : null}
      {rows.length > 0 ? (
        <table className="table" aria-busy={list.loading}>
          <caption className="visually-hidden">Audit log of {org.name}</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Target</th>
              <th scope="col">IP</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((e) => (
              <tr key={e.id}>
                <td data-label="When">{formatDateTime(e.createdAt)}</td>
                <td data-label="Who">{who(e)}</td>
                <td data-label="What">
                  {describe(e)} <code className="muted">{e.action}</code>
                </td>
                <td data-label="Target">
                  {e.target ? `${e.target.type} ${e.target.id ? `${e.target.id.slice(0, 8)}…` : ''}` : '—'}
                </td>
                <td data-label="IP">{e.ip ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <Pager list={list} />
    </Page>
  );
}

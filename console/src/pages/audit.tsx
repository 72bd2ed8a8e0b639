import { type FormEvent, useState } from 'react';
import { fillPath, type Operations, queryString } from '../../../src/client/client.ts';
import { type AuditEntry, api, formatDate, formatDateTime, type Organization } from '../api.ts';
import { AUDIT_ACTIONS, actionGroups, describeEntry } from '../audit-words.ts';
import { useLoad, usePaged } from '../hooks.ts';
import { Link, navigate } from '../router.tsx';
import type { OrgPageProps } from '../routes.tsx';
import { Empty, Field, LoadError, Loading, Page, Pager } from '../ui.tsx';

const PAGE_SIZE = 50;
const EXPORT = 'GET /v1/organizations/{org}/audit-log/export';

/** The filters as the address holds them (`?action=&actor=&targetType=&targetId=&from=&to=`). */
interface Filters {
  action: string;
  actor: string;
  targetType: string;
  targetId: string;
  /** The first day, `yyyy-mm-dd` (local time). */
  from: string;
  /** The last day, included. */
  to: string;
}

const NO_FILTERS: Filters = { action: '', actor: '', targetType: '', targetId: '', from: '', to: '' };
const DAY = /^\d{4}-\d{2}-\d{2}$/;

function filtersIn(search: URLSearchParams): Filters {
  const day = (name: string) => {
    const v = search.get(name) ?? '';
    return DAY.test(v) ? v : '';
  };
  const targetType = search.get('targetType') ?? '';
  const targetId = search.get('targetId') ?? '';
  return {
    action: search.get('action') ?? '',
    actor: search.get('actor') ?? '',
    // A target is a kind and a row of it, or nothing.
    targetType: targetType && targetId ? targetType : '',
    targetId: targetType && targetId ? targetId : '',
    from: day('from'),
    to: day('to'),
  };
}

/** Local midnight of `day` (`yyyy-mm-dd`), `plus` days later. */
function midnight(day: string, plus = 0): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d + plus);
}

/** The API's filters: the range runs from the first day's midnight to the midnight after the last. */
function apiFilters(f: Filters) {
  return {
    action: f.action || undefined,
    actorId: f.actor || undefined,
    targetType: f.targetType || undefined,
    targetId: f.targetId || undefined,
    since: f.from ? midnight(f.from).toISOString() : undefined,
    until: f.to ? midnight(f.to, 1).toISOString() : undefined,
  };
}

/** The download of every entry the filters match (the session cookie goes with it). */
function exportHref(org: Organization, format: 'csv' | 'json', f: Filters): string {
  const query: Operations[typeof EXPORT]['query'] = { format, ...apiFilters(f) };
  return fillPath('/v1/organizations/{org}/audit-log/export', { org: org.id }) + queryString(query);
}

/** Who did it: a person's name and email, an API key's or an app's name, "deleted user", or Roster. */
function actorOf(e: AuditEntry): { name: string; detail: string | null } {
  const a = e.actor;
  if (a.type === 'system') return { name: 'Roster', detail: 'automatically' };
  const kind = { user: 'user', api_key: 'API key', app: 'app' }[a.type];
  if (a.deleted || !a.name) {
    return { name: `Deleted ${kind}`, detail: a.id ? `id ${a.id.slice(0, 8)}…` : null };
  }
  if (a.type === 'user') return { name: a.name, detail: a.email };
  return { name: a.name, detail: a.type === 'api_key' ? 'API key' : 'App' };
}

const KIND_WORDS: Record<string, string> = {
  user: 'user',
  invitation: 'invitation',
  app: 'app',
  installation: 'installation',
  webhook_endpoint: 'webhook endpoint',
  join_link: 'join link',
  role: 'role',
  domain: 'domain',
  organization: 'organization',
  api_key: 'API key',
};

interface Target {
  /** What the target cell shows. */
  name: string;
  /** How a sentence says it ("Changed Mia Member’s role", "Removed a deleted user"). */
  inSentence: string;
  /** Its page in the console, when it has one and is still there. */
  to: string | null;
}

/** The target as it is now (named by the server), and its page. */
function targetOf(e: AuditEntry, org: Organization): Target | null {
  const t = e.target;
  if (!t) return null;
  const base = `/orgs/${encodeURIComponent(org.slug)}`;
  const d = e.data as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' && v ? v : null);
  const kind = KIND_WORDS[t.type] ?? t.type.replaceAll('_', ' ');
  if (t.deleted) {
    if (t.type === 'user') return { name: 'Deleted user', inSentence: 'a deleted user', to: null };
    const was = t.name ?? text(d.slug) ?? text(d.app) ?? text(d.url) ?? text(d.email);
    return {
      name: was ? `${was} (deleted)` : `Deleted ${kind}`,
      inSentence: was ?? `a deleted ${kind}`,
      to: null,
    };
  }
  const named = (name: string, to: string | null): Target => ({ name, inSentence: name, to });
  switch (t.type) {
    case 'user': {
      const name = t.name ?? t.email ?? 'someone';
      return named(name, t.email ? `${base}/members?${new URLSearchParams({ q: t.email })}` : null);
    }
    case 'invitation':
      return named(t.email ?? text(d.email) ?? 'an invitation', `${base}/invitations`);
    case 'app':
      return named(
        t.name ?? t.slug ?? text(d.slug) ?? 'an app',
        t.slug ? `${base}/apps/${encodeURIComponent(t.slug)}` : `${base}/apps`,
      );
    case 'installation':
      return named(t.name ?? text(d.app) ?? 'an app', `${base}/apps`);
    case 'webhook_endpoint':
      return named(
        t.name ?? text(d.url) ?? 'a webhook endpoint',
        t.id ? `${base}/webhooks/${encodeURIComponent(t.id)}` : `${base}/webhooks`,
      );
    case 'join_link':
      return named(t.name ?? 'a join link', `${base}/join-links`);
    case 'organization':
      return named(t.name ?? org.name, `${base}/settings`);
    case 'role': {
      // A role is named by its key; the entry's data holds its name (a deleted role's page is gone).
      const after = d.after as Record<string, unknown> | undefined;
      const name = text(after?.name) ?? text(d.name) ?? t.name ?? t.id ?? 'a role';
      return named(`the role ${name}`, `${base}/roles`);
    }
    default:
      return named(t.name ?? t.email ?? `a ${kind}`, null);
  }
}

/**
 * The organization's audit log, newest first: who (by name and email, or "deleted user"), what (in
 * words), to what (linked to its page), filtered by action (picked from the catalog), by who did it,
 * by target (picked from a row) and by date range; and every entry the filters match as a CSV or JSON
 * download. The filters live in the address, so a filtered view can be linked to.
 */
export function AuditPage({ org, search }: OrgPageProps) {
  const filters = filtersIn(search);
  const [draft, setDraft] = useState<Filters>(filters);
  const [rangeError, setRangeError] = useState<string | null>(null);
  const key = Object.values(filters).join('|');
  const list = usePaged(
    (cursor) =>
      api.call('GET /v1/organizations/{org}/audit-log', {
        path: { org: org.id },
        query: { limit: PAGE_SIZE, cursor, ...apiFilters(filters) },
      }),
    `${org.id}|${key}`,
  );
  // The people of the organization: the choices of the "Done by" filter.
  const members = useLoad(
    () => api.call('GET /v1/organizations/{org}/members', { path: { org: org.id }, query: { limit: 100 } }),
    org.id,
  );
  const rows = list.data?.data ?? [];
  const people = new Map<string, string>();
  for (const m of members.data?.data ?? []) people.set(m.userId, m.name);
  for (const e of rows) if (e.actor.id && e.actor.name) people.set(e.actor.id, e.actor.name);

  const apply = (next: Filters) => {
    setDraft(next);
    setRangeError(null);
    const params = new URLSearchParams();
    if (next.action) params.set('action', next.action);
    if (next.actor) params.set('actor', next.actor);
    if (next.targetType && next.targetId) {
      params.set('targetType', next.targetType);
      params.set('targetId', next.targetId);
    }
    if (next.from) params.set('from', next.from);
    if (next.to) params.set('to', next.to);
    const q = params.toString();
    navigate(`/orgs/${encodeURIComponent(org.slug)}/audit-log${q ? `?${q}` : ''}`, { replace: true });
  };
  function submit(e: FormEvent) {
    e.preventDefault();
    if (draft.from && draft.to && draft.to < draft.from) {
      setRangeError('The last day is before the first one.');
      return;
    }
    // The target is picked from a row, not in the form: it stays as it is.
    apply({ ...draft, targetType: filters.targetType, targetId: filters.targetId });
  }

  const actorName = (id: string) => people.get(id) ?? `someone (id ${id.slice(0, 8)}…)`;
  const targetShown = rows.find((e) => e.target?.id === filters.targetId);
  const targetName = filters.targetId
    ? ((targetShown && targetOf(targetShown, org)?.name) ??
      `the ${KIND_WORDS[filters.targetType] ?? filters.targetType} ${filters.targetId.slice(0, 8)}…`)
    : '';
  const day = (d: string) => formatDate(midnight(d).toISOString());
  const filtered = Object.values(filters).some((v) => v !== '');
  const describeFilters = [
    filters.action ? `“${AUDIT_ACTIONS[filters.action]?.label ?? filters.action}”` : null,
    filters.actor ? `by ${actorName(filters.actor)}` : null,
    filters.targetId ? `about ${targetName}` : null,
    filters.from && filters.to
      ? filters.from === filters.to
        ? `on ${day(filters.from)}`
        : `from ${day(filters.from)} to ${day(filters.to)}`
      : filters.from
        ? `since ${day(filters.from)}`
        : filters.to
          ? `until ${day(filters.to)}`
          : null,
  ]
    .filter(Boolean)
    .join(' ');

  return (
    <Page title="Audit log">
      <form className="filters" onSubmit={submit} aria-label="Filter the audit log" noValidate>
        <div className="field">
          <label htmlFor="audit-action">Action</label>
          <select
            id="audit-action"
            value={draft.action}
            onChange={(e) => setDraft({ ...draft, action: e.target.value })}
          >
            <option value="">Any action</option>
            {actionGroups().map((g) => (
              <optgroup key={g.group} label={g.group}>
                {g.actions.map((a) => (
                  <option key={a.action} value={a.action}>
                    {a.label}
                  </option>
                ))}
              </optgroup>
            ))}
            {draft.action && !AUDIT_ACTIONS[draft.action] ? (
              <option value={draft.action}>{draft.action}</option>
            ) : null}
          </select>
        </div>
        <div className="field">
          <label htmlFor="audit-actor">Done by</label>
          <select
            id="audit-actor"
            value={draft.actor}
            onChange={(e) => setDraft({ ...draft, actor: e.target.value })}
          >
            <option value="">Anyone</option>
            {(members.data?.data ?? []).map((m) => (
              <option key={m.userId} value={m.userId}>
                {m.name} ({m.email})
              </option>
            ))}
            {draft.actor && !members.data?.data.some((m) => m.userId === draft.actor) ? (
              <option value={draft.actor}>{actorName(draft.actor)}</option>
            ) : null}
          </select>
        </div>
        <Field
          label="From"
          id="audit-from"
          type="date"
          value={draft.from}
          max={draft.to || undefined}
          onChange={(e) => setDraft({ ...draft, from: e.target.value })}
        />
        <Field
          label="To"
          id="audit-to"
          type="date"
          value={draft.to}
          min={draft.from || undefined}
          error={rangeError ?? undefined}
          onChange={(e) => setDraft({ ...draft, to: e.target.value })}
        />
        <div className="row filter-buttons">
          <button type="submit" className="button">
            Filter
          </button>
          {filtered ? (
            <button type="button" className="button" onClick={() => apply(NO_FILTERS)}>
              Clear filters
            </button>
          ) : null}
        </div>
      </form>
      {filters.targetId ? (
        <p className="audit-target-filter">
          Only entries about <strong>{targetName}</strong>.{' '}
          <button
            type="button"
            className="link-button"
            onClick={() => apply({ ...filters, targetType: '', targetId: '' })}
          >
            Show every target
          </button>
        </p>
      ) : null}
      <div className="row audit-export">
        <a className="button small" href={exportHref(org, 'csv', filters)} download>
          Export CSV
        </a>
        <a className="button small" href={exportHref(org, 'json', filters)} download>
          Export JSON
        </a>
        <span className="muted">
          {filtered ? 'Every entry these filters match' : 'Every entry'}, newest first (up to 100,000).
        </span>
      </div>
      {list.error ? <LoadError error={list.error} retry={list.reload} /> : null}
      {list.loading && !list.data ? <Loading label="Loading the audit log…" /> : null}
      {list.data && rows.length === 0 ? (
        <Empty title={filtered ? `No entries ${describeFilters}.` : 'Nothing has happened here yet.'}>
          {filtered ? 'Change or clear the filters.' : null}
        </Empty>
      ) : null}
      {rows.length > 0 ? (
        <table className="table audit-log" aria-busy={list.loading}>
          <caption className="visually-hidden">
            Audit log of {org.name}
            {filtered ? `, ${describeFilters}` : ''}
          </caption>
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
            {rows.map((e) => {
              const who = actorOf(e);
              const target = targetOf(e, org);
              const canFilter = e.actor.id !== null && filters.actor !== e.actor.id;
              const t = e.target;
              const canFilterTarget = t?.id && filters.targetId !== t.id;
              return (
                <tr key={e.id}>
                  <td data-label="When">{formatDateTime(e.createdAt)}</td>
                  <td data-label="Who">
                    <span className="member-name">
                      {canFilter ? (
                        <button
                          type="button"
                          className="link-button"
                          onClick={() => apply({ ...filters, actor: e.actor.id as string })}
                          aria-label={`${who.name}: show only what they did`}
                        >
                          {who.name}
                        </button>
                      ) : (
                        who.name
                      )}
                    </span>
                    {who.detail ? <span className="muted member-email">{who.detail}</span> : null}
                  </td>
                  <td data-label="What">
                    {describeEntry(e, target?.inSentence ?? org.name)}{' '}
                    <code className="muted">{e.action}</code>
                  </td>
                  <td data-label="Target">
                    {target ? (
                      <>
                        {target.to ? <Link to={target.to}>{target.name}</Link> : target.name}
                        {t?.type === 'user' && t.email && target.name !== t.email ? (
                          <span className="muted member-email">{t.email}</span>
                        ) : null}
                        {canFilterTarget ? (
                          <button
                            type="button"
                            className="link-button audit-only-this"
                            onClick={() =>
                              apply({ ...filters, targetType: t.type, targetId: t.id as string })
                            }
                          >
                            Only this<span className="visually-hidden">: entries about {target.name}</span>
                          </button>
                        ) : null}
                      </>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td data-label="IP">{e.ip ?? '—'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      <Pager list={list} />
    </Page>
  );
}

import { type ReactNode, useId, useRef, useState } from 'react';
import {
  ApiError,
  api,
  explain,
  formatDateTime,
  type Organization,
  type WebhookEndpoint,
  type WebhookEventType,
} from '../api.ts';
import { useLoad } from '../hooks.ts';
import { Link } from '../router.tsx';
import type { OrgPageProps } from '../routes.tsx';
import {
  CodeList,
  Empty,
  ErrorMessage,
  Field,
  LoadError,
  Loading,
  Page,
  ShownOnce,
  useSubmit,
} from '../ui.tsx';

/** Headings for the event types' prefixes; an unknown prefix is shown as it is. */
const GROUP_LABELS: Record<string, string> = {
  member: 'Members',
  invitation: 'Invitations',
  join_request: 'Join requests',
  installation: 'App installations',
};

/** What an endpoint's `events` holds for "every event type, including those added later". */
export const ALL_EVENTS = '*';

export const endpointPath = (org: Organization, id: string) =>
  `/orgs/${encodeURIComponent(org.slug)}/webhooks/${encodeURIComponent(id)}`;

/** The event catalog, grouped by what the events are about, in the catalog's order. */
export function groupEventTypes(
  types: WebhookEventType[],
): Array<{ label: string; types: WebhookEventType[] }> {
  const groups = new Map<string, WebhookEventType[]>();
  for (const t of types) {
    const prefix = t.type.split('.')[0] ?? t.type;
    groups.set(prefix, [...(groups.get(prefix) ?? []), t]);
  }
  return [...groups].map(([prefix, list]) => ({
    label: GROUP_LABELS[prefix] ?? prefix.replaceAll('_', ' '),
    types: list,
  }));
}

/** A description from the catalog, its `code` spans shown as code. */
function Described({ text }: { text: string }) {
  return (
    <>
      {text.split('`').map((part, i) =>
        // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one fixed string, in order.
        i % 2 === 1 ? <code key={i}>{part}</code> : <span key={i}>{part}</span>,
      )}
    </>
  );
}

/**
 * The words for an error about one field (`url`, `events`): the code's plain words, with the API's
 * detail when it says which rule the value broke. Undefined when the error is not about that field.
 */
function fieldProblem(err: unknown, field: string): string | undefined {
  if (!(err instanceof ApiError)) return undefined;
  const issue = err.fieldIssues.find((i) => i.field === field || i.field.startsWith(`${field}.`));
  if (!issue) return undefined;
  if (err.code === 'WEBHOOK_URL_INVALID' || err.code === 'WEBHOOK_URL_FORBIDDEN')
    return `${explain(err)} This one ${issue.message}.`;
  if (err.code === 'VALIDATION_FAILED') return `This ${issue.message}.`;
  return explain(err);
}

/** True when the error is explained beside a field of the endpoint form, not above it. */
function isFieldError(err: unknown): boolean {
  return fieldProblem(err, 'url') !== undefined || fieldProblem(err, 'events') !== undefined;
}

/**
 * The event checkboxes, grouped, each with its description, under "All events" (which stands for every
 * type, those added later too, and stands alone); at least one choice is needed. Types sent on request
 * only (the test event) are not offered.
 */
function EventPicker({
  types,
  selected,
  onChange,
  error,
}: {
  types: WebhookEventType[];
  selected: string[];
  onChange(next: string[]): void;
  error?: string | undefined;
}) {
  const id = useId();
  const all = selected.includes(ALL_EVENTS);
  // The types picked before "All events" was ticked come back when it is unticked.
  const picked = useRef<string[]>(all ? [] : selected);
  const toggle = (type: string, on: boolean) =>
    onChange(on ? [...selected, type] : selected.filter((t) => t !== type));
  const toggleAll = (on: boolean) => {
    if (on) picked.current = selected.filter((t) => t !== ALL_EVENTS);
    onChange(on ? [ALL_EVENTS] : picked.current);
  };
  return (
    <fieldset
      className="field event-picker"
      aria-invalid={error ? true : undefined}
      aria-describedby={`${id}-hint${error ? ` ${id}-error` : ''}`}
    >
      <legend>Events</legend>
      <p className="hint" id={`${id}-hint`}>
        Choose all events, or at least one: the endpoint receives only the events chosen here.
      </p>
      {error ? (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
      <div className="field checkbox event-all">
        <input
          type="checkbox"
          id={`${id}-all`}
          checked={all}
          onChange={(e) => toggleAll(e.target.checked)}
          aria-describedby={`${id}-all-hint`}
        />
        <label htmlFor={`${id}-all`}>All events</label>
        <p className="hint" id={`${id}-all-hint`}>
          Every event Roster sends, including kinds of events added in later versions.
        </p>
      </div>
      <div className="event-groups">
        {groupEventTypes(types.filter((t) => t.subscribable)).map((g) => (
          <fieldset key={g.label} className="event-group">
            <legend>{g.label}</legend>
            {g.types.map((t) => (
              <div className="field checkbox" key={t.type}>
                <input
                  type="checkbox"
                  id={`${id}-${t.type}`}
                  checked={all || selected.includes(t.type)}
                  disabled={all}
                  onChange={(e) => toggle(t.type, e.target.checked)}
                  aria-describedby={`${id}-${t.type}-hint`}
                />
                <label htmlFor={`${id}-${t.type}`}>
                  <code>{t.type}</code>
                </label>
                <p className="hint" id={`${id}-${t.type}-hint`}>
                  <Described text={t.description} />
                </p>
              </div>
            ))}
          </fieldset>
        ))}
      </div>
    </fieldset>
  );
}

/** How a receiver checks that a request came from Roster (Standard Webhooks). */
export function VerifyNote() {
  return (
    <details className="verify-note">
      <summary>How your receiver checks a request</summary>
      <p>
        Every POST carries the Standard Webhooks headers <code>webhook-id</code>,{' '}
        <code>webhook-timestamp</code> and <code>webhook-signature</code>. Compute an HMAC-SHA256 of{' '}
        <code>webhook-id.webhook-timestamp.body</code> (the raw body), keyed with the base64-decoded part of
        the secret after <code>whsec_</code>; base64-encode it and compare it, in constant time, with the
        value after <code>v1,</code> in <code>webhook-signature</code>. Refuse timestamps more than five
        minutes away from now, and use <code>webhook-id</code> (the same on every retry) to drop duplicates.
        Any Standard Webhooks library does all this for you.
      </p>
    </details>
  );
}

/** An endpoint's signing secret, shown this once, with how a receiver checks a request with it. */
export function EndpointSecret({
  title,
  secret,
  children,
  onDismiss,
}: {
  title: string;
  secret: string;
  children: ReactNode;
  onDismiss(): void;
}) {
  return (
    <ShownOnce
      title={title}
      secrets={[{ label: 'Signing secret', value: secret }]}
      lost="Roster keeps it encrypted and never shows it again; if it is lost, rotate the secret from the endpoint's page."
      onDismiss={onDismiss}
    >
      {children}
      <VerifyNote />
    </ShownOnce>
  );
}

/** What the endpoint form edits; text as typed. */
export interface EndpointDraft {
  url: string;
  description: string;
  events: string[];
}

/**
 * The fields an endpoint is added and edited with, the API's refusal beside the field it is about (or
 * above them all). Once `tried` (a submit was attempted), an empty choice of events is pointed out.
 */
export function EndpointFields({
  types,
  draft,
  onChange,
  error,
  tried,
}: {
  types: WebhookEventType[];
  draft: EndpointDraft;
  onChange(next: EndpointDraft): void;
  error: unknown;
  tried: boolean;
}) {
  return (
    <>
      <ErrorMessage>{error && !isFieldError(error) ? explain(error) : null}</ErrorMessage>
      <Field
        label="URL"
        name="url"
        type="url"
        inputMode="url"
        autoComplete="off"
        spellCheck={false}
        maxLength={2048}
        placeholder="https://example.com/roster-webhooks"
        hint="Where Roster sends the POSTs. Use HTTPS; a private or loopback address is refused."
        value={draft.url}
        onChange={(e) => onChange({ ...draft, url: e.target.value })}
        error={fieldProblem(error, 'url')}
      />
      <Field
        label="Description (optional)"
        name="description"
        maxLength={500}
        hint="What receives these events, for whoever reads this list later."
        value={draft.description}
        onChange={(e) => onChange({ ...draft, description: e.target.value })}
        error={fieldProblem(error, 'description')}
      />
      <EventPicker
        types={types}
        selected={draft.events}
        onChange={(events) => onChange({ ...draft, events })}
        error={
          tried && draft.events.length === 0 ? 'Choose at least one event.' : fieldProblem(error, 'events')
        }
      />
    </>
  );
}

/** "Enabled", or "Disabled" with why. */
export function EndpointStatus({ endpoint: e }: { endpoint: WebhookEndpoint }) {
  if (e.enabled) return <span className="badge status-enabled">enabled</span>;
  return (
    <span className="endpoint-status">
      <span className="badge status-disabled">disabled</span>
      {e.disabledReason ? <span className="muted"> {e.disabledReason}</span> : null}
    </span>
  );
}

/**
 * The organization's webhook endpoints (org:integrations): each with its events, whether it is enabled
 * (or why not) and its last success and failure; add an endpoint, whose signing secret is shown once.
 */
export function WebhooksPage({ org }: OrgPageProps) {
  const list = useLoad(
    () => api.call('GET /v1/organizations/{org}/webhooks', { path: { org: org.id } }),
    org.id,
  );
  const catalog = useLoad(() => api.call('GET /v1/webhook-event-types'), 'catalog');
  const [adding, setAdding] = useState(false);
  const [created, setCreated] = useState<{ endpoint: WebhookEndpoint; secret: string } | null>(null);

  const rows = list.data?.data ?? [];
  const formOpen = adding || (list.data !== undefined && rows.length === 0 && created === null);
  return (
    <Page
      title="Webhooks"
      actions={
        formOpen || !list.data ? null : (
          <button
            type="button"
            className="button primary"
            onClick={() => {
              setCreated(null);
              setAdding(true);
            }}
          >
            Add an endpoint
          </button>
        )
      }
    >
      <p className="muted intro">
        Webhooks tell your own systems what happens in {org.name} as it happens: Roster sends a signed HTTP
        POST to each endpoint subscribed to an event (a member added, a role changed, an invitation
        accepted…), retries for more than a day when the receiver fails, and logs every attempt.
      </p>
      {created ? (
        <EndpointSecret
          title="Endpoint added: its signing secret"
          secret={created.secret}
          onDismiss={() => setCreated(null)}
        >
          <p>
            <Link to={endpointPath(org, created.endpoint.id)} className="endpoint-url">
              {created.endpoint.url}
            </Link>{' '}
            now receives{' '}
            {created.endpoint.events.includes(ALL_EVENTS)
              ? 'every event'
              : created.endpoint.events.length === 1
                ? 'its event'
                : 'its events'}
            . Your receiver uses this secret to check that each request comes from Roster.
          </p>
        </EndpointSecret>
      ) : null}
      {formOpen ? (
        catalog.error ? (
          <ErrorMessage>{explain(catalog.error)}</ErrorMessage>
        ) : catalog.data ? (
          <AddEndpointForm
            org={org}
            types={catalog.data.data}
            canCancel={rows.length > 0}
            onCancel={() => setAdding(false)}
            onCreated={(endpoint, secret) => {
              setCreated({ endpoint, secret });
              setAdding(false);
              list.reload();
            }}
          />
        ) : (
          <Loading label="Loading the event types…" />
        )
      ) : null}

      <h2>Endpoints</h2>
      {list.error ? <LoadError error={list.error} retry={list.reload} /> : null}
      {list.loading && !list.data ? <Loading label="Loading endpoints…" /> : null}
      {list.data && rows.length === 0 ? (
        <Empty title="No webhook endpoints yet.">
          Add the address of a receiver you run (an HTTPS URL) and choose the events it should hear about.
          Roster signs each request so the receiver can check where it came from.
        </Empty>
      ) : null}
      {rows.length > 0 ? (
        <table className="table endpoint-table" aria-busy={list.loading}>
          <caption className="visually-hidden">Webhook endpoints of {org.name}</caption>
          <thead>
            <tr>
              <th scope="col">Endpoint</th>
              <th scope="col">Events</th>
              <th scope="col">Status</th>
              <th scope="col">Last success</th>
              <th scope="col">Last failure</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((e) => (
              <tr key={e.id}>
                <td data-label="Endpoint">
                  <Link to={endpointPath(org, e.id)} className="endpoint-url">
                    {e.url}
                  </Link>
                  {e.description ? <span className="muted endpoint-description">{e.description}</span> : null}
                </td>
                <td data-label="Events">
                  {e.events.includes(ALL_EVENTS) ? 'All events' : <CodeList items={e.events} />}
                </td>
                <td data-label="Status">
                  <EndpointStatus endpoint={e} />
                </td>
                <td data-label="Last success">
                  {e.lastSuccessAt ? formatDateTime(e.lastSuccessAt) : 'never'}
                </td>
                <td data-label="Last failure">
                  {e.lastFailureAt ? formatDateTime(e.lastFailureAt) : 'never'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </Page>
  );
}

function AddEndpointForm({
  org,
  types,
  canCancel,
  onCancel,
  onCreated,
}: {
  org: Organization;
  types: WebhookEventType[];
  canCancel: boolean;
  onCancel(): void;
  onCreated(endpoint: WebhookEndpoint, secret: string): void;
}) {
  const [draft, setDraft] = useState<EndpointDraft>({ url: '', description: '', events: [] });
  const [tried, setTried] = useState(false);
  const adding = useSubmit(async () => {
    setTried(true);
    if (draft.events.length === 0) return;
    const { secret, ...endpoint } = await api.call('POST /v1/organizations/{org}/webhooks', {
      path: { org: org.id },
      body: {
        url: draft.url.trim(),
        // "All events" alone, or the catalog's order, whatever order the boxes were ticked in.
        events: draft.events.includes(ALL_EVENTS)
          ? [ALL_EVENTS]
          : types.map((t) => t.type).filter((t) => draft.events.includes(t)),
        ...(draft.description.trim() ? { description: draft.description.trim() } : {}),
      },
    });
    onCreated(endpoint, secret);
  });

  return (
    <form
      className="card medium section"
      onSubmit={adding.submit}
      noValidate
      aria-labelledby="add-endpoint-heading"
    >
      <h2 id="add-endpoint-heading" className="form-title">
        Add an endpoint
      </h2>
      <EndpointFields types={types} draft={draft} onChange={setDraft} error={adding.error} tried={tried} />
      <div className="row">
        <button type="submit" className="button primary" disabled={adding.busy}>
          {adding.busy ? 'Adding…' : 'Add endpoint'}
        </button>
        {canCancel ? (
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}

import { type FormEvent, useState } from 'react';
import type { Body } from '../../../src/client/client.ts';
import {
  api,
  explain,
  formatDateTime,
  type Organization,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookEventType,
} from '../api.ts';
import { useLoad, usePaged } from '../hooks.ts';
import { Link, navigate } from '../router.tsx';
import type { OrgPageProps } from '../routes.tsx';
import { Empty, ErrorMessage, Field, Loading, Notice, Page, Pager } from '../ui.tsx';
import { EndpointStatus, EventPicker, fieldProblem, isFieldError, SecretReveal } from './webhooks.tsx';

const PAGE_SIZE = 20;

type EndpointChanges = Body<'PATCH /v1/organizations/{org}/webhooks/{id}'>;

/** A time to the second: attempts of one message are seconds apart. */
function formatTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/**
 * One webhook endpoint (org:integrations): its state, the delivery log (one row per attempt, newest
 * first), changing its URL, description and events, disabling and re-enabling it, rotating its
 * signing secret and deleting it.
 */
export function WebhookEndpointPage({ org, params }: OrgPageProps) {
  const id = params.id ?? '';
  const listPath = `/orgs/${encodeURIComponent(org.slug)}/webhooks`;
  const endpoint = useLoad(
    () => api.call('GET /v1/organizations/{org}/webhooks/{id}', { path: { org: org.id, id } }),
    `${org.id}|${id}`,
  );
  const catalog = useLoad(() => api.call('GET /v1/webhook-event-types'), 'catalog');
  const [outcome, setOutcome] = useState<{ ok: string } | { error: string } | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<'disable' | 'rotate' | 'delete' | null>(null);
  const [busy, setBusy] = useState(false);

  async function act(failure: string, run: () => Promise<string | null>) {
    setBusy(true);
    setOutcome(null);
    try {
      const ok = await run();
      if (ok) setOutcome({ ok });
      setConfirm(null);
      endpoint.reload();
    } catch (err) {
      setOutcome({ error: `${failure} ${explain(err)}` });
    } finally {
      setBusy(false);
    }
  }

  const path = { org: org.id, id };
  const setEnabled = (enabled: boolean) =>
    act(enabled ? 'The endpoint was not re-enabled.' : 'The endpoint was not disabled.', async () => {
      await api.call('PATCH /v1/organizations/{org}/webhooks/{id}', { path, body: { enabled } });
      return enabled
        ? 'The endpoint is enabled again: it receives new events from now on.'
        : 'The endpoint is disabled: no events are sent to it until it is re-enabled.';
    });
  const rotate = () =>
    act('The signing secret was not replaced.', async () => {
      const res = await api.call('POST /v1/organizations/{org}/webhooks/{id}/rotate-secret', { path });
      setSecret(res.secret);
      return null;
    });
  const remove = () =>
    act('The endpoint was not deleted.', async () => {
      await api.call('DELETE /v1/organizations/{org}/webhooks/{id}', { path });
      navigate(`${listPath}?deleted=1`);
      return null;
    });

  const back = (
    <Link to={listPath} className="back-link">
      ← All webhooks
    </Link>
  );
  if (endpoint.loading && !endpoint.data) return <Loading label="Loading the endpoint…" />;
  if (!endpoint.data) {
    return (
      <Page title="Webhook endpoint">
        <ErrorMessage>{explain(endpoint.error)}</ErrorMessage>
        {back}
      </Page>
    );
  }
  const e = endpoint.data;
  return (
    <Page title="Webhook endpoint">
      {back}
      <p className="endpoint-heading">
        <code className="endpoint-url">{e.url}</code>
        {e.description ? <span className="muted endpoint-description">{e.description}</span> : null}
      </p>
      {endpoint.error ? <ErrorMessage>{explain(endpoint.error)}</ErrorMessage> : null}
      {outcome && 'error' in outcome ? <ErrorMessage>{outcome.error}</ErrorMessage> : null}
      {outcome && 'ok' in outcome ? <Notice>{outcome.ok}</Notice> : null}
      {secret ? (
        <SecretReveal title="New signing secret" secret={secret} onDone={() => setSecret(null)}>
          <p>The previous secret no longer signs anything: give this one to your receiver now.</p>
        </SecretReveal>
      ) : null}

      <section className="card section" aria-labelledby="state-heading">
        <h2 id="state-heading" className="form-title">
          State
        </h2>
        <dl className="facts">
          <dt>Status</dt>
          <dd>
            <EndpointStatus endpoint={e} />
            {e.disabledAt ? <span className="muted"> (since {formatDateTime(e.disabledAt)})</span> : null}
          </dd>
          <dt>Last success</dt>
          <dd>{e.lastSuccessAt ? formatDateTime(e.lastSuccessAt) : 'never'}</dd>
          <dt>Last failure</dt>
          <dd>{e.lastFailureAt ? formatDateTime(e.lastFailureAt) : 'never'}</dd>
          <dt>Added</dt>
          <dd>{formatDateTime(e.createdAt)}</dd>
        </dl>
        {e.enabled ? (
          confirm === 'disable' ? (
            <div className="confirm inline-form">
              <span>
                Disable this endpoint? No events are sent to it while it is disabled, and messages waiting for
                a retry are dropped.
              </span>
              <button
                type="button"
                className="button danger"
                disabled={busy}
                onClick={() => setEnabled(false)}
              >
                Disable
              </button>
              <button type="button" className="button" onClick={() => setConfirm(null)}>
                Cancel
              </button>
            </div>
          ) : (
            <button type="button" className="button" onClick={() => setConfirm('disable')}>
              Disable endpoint
            </button>
          )
        ) : (
          <>
            <p className="muted">
              Events that happen while it is disabled are not sent to it, not even later. Fix the receiver
              first if it was failing.
            </p>
            <button type="button" className="button primary" disabled={busy} onClick={() => setEnabled(true)}>
              Re-enable endpoint
            </button>
          </>
        )}
      </section>

      <Deliveries org={org} endpoint={e} onRefresh={endpoint.reload} />

      {catalog.error ? <ErrorMessage>{explain(catalog.error)}</ErrorMessage> : null}
      {catalog.data ? (
        <EditForm
          key={e.updatedAt}
          org={org}
          endpoint={e}
          types={catalog.data.data}
          onSaved={() => {
            setOutcome({ ok: 'Changes saved.' });
            endpoint.reload();
          }}
        />
      ) : null}

      <section className="card section" aria-labelledby="secret-heading">
        <h2 id="secret-heading" className="form-title">
          Signing secret
        </h2>
        <p className="muted">
          Roster signs every request with this endpoint's secret (shown once, when it was made). Rotate it if
          it may have leaked: the old one stops working at once.
        </p>
        {confirm === 'rotate' ? (
          <div className="confirm inline-form">
            <span>Replace the signing secret? Your receiver rejects requests until it has the new one.</span>
            <button type="button" className="button danger" disabled={busy} onClick={rotate}>
              Rotate secret
            </button>
            <button type="button" className="button" onClick={() => setConfirm(null)}>
              Cancel
            </button>
          </div>
        ) : (
          <button type="button" className="button" onClick={() => setConfirm('rotate')}>
            Rotate secret…
          </button>
        )}
      </section>

      <section className="card section" aria-labelledby="delete-heading">
        <h2 id="delete-heading" className="form-title">
          Delete
        </h2>
        {confirm === 'delete' ? (
          <div className="confirm inline-form">
            <span>
              Delete this endpoint? It receives nothing more, and messages it has not received yet are
              dropped.
            </span>
            <button type="button" className="button danger" disabled={busy} onClick={remove}>
              Delete endpoint
            </button>
            <button type="button" className="button" onClick={() => setConfirm(null)}>
              Cancel
            </button>
          </div>
        ) : (
          <button type="button" className="button danger-outline" onClick={() => setConfirm('delete')}>
            Delete endpoint…
          </button>
        )}
      </section>
    </Page>
  );
}

/** The delivery log: one row per attempt, newest first, paginated, with a Refresh button. */
function Deliveries({
  org,
  endpoint,
  onRefresh,
}: {
  org: Organization;
  endpoint: WebhookEndpoint;
  /** Reads the endpoint again too: its last success and failure move with the log. */
  onRefresh(): void;
}) {
  const log = usePaged(
    (cursor) =>
      api.call('GET /v1/organizations/{org}/webhooks/{id}/deliveries', {
        path: { org: org.id, id: endpoint.id },
        query: { limit: PAGE_SIZE, cursor },
      }),
    `${org.id}|${endpoint.id}`,
  );
  const rows = log.data?.data ?? [];
  return (
    <section className="section" aria-labelledby="deliveries-heading">
      <div className="section-header">
        <h2 id="deliveries-heading">Delivery log</h2>
        <button
          type="button"
          className="button small"
          onClick={() => {
            log.reload();
            onRefresh();
          }}
          disabled={log.loading}
        >
          {log.loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      <p className="muted">
        Every attempt to deliver an event, newest first. A failed attempt is retried later (after 10 s, then
        30 s, then longer and longer, for more than a day) under the same webhook-id.
      </p>
      {log.error ? <ErrorMessage>{explain(log.error)}</ErrorMessage> : null}
      {log.loading && !log.data ? <Loading label="Loading the delivery log…" /> : null}
      {log.data && rows.length === 0 ? (
        <Empty title="Nothing delivered yet.">
          When one of this endpoint's events happens, each attempt to deliver it shows up here.
        </Empty>
      ) : null}
      {rows.length > 0 ? (
        <table className="table delivery-log" aria-busy={log.loading}>
          <caption className="visually-hidden">Delivery attempts to {endpoint.url}</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Event</th>
              <th scope="col">Webhook id</th>
              <th scope="col">Attempt</th>
              <th scope="col">Result</th>
              <th scope="col">Response</th>
              <th scope="col">Latency</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d) => (
              <DeliveryRow key={d.id} delivery={d} />
            ))}
          </tbody>
        </table>
      ) : null}
      <Pager
        page={log.page}
        hasNext={log.hasNext}
        onNext={log.next}
        onPrevious={log.previous}
        busy={log.loading}
      />
    </section>
  );
}

/** An event type that may break after its dot (`member.` / `role_changed`) in a narrow column. */
function EventName({ type }: { type: string }) {
  const dot = type.indexOf('.');
  if (dot < 0) return <>{type}</>;
  return (
    <>
      {type.slice(0, dot + 1)}
      <wbr />
      {type.slice(dot + 1)}
    </>
  );
}

function DeliveryRow({ delivery: d }: { delivery: WebhookDelivery }) {
  return (
    <tr>
      <td data-label="Time">
        <time dateTime={d.createdAt}>{formatTime(d.createdAt)}</time>
      </td>
      <td data-label="Event">
        <code>
          <EventName type={d.eventType} />
        </code>
      </td>
      <td data-label="Webhook id">
        <code className="webhook-id">{d.webhookId}</code>
      </td>
      <td data-label="Attempt">{d.attempt}</td>
      <td data-label="Result">
        <span className={`badge status-${d.status}`}>{d.status}</span>
      </td>
      <td data-label="Response">{d.responseStatus ?? 'no answer'}</td>
      <td data-label="Latency">{d.latencyMs} ms</td>
      <td data-label="Error">{d.error ?? '—'}</td>
    </tr>
  );
}

/** URL, description and events; only what changed is sent. */
function EditForm({
  org,
  endpoint: e,
  types,
  onSaved,
}: {
  org: Organization;
  endpoint: WebhookEndpoint;
  types: WebhookEventType[];
  onSaved(): void;
}) {
  const [url, setUrl] = useState(e.url);
  const [description, setDescription] = useState(e.description ?? '');
  const [events, setEvents] = useState<string[]>(e.events);
  const [error, setError] = useState<unknown>(null);
  const [noEvents, setNoEvents] = useState(false);
  const [unchanged, setUnchanged] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(ev: FormEvent) {
    ev.preventDefault();
    setError(null);
    setUnchanged(false);
    if (events.length === 0) {
      setNoEvents(true);
      return;
    }
    setNoEvents(false);
    const body: EndpointChanges = {};
    if (url.trim() !== e.url) body.url = url.trim();
    if (description.trim() !== (e.description ?? '')) body.description = description.trim() || null;
    const ordered = types.map((t) => t.type).filter((t) => events.includes(t));
    // Types the endpoint has that the catalog no longer names are kept, for the API to judge.
    const kept = [...ordered, ...events.filter((t) => !ordered.includes(t))];
    if (kept.length !== e.events.length || kept.some((t) => !e.events.includes(t))) body.events = kept;
    if (Object.keys(body).length === 0) {
      setUnchanged(true);
      return;
    }
    setBusy(true);
    try {
      await api.call('PATCH /v1/organizations/{org}/webhooks/{id}', {
        path: { org: org.id, id: e.id },
        body,
      });
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card medium section" onSubmit={submit} noValidate aria-labelledby="edit-heading">
      <h2 id="edit-heading" className="form-title">
        Edit endpoint
      </h2>
      <ErrorMessage>{error && !isFieldError(error) ? explain(error) : null}</ErrorMessage>
      {unchanged ? <Notice>Nothing changed.</Notice> : null}
      <Field
        label="URL"
        name="url"
        type="url"
        inputMode="url"
        autoComplete="off"
        spellCheck={false}
        maxLength={2048}
        value={url}
        onChange={(ev) => setUrl(ev.target.value)}
        error={fieldProblem(error, 'url')}
      />
      <Field
        label="Description (optional)"
        name="description"
        maxLength={500}
        value={description}
        onChange={(ev) => setDescription(ev.target.value)}
        error={fieldProblem(error, 'description')}
      />
      <EventPicker
        types={types}
        selected={events}
        onChange={(next) => {
          setEvents(next);
          if (next.length > 0) setNoEvents(false);
        }}
        error={noEvents ? 'Choose at least one event.' : fieldProblem(error, 'events')}
      />
      <button type="submit" className="button primary" disabled={busy}>
        {busy ? 'Saving…' : 'Save changes'}
      </button>
    </form>
  );
}

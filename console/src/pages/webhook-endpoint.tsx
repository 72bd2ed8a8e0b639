import { useState } from 'react';
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
import { DeliveryLog, type DeliverySource, firstOutcome, outcomeInWords } from '../delivery-log.tsx';
import { useLoad } from '../hooks.ts';
import { Link } from '../router.tsx';
import type { OrgPageProps } from '../routes.tsx';
import {
  ErrorMessage,
  LoadError,
  Loading,
  Notice,
  navigateWithNotice,
  OutcomeMessage,
  Page,
  useAction,
  useOutcome,
  useSubmit,
} from '../ui.tsx';
import { type EndpointDraft, EndpointFields, EndpointSecret, EndpointStatus } from './webhooks.tsx';

type EndpointChanges = Body<'PATCH /v1/organizations/{org}/webhooks/{id}'>;

/**
 * "Send test event", and what came of it beside the button: queued, then delivered or not (the page
 * waits a few seconds for the first attempt). The button is never disabled, so the focus stays on it.
 */
function TestEvent({
  source,
  send,
  onSent,
}: {
  source: DeliverySource;
  send(): Promise<WebhookDelivery>;
  onSent(): void;
}) {
  const [result, setResult] = useState<string | null>(null);
  const sending = useAction(
    async () => {
      setResult('Sending a test event…');
      const queued = await send();
      setResult('Test event queued; waiting for the receiver…');
      onSent();
      const d = await firstOutcome(source.load, queued);
      setResult(`The test event was ${outcomeInWords(d)}`);
      onSent();
    },
    () => setResult(null),
  );
  return (
    <div className="test-event">
      <button
        type="button"
        className="button small"
        aria-disabled={sending.busy}
        aria-describedby="test-event-result"
        onClick={() => {
          if (!sending.busy) void sending.run();
        }}
      >
        Send test event
      </button>
      <span id="test-event-result" className="test-event-result" role="status">
        {sending.message ? (
          <span className="field-error">The test event was not sent. {sending.message}</span>
        ) : (
          result
        )}
      </span>
    </div>
  );
}

/**
 * One webhook endpoint (org:integrations): its state, the delivery log (one row per attempt, newest
 * first, each opening onto the payload sent and the answer, a given-up one replayable), a test event,
 * changing its URL, description and events, disabling and re-enabling it, rotating its signing secret
 * and deleting it.
 */
export function WebhookEndpointPage({ org, params }: OrgPageProps) {
  const id = params.id ?? '';
  const listPath = `/orgs/${encodeURIComponent(org.slug)}/webhooks`;
  const endpoint = useLoad(
    () => api.call('GET /v1/organizations/{org}/webhooks/{id}', { path: { org: org.id, id } }),
    `${org.id}|${id}`,
  );
  const catalog = useLoad(() => api.call('GET /v1/webhook-event-types'), 'catalog');
  const [secret, setSecret] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<'disable' | 'rotate' | 'delete' | null>(null);
  const [logVersion, setLogVersion] = useState(0);
  // Done, an action closes its confirmation and the endpoint is read again.
  const { outcome, show, busy, act } = useOutcome(() => {
    setConfirm(null);
    endpoint.reload();
  });

  const path = { org: org.id, id };
  const deliveries: DeliverySource = {
    load: (deliveryId) =>
      api.call('GET /v1/organizations/{org}/webhooks/{id}/deliveries/{deliveryId}', {
        path: { ...path, deliveryId },
      }),
    replay: (deliveryId) =>
      api.call('POST /v1/organizations/{org}/webhooks/{id}/deliveries/{deliveryId}/replay', {
        path: { ...path, deliveryId },
      }),
  };
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
      navigateWithNotice(listPath, 'The endpoint was deleted; messages it had not received were dropped.');
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
      {endpoint.error ? <LoadError error={endpoint.error} retry={endpoint.reload} /> : null}
      <OutcomeMessage outcome={outcome} />
      {secret ? (
        <EndpointSecret title="New signing secret" secret={secret} onDismiss={() => setSecret(null)}>
          <p>The previous secret no longer signs anything: give this one to your receiver now.</p>
        </EndpointSecret>
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

      <DeliveryLog
        title="Delivery log"
        intro="Every attempt to deliver an event, newest first; Details shows what was sent and what came back. A failed attempt is retried later (after 10 s, then 30 s, then longer and longer, for more than a day) under the same webhook-id; a message given up can be replayed."
        empty={{
          title: 'Nothing delivered yet.',
          body: "When one of this endpoint's events happens, each attempt to deliver it shows up here.",
        }}
        caption={`Delivery attempts to ${e.url}`}
        load={(query) =>
          api.call('GET /v1/organizations/{org}/webhooks/{id}/deliveries', {
            path: { org: org.id, id },
            query,
          })
        }
        loadKey={`${org.id}|${id}`}
        // The endpoint's last success and failure move with the log.
        onRefresh={endpoint.reload}
        source={deliveries}
        refreshKey={logVersion}
        actions={
          <TestEvent
            source={deliveries}
            send={() => api.call('POST /v1/organizations/{org}/webhooks/{id}/test', { path })}
            onSent={() => setLogVersion((v) => v + 1)}
          />
        }
      />

      {catalog.error ? <LoadError error={catalog.error} retry={catalog.reload} /> : null}
      {catalog.data ? (
        <EditForm
          key={e.updatedAt}
          org={org}
          endpoint={e}
          types={catalog.data.data}
          onSaved={() => {
            show({ ok: 'Changes saved.' });
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
  const [draft, setDraft] = useState<EndpointDraft>({
    url: e.url,
    description: e.description ?? '',
    events: e.events,
  });
  const [tried, setTried] = useState(false);
  const [unchanged, setUnchanged] = useState(false);
  const saving = useSubmit(async () => {
    setTried(true);
    setUnchanged(false);
    if (draft.events.length === 0) return;
    const body: EndpointChanges = {};
    if (draft.url.trim() !== e.url) body.url = draft.url.trim();
    if (draft.description.trim() !== (e.description ?? ''))
      body.description = draft.description.trim() || null;
    const ordered = types.map((t) => t.type).filter((t) => draft.events.includes(t));
    // Types the endpoint has that the catalog no longer names are kept, for the API to judge.
    const kept = [...ordered, ...draft.events.filter((t) => !ordered.includes(t))];
    if (kept.length !== e.events.length || kept.some((t) => !e.events.includes(t))) body.events = kept;
    if (Object.keys(body).length === 0) {
      setUnchanged(true);
      return;
    }
    await api.call('PATCH /v1/organizations/{org}/webhooks/{id}', { path: { org: org.id, id: e.id }, body });
    onSaved();
  });

  return (
    <form className="card medium section" onSubmit={saving.submit} noValidate aria-labelledby="edit-heading">
      <h2 id="edit-heading" className="form-title">
        Edit endpoint
      </h2>
      {unchanged ? <Notice>Nothing changed.</Notice> : null}
      <EndpointFields types={types} draft={draft} onChange={setDraft} error={saving.error} tried={tried} />
      <button type="submit" className="button primary" disabled={saving.busy}>
        {saving.busy ? 'Saving…' : 'Save changes'}
      </button>
    </form>
  );
}

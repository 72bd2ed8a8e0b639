/**
 * A webhook delivery log, as an app's page and a webhook endpoint's page show it: one row per attempt,
 * newest first, paginated, with a Refresh button. Each row opens onto its message read whole — the
 * payload as sent, the receiver's answer — and a message that was given up can be replayed from there.
 */
import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { ApiError, type Delivery, explain, type WebhookDelivery } from './api.ts';
import { type PageOf, useLoad, usePaged } from './hooks.ts';
import { CodeList, Empty, ErrorMessage, FocusedNotice, LoadError, Loading, Pager, useAction } from './ui.tsx';

const PAGE_SIZE = 20;

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

/** Reading a delivery whole, and sending it again: what the rows of a log open onto. */
export interface DeliverySource {
  load(deliveryId: string): Promise<WebhookDelivery>;
  replay(deliveryId: string): Promise<WebhookDelivery>;
}

/**
 * Reads a delivery just queued again until its first attempt is logged or it is no longer pending,
 * for the person who is waiting for the result. The worker sends at once, but a busy server or a slow
 * receiver (up to its time limit) can take longer: reads start every quarter second and slow down to
 * one every two seconds, for up to a minute; after that the result says it is still queued.
 */
export async function firstOutcome(
  load: (deliveryId: string) => Promise<WebhookDelivery>,
  queued: WebhookDelivery,
  budgetMs = 60_000,
): Promise<WebhookDelivery> {
  let d = queued;
  let pause = 250;
  for (let waited = 0; waited < budgetMs && d.status === 'pending' && d.attempts.length === 0; ) {
    await new Promise((resolve) => setTimeout(resolve, pause));
    waited += pause;
    pause = Math.min(pause * 2, 2000);
    d = await load(d.id);
  }
  return d;
}

/** How a delivery went, to follow "The test event was…" or "The replay was…". */
export function outcomeInWords(d: WebhookDelivery): string {
  const last = d.attempts.at(-1);
  if (d.status === 'succeeded')
    return `delivered: the receiver answered HTTP ${last?.responseStatus ?? '2xx'}.`;
  const why = last ? (last.error ?? `HTTP ${last.responseStatus}`) : null;
  if (d.status === 'failed') return `not delivered${why ? `: ${why}` : ''}. No more attempts are made.`;
  if (!last) return 'queued: it is sent in a moment. Refresh the delivery log to see it.';
  return `not delivered yet: ${why}. It is retried${d.nextAttemptAt ? ` at ${formatTime(d.nextAttemptAt)}` : ''}.`;
}

/** Where a message stands, in a sentence. */
function stateInWords(d: WebhookDelivery): string {
  const n = d.attempts.length;
  const tries = `${n} attempt${n === 1 ? '' : 's'}`;
  if (d.status === 'succeeded') return `Delivered: the receiver acknowledged it (${tries}).`;
  if (d.status === 'failed')
    return `Given up after ${tries}: no more attempts are made${n === 0 ? ' (the endpoint was disabled or deleted)' : ''}.`;
  if (n === 0) return 'Waiting for its first attempt.';
  return `Failing so far (${tries}); the next attempt is at ${d.nextAttemptAt ? formatTime(d.nextAttemptAt) : 'a later time'}.`;
}

/** JSON indented for reading; anything else as it is. */
function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** The message of one row read whole: what was sent, what this attempt got back, and Replay. */
function DeliveryDetails({
  attempt,
  source,
  onReplayed,
}: {
  attempt: Delivery;
  source: DeliverySource;
  onReplayed(): void;
}) {
  const loaded = useLoad(() => source.load(attempt.deliveryId), attempt.deliveryId);
  const [replayed, setReplayed] = useState<string | null>(null);
  const replaying = useAction(async () => {
    const queued = await source.replay(attempt.deliveryId);
    setReplayed('Sent again as a new delivery under the same webhook-id; waiting for the receiver…');
    loaded.reload();
    onReplayed();
    const d = await firstOutcome(source.load, queued);
    setReplayed(`The replay was ${outcomeInWords(d)}`);
    onReplayed();
  });
  if (loaded.loading && !loaded.data) return <Loading label="Loading the delivery…" />;
  if (!loaded.data) return <LoadError error={loaded.error} retry={loaded.reload} />;
  const d = loaded.data;
  const answer = d.attempts.find((a) => a.id === attempt.id);
  const canReplay = d.status === 'failed' && d.replayRefusal === null && replayed === null;
  return (
    <div className="delivery-details">
      <p className="delivery-state">
        {stateInWords(d)}
        {d.replayOf ? ' A replay of an earlier delivery, under the same webhook-id.' : null}
      </p>
      <h3 className="delivery-details-title">Payload</h3>
      {d.payload === null ? (
        <p className="muted">No longer kept: the delivery log keeps what was sent for 30 days.</p>
      ) : (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box is reached and scrolled by keyboard too.
        <section className="delivery-payload" aria-label="Payload" tabIndex={0}>
          <pre>
            <code>{pretty(d.payload)}</code>
          </pre>
        </section>
      )}
      {d.redacted.length > 0 ? (
        <div className="muted delivery-redacted">
          Left out of what is kept, as only the receiver may hold it: <CodeList items={d.redacted} />
        </div>
      ) : null}
      <h3 className="delivery-details-title">Response to attempt {attempt.attempt}</h3>
      {answer ? (
        <>
          <p className="delivery-response-status">
            {answer.responseStatus === null
              ? `No answer: ${answer.error ?? 'the request failed'}.`
              : `HTTP ${answer.responseStatus}, after ${answer.latencyMs} ms.`}
          </p>
          {answer.responseStatus === null ? null : answer.responseBody === null ? (
            <p className="muted">Its body is no longer kept (30 days).</p>
          ) : answer.responseBody === '' ? (
            <p className="muted">An empty body.</p>
          ) : (
            // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box is reached and scrolled by keyboard too.
            <section className="delivery-response" aria-label="Response body" tabIndex={0}>
              <pre>
                <code>{answer.responseBody}</code>
              </pre>
            </section>
          )}
        </>
      ) : (
        <p className="muted">Not in the log.</p>
      )}
      {replayed ? <FocusedNotice>{replayed}</FocusedNotice> : null}
      <ErrorMessage>{replaying.message ? `It was not sent again. ${replaying.message}` : null}</ErrorMessage>
      {canReplay ? (
        <div className="row">
          <button
            type="button"
            className="button primary small"
            // Not disabled while it runs, so that the focus stays on it.
            aria-disabled={replaying.busy}
            onClick={() => {
              if (!replaying.busy) void replaying.run();
            }}
          >
            {replaying.busy ? 'Replaying…' : 'Replay'}
          </button>
          <span className="muted">
            Sends this payload again under the same webhook-id ({d.webhookId}), with a new signature.
          </span>
        </div>
      ) : d.status === 'failed' && d.replayRefusal && replayed === null ? (
        <p className="muted">Cannot be replayed: {explain(refusal(d.replayRefusal))}</p>
      ) : null}
    </div>
  );
}

/** A refusal code, as the error a replay would answer: `explain` has its words. */
function refusal(code: string): ApiError {
  return new ApiError(409, { code, message: 'It cannot be sent again now.' });
}

function DeliveryRow({
  delivery: d,
  source,
  onReplayed,
}: {
  delivery: Delivery;
  source: DeliverySource | undefined;
  onReplayed(): void;
}) {
  const [open, setOpen] = useState(false);
  const panel = useId();
  return (
    <>
      <tr className={open ? 'delivery-open' : undefined}>
        <td data-label="Time">
          {/* The toggle sits under the time: a column of its own would not fit from 721 px on. */}
          <div className="delivery-when">
            <time dateTime={d.createdAt}>{formatTime(d.createdAt)}</time>
            {source ? (
              <button
                type="button"
                className="button small"
                aria-expanded={open}
                aria-controls={open ? panel : undefined}
                onClick={() => setOpen((o) => !o)}
              >
                Details
                <span className="visually-hidden">
                  {' '}
                  of attempt {d.attempt} of {d.webhookId}
                </span>
              </button>
            ) : null}
          </div>
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
      {open && source ? (
        <tr className="delivery-details-row">
          <td colSpan={8} id={panel}>
            <DeliveryDetails attempt={d} source={source} onReplayed={onReplayed} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

/**
 * The log of the deliveries `load` reads (a page of them per call), under the heading `title`, with
 * `intro` above it, `empty` when there is none, and `caption` for assistive technology. Refresh reads
 * the current page again, and calls `onRefresh` (for what moves with the log, like the last success).
 * With `source`, each row opens onto its message (payload, answer, Replay); `actions` sit under the
 * intro (Send test event); a new `refreshKey` reads the log again.
 */
export function DeliveryLog({
  title,
  intro,
  empty,
  caption,
  load,
  loadKey,
  onRefresh,
  source,
  actions,
  refreshKey = 0,
}: {
  title: string;
  intro: ReactNode;
  empty: { title: string; body: ReactNode };
  caption: string;
  load(query: { limit: number; cursor?: string | undefined }): Promise<PageOf<Delivery>>;
  /** What the log is of: a new key starts again from the first page. */
  loadKey: string;
  onRefresh?(): void;
  source?: DeliverySource;
  actions?: ReactNode;
  refreshKey?: number;
}) {
  const log = usePaged((cursor) => load({ limit: PAGE_SIZE, cursor }), loadKey);
  const rows = log.data?.data ?? [];
  const { reload } = log;
  const seen = useRef(refreshKey);
  useEffect(() => {
    if (seen.current === refreshKey) return;
    seen.current = refreshKey;
    reload();
    onRefresh?.();
  }, [refreshKey, reload, onRefresh]);
  const refreshAll = () => {
    reload();
    onRefresh?.();
  };
  return (
    <section className="section" aria-labelledby="deliveries-heading">
      <div className="section-header">
        <h2 id="deliveries-heading">{title}</h2>
        <button
          type="button"
          className="button small"
          onClick={() => {
            log.reload();
            onRefresh?.();
          }}
          disabled={log.loading}
        >
          {log.loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      <p className="muted">{intro}</p>
      {actions ? <div className="delivery-actions">{actions}</div> : null}
      {log.error ? <LoadError error={log.error} retry={log.reload} /> : null}
      {log.loading && !log.data ? <Loading label="Loading the delivery log…" /> : null}
      {log.data && rows.length === 0 ? <Empty title={empty.title}>{empty.body}</Empty> : null}
      {rows.length > 0 ? (
        <table className="table delivery-log" aria-busy={log.loading}>
          <caption className="visually-hidden">{caption}</caption>
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
              <DeliveryRow key={d.id} delivery={d} source={source} onReplayed={refreshAll} />
            ))}
          </tbody>
        </table>
      ) : null}
      <Pager list={log} />
    </section>
  );
}

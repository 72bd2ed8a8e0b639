/**
 * A webhook delivery log, as an app's page and a webhook endpoint's page show it: one row per attempt,
 * newest first, paginated, with a Refresh button.
 */
import type { ReactNode } from 'react';
import { type Delivery, explain } from './api.ts';
import { type PageOf, usePaged } from './hooks.ts';
import { Empty, ErrorMessage, Loading, Pager } from './ui.tsx';

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

function DeliveryRow({ delivery: d }: { delivery: Delivery }) {
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

/**
 * The log of the deliveries `load` reads (a page of them per call), under the heading `title`, with
 * `intro` above it, `empty` when there is none, and `caption` for assistive technology. Refresh reads
 * the current page again, and calls `onRefresh` (for what moves with the log, like the last success).
 */
export function DeliveryLog({
  title,
  intro,
  empty,
  caption,
  load,
  loadKey,
  onRefresh,
}: {
  title: string;
  intro: ReactNode;
  empty: { title: string; body: ReactNode };
  caption: string;
  load(query: { limit: number; cursor?: string | undefined }): Promise<PageOf<Delivery>>;
  /** What the log is of: a new key starts again from the first page. */
  loadKey: string;
  onRefresh?(): void;
}) {
  const log = usePaged((cursor) => load({ limit: PAGE_SIZE, cursor }), loadKey);
  const rows = log.data?.data ?? [];
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
      {log.error ? <ErrorMessage>{explain(log.error)}</ErrorMessage> : null}
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
              <DeliveryRow key={d.id} delivery={d} />
            ))}
          </tbody>
        </table>
      ) : null}
      <Pager list={log} />
    </section>
  );
}

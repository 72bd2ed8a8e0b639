/**
 * How long the delivery log keeps what was sent and what came back (migration 0012): a delivery's
 * payload and each attempt's response body are emptied {@link WEBHOOK_LOG_RETENTION_DAYS} days after
 * they were written; the rows themselves stay (event type, webhook-id, status codes, timings, errors).
 * The sweep runs with the outbox worker (OUTBOX_WORKER), every hour and once at start; it works in
 * batches, so a first run over a large backlog holds no lock for long, and instances sweeping together
 * only repeat a cheap no-op.
 */
import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type { DB } from '../../db/schema.ts';

/** Days a delivery's payload and its attempts' response bodies are kept. */
export const WEBHOOK_LOG_RETENTION_DAYS = 30;

/** How often the sweep runs where the outbox worker does. */
export const WEBHOOK_RETENTION_SWEEP_MS = 3600_000;

const BATCH = 1000;

/** When a log entry written at `createdAt` is emptied. */
export function keptUntil(createdAt: Date | string): Date {
  return new Date(new Date(createdAt).getTime() + WEBHOOK_LOG_RETENTION_DAYS * 86_400_000);
}

/**
 * Empties the payloads and response bodies older than the retention time, `batch` rows per
 * statement; returns how many of each it emptied.
 */
export async function sweepWebhookLog(
  db: Kysely<DB>,
  batch = BATCH,
): Promise<{ payloads: number; responses: number }> {
  const cutoff = sql<Date>`now() - make_interval(days => ${WEBHOOK_LOG_RETENTION_DAYS})`;
  let payloads = 0;
  for (;;) {
    const result = await db
      .updateTable('webhook_deliveries')
      .set({ payload: null })
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('webhook_deliveries')
          .select('id')
          .where('payload', 'is not', null)
          .where('created_at', '<', cutoff)
          .limit(batch),
      )
      .executeTakeFirst();
    const n = Number(result.numUpdatedRows);
    payloads += n;
    if (n < batch) break;
  }
  let responses = 0;
  for (;;) {
    const result = await db
      .updateTable('webhook_attempts')
      .set({ response_body: null })
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('webhook_attempts')
          .select('id')
          .where('response_body', 'is not', null)
          .where('created_at', '<', cutoff)
          .limit(batch),
      )
      .executeTakeFirst();
    const n = Number(result.numUpdatedRows);
    responses += n;
    if (n < batch) break;
  }
  return { payloads, responses };
}

export interface WebhookRetentionSweeper {
  start(): void;
  stop(): Promise<void>;
  /** One sweep now (or the one under way). */
  runOnce(): Promise<{ payloads: number; responses: number }>;
}

export function createWebhookRetentionSweeper(opts: {
  db: Kysely<DB>;
  log: Logger;
  /** @default WEBHOOK_RETENTION_SWEEP_MS */
  intervalMs?: number;
}): WebhookRetentionSweeper {
  const intervalMs = opts.intervalMs ?? WEBHOOK_RETENTION_SWEEP_MS;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<{ payloads: number; responses: number }> | undefined;
  const runOnce = () => {
    running ??= sweepWebhookLog(opts.db)
      .then((swept) => {
        if (swept.payloads + swept.responses > 0)
          opts.log.info(swept, 'webhook delivery log: payloads and responses past retention emptied');
        return swept;
      })
      .catch((err: unknown) => {
        opts.log.warn({ err }, 'webhook delivery log retention sweep failed');
        return { payloads: 0, responses: 0 };
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  return {
    start() {
      if (timer || intervalMs <= 0) return;
      timer = setInterval(() => void runOnce(), intervalMs);
      timer.unref();
      void runOnce();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
    runOnce,
  };
}

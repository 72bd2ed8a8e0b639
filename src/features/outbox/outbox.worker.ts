/**
 * Polls the outbox and delivers due messages — emails through the mailer, webhooks through their
 * handler — with exponential backoff between attempts.
 * `kick()` wakes it right after a commit that enqueued something, so emails leave without waiting
 * for the next poll.
 *
 * Delivery is at least once, and never twice while things go to plan: a message is sent only under a
 * live lease (a send is not started when the lease could run out before it ends), and a worker whose
 * lease was taken over cannot record anything over the new holder's result.
 */
import type { Logger } from 'pino';
import type { Database } from '../../db/database.ts';
import type { OutboxKind } from '../../db/schema.ts';
import { type Mailer, SMTP_CONNECTIONS, sendBudgetMs } from './mailer.ts';
import {
  type ClaimedMessage,
  claimDue,
  type EmailMessage,
  markFailed,
  markSent,
  releaseClaim,
} from './outbox.repository.ts';

export const MAX_ATTEMPTS = 12;
/** How long a claim holds a message; a worker that dies releases it when this runs out. */
export const LEASE_SECONDS = 300;
const BATCH = 20;
const BACKOFF_FIRST_SECONDS = 5;
const BACKOFF_MAX_SECONDS = 3600;

/**
 * Seconds before the attempt after attempt number `attempts` failed: 5 s doubling up to one hour, with
 * ±20 % jitter; null = give up (the message is `dead`).
 */
export function backoffSeconds(attempts: number, random: () => number = Math.random): number | null {
  if (attempts >= MAX_ATTEMPTS) return null;
  const base = Math.min(BACKOFF_FIRST_SECONDS * 2 ** Math.max(attempts - 1, 0), BACKOFF_MAX_SECONDS);
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** How one kind of message is delivered and retried. */
export interface OutboxHandler {
  /** Makes one attempt; throws to fail it (a {@link PermanentFailure} gives the message up at once). */
  send(m: ClaimedMessage): Promise<void>;
  /** Seconds before the next attempt after attempt number `attempts` failed; null = give up. */
  backoffSeconds(attempts: number): number | null;
  /** Called once when a message is given up (`dead`). */
  onGiveUp?(m: ClaimedMessage, error: string): Promise<void>;
}

/** A failure no retry can fix (the endpoint was deleted, say): the message is given up at once. */
export class PermanentFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentFailure';
  }
}

export interface OutboxWorker {
  start(): void;
  kick(): void;
  /** Delivers everything due now; returns how many delivery attempts were made. */
  drain(): Promise<number>;
  stop(): Promise<void>;
}

/** A kind of message this worker was not given a handler for: retried until one that has it takes it. */
function missing(what: string): OutboxHandler {
  return {
    send: async () => {
      throw new Error(`this worker does not handle ${what}`);
    },
    backoffSeconds: (attempts) => backoffSeconds(attempts),
  };
}

export function createOutboxWorker(opts: {
  db: Database;
  mailer: Mailer;
  log: Logger;
  pollMs: number;
  onResult?: (result: 'sent' | 'retry' | 'dead') => void;
  /** @default LEASE_SECONDS */
  leaseSeconds?: number;
  /** The longest one send may take; no send starts later than this before its lease ends. @default sendBudgetMs() */
  sendBudgetMs?: number;
  /** Messages claimed at a time. @default 20 */
  batchSize?: number;
  /** Sends in flight at a time. @default SMTP_CONNECTIONS */
  concurrency?: number;
  /** Delivery of the other kinds of message (emails go through `mailer`). */
  handlers?: Partial<Record<Exclude<OutboxKind, 'email'>, OutboxHandler>>;
}): OutboxWorker {
  const leaseMs = (opts.leaseSeconds ?? LEASE_SECONDS) * 1000;
  const budgetMs = opts.sendBudgetMs ?? sendBudgetMs();
  const batchSize = opts.batchSize ?? BATCH;
  const concurrency = Math.max(1, opts.concurrency ?? SMTP_CONNECTIONS);
  if (budgetMs >= leaseMs) throw new Error('the outbox lease must outlast the longest send');
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = true;
  let again = false;

  const handlers: Record<OutboxKind, OutboxHandler> = {
    email: {
      send: (m) => opts.mailer.send(m.payload as unknown as EmailMessage, m.id),
      backoffSeconds: (attempts) => backoffSeconds(attempts),
    },
    webhook: opts.handlers?.webhook ?? missing('webhooks'),
    join_request: opts.handlers?.join_request ?? missing('join requests'),
    password_reset: opts.handlers?.password_reset ?? missing('password-reset requests'),
  };

  async function deliver(m: ClaimedMessage) {
    let failure: string | null = null;
    let permanent = false;
    const handler = handlers[m.kind];
    try {
      if (!handler) throw new PermanentFailure(`unknown outbox kind ${m.kind}`);
      await handler.send(m);
    } catch (err) {
      failure = err instanceof Error ? err.message : String(err);
      permanent = err instanceof PermanentFailure;
    }
    // A database error below ends the pass: better to stop sending than to send what cannot be recorded.
    if (failure === null) {
      if (await markSent(opts.db, m.id, m.attempts)) opts.onResult?.('sent');
      else
        opts.log.error(
          { outboxId: m.id, attempts: m.attempts },
          'outbox message sent after its lease was taken over: it may have been delivered twice',
        );
      return;
    }
    const delay = permanent || !handler ? null : handler.backoffSeconds(m.attempts);
    opts.log.warn(
      { outboxId: m.id, kind: m.kind, attempts: m.attempts, retryInSeconds: delay, error: failure },
      delay === null ? 'outbox delivery failed for the last time' : 'outbox delivery failed',
    );
    if (await markFailed(opts.db, m.id, m.attempts, failure, delay)) {
      opts.onResult?.(delay === null ? 'dead' : 'retry');
      if (delay === null) await handler?.onGiveUp?.(m, failure);
    }
  }

  async function runOnce(): Promise<number> {
    let attempted = 0;
    for (;;) {
      const claimedAt = Date.now();
      const batch = await claimDue(opts.db, batchSize, leaseMs / 1000);
      let next = 0;
      let released = 0;
      let broken: unknown = null;
      // A few sends at a time (one per pooled SMTP connection); after a database error no new send starts.
      const lane = async () => {
        for (let i = next++; i < batch.length && broken === null; i = next++) {
          const m = batch[i] as ClaimedMessage;
          // The first message always fits (budget < lease), so every pass makes progress.
          if (i > 0 && Date.now() - claimedAt > leaseMs - budgetMs) {
            await releaseClaim(opts.db, m.id, m.attempts);
            released += 1;
            continue;
          }
          await deliver(m);
          attempted += 1;
        }
      };
      const lanes = Array.from({ length: Math.min(concurrency, batch.length) }, () =>
        lane().catch((err: unknown) => {
          broken ??= err;
        }),
      );
      await Promise.all(lanes);
      if (broken !== null) throw broken;
      if (batch.length < batchSize && released === 0) return attempted;
    }
  }

  function tick(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    running = runOnce()
      .catch((err) => {
        opts.log.error({ err }, 'outbox worker pass failed');
        return 0;
      })
      .finally(() => {
        running = undefined;
        const rerun = again && !stopped;
        again = false;
        if (rerun) void tick();
      });
    return running;
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      timer = setInterval(() => void tick(), opts.pollMs);
      timer.unref();
      void tick();
    },
    kick() {
      if (!stopped) void tick();
    },
    async drain() {
      // A pass already under way may have claimed before the latest commits: let it end, then run one.
      if (running) await running;
      return tick();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running;
    },
  };
}

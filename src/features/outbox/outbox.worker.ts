/**
 * Polls the outbox and delivers due messages — emails through the mailer, webhooks through their
 * handler — with exponential backoff between attempts.
 * `kick()` wakes it right after a commit that enqueued something, so emails leave without waiting
 * for the next poll.
 *
 * Leases. A claim holds a message for {@link LEASE_SECONDS}, and while the worker works on what it
 * holds it renews all those leases together, five times per lease (a heartbeat statement), however
 * long the sends take: an SMTP conversation or a webhook request may last much longer than one lease.
 * A worker that dies stops renewing, so its messages come free one lease after its last renewal and
 * another worker delivers them.
 *
 * Delivery is at least once, and by one worker at a time while the worker's process runs:
 * - a send starts only on a lease renewed within the last two heartbeats (most of the lease ahead,
 *   renewals keeping up); a claim that does not qualify is handed back untried;
 * - a worker that cannot renew (its database is gone, its heartbeats hang or fail) aborts its sends in
 *   flight while two heartbeats of the lease are still left — before the lease can run out and another
 *   worker take the message over — and starts no new one;
 * - a worker whose lease was taken over records nothing over the new holder's result (fencing by the
 *   claim's attempt number).
 * The edge that remains: a process frozen for longer than a lease (a stalled event loop, a paused VM)
 * can abort nothing while frozen, so its request may reach the receiver after another worker's. Both
 * carry the same `webhook-id` (emails the same Message-ID), by which receivers drop the duplicate.
 */
import type { Logger } from 'pino';
import type { Database } from '../../db/database.ts';
import type { OutboxKind } from '../../db/schema.ts';
import { type Mailer, SMTP_CONNECTIONS } from './mailer.ts';
import {
  type ClaimedMessage,
  claimDue,
  type EmailMessage,
  markFailed,
  markSent,
  releaseClaim,
  renewClaims,
} from './outbox.repository.ts';

export const MAX_ATTEMPTS = 12;
/**
 * How long a claim (or its latest renewal) holds a message. A worker that dies releases what it held
 * at most this long after its last heartbeat.
 */
export const LEASE_SECONDS = 15;
const HEARTBEATS_PER_LEASE = 5;
const BATCH = 20;
const BACKOFF_FIRST_SECONDS = 5;
const BACKOFF_MAX_SECONDS = 3600;

/** The timings a lease of `leaseSeconds` gives, in milliseconds. */
export interface LeasePlan {
  leaseMs: number;
  /** How often the leases held are renewed (a fifth of the lease: 3 s for 15 s). */
  renewEveryMs: number;
  /** A send starts only on a lease with at least this much left (renewed within two heartbeats). */
  startWithAtLeastMs: number;
  /** Sends in flight are aborted when their lease has less than this left (two heartbeats). */
  abortBelowMs: number;
}

export function leasePlan(leaseSeconds: number = LEASE_SECONDS): LeasePlan {
  if (!(leaseSeconds > 0) || !Number.isFinite(leaseSeconds))
    throw new Error('the outbox lease must be positive');
  const leaseMs = leaseSeconds * 1000;
  const renewEveryMs = leaseMs / HEARTBEATS_PER_LEASE;
  return {
    leaseMs,
    renewEveryMs,
    startWithAtLeastMs: leaseMs - 2 * renewEveryMs,
    abortBelowMs: 2 * renewEveryMs,
  };
}

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
  /**
   * Makes one attempt; throws to fail it (a {@link PermanentFailure} gives the message up at once).
   * `signal` aborts when the worker can no longer keep the message's lease: a send to the outside
   * world stops there (the reason is a {@link LeaseLost}).
   */
  send(m: ClaimedMessage, signal: AbortSignal): Promise<void>;
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

/** Why a send was aborted: the worker could not renew its lease on the message, or lost it to another. */
export class LeaseLost extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeaseLost';
  }
}

export interface OutboxWorker {
  start(): void;
  kick(): void;
  /** Delivers everything due now; returns how many delivery attempts were made. */
  drain(): Promise<number>;
  /** Starts no new send, hands back what it had claimed but not started, and waits for the sends in flight. */
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

/** A message this worker holds. */
interface Hold {
  m: ClaimedMessage;
  /** Until when (performance.now() clock) the lease surely lasts: from when its latest claim or renewal was sent. */
  until: number;
  abort: AbortController;
  /** Its send is over (or it was handed back): no more renewal, nothing to abort. */
  settled: boolean;
}

export function createOutboxWorker(opts: {
  db: Database;
  mailer: Mailer;
  log: Logger;
  pollMs: number;
  onResult?: (result: 'sent' | 'retry' | 'dead') => void;
  /** @default LEASE_SECONDS */
  leaseSeconds?: number;
  /** Messages claimed at a time. @default 20 */
  batchSize?: number;
  /** Sends in flight at a time. @default SMTP_CONNECTIONS */
  concurrency?: number;
  /** Delivery of the other kinds of message (emails go through `mailer`). */
  handlers?: Partial<Record<Exclude<OutboxKind, 'email'>, OutboxHandler>>;
}): OutboxWorker {
  const plan = leasePlan(opts.leaseSeconds ?? LEASE_SECONDS);
  const batchSize = opts.batchSize ?? BATCH;
  const concurrency = Math.max(1, opts.concurrency ?? SMTP_CONNECTIONS);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = true;
  let stopping = false;
  let again = false;
  const held = new Map<string, Hold>();
  let renewal: Promise<void> | null = null;

  const handlers: Record<OutboxKind, OutboxHandler> = {
    email: {
      send: (m, signal) => opts.mailer.send(m.payload as unknown as EmailMessage, m.id, signal),
      backoffSeconds: (attempts) => backoffSeconds(attempts),
    },
    webhook: opts.handlers?.webhook ?? missing('webhooks'),
    join_request: opts.handlers?.join_request ?? missing('join requests'),
    password_reset: opts.handlers?.password_reset ?? missing('password-reset requests'),
    seat_check: opts.handlers?.seat_check ?? missing('seat checks'),
  };

  function lose(h: Hold, reason: string) {
    if (h.settled || h.abort.signal.aborted) return;
    h.abort.abort(new LeaseLost(reason));
    opts.log.warn(
      { outboxId: h.m.id, kind: h.m.kind, attempts: h.m.attempts, reason },
      'outbox: stopped working on a message whose lease could not be kept',
    );
  }

  /** Renews every lease this worker holds, in one statement. A failure extends nothing. */
  async function renew() {
    const holds = [...held.values()].filter((h) => !h.settled && !h.abort.signal.aborted);
    if (holds.length === 0) return;
    const sentAt = performance.now();
    let renewed: Set<string>;
    try {
      renewed = await renewClaims(
        opts.db,
        holds.map((h) => h.m),
        plan.leaseMs / 1000,
      );
    } catch (err) {
      opts.log.warn({ err, held: holds.length }, 'outbox: could not renew the leases this worker holds');
      return;
    }
    for (const h of holds) {
      if (renewed.has(h.m.id)) h.until = Math.max(h.until, sentAt + plan.leaseMs);
      else lose(h, 'its lease was taken over');
    }
  }

  /**
   * The heartbeat: aborts what can no longer be covered (the lease about to run out unrenewed), then
   * renews the rest unless the previous renewal is still under way (a hung database connection).
   */
  function heartbeat() {
    const now = performance.now();
    for (const h of held.values()) {
      if (h.until - now < plan.abortBelowMs) lose(h, 'its lease could not be renewed in time');
    }
    if (renewal === null && held.size > 0) {
      renewal = renew().finally(() => {
        renewal = null;
      });
    }
  }

  async function deliver(h: Hold) {
    const m = h.m;
    let failure: string | null = null;
    let permanent = false;
    const handler = handlers[m.kind];
    try {
      if (!handler) throw new PermanentFailure(`unknown outbox kind ${m.kind}`);
      await handler.send(m, h.abort.signal);
    } catch (err) {
      const reason: unknown = h.abort.signal.aborted ? h.abort.signal.reason : null;
      failure =
        reason instanceof Error
          ? `aborted: ${reason.message}`
          : err instanceof Error
            ? err.message
            : String(err);
      permanent = err instanceof PermanentFailure;
    }
    h.settled = true;
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
    const beat = setInterval(heartbeat, plan.renewEveryMs);
    beat.unref();
    try {
      for (;;) {
        if (stopping) return attempted;
        const claimedAt = performance.now();
        const batch = await claimDue(opts.db, batchSize, plan.leaseMs / 1000);
        const holds = batch.map((m) => {
          const h: Hold = {
            m,
            until: claimedAt + plan.leaseMs,
            abort: new AbortController(),
            settled: false,
          };
          held.set(m.id, h);
          return h;
        });
        let next = 0;
        let handedBack = 0;
        let broken: unknown = null;
        // A few sends at a time (one per pooled SMTP connection); after a database error no new send starts.
        const lane = async () => {
          for (let i = next++; i < holds.length; i = next++) {
            const h = holds[i] as Hold;
            try {
              // After a database error the rest is left alone: unrenewed, those leases run out.
              if (broken !== null) continue;
              const left = h.until - performance.now();
              if (stopping || h.abort.signal.aborted || left < plan.startWithAtLeastMs) {
                // Not tried: handed back, claimable at once, no attempt counted (fenced: a claim
                // another worker has taken over is left to it).
                h.settled = true;
                await releaseClaim(opts.db, h.m.id, h.m.attempts);
                handedBack += 1;
                continue;
              }
              await deliver(h);
              attempted += 1;
            } finally {
              h.settled = true;
              held.delete(h.m.id);
            }
          }
        };
        const lanes = Array.from({ length: Math.min(concurrency, holds.length) }, () =>
          lane().catch((err: unknown) => {
            broken ??= err;
          }),
        );
        await Promise.all(lanes);
        if (broken !== null) throw broken;
        if (batch.length < batchSize && handedBack === 0) return attempted;
      }
    } finally {
      clearInterval(beat);
      for (const h of held.values()) h.settled = true;
      held.clear();
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
      stopping = false;
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
      stopping = true;
      if (timer) clearInterval(timer);
      await running;
    },
  };
}

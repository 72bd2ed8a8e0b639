/**
 * Delivers webhook messages from the outbox: one signed POST per attempt, logged in
 * `webhook_attempts` (outcome, response code, latency, error), retried with exponential backoff for
 * more than a day, the endpoint disabled when a message fails for that whole time without one success
 * in between. Only a 2xx answer acknowledges a message; redirects are not followed. The first 2 KB of
 * each answer's body are kept with its attempt, for the delivery log (webhook.retention.ts empties
 * them after 30 days).
 */
import http from 'node:http';
import https from 'node:https';
import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type { DB } from '../../db/schema.ts';
import { unseal } from '../../lib/secret-box.ts';
import { VERSION } from '../../version.ts';
import { recordAudit, SYSTEM_ACTOR } from '../audit/audit.repository.ts';
import type { ClaimedMessage, WebhookMessage } from '../outbox/outbox.repository.ts';
import { type OutboxHandler, PermanentFailure } from '../outbox/outbox.worker.ts';
import { ForbiddenAddressError, guardedLookup, isForbiddenAddress, literalAddress } from './ssrf.ts';
import { signatureHeaders } from './webhook.signing.ts';
import { webhookId } from './webhook-deliveries.repository.ts';

export { webhookId };

/** Attempts per message: the delays between them add up to more than 24 hours even with jitter. */
export const WEBHOOK_MAX_ATTEMPTS = 12;
const FIRST_DELAY_SECONDS = 10;
const MAX_DELAY_SECONDS = 10 * 3600;

/**
 * Seconds before the next attempt after attempt `attempts` failed: 10 s tripling (30 s, 1.5 min,
 * 4.5 min … 6 h), capped at 10 h, ±20 % jitter; null after {@link WEBHOOK_MAX_ATTEMPTS} attempts.
 * The eleven delays total about 39 h (at least 31 h with the lowest jitter).
 */
export function webhookBackoffSeconds(attempts: number, random: () => number = Math.random): number | null {
  if (attempts >= WEBHOOK_MAX_ATTEMPTS) return null;
  const base = Math.min(FIRST_DELAY_SECONDS * 3 ** Math.max(attempts - 1, 0), MAX_DELAY_SECONDS);
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** How much of a receiver's answer is kept with the attempt. */
export const RESPONSE_BODY_BYTES = 2048;

interface PostResult {
  status: number;
  /** The first {@link RESPONSE_BODY_BYTES} of the answer's body (fewer when it ended early). */
  body: Buffer;
}

/**
 * The first `limit` bytes of a body as text for the log: UTF-8 (a character cut at the end, or bytes
 * that are not UTF-8, become U+FFFD), without NUL characters, which a PostgreSQL text cannot hold.
 */
export function responseText(body: Buffer, limit = RESPONSE_BODY_BYTES): string {
  return body.subarray(0, limit).toString('utf8').replaceAll('\u0000', '');
}

/**
 * One POST, with the SSRF guard on the address actually connected to, one overall time limit, and
 * `signal` to cut it short (the outbox worker could not keep the message's lease).
 */
function post(
  target: URL,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  allowPrivate: boolean,
  signal: AbortSignal | undefined,
): Promise<PostResult> {
  const literal = literalAddress(target);
  if (literal && !allowPrivate && isForbiddenAddress(literal)) {
    return Promise.reject(new ForbiddenAddressError(literal));
  }
  if (signal?.aborted) return Promise.reject(signal.reason);
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: guardedLookup(allowPrivate),
        // A fresh connection per attempt: each one resolves (and is checked) again.
        agent: false,
      },
      (res) => {
        // The status says it all; the first bytes of the body are read for the log, within the same
        // time limit, and whatever came is kept when the body ends, breaks or runs late.
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        answered = () => {
          if (done) return;
          done = true;
          clearTimeout(deadline);
          signal?.removeEventListener('abort', onAbort);
          resolve({ status, body: Buffer.concat(chunks).subarray(0, RESPONSE_BODY_BYTES) });
          // The rest is neither kept nor waited for (the connection is never reused).
          if (!res.complete) req.destroy();
        };
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          if (size >= RESPONSE_BODY_BYTES) answered?.();
        });
        res.on('end', () => answered?.());
        res.on('close', () => answered?.());
        res.on('error', () => answered?.());
      },
    );
    // Set once the answer's headers came: from then on, the time limit or an abort ends the read.
    let answered: (() => void) | null = null;
    let done = false;
    const deadline = setTimeout(() => {
      if (answered) answered();
      else req.destroy(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    const onAbort = () => {
      // Answered already: the outcome is known, only the reading of the body is cut short.
      if (answered) answered();
      else req.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err) => {
      if (answered) return answered();
      done = true;
      clearTimeout(deadline);
      signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
    req.end(body);
  });
}

interface Target {
  organizationId: string | null;
  url: string;
  sealedSecret: string;
}

async function loadTarget(db: Kysely<DB>, m: WebhookMessage): Promise<Target> {
  if (m.target === 'endpoint') {
    const e = await db
      .selectFrom('webhook_endpoints')
      .select(['organization_id', 'url', 'secret', 'disabled_at'])
      .where('id', '=', m.targetId)
      .executeTakeFirst();
    if (!e) throw new PermanentFailure('the webhook endpoint was deleted');
    if (e.disabled_at) throw new PermanentFailure('the webhook endpoint is disabled');
    return { organizationId: e.organization_id, url: e.url, sealedSecret: e.secret };
  }
  const app = await db
    .selectFrom('apps')
    .select(['organization_id', 'webhook_url', 'webhook_secret'])
    .where('id', '=', m.targetId)
    .executeTakeFirst();
  if (!app) throw new PermanentFailure('the app was deleted');
  return { organizationId: app.organization_id, url: app.webhook_url, sealedSecret: app.webhook_secret };
}

export interface WebhookHandlerOptions {
  db: Kysely<DB>;
  log: Logger;
  /** WEBHOOK_ALLOW_PRIVATE */
  allowPrivate: boolean;
  /** WEBHOOK_TIMEOUT_MS */
  timeoutMs: number;
  /** SECRETS_KEY */
  secretsKey: Buffer | null;
  /** @default webhookBackoffSeconds */
  backoffSeconds?: (attempts: number) => number | null;
}

export function createWebhookHandler(opts: WebhookHandlerOptions): OutboxHandler {
  async function logAttempt(
    claimed: ClaimedMessage,
    m: WebhookMessage,
    organizationId: string | null,
    outcome: {
      succeeded: boolean;
      status: number | null;
      body: string | null;
      latencyMs: number;
      error: string | null;
    },
  ) {
    await opts.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('webhook_attempts')
        .values({
          organization_id: organizationId,
          message_id: claimed.id,
          endpoint_id: m.target === 'endpoint' ? m.targetId : null,
          app_id: m.target === 'app' ? m.targetId : null,
          event_type: m.eventType,
          attempt: claimed.attempts,
          succeeded: outcome.succeeded,
          response_status: outcome.status,
          response_body: outcome.body,
          latency_ms: outcome.latencyMs,
          error: outcome.error?.slice(0, 1000) ?? null,
        })
        .execute();
      if (m.target === 'endpoint') {
        await trx
          .updateTable('webhook_endpoints')
          .set(outcome.succeeded ? { last_success_at: sql`now()` } : { last_failure_at: sql`now()` })
          .where('id', '=', m.targetId)
          .execute();
      }
    });
  }

  return {
    backoffSeconds: opts.backoffSeconds ?? ((attempts) => webhookBackoffSeconds(attempts)),

    async send(claimed, signal) {
      const m = claimed.payload as unknown as WebhookMessage;
      const target = await loadTarget(opts.db, m);
      const started = performance.now();
      let status: number | null = null;
      let body: string | null = null;
      let error: string | null = null;
      try {
        const secret = unseal(target.sealedSecret, opts.secretsKey);
        const timestamp = Math.floor(Date.now() / 1000);
        const headers = {
          'content-type': 'application/json',
          'user-agent': `Roster-Webhooks/${VERSION}`,
          ...signatureHeaders(secret, m.webhookId ?? webhookId(claimed.id), timestamp, m.body),
        };
        const answer = await post(
          new URL(target.url),
          headers,
          m.body,
          opts.timeoutMs,
          opts.allowPrivate,
          signal,
        );
        status = answer.status;
        body = responseText(answer.body);
        if (status < 200 || status > 299) error = `the receiver answered HTTP ${status}`;
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      }
      const latencyMs = Math.round(performance.now() - started);
      await logAttempt(claimed, m, target.organizationId, {
        succeeded: error === null,
        status,
        body,
        latencyMs,
        error,
      });
      if (error !== null) throw new Error(error);
    },

    async onGiveUp(claimed, error) {
      const m = claimed.payload as unknown as WebhookMessage;
      if (m.target !== 'endpoint') return;
      // Sustained failure: this message failed for its whole retry window (more than a day), and the
      // endpoint acknowledged nothing since the message was written. Then deliveries stop.
      const disabled = await opts.db.transaction().execute(async (trx) => {
        const row = await trx
          .updateTable('webhook_endpoints as e')
          .from('outbox as o')
          .set({
            disabled_at: sql`now()`,
            disabled_reason: `every attempt failed for more than a day; last: ${error}`.slice(0, 1000),
            updated_at: sql`now()`,
          })
          .where('o.id', '=', claimed.id)
          .where('e.id', '=', m.targetId)
          .where('e.disabled_at', 'is', null)
          .where((eb) =>
            eb.or([
              eb('e.last_success_at', 'is', null),
              eb('e.last_success_at', '<', eb.ref('o.created_at')),
            ]),
          )
          .returning(['e.id', 'e.organization_id'])
          .executeTakeFirst();
        if (row) {
          await recordAudit(trx, SYSTEM_ACTOR, {
            organizationId: row.organization_id,
            action: 'webhook_endpoint.disabled',
            targetType: 'webhook_endpoint',
            targetId: row.id,
            data: { reason: 'sustained failure', lastError: error.slice(0, 200) },
          });
        }
        return row !== undefined;
      });
      if (disabled)
        opts.log.warn({ endpointId: m.targetId }, 'webhook endpoint disabled after sustained failure');
    },
  };
}

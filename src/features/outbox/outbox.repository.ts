/**
 * The transactional outbox. A message is a row written in the transaction of the change that causes
 * it, so a rolled-back change sends nothing and a crash after commit loses nothing. Workers claim due
 * rows with FOR UPDATE SKIP LOCKED and a short lease that they renew while they work on them, so any
 * number of instances cooperate and a dead instance's messages come free one lease later.
 */
import { type Kysely, sql } from 'kysely';
import type { DB, OutboxKind } from '../../db/schema.ts';
import { deliveryRow, webhookId } from '../webhooks/webhook-deliveries.repository.ts';

/**
 * What a message keeps once it has left (`sent`) or been given up (`dead`): enough to tell what it
 * was, nothing that still works. An email's text carries live links (email verification, invitation
 * tokens), a webhook's body a grant code and personal data, a join-request job an address and an IP;
 * the tables those tokens belong to store only their hashes, and a spent message stops holding them too.
 * Migration 0005 applied the same rule to the messages spent before it.
 */
const SPENT_PAYLOAD = sql<string>`CASE kind
  WHEN 'email' THEN jsonb_build_object('to', payload->'to', 'subject', payload->'subject')
  WHEN 'webhook' THEN payload - 'body'
  ELSE jsonb_build_object('organizationId', payload->'organizationId')
END`;

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Links in the message, logged when no SMTP server is configured. */
  links: string[];
}

/** The outbox row an email is queued as. */
export function emailRow(organizationId: string | null, message: EmailMessage) {
  return { organization_id: organizationId, kind: 'email' as const, payload: JSON.stringify(message) };
}

export async function enqueueEmail(db: Kysely<DB>, organizationId: string | null, message: EmailMessage) {
  await db.insertInto('outbox').values(emailRow(organizationId, message)).execute();
}

/** A webhook request to make: the body is fixed at enqueue time, so every attempt sends the same bytes. */
export interface WebhookMessage {
  /** Who receives it: an organization's webhook endpoint, or an app (about its own installation). */
  target: 'endpoint' | 'app';
  targetId: string;
  eventId: string;
  eventType: string;
  body: string;
  /**
   * The `webhook-id` header: `msg_` + the message id, or a replayed message's (set on every message
   * enqueued since migration 0012; older ones derive it from their id).
   */
  webhookId?: string;
}

/**
 * Enqueues a webhook, and writes its row of the delivery log (webhook_deliveries) in the same
 * transaction. The row id is the message id; its `webhook-id` is derived from it, the same on every
 * attempt — unless `replay` names the `webhook-id` of the message it sends again (and that message).
 */
export async function enqueueWebhook(
  db: Kysely<DB>,
  id: string,
  organizationId: string | null,
  message: WebhookMessage,
  replay?: { webhookId: string; of: string },
) {
  const rows = webhookRows(id, organizationId, message, replay);
  await db.insertInto('outbox').values(rows.outbox).execute();
  await db.insertInto('webhook_deliveries').values(rows.delivery).execute();
}

/** The outbox row of a webhook message and its row of the delivery log (webhook_deliveries). */
export function webhookRows(
  id: string,
  organizationId: string | null,
  message: WebhookMessage,
  replay?: { webhookId: string; of: string },
) {
  const payload: WebhookMessage = { ...message, webhookId: replay?.webhookId ?? webhookId(id) };
  return {
    outbox: {
      id,
      organization_id: organizationId,
      kind: 'webhook' as const,
      payload: JSON.stringify(payload),
    },
    delivery: deliveryRow({
      id,
      organizationId,
      target: message.target,
      targetId: message.targetId,
      webhookId: payload.webhookId as string,
      replayOf: replay?.of ?? null,
      eventId: message.eventId,
      eventType: message.eventType,
      body: message.body,
    }),
  };
}

export interface ClaimedMessage {
  id: string;
  kind: OutboxKind;
  payload: Record<string, unknown>;
  attempts: number;
}

/**
 * Leases up to `limit` due messages for `leaseSeconds`; the worker renews the lease while it holds
 * them ({@link renewClaims}), and a worker that dies lets it run out. Each claim counts an attempt,
 * and the returned `attempts` is the claim's fencing token: the updates below apply only while the
 * row still carries it, so a worker whose lease was taken over cannot overwrite what the new holder did.
 */
export async function claimDue(
  db: Kysely<DB>,
  limit: number,
  leaseSeconds: number,
): Promise<ClaimedMessage[]> {
  // MATERIALIZED: the locking subquery runs exactly once, so LIMIT and SKIP LOCKED mean what they say.
  const result = await sql<ClaimedMessage>`
    WITH due AS MATERIALIZED (
      SELECT id FROM outbox
      WHERE status = 'pending' AND next_attempt_at <= now() AND (locked_until IS NULL OR locked_until < now())
      ORDER BY next_attempt_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    )
    UPDATE outbox o
    SET locked_until = now() + make_interval(secs => ${leaseSeconds}), attempts = o.attempts + 1
    FROM due
    WHERE o.id = due.id
    RETURNING o.id, o.kind, o.payload, o.attempts
  `.execute(db);
  return result.rows;
}

/** A message a worker holds: its id and the claim's attempt number (the fencing token). */
export interface HeldClaim {
  id: string;
  attempts: number;
}

/**
 * Extends the leases of the messages a worker still holds to `leaseSeconds` from now, in one
 * statement (the worker's heartbeat). Fenced like the updates below: a claim another worker has taken
 * over (its attempt number moved on), or one already recorded or handed back, is not renewed.
 * Returns the ids that were; the caller treats any other as lost.
 */
export async function renewClaims(
  db: Kysely<DB>,
  claims: readonly HeldClaim[],
  leaseSeconds: number,
): Promise<Set<string>> {
  if (claims.length === 0) return new Set();
  const held = JSON.stringify(claims.map((c) => ({ id: c.id, attempts: c.attempts })));
  const result = await sql<{ id: string }>`
    UPDATE outbox o
    SET locked_until = now() + make_interval(secs => ${leaseSeconds})
    FROM jsonb_to_recordset(${held}::jsonb) AS h(id uuid, attempts integer)
    WHERE o.id = h.id AND o.attempts = h.attempts AND o.status = 'pending' AND o.locked_until IS NOT NULL
    RETURNING o.id
  `.execute(db);
  return new Set(result.rows.map((r) => r.id));
}

/** Records a delivery; false when the claim `attempt` is no longer the row's (another worker took it over). */
export async function markSent(db: Kysely<DB>, id: string, attempt: number): Promise<boolean> {
  const result = await db
    .updateTable('outbox')
    .set({
      status: 'sent',
      sent_at: sql`now()`,
      locked_until: null,
      last_error: null,
      payload: SPENT_PAYLOAD,
    })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('attempts', '=', attempt)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Schedules another attempt after `delaySeconds`, or gives up (`dead`) when there is none left.
 * False when the claim `attempt` is no longer the row's: a stale worker never undoes a delivery.
 */
export async function markFailed(
  db: Kysely<DB>,
  id: string,
  attempt: number,
  error: string,
  delaySeconds: number | null,
): Promise<boolean> {
  const result = await db
    .updateTable('outbox')
    .set({
      status: delaySeconds === null ? 'dead' : 'pending',
      last_error: error.slice(0, 1000),
      locked_until: null,
      next_attempt_at: sql`now() + make_interval(secs => ${delaySeconds ?? 0})`,
      payload: delaySeconds === null ? SPENT_PAYLOAD : sql<string>`payload`,
    })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('attempts', '=', attempt)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Gives back a claim that was not tried (its lease was running out): claimable at once, no attempt counted. */
export async function releaseClaim(db: Kysely<DB>, id: string, attempt: number): Promise<boolean> {
  const result = await db
    .updateTable('outbox')
    .set({ locked_until: null, attempts: sql`attempts - 1` })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('attempts', '=', attempt)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function countPending(db: Kysely<DB>): Promise<number> {
  const row = await db
    .selectFrom('outbox')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  return row.n;
}

/** An anonymous request to join, taken in for the worker to decide on (see join-requests). */
export interface JoinRequestJob {
  organizationId: string;
  email: string;
  ip: string | null;
}

export async function enqueueJoinRequest(db: Kysely<DB>, job: JoinRequestJob) {
  await db
    .insertInto('outbox')
    .values({ organization_id: job.organizationId, kind: 'join_request', payload: JSON.stringify(job) })
    .execute();
}

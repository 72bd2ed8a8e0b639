/**
 * SQL for the delivery log (migration 0012): one `webhook_deliveries` row per webhook message, written
 * in the transaction that enqueues it, with the body as sent less what only its receiver may hold; and
 * the reads the API makes of it. No import from the outbox: the outbox calls in here.
 */
import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';

/** The `webhook-id` of a message: stable across its attempts (and its replays). */
export function webhookId(messageId: string): string {
  return `msg_${messageId.replaceAll('-', '')}`;
}

/**
 * Fields of a body that only its receiver may hold, by event type, as dotted paths: the delivery log
 * never keeps them (`redacted` names those a body had). An app's `installation.created` carries the
 * one-time grant code, which only the app may ever see.
 */
export const SECRET_FIELDS: Readonly<Record<string, readonly string[]>> = {
  'installation.created': ['data.code'],
};

/** The body to keep for the log, and the secret fields taken out of it. */
export function keptPayload(eventType: string, body: string): { payload: string; redacted: string[] } {
  const fields = SECRET_FIELDS[eventType] ?? [];
  if (fields.length === 0) return { payload: body, redacted: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    // Never happens (bodies are JSON.stringify'd); keep nothing rather than a secret.
    return { payload: '', redacted: ['*'] };
  }
  const redacted: string[] = [];
  for (const field of fields) {
    const path = field.split('.');
    const last = path.pop() as string;
    let node: unknown = parsed;
    for (const part of path) node = isRecord(node) ? node[part] : undefined;
    if (isRecord(node) && Object.hasOwn(node, last)) {
      delete node[last];
      redacted.push(field);
    }
  }
  return redacted.length === 0 ? { payload: body, redacted } : { payload: JSON.stringify(parsed), redacted };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface DeliveryValues {
  /** The outbox message's id. */
  id: string;
  organizationId: string | null;
  target: 'endpoint' | 'app';
  targetId: string;
  webhookId: string;
  replayOf: string | null;
  eventId: string;
  eventType: string;
  /** The body as sent; its secret fields are left out here. */
  body: string;
}

/** The delivery log's row of a message being enqueued, written in the enqueueing transaction. */
export function deliveryRow(v: DeliveryValues) {
  const { payload, redacted } = keptPayload(v.eventType, v.body);
  return {
    id: v.id,
    organization_id: v.organizationId,
    endpoint_id: v.target === 'endpoint' ? v.targetId : null,
    app_id: v.target === 'app' ? v.targetId : null,
    webhook_id: v.webhookId,
    replay_of: v.replayOf,
    event_id: v.eventId,
    event_type: v.eventType,
    payload,
    redacted,
  };
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

/**
 * Where a message stands: its outbox row's status (`sent` → succeeded, `dead` → failed), or, should
 * that row be gone, whether one of its attempts was acknowledged.
 */
const STATUS = sql<DeliveryStatus>`CASE o.status
  WHEN 'pending' THEN 'pending'
  WHEN 'sent' THEN 'succeeded'
  WHEN 'dead' THEN 'failed'
  ELSE CASE WHEN EXISTS (
    SELECT 1 FROM webhook_attempts a WHERE a.message_id = d.id AND a.succeeded
  ) THEN 'succeeded' ELSE 'failed' END
END`;

/** One delivery of an endpoint or an app, with where its message stands. */
export function findDelivery(
  db: Kysely<DB>,
  q: { target: 'endpoint' | 'app'; targetId: string; id: string },
) {
  return db
    .selectFrom('webhook_deliveries as d')
    .leftJoin('outbox as o', 'o.id', 'd.id')
    .select([
      'd.id',
      'd.organization_id',
      'd.endpoint_id',
      'd.app_id',
      'd.webhook_id',
      'd.replay_of',
      'd.event_id',
      'd.event_type',
      'd.payload',
      'd.redacted',
      'd.created_at',
      STATUS.as('status'),
      sql<Date | null>`CASE WHEN o.status = 'pending' THEN o.next_attempt_at END`.as('next_attempt_at'),
    ])
    .where(q.target === 'endpoint' ? 'd.endpoint_id' : 'd.app_id', '=', q.targetId)
    .where('d.id', '=', q.id)
    .executeTakeFirst();
}

export type DeliveryRow = Awaited<ReturnType<typeof findDelivery>> & {};

/** The attempts of one message, oldest first. */
export function listAttemptsOf(db: Kysely<DB>, messageId: string) {
  return db
    .selectFrom('webhook_attempts')
    .select([
      'id',
      'attempt',
      'succeeded',
      'response_status',
      'response_body',
      'latency_ms',
      'error',
      'created_at',
    ])
    .where('message_id', '=', messageId)
    .orderBy('id')
    .execute();
}

/**
 * Where the messages under one `webhook-id` stand (the original and its replays). With `lock`, their
 * log rows are locked first (FOR UPDATE), so that replays of one message are decided one at a time:
 * the statement that reads the statuses runs after the lock is held, and sees a replay committed
 * meanwhile.
 */
export async function statusesOf(db: Kysely<DB>, id: string, lock: boolean): Promise<DeliveryStatus[]> {
  if (lock) {
    await db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('webhook_id', '=', id)
      .orderBy('id')
      .forUpdate()
      .execute();
  }
  const rows = await db
    .selectFrom('webhook_deliveries as d')
    .leftJoin('outbox as o', 'o.id', 'd.id')
    .select(STATUS.as('status'))
    .where('d.webhook_id', '=', id)
    .execute();
  return rows.map((r) => r.status);
}

/** Delivery attempts to one endpoint or one app, newest first, `limit + 1` rows. */
export function listAttempts(
  db: Kysely<DB>,
  q: { target: 'endpoint' | 'app'; targetId: string; limit: number; beforeId?: string },
) {
  let query = db
    .selectFrom('webhook_attempts as a')
    .leftJoin('webhook_deliveries as d', 'd.id', 'a.message_id')
    .select([
      'a.id',
      'a.message_id',
      'd.webhook_id',
      'a.event_type',
      'a.attempt',
      'a.succeeded',
      'a.response_status',
      'a.latency_ms',
      'a.error',
      'a.created_at',
    ])
    .where(q.target === 'endpoint' ? 'a.endpoint_id' : 'a.app_id', '=', q.targetId);
  if (q.beforeId) query = query.where('a.id', '<', q.beforeId);
  return query
    .orderBy('a.id', 'desc')
    .limit(q.limit + 1)
    .execute();
}

/** An app of organization `organizationId` by its slug: the delivery log of its webhook. */
export function findOwnApp(db: Kysely<DB>, organizationId: string, slug: string) {
  return db
    .selectFrom('apps')
    .select(['id', 'slug'])
    .where('organization_id', '=', organizationId)
    .where('slug', '=', slug.toLowerCase())
    .executeTakeFirst();
}

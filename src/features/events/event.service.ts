/**
 * Publishing an event: inside the transaction of the change, record it once for analytics and
 * enqueue one webhook message per endpoint of the organization subscribed to its type (and, for
 * `installation.*`, one for the app concerned). A rolled-back change publishes nothing; a committed
 * one loses nothing: the outbox delivers.
 */
import { sql } from 'kysely';
import type { Trx } from '../../context.ts';
import { uuidv7 } from '../../lib/ids.ts';
import type { Actor } from '../audit/audit.repository.ts';
import { enqueueWebhook, type WebhookMessage } from '../outbox/outbox.repository.ts';
import { subscribersOf } from '../webhooks/webhook.repository.ts';
import { type AnalyticsEvent, recordAnalytics } from './analytics.ts';
import { type EventType, isEventType, isSubscribable } from './event-types.ts';

export interface PublishInput {
  organizationId: string | null;
  type: EventType;
  data: Record<string, unknown>;
  actor: Actor;
  /**
   * The app to tell as well (installation events), with fields only it may see merged into its
   * copy of `data` (the grant code) — never into the organization's endpoints' copies nor analytics.
   */
  app?: { id: string; data?: Record<string, unknown> };
}

export interface Published {
  eventId: string;
  /** Webhook messages enqueued. */
  webhooks: number;
}

/** The JSON body every receiver gets (Standard Webhooks: `type`, `timestamp`, `data`). */
function body(eventId: string, input: PublishInput, at: Date, data: Record<string, unknown>): string {
  return JSON.stringify({
    id: eventId,
    type: input.type,
    timestamp: at.toISOString(),
    organizationId: input.organizationId,
    actor: { type: input.actor.type, id: input.actor.id },
    data,
  });
}

/** An endpoint of the organization, as publishing needs it: its id and the types it subscribes to. */
export interface Subscriber {
  id: string;
  event_types: string[];
}

/** Whether an endpoint subscribed to `types` receives events of `type` (the type itself, or '*'). */
export function subscribedTo(types: readonly string[], type: string): boolean {
  return types.includes(type) || types.includes('*');
}

/** The organization's enabled endpoints with what they subscribe to, in id order. */
export async function enabledEndpoints(trx: Trx, organizationId: string): Promise<Subscriber[]> {
  return (await sql<Subscriber>`${subscribersOf(organizationId)} ORDER BY e.id`.execute(trx)).rows;
}

/** What publishing an event writes: its analytics record and one webhook message per receiver. */
export interface PlannedEvent {
  eventId: string;
  analytics: AnalyticsEvent;
  webhooks: Array<{ id: string; message: WebhookMessage }>;
}

/** The event's analytics record and webhook messages, given the organization's enabled endpoints. */
export function planEvent(input: PublishInput, endpoints: readonly Subscriber[]): PlannedEvent {
  if (!isEventType(input.type) || !isSubscribable(input.type))
    throw new Error(`unknown event type ${String(input.type)}`);
  const eventId = uuidv7();
  const at = new Date();
  const analytics = {
    id: eventId,
    organizationId: input.organizationId,
    type: input.type,
    actor: input.actor,
    data: input.data,
    createdAt: at,
  };
  const webhooks: PlannedEvent['webhooks'] = [];
  if (input.organizationId !== null) {
    const shared = body(eventId, input, at, input.data);
    for (const e of endpoints) {
      if (!subscribedTo(e.event_types, input.type)) continue;
      webhooks.push({
        id: uuidv7(),
        message: { target: 'endpoint', targetId: e.id, eventId, eventType: input.type, body: shared },
      });
    }
  }
  if (input.app) {
    webhooks.push({
      id: uuidv7(),
      message: {
        target: 'app',
        targetId: input.app.id,
        eventId,
        eventType: input.type,
        body: body(eventId, input, at, { ...input.data, ...input.app.data }),
      },
    });
  }
  return { eventId, analytics, webhooks };
}

export async function publishEvent(trx: Trx, input: PublishInput): Promise<Published> {
  const endpoints = input.organizationId === null ? [] : await enabledEndpoints(trx, input.organizationId);
  const plan = planEvent(input, endpoints);
  await recordAnalytics(trx, plan.analytics);
  for (const w of plan.webhooks) await enqueueWebhook(trx, w.id, input.organizationId, w.message);
  return { eventId: plan.eventId, webhooks: plan.webhooks.length };
}

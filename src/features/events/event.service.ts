/**
 * Publishing an event: inside the transaction of the change, record it once for analytics and
 * enqueue one webhook message per endpoint of the organization subscribed to its type (and, for
 * `installation.*`, one for the app concerned). A rolled-back change publishes nothing; a committed
 * one loses nothing: the outbox delivers.
 */
import type { Trx } from '../../context.ts';
import { uuidv7 } from '../../lib/ids.ts';
import type { Actor } from '../audit/audit.repository.ts';
import { enqueueWebhook } from '../outbox/outbox.repository.ts';
import { recordAnalytics } from './analytics.ts';
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

export async function publishEvent(trx: Trx, input: PublishInput): Promise<Published> {
  if (!isEventType(input.type) || !isSubscribable(input.type))
    throw new Error(`unknown event type ${String(input.type)}`);
  const eventId = uuidv7();
  const at = new Date();
  await recordAnalytics(trx, {
    id: eventId,
    organizationId: input.organizationId,
    type: input.type,
    actor: input.actor,
    data: input.data,
    createdAt: at,
  });
  let webhooks = 0;
  if (input.organizationId !== null) {
    const endpoints = await trx
      .selectFrom('webhook_endpoints')
      .select('id')
      .where('organization_id', '=', input.organizationId)
      .where('disabled_at', 'is', null)
      // Subscribed to this type, or to every type ('*').
      .where((eb) =>
        eb.or([
          eb(eb.val<string>(input.type), '=', eb.fn.any('event_types')),
          eb(eb.val<string>('*'), '=', eb.fn.any('event_types')),
        ]),
      )
      .orderBy('id')
      .execute();
    const shared = body(eventId, input, at, input.data);
    for (const e of endpoints) {
      await enqueueWebhook(trx, uuidv7(), input.organizationId, {
        target: 'endpoint',
        targetId: e.id,
        eventId,
        eventType: input.type,
        body: shared,
      });
      webhooks += 1;
    }
  }
  if (input.app) {
    await enqueueWebhook(trx, uuidv7(), input.organizationId, {
      target: 'app',
      targetId: input.app.id,
      eventId,
      eventType: input.type,
      body: body(eventId, input, at, { ...input.data, ...input.app.data }),
    });
    webhooks += 1;
  }
  return { eventId, webhooks };
}

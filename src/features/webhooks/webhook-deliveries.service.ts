/**
 * The delivery log beyond its list of attempts: one delivery read whole (payload, every answer), a test
 * event sent to one endpoint, and a replay — a new message under the same `webhook-id`, signed afresh
 * at each attempt, for a message that was given up. For an organization's endpoints and for the
 * webhook of an app it publishes, with org:integrations, as the rest of webhook management.
 */
import type { Kysely } from 'kysely';
import type { Context } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import type { ErrorFactory } from '../../lib/errors.ts';
import { uuidv7 } from '../../lib/ids.ts';
import { type OrgAccess, requireScope } from '../access/org-access.ts';
import { AppErrors } from '../apps/app.errors.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { enqueueWebhook } from '../outbox/outbox.repository.ts';
import { WebhookErrors } from './webhook.errors.ts';
import * as repo from './webhook.repository.ts';
import { keptUntil } from './webhook.retention.ts';
import { endpointOrThrow } from './webhook.service.ts';
import * as log from './webhook-deliveries.repository.ts';

/** The type of the test event (in the catalog, never published nor subscribed to). */
export const TEST_EVENT_TYPE = 'webhook.test';

/** Whose log: an endpoint of the caller's organization, or the webhook of an app it publishes. */
interface LogOwner {
  target: 'endpoint' | 'app';
  targetId: string;
}

type Db = Kysely<DB>;

/**
 * Why a replay of `d` would be refused now, or null: its payload is gone or incomplete, or a message
 * under its `webhook-id` was acknowledged or is still under way, or its endpoint is disabled.
 */
function replayRefusal(
  d: log.DeliveryRow,
  group: log.DeliveryStatus[],
  targetEnabled: boolean,
): ErrorFactory | null {
  if (d.payload === null) return WebhookErrors.WEBHOOK_DELIVERY_EXPIRED;
  if (d.redacted.length > 0) return WebhookErrors.WEBHOOK_DELIVERY_REDACTED;
  if (group.includes('succeeded')) return WebhookErrors.WEBHOOK_DELIVERY_SUCCEEDED;
  if (group.includes('pending')) return WebhookErrors.WEBHOOK_DELIVERY_PENDING;
  if (!targetEnabled) return WebhookErrors.WEBHOOK_ENDPOINT_DISABLED;
  return null;
}

async function targetEnabled(db: Db, access: OrgAccess, owner: LogOwner): Promise<boolean> {
  if (owner.target === 'app') return true;
  const e = await repo.findEndpoint(db, access.org.id, owner.targetId);
  return e !== undefined && e.disabled_at === null;
}

async function deliveryOrThrow(db: Db, owner: LogOwner, id: string) {
  const d = await log.findDelivery(db, { ...owner, id });
  if (!d) throw WebhookErrors.WEBHOOK_DELIVERY_NOT_FOUND();
  return d;
}

/** One delivery as the API shows it. */
async function readDelivery(db: Db, access: OrgAccess, owner: LogOwner, id: string) {
  const d = await deliveryOrThrow(db, owner, id);
  const attempts = await log.listAttemptsOf(db, d.id);
  const group = await log.statusesOf(db, d.webhook_id, false);
  const refusal = replayRefusal(d, group, await targetEnabled(db, access, owner));
  return {
    id: d.id,
    webhookId: d.webhook_id,
    replayOf: d.replay_of,
    eventId: d.event_id,
    eventType: d.event_type,
    status: d.status,
    nextAttemptAt: d.next_attempt_at,
    createdAt: d.created_at,
    payload: d.payload,
    payloadKeptUntil: keptUntil(d.created_at),
    redacted: d.redacted,
    replayRefusal: refusal?.code ?? null,
    attempts: attempts.map((a) => ({
      id: String(a.id),
      attempt: a.attempt,
      status: a.succeeded ? ('succeeded' as const) : ('failed' as const),
      responseStatus: a.response_status,
      responseBody: a.response_body,
      latencyMs: a.latency_ms,
      error: a.error,
      createdAt: a.created_at,
    })),
  };
}

async function endpointOwner(ctx: Context, access: OrgAccess, endpointId: string): Promise<LogOwner> {
  requireScope(access, 'org:integrations');
  await endpointOrThrow(ctx, access, endpointId);
  return { target: 'endpoint', targetId: endpointId };
}

async function appOwner(ctx: Context, access: OrgAccess, slug: string): Promise<LogOwner> {
  requireScope(access, 'org:integrations');
  const app = await log.findOwnApp(ctx.db, access.org.id, slug);
  if (!app) throw AppErrors.APP_NOT_FOUND();
  return { target: 'app', targetId: app.id };
}

/**
 * Sends a replay of delivery `id`: a new message (its own log row, `replayOf` naming the one replayed)
 * with the same body under the same `webhook-id`, each attempt signed with a new timestamp. Replays of
 * one message are decided one at a time (its log rows locked), so two at once never both go out.
 */
async function replay(ctx: Context, access: OrgAccess, owner: LogOwner, id: string) {
  const replayId = uuidv7();
  await ctx.transaction(async (trx) => {
    const found = await deliveryOrThrow(trx, owner, id);
    const group = await log.statusesOf(trx, found.webhook_id, true);
    // Read again under the lock: what the refusal is judged on is what is sent.
    const d = await deliveryOrThrow(trx, owner, id);
    const refusal = replayRefusal(d, group, await targetEnabled(trx, access, owner));
    if (refusal) throw refusal({ deliveryId: d.id, webhookId: d.webhook_id });
    await enqueueWebhook(
      trx,
      replayId,
      d.organization_id,
      {
        target: owner.target,
        targetId: owner.targetId,
        eventId: d.event_id,
        eventType: d.event_type,
        body: d.payload as string,
      },
      { webhookId: d.webhook_id, of: d.id },
    );
    await recordAudit(trx, access.actor, {
      organizationId: access.org.id,
      action: 'webhook_endpoint.delivery_replayed',
      targetType: owner.target === 'endpoint' ? 'webhook_endpoint' : 'app',
      targetId: owner.targetId,
      data: { deliveryId: d.id, replayId, webhookId: d.webhook_id, eventType: d.event_type },
    });
  });
  return readDelivery(ctx.db, access, owner, replayId);
}

export async function getEndpointDelivery(ctx: Context, access: OrgAccess, endpointId: string, id: string) {
  return readDelivery(ctx.db, access, await endpointOwner(ctx, access, endpointId), id);
}

export async function replayEndpointDelivery(
  ctx: Context,
  access: OrgAccess,
  endpointId: string,
  id: string,
) {
  return replay(ctx, access, await endpointOwner(ctx, access, endpointId), id);
}

export async function getAppDelivery(ctx: Context, access: OrgAccess, slug: string, id: string) {
  return readDelivery(ctx.db, access, await appOwner(ctx, access, slug), id);
}

export async function replayAppDelivery(ctx: Context, access: OrgAccess, slug: string, id: string) {
  return replay(ctx, access, await appOwner(ctx, access, slug), id);
}

/**
 * Queues a `webhook.test` event to one enabled endpoint (and to no other, whatever they subscribe to):
 * signed and retried as any message, shown in its delivery log. Returns the new delivery.
 */
export async function sendTestEvent(ctx: Context, access: OrgAccess, endpointId: string) {
  requireScope(access, 'org:integrations');
  const id = uuidv7();
  await ctx.transaction(async (trx) => {
    const e = await repo.findEndpoint(trx, access.org.id, endpointId);
    if (!e) throw WebhookErrors.WEBHOOK_ENDPOINT_NOT_FOUND();
    if (e.disabled_at) throw WebhookErrors.WEBHOOK_ENDPOINT_DISABLED();
    const eventId = uuidv7();
    // The shape of every event's body (events/event.service.ts).
    const body = JSON.stringify({
      id: eventId,
      type: TEST_EVENT_TYPE,
      timestamp: new Date().toISOString(),
      organizationId: access.org.id,
      actor: { type: access.actor.type, id: access.actor.id },
      data: {
        endpointId: e.id,
        message: 'A test event sent from Roster. Nothing happened; no action is needed.',
      },
    });
    await enqueueWebhook(trx, id, access.org.id, {
      target: 'endpoint',
      targetId: e.id,
      eventId,
      eventType: TEST_EVENT_TYPE,
      body,
    });
    await recordAudit(trx, access.actor, {
      organizationId: access.org.id,
      action: 'webhook_endpoint.tested',
      targetType: 'webhook_endpoint',
      targetId: e.id,
      data: { deliveryId: id },
    });
  });
  return readDelivery(ctx.db, access, { target: 'endpoint', targetId: endpointId }, id);
}

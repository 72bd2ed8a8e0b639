/** Webhook endpoints of an organization: register, change, rotate the secret, remove, read the log. */
import type { Context } from '../../context.ts';
import { uuidv7 } from '../../lib/ids.ts';
import { decodeCursor, toPage } from '../../lib/pagination.ts';
import { seal } from '../../lib/secret-box.ts';
import { lockAsCaller, type OrgAccess, requireScope, requireStanding } from '../access/org-access.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { isEventType, isSubscribable } from '../events/event-types.ts';
import { WebhookErrors } from './webhook.errors.ts';
import * as repo from './webhook.repository.ts';
import { generateSigningSecret } from './webhook.signing.ts';
import { checkWebhookUrl } from './webhook.url.ts';
import { listAttempts, webhookId } from './webhook-deliveries.repository.ts';

/** Endpoints per organization. */
export const MAX_ENDPOINTS = 20;

export function serializeEndpoint(e: repo.EndpointRow) {
  return {
    id: e.id,
    url: e.url,
    description: e.description,
    events: e.event_types,
    enabled: e.disabled_at === null,
    disabledAt: e.disabled_at,
    disabledReason: e.disabled_reason,
    lastSuccessAt: e.last_success_at,
    lastFailureAt: e.last_failure_at,
    createdAt: e.created_at,
    updatedAt: e.updated_at,
  };
}

/** Every event type, including those added later; listed alone. */
export const ALL_EVENTS = '*';

function checkEvents(events: string[]): string[] {
  if (events.includes(ALL_EVENTS) && events.length > 1) {
    throw WebhookErrors.EVENT_WILDCARD_NOT_ALONE([
      { field: 'events', message: "lists '*' (every event type) with other types: send ['*'] alone" },
    ]);
  }
  events.forEach((type, i) => {
    if (type === ALL_EVENTS) return;
    if (!isEventType(type)) {
      throw WebhookErrors.UNKNOWN_EVENT_TYPE([
        { field: `events.${i}`, message: `'${type}' is not an event type Roster publishes` },
      ]);
    }
    if (!isSubscribable(type)) {
      throw WebhookErrors.EVENT_TYPE_NOT_SUBSCRIBABLE([
        { field: `events.${i}`, message: `'${type}' is sent on request only` },
      ]);
    }
  });
  return events;
}

export async function endpointOrThrow(ctx: Pick<Context, 'db'>, access: OrgAccess, id: string) {
  const e = await repo.findEndpoint(ctx.db, access.org.id, id);
  if (!e) throw WebhookErrors.WEBHOOK_ENDPOINT_NOT_FOUND();
  return e;
}

export async function createEndpoint(
  ctx: Context,
  access: OrgAccess,
  input: { url: string; events: string[]; description?: string },
) {
  requireScope(access, 'org:integrations');
  const events = checkEvents(input.events);
  const url = await checkWebhookUrl(input.url, 'url', ctx.config.webhookAllowPrivate);
  const secret = generateSigningSecret();
  return ctx.transaction(async (trx) => {
    // Under the organization's lock, so concurrent registrations cannot pass the limit together (and a
    // caller demoted while waiting for it no longer may register).
    requireStanding((await lockAsCaller(trx, access)).standing, 'org:integrations');
    if ((await repo.countEndpoints(trx, access.org.id)) >= MAX_ENDPOINTS) {
      throw WebhookErrors.WEBHOOK_ENDPOINT_LIMIT({ limit: MAX_ENDPOINTS });
    }
    const row = await repo.insertEndpoint(trx, {
      id: uuidv7(),
      organizationId: access.org.id,
      url,
      description: input.description?.trim() || null,
      eventTypes: events,
      secret: seal(secret, ctx.config.secretsKey),
      createdBy: access.userId,
    });
    await recordAudit(trx, access.actor, {
      organizationId: access.org.id,
      action: 'webhook_endpoint.created',
      targetType: 'webhook_endpoint',
      targetId: row.id,
      data: { url, events },
    });
    return { ...serializeEndpoint(row), secret };
  });
}

export async function listEndpoints(ctx: Context, access: OrgAccess) {
  requireScope(access, 'org:integrations');
  return { data: (await repo.listEndpoints(ctx.db, access.org.id)).map(serializeEndpoint) };
}

export async function getEndpoint(ctx: Context, access: OrgAccess, id: string) {
  requireScope(access, 'org:integrations');
  return serializeEndpoint(await endpointOrThrow(ctx, access, id));
}

export async function updateEndpoint(
  ctx: Context,
  access: OrgAccess,
  id: string,
  input: { url?: string; events?: string[]; description?: string | null; enabled?: boolean },
) {
  requireScope(access, 'org:integrations');
  const patch: repo.EndpointPatch = {};
  if (input.events !== undefined) patch.event_types = checkEvents(input.events);
  if (input.url !== undefined)
    patch.url = await checkWebhookUrl(input.url, 'url', ctx.config.webhookAllowPrivate);
  if (input.description !== undefined) patch.description = input.description?.trim() || null;
  if (input.enabled === true) Object.assign(patch, { disabled_at: null, disabled_reason: null });
  if (input.enabled === false)
    Object.assign(patch, { disabled_at: new Date(), disabled_reason: 'disabled by an admin' });
  return ctx.transaction(async (trx) => {
    const before = await repo.findEndpoint(trx, access.org.id, id);
    if (!before) throw WebhookErrors.WEBHOOK_ENDPOINT_NOT_FOUND();
    // Disabling an endpoint that already is keeps its first reason and time.
    if (input.enabled === false && before.disabled_at) {
      delete patch.disabled_at;
      delete patch.disabled_reason;
    }
    const row = await repo.updateEndpoint(trx, access.org.id, id, patch);
    if (!row) throw WebhookErrors.WEBHOOK_ENDPOINT_NOT_FOUND();
    await recordAudit(trx, access.actor, {
      organizationId: access.org.id,
      action: 'webhook_endpoint.updated',
      targetType: 'webhook_endpoint',
      targetId: id,
      data: { fields: Object.keys(input) },
    });
    return serializeEndpoint(row);
  });
}

export async function rotateEndpointSecret(ctx: Context, access: OrgAccess, id: string) {
  requireScope(access, 'org:integrations');
  const secret = generateSigningSecret();
  return ctx.transaction(async (trx) => {
    const row = await repo.updateEndpoint(trx, access.org.id, id, {
      secret: seal(secret, ctx.config.secretsKey),
    });
    if (!row) throw WebhookErrors.WEBHOOK_ENDPOINT_NOT_FOUND();
    await recordAudit(trx, access.actor, {
      organizationId: access.org.id,
      action: 'webhook_endpoint.secret_rotated',
      targetType: 'webhook_endpoint',
      targetId: id,
    });
    return { secret };
  });
}

export async function deleteEndpoint(ctx: Context, access: OrgAccess, id: string) {
  requireScope(access, 'org:integrations');
  await ctx.transaction(async (trx) => {
    if (!(await repo.deleteEndpoint(trx, access.org.id, id)))
      throw WebhookErrors.WEBHOOK_ENDPOINT_NOT_FOUND();
    await recordAudit(trx, access.actor, {
      organizationId: access.org.id,
      action: 'webhook_endpoint.deleted',
      targetType: 'webhook_endpoint',
      targetId: id,
    });
  });
}

type AttemptRow = Awaited<ReturnType<typeof listAttempts>>[number];

export function serializeAttempt(a: AttemptRow) {
  return {
    id: String(a.id),
    deliveryId: a.message_id,
    // A message older than its log row (none since migration 0012) has the id derived from its own.
    webhookId: a.webhook_id ?? webhookId(a.message_id),
    eventType: a.event_type,
    attempt: a.attempt,
    status: a.succeeded ? ('succeeded' as const) : ('failed' as const),
    responseStatus: a.response_status,
    latencyMs: a.latency_ms,
    error: a.error,
    createdAt: a.created_at,
  };
}

const isAttemptId = (key: string) => /^[1-9]\d{0,18}$/.test(key);

/** The delivery log of one endpoint or app, newest first. */
export async function listAttemptsPage(
  ctx: Context,
  target: 'endpoint' | 'app',
  targetId: string,
  q: { limit: number; cursor?: string },
) {
  const beforeId = decodeCursor('d', q.cursor, isAttemptId);
  const rows = await listAttempts(ctx.db, { target, targetId, limit: q.limit, beforeId });
  return toPage(rows, q.limit, (r) => String(r.id), 'd', serializeAttempt);
}

export async function listEndpointDeliveries(
  ctx: Context,
  access: OrgAccess,
  id: string,
  q: { limit: number; cursor?: string },
) {
  requireScope(access, 'org:integrations');
  await endpointOrThrow(ctx, access, id);
  return listAttemptsPage(ctx, 'endpoint', id, q);
}

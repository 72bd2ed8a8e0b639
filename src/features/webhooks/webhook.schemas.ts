import { Type } from '@sinclair/typebox';
import { PageQuery, pageEnvelope } from '../../lib/pagination.ts';
import { NullableTimestamp, Timestamp, Uuid } from '../../lib/schemas.ts';
import { EVENT_TYPES, isSubscribable } from '../events/event-types.ts';

const Url = Type.String({
  minLength: 1,
  maxLength: 2048,
  description: 'http(s) URL that receives the POSTs',
});
// Checked by the service, so an unknown type answers UNKNOWN_EVENT_TYPE naming the entry.
const Events = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
  minItems: 1,
  maxItems: 50,
  uniqueItems: true,
  description: `Event types to receive: ${EVENT_TYPES.filter(isSubscribable).join(', ')}; or \`["*"]\`, every event type, including those added later (\`*\` stands alone: EVENT_WILDCARD_NOT_ALONE).`,
});
const Description = Type.String({ maxLength: 500 });

export const WebhookEndpoint = Type.Object(
  {
    id: Uuid,
    url: Type.String(),
    description: Type.Union([Type.String(), Type.Null()]),
    events: Type.Array(Type.String(), {
      description: '`["*"]`: every event type, including those added later.',
    }),
    enabled: Type.Boolean({ description: 'False once disabled (by an admin, or after sustained failure).' }),
    disabledAt: NullableTimestamp,
    disabledReason: Type.Union([Type.String(), Type.Null()]),
    lastSuccessAt: NullableTimestamp,
    lastFailureAt: NullableTimestamp,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'WebhookEndpoint' },
);

export const CreatedWebhookEndpoint = Type.Intersect([
  Type.Unsafe({ $ref: 'WebhookEndpoint#' }),
  Type.Object({
    secret: Type.String({ description: 'The signing secret (`whsec_…`), shown this once.' }),
  }),
]);

export const CreateEndpointBody = Type.Object(
  { url: Url, events: Events, description: Type.Optional(Description) },
  { additionalProperties: false },
);

export const UpdateEndpointBody = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Events),
    description: Type.Optional(Type.Union([Description, Type.Null()])),
    enabled: Type.Optional(Type.Boolean({ description: 'true re-enables a disabled endpoint.' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const EndpointParams = Type.Object({
  org: Type.String({ minLength: 1, maxLength: 64 }),
  id: Type.String({ format: 'uuid' }),
});

export const SigningSecret = Type.Object({
  secret: Type.String({ description: 'The new signing secret (`whsec_…`), shown this once.' }),
});

export const DeliveryAttempt = Type.Object({
  id: Type.String(),
  deliveryId: Type.String({
    format: 'uuid',
    description:
      "The message this attempt delivers: read it (payload, every attempt's answer) at `…/deliveries/{deliveryId}`.",
  }),
  webhookId: Type.String({ description: 'The `webhook-id` header: the same on every attempt of a message.' }),
  eventType: Type.String(),
  attempt: Type.Integer({ minimum: 1 }),
  status: Type.Union([Type.Literal('succeeded'), Type.Literal('failed')]),
  responseStatus: Type.Union([Type.Integer(), Type.Null()]),
  latencyMs: Type.Integer(),
  error: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
});

export const DeliveryPage = pageEnvelope(DeliveryAttempt);

export const DeliveryQuery = Type.Object({ ...PageQuery }, { additionalProperties: false });

export const EventTypeList = Type.Object({
  data: Type.Array(
    Type.Object({
      type: Type.String(),
      description: Type.String(),
      subscribable: Type.Boolean({
        description: 'False for a type sent on request only (`webhook.test`), which `events` cannot name.',
      }),
    }),
  ),
});

export const DeliveryParams = Type.Object({
  org: Type.String({ minLength: 1, maxLength: 64 }),
  id: Type.String({ format: 'uuid' }),
  deliveryId: Type.String({ format: 'uuid' }),
});

export const AppDeliveryParams = Type.Object({
  org: Type.String({ minLength: 1, maxLength: 64 }),
  slug: Type.String({ minLength: 1, maxLength: 64, description: "The app's slug" }),
  deliveryId: Type.String({ format: 'uuid' }),
});

const DeliveryStatus = Type.Union(
  [Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')],
  {
    description:
      '`pending`: waiting for its first attempt or its next retry; `succeeded`: a 2xx answer acknowledged it; `failed`: given up (every attempt failed, or the endpoint was deleted or disabled).',
  },
);

/** One webhook message as the delivery log keeps it: what was sent, and every answer. */
export const WebhookDelivery = Type.Object(
  {
    id: Uuid,
    webhookId: Type.String({
      description: 'The `webhook-id` header: the same on every attempt, and on every replay of the message.',
    }),
    replayOf: Type.Union([Uuid, Type.Null()], { description: 'The delivery this one sends again.' }),
    eventId: Uuid,
    eventType: Type.String(),
    status: DeliveryStatus,
    nextAttemptAt: Type.Union([Timestamp, Type.Null()], { description: 'When pending: the next attempt.' }),
    createdAt: Timestamp,
    payload: Type.Union([Type.String(), Type.Null()], {
      description:
        'The body as sent (the signed bytes), less the fields `redacted` names; null once past the 30-day retention.',
    }),
    payloadKeptUntil: Timestamp,
    redacted: Type.Array(Type.String(), {
      description:
        'Fields the body had that are never kept, as dotted paths (`data.code`: the grant code of an app’s `installation.created`).',
    }),
    replayRefusal: Type.Union([Type.String(), Type.Null()], {
      description:
        'Null when a replay may be sent now; otherwise the error code a replay would answer (WEBHOOK_DELIVERY_PENDING, WEBHOOK_DELIVERY_SUCCEEDED, WEBHOOK_DELIVERY_REDACTED, WEBHOOK_DELIVERY_EXPIRED, WEBHOOK_ENDPOINT_DISABLED).',
    }),
    attempts: Type.Array(
      Type.Object({
        id: Type.String(),
        attempt: Type.Integer({ minimum: 1 }),
        status: Type.Union([Type.Literal('succeeded'), Type.Literal('failed')]),
        responseStatus: Type.Union([Type.Integer(), Type.Null()]),
        responseBody: Type.Union([Type.String(), Type.Null()], {
          description:
            "The first 2 KB of the receiver's answer (as UTF-8 text); null when it never answered, and once past the 30-day retention.",
        }),
        latencyMs: Type.Integer(),
        error: Type.Union([Type.String(), Type.Null()]),
        createdAt: Timestamp,
      }),
      { description: 'Oldest first.' },
    ),
  },
  { $id: 'WebhookDelivery' },
);

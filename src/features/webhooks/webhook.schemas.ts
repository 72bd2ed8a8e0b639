import { Type } from '@sinclair/typebox';
import { PageQuery, pageEnvelope } from '../../lib/pagination.ts';
import { NullableTimestamp, Timestamp, Uuid } from '../../lib/schemas.ts';
import { EVENT_TYPES } from '../events/event-types.ts';

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
  description: `Event types to receive: ${EVENT_TYPES.join(', ')}`,
});
const Description = Type.String({ maxLength: 500 });

export const WebhookEndpoint = Type.Object(
  {
    id: Uuid,
    url: Type.String(),
    description: Type.Union([Type.String(), Type.Null()]),
    events: Type.Array(Type.String()),
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
  data: Type.Array(Type.Object({ type: Type.String(), description: Type.String() })),
});

import { Type } from '@sinclair/typebox';
import { PageQuery, pageEnvelope } from '../../lib/pagination.ts';
import { Timestamp, Uuid } from '../../lib/schemas.ts';
import { RoleSchema } from '../organizations/organization.schemas.ts';

export const JoinRequest = Type.Object(
  {
    id: Uuid,
    kind: Type.Union([Type.Literal('user'), Type.Literal('email')], {
      description: "'user': a signed-in user's pending membership; 'email': an anonymous request by email.",
    }),
    userId: Type.Union([Uuid, Type.Null()]),
    email: Type.String(),
    name: Type.Union([Type.String(), Type.Null()]),
    createdAt: Timestamp,
  },
  { $id: 'JoinRequest' },
);

export const JoinRequestPage = pageEnvelope(Type.Unsafe({ $ref: 'JoinRequest#' }));

export const ListJoinRequestsQuery = Type.Object({ ...PageQuery }, { additionalProperties: false });

export const JoinRequestParams = Type.Object({
  org: Type.String({ minLength: 1, maxLength: 64 }),
  id: Uuid,
});

export const ApproveBody = Type.Object(
  { role: Type.Optional(RoleSchema) },
  { additionalProperties: false, description: "The role to admit with; 'member' when left out." },
);

export const AskBody = Type.Object(
  { email: Type.Optional(Type.String({ maxLength: 254, description: 'Ask by email, without an account' })) },
  { additionalProperties: false },
);

export const Received = Type.Object(
  { status: Type.Literal('received'), message: Type.String() },
  { description: 'The same answer whatever the state of the address.' },
);

export const MyJoinRequest = Type.Object(
  {
    id: Uuid,
    organization: Type.Object({ id: Uuid, slug: Type.String(), name: Type.String() }),
    status: Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')], {
      description:
        "'pending': waiting for an admin (withdraw it with DELETE /v1/me/memberships/{id}); 'approved': you are a member; 'rejected': an admin declined it.",
    }),
    requestedAt: Timestamp,
    answeredAt: Type.Union([Timestamp, Type.Null()], { description: 'null while it waits' }),
    dismissedAt: Type.Union([Timestamp, Type.Null()], {
      description: 'When you dismissed the news of the answer (POST …/dismiss); null while it is news.',
    }),
  },
  { $id: 'MyJoinRequest' },
);

export const MyJoinRequestList = Type.Object({
  data: Type.Array(Type.Unsafe({ $ref: 'MyJoinRequest#' }), {
    description:
      'Waiting requests first (newest first), then those answered in the last 30 days (newest answer first).',
  }),
});

export const MyJoinRequestParams = Type.Object({ id: Uuid });

export const JoinPage = Type.Object(
  {
    slug: Type.String(),
    name: Type.Union([Type.String(), Type.Null()], {
      description: "The organization's name when it takes requests to join; null otherwise.",
    }),
    acceptsJoinRequests: Type.Boolean({
      description:
        'Whether the organization takes requests to join (false when they are off, or sign-in goes through its identity provider).',
    }),
  },
  { $id: 'JoinPage', description: 'What the public join page shows of an organization, and no more.' },
);

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

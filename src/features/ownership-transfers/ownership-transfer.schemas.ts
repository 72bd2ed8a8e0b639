import { Type } from '@sinclair/typebox';
import { NullableTimestamp, Timestamp, Uuid } from '../../lib/schemas.ts';

const Person = Type.Object({ userId: Uuid, name: Type.String(), email: Type.String() });

export const OwnershipTransfer = Type.Object(
  {
    id: Uuid,
    organization: Type.Object({ id: Uuid, slug: Type.String(), name: Type.String() }),
    from: Person,
    to: Person,
    keepOwner: Type.Boolean({
      description: 'The proposer stays an owner; otherwise they become an admin when the member accepts',
    }),
    status: Type.Union(
      (['pending', 'accepted', 'declined', 'cancelled', 'expired'] as const).map((s) => Type.Literal(s)),
    ),
    createdAt: Timestamp,
    expiresAt: Timestamp,
    answeredAt: NullableTimestamp,
  },
  { $id: 'OwnershipTransfer' },
);

export const ProposeTransferBody = Type.Object(
  {
    userId: Uuid,
    keepOwner: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);

export const TransferParams = Type.Object({
  org: Type.String({ minLength: 1, maxLength: 64, description: 'Organization id or slug' }),
  id: Uuid,
});

export const MyTransferParams = Type.Object({ id: Uuid });

import { Type } from '@sinclair/typebox';
import { Uuid } from '../../lib/schemas.ts';
import { MembershipStatus } from '../members/member.schemas.ts';
import { RoleSchema } from '../organizations/organization.schemas.ts';

export const SearchQuery = Type.Object(
  { email: Type.String({ minLength: 1, maxLength: 254, description: 'The exact email address' }) },
  { additionalProperties: false },
);

export const UserProfile = Type.Object({
  id: Uuid,
  email: Type.String(),
  name: Type.String(),
  membership: Type.Union(
    [Type.Object({ status: MembershipStatus, role: RoleSchema, source: Type.String() }), Type.Null()],
    { description: "The user's membership in this organization, if any." },
  ),
});

export const AddMemberBody = Type.Object(
  {
    userId: Type.Optional(Uuid),
    email: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
    role: RoleSchema,
  },
  { additionalProperties: false, description: 'Exactly one of userId or email.' },
);

export const MembershipParams = Type.Object({ id: Uuid });

export const AcceptedMembership = Type.Object({
  id: Uuid,
  role: RoleSchema,
  status: MembershipStatus,
  source: Type.String(),
  organization: Type.Object({ id: Uuid, slug: Type.String(), name: Type.String() }),
});

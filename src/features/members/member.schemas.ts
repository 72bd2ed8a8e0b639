import { Type } from '@sinclair/typebox';
import { PageQuery, pageEnvelope } from '../../lib/pagination.ts';
import { NullableTimestamp, Timestamp, Uuid } from '../../lib/schemas.ts';
import { CHECK_REASONS, MAX_BATCH_CHECKS } from '../access/permission-check.ts';
import { RoleSchema, ScopeSchema } from '../organizations/organization.schemas.ts';

export const MembershipStatus = Type.Union([Type.Literal('active'), Type.Literal('pending')]);
/** What a permission answer says of a membership: `expired` once its `expiresAt` has passed (before the sweep). */
const AnsweredStatus = Type.Union([Type.Literal('active'), Type.Literal('pending'), Type.Literal('expired')]);
export const MembershipSource = Type.Union(
  (['created_org', 'invitation', 'join_request', 'owner_add', 'join_link', 'domain'] as const).map((s) =>
    Type.Literal(s),
  ),
);

export const Member = Type.Object(
  {
    id: Uuid,
    userId: Uuid,
    email: Type.String(),
    name: Type.String(),
    role: RoleSchema,
    status: MembershipStatus,
    source: MembershipSource,
    addedBy: Type.Union([Uuid, Type.Null()]),
    createdAt: Timestamp,
    joinedAt: NullableTimestamp,
    expiresAt: Type.Union([Timestamp, Type.Null()], {
      description: 'When the membership ends on its own (guests, contractors); null: it does not',
    }),
  },
  { $id: 'Member' },
);

export const MemberPage = pageEnvelope(Type.Unsafe({ $ref: 'Member#' }));

export const ListMembersQuery = Type.Object(
  {
    ...PageQuery,
    role: Type.Optional(RoleSchema),
    status: Type.Optional(MembershipStatus),
    source: Type.Optional(MembershipSource),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 254, description: 'Email or name prefix' })),
  },
  { additionalProperties: false },
);

export const MemberParams = Type.Object({
  org: Type.String({ minLength: 1, maxLength: 64 }),
  userId: Type.String({ format: 'uuid' }),
});

export const ChangeMemberBody = Type.Object(
  {
    role: Type.Optional(RoleSchema),
    expiresAt: Type.Optional(
      Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
        description:
          'When the membership ends on its own (in the future; never for an owner); null: it no longer does',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const Permissions = Type.Object({
  status: AnsweredStatus,
  role: RoleSchema,
  scopes: Type.Array(ScopeSchema, {
    description:
      'What the member may do; empty while the membership is pending, once it has expired, and while the organization requires a second factor the member has not set up.',
  }),
  mfa: Type.Optional(
    Type.Object(
      { required: Type.Literal(true), enrolled: Type.Boolean() },
      {
        description:
          'Present when the organization requires a second factor: whether the member has one (an authenticator app or a passkey). Without one, scopes is empty.',
      },
    ),
  ),
});

export const PermissionChecksBody = Type.Object(
  {
    checks: Type.Array(
      Type.Object(
        {
          organization: Type.String({ minLength: 1, maxLength: 64, description: 'Organization id or slug' }),
          user: Uuid,
          scope: ScopeSchema,
        },
        { additionalProperties: false },
      ),
      {
        minItems: 1,
        maxItems: MAX_BATCH_CHECKS,
        description: `Up to ${MAX_BATCH_CHECKS} questions, answered in this order.`,
      },
    ),
    explain: Type.Optional(
      Type.Boolean({ description: 'Say why each question was answered as it was. Default false.' }),
    ),
  },
  { additionalProperties: false },
);

export const PermissionCheckResults = Type.Object({
  results: Type.Array(
    Type.Object({
      organization: Type.String(),
      user: Uuid,
      scope: ScopeSchema,
      allowed: Type.Boolean(),
      explanation: Type.Optional(
        Type.Object({
          reason: Type.Union(
            CHECK_REASONS.map((r) => Type.Literal(r)),
            {
              description:
                'granted: an active member whose role holds the scope; scope_not_granted: the role does not; membership_pending: not a member until they accept; expired: the membership is past its expiresAt; mfa_required: the organization requires a second factor the member has not set up; not_a_member; organization_not_found: no such organization, or not one this caller may see (an app sees only the organization that installed it).',
            },
          ),
          status: Type.Union([AnsweredStatus, Type.Null()]),
          role: Type.Union([RoleSchema, Type.Null()]),
        }),
      ),
    }),
  ),
});

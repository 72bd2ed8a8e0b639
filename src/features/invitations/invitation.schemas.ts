import { Type } from '@sinclair/typebox';
import { PageQuery, pageEnvelope } from '../../lib/pagination.ts';
import { NullableTimestamp, ref, Timestamp, Uuid } from '../../lib/schemas.ts';
import { RoleSchema } from '../organizations/organization.schemas.ts';
import { MAX_MESSAGE_LENGTH } from './invitation.service.ts';

const NullableUuid = Type.Union([Uuid, Type.Null()]);

export const INVITATION_STATUSES = ['pending', 'accepted', 'expired', 'revoked'] as const;

export const InvitationStatus = Type.Union(
  INVITATION_STATUSES.map((s) => Type.Literal(s)),
  { description: '`expired` as soon as `expiresAt` passes, whether or not the sweep has stored it yet' },
);
export const InvitationApproval = Type.Union(
  (['approved', 'requested_to_join', 'requested_to_be_invited'] as const).map((s) => Type.Literal(s)),
);

export const Invitation = Type.Object(
  {
    id: Uuid,
    organizationId: Uuid,
    email: Type.String(),
    role: RoleSchema,
    message: Type.Union([Type.String(), Type.Null()]),
    status: InvitationStatus,
    approval: InvitationApproval,
    invitedBy: Type.Union([Uuid, Type.Null()], { description: 'The inviting (or requesting) user' }),
    inviterName: Type.Union([Type.String(), Type.Null()]),
    invitedByApiKey: Type.Union([Uuid, Type.Null()], { description: 'Set when an API key invited' }),
    approvedBy: NullableUuid,
    approvedAt: NullableTimestamp,
    expiresAt: Type.Union([Timestamp, Type.Null()], { description: 'null until approved' }),
    membershipExpiresAt: Type.Union([Timestamp, Type.Null()], {
      description: 'When the membership accepting gives ends on its own; null: it does not',
    }),
    lastSentAt: NullableTimestamp,
    sendCount: Type.Integer(),
    acceptedAt: NullableTimestamp,
    acceptedBy: NullableUuid,
    revokedAt: NullableTimestamp,
    revokedBy: Type.Union([Type.String(), Type.Null()], { description: 'user or API key id' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'Invitation' },
);

const AcceptUrl = Type.String({
  description:
    'The invitation link (`PUBLIC_URL/invitations/accept?token=…`), shown this once for copy-link: only a hash of its token is stored.',
});

const Message = Type.String({
  maxLength: MAX_MESSAGE_LENGTH,
  description: 'A personal note shown in the email',
});
const Email = Type.String({ minLength: 1, maxLength: 320 });

const MembershipExpiresAt = Type.String({
  format: 'date-time',
  description:
    'When the membership accepting gives ends on its own (guests, contractors): in the future, never for an owner',
});

export const CreateInvitationBody = Type.Object(
  {
    email: Email,
    role: Type.Optional({ ...RoleSchema, default: 'member' }),
    message: Type.Optional(Message),
    membershipExpiresAt: Type.Optional(MembershipExpiresAt),
  },
  { additionalProperties: false },
);

export const BulkInvitationBody = Type.Object(
  {
    emails: Type.Array(Type.String({ maxLength: 1000 }), {
      minItems: 1,
      maxItems: 1000,
      description: 'Up to 1,000 addresses; each is judged on its own',
    }),
    role: Type.Optional({ ...RoleSchema, default: 'member' }),
    message: Type.Optional(Message),
    membershipExpiresAt: Type.Optional(MembershipExpiresAt),
  },
  { additionalProperties: false },
);

export const CreatedInvitation = Type.Object({ invitation: ref(Invitation), acceptUrl: AcceptUrl });

export const ResentInvitation = Type.Object({
  invitation: ref(Invitation),
  acceptUrl: AcceptUrl,
  revokedLinks: Type.Integer({
    minimum: 0,
    description:
      'How many links stopped working: every link the invitation had (the emailed one and any copy-links); only the new one, just emailed, works now.',
  }),
});

export const InvitationLink = Type.Object({
  id: Uuid,
  kind: Type.Union([Type.Literal('email'), Type.Literal('copy')], {
    description: "'email': sent in the invitation email; 'copy': made for an admin to share.",
  }),
  createdAt: Timestamp,
  createdBy: Type.Union([Uuid, Type.Null()], {
    description: 'The user who made it (null: an API key, the operator)',
  }),
  createdByName: Type.Union([Type.String(), Type.Null()]),
  live: Type.Boolean({ description: 'Works now: true while the invitation is pending.' }),
});

export const CopyLink = Type.Object({
  invitation: ref(Invitation),
  acceptUrl: AcceptUrl,
  link: InvitationLink,
  liveLinks: Type.Integer({
    minimum: 1,
    description: 'Links of this invitation that work now, this one included (the emailed one among them).',
  }),
});

export const InvitationLinks = Type.Object({
  data: Type.Array(InvitationLink, { description: 'Oldest first; never a token.' }),
});
export const RequestedInvitation = Type.Object({ invitation: ref(Invitation) });

export const BulkResult = Type.Object({
  created: Type.Integer(),
  failed: Type.Integer(),
  results: Type.Array(
    Type.Object({
      input: Type.String({ description: 'The address as sent' }),
      email: Type.Union([Type.String(), Type.Null()], { description: 'Normalized; null when malformed' }),
      status: Type.Union([Type.Literal('created'), Type.Literal('failed')]),
      invitationId: Type.Optional(Uuid),
      acceptUrl: Type.Optional(AcceptUrl),
      error: Type.Optional(
        Type.Object({
          code: Type.String({
            description:
              'INVALID_EMAIL, DUPLICATE_EMAIL, INVITATION_EXISTS, ALREADY_MEMBER or MEMBER_LIMIT_REACHED',
          }),
          message: Type.String(),
        }),
      ),
    }),
    { description: 'One per address sent, in order' },
  ),
});

const page = pageEnvelope(Type.Unsafe({ $ref: 'Invitation#' }));
export const InvitationPage = Type.Object({
  data: page.properties.data,
  nextCursor: page.properties.nextCursor,
  counts: Type.Object(
    { pending: Type.Integer(), accepted: Type.Integer(), expired: Type.Integer(), revoked: Type.Integer() },
    { description: 'Per status, over the filters other than `status`' },
  ),
});

export const ListInvitationsQuery = Type.Object(
  {
    ...PageQuery,
    status: Type.Optional(InvitationStatus),
    approval: Type.Optional(InvitationApproval),
    email: Type.Optional(Type.String({ minLength: 1, maxLength: 320, description: 'Exact address' })),
    invitedBy: Type.Optional(Type.String({ format: 'uuid', description: 'Inviting user id' })),
  },
  { additionalProperties: false },
);

export const InvitationParams = Type.Object({
  org: Type.String({ minLength: 1, maxLength: 64 }),
  id: Type.String({ format: 'uuid' }),
});

export const TokenParams = Type.Object({
  token: Type.String({ minLength: 1, maxLength: 200, description: 'The token of the invitation link' }),
});

export const AcceptBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

export const TokenCheck = Type.Object({
  valid: Type.Boolean(),
  reason: Type.Optional(
    Type.Union(
      (['expired', 'revoked', 'accepted', 'not_found'] as const).map((r) => Type.Literal(r)),
      {
        description: 'Why the link cannot be used (only when `valid` is false)',
      },
    ),
  ),
  organization: Type.Optional(Type.Object({ name: Type.String(), slug: Type.String() })),
  inviter: Type.Optional(Type.Union([Type.Object({ name: Type.String() }), Type.Null()])),
  email: Type.Optional(
    Type.String({ description: 'The invited address (the account to sign in or up with)' }),
  ),
  role: Type.Optional(RoleSchema),
  expiresAt: Type.Optional(Timestamp),
  message: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});

export const AcceptResult = Type.Object({
  organization: Type.Object({ id: Uuid, slug: Type.String(), name: Type.String() }),
  membership: Type.Object({
    id: Uuid,
    role: RoleSchema,
    status: Type.Literal('active'),
    joinedAt: Timestamp,
  }),
  invitationId: Uuid,
});

export const MyInvitation = Type.Object({
  kind: Type.Union([Type.Literal('invitation'), Type.Literal('owner_add')], {
    description:
      "'invitation': an email invitation to your verified address; 'owner_add': an admin added you.",
  }),
  id: Type.String({ format: 'uuid', description: 'The invitation id, or the pending membership id' }),
  organization: Type.Object({
    id: Type.String({ format: 'uuid' }),
    slug: Type.String(),
    name: Type.String(),
  }),
  role: RoleSchema,
  invitedBy: Type.Union([Type.String(), Type.Null()], { description: "The inviter's or adder's name" }),
  message: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  expiresAt: NullableTimestamp,
});

export const MyInvitations = Type.Object({ data: Type.Array(MyInvitation) });

export const MyInvitationParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

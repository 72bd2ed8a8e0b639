import { Type } from '@sinclair/typebox';
import { PageQuery, pageEnvelope } from '../../lib/pagination.ts';
import { NullableTimestamp, ref, Timestamp, Uuid } from '../../lib/schemas.ts';
import { ROLE_KEY_PATTERN } from '../access/scopes.ts';
import { Member } from '../members/member.schemas.ts';

const LinkRole = Type.String({
  pattern: ROLE_KEY_PATTERN,
  description:
    "The role a use gives: admin, member or one of the organization's own roles, within your own scopes (never owner)",
});

const LinkState = Type.Union(
  (['active', 'revoked', 'expired', 'used_up'] as const).map((s) => Type.Literal(s)),
  { description: '`active` admits; the others say why the link no longer does' },
);

export const JoinLink = Type.Object(
  {
    id: Uuid,
    label: Type.Union([Type.String(), Type.Null()]),
    role: LinkRole,
    requireApproval: Type.Boolean({
      description: 'A use asks to join (the join-request queue) instead of joining at once',
    }),
    allowedDomains: Type.Array(Type.String(), {
      description: 'Only people whose verified email is at one of these domains may use it; empty: anyone',
    }),
    maxUses: Type.Union([Type.Integer(), Type.Null()]),
    uses: Type.Integer(),
    expiresAt: NullableTimestamp,
    state: LinkState,
    createdAt: Timestamp,
    createdBy: Type.Union([Uuid, Type.Null()]),
    createdByName: Type.Union([Type.String(), Type.Null()]),
    rotatedAt: NullableTimestamp,
    revokedAt: NullableTimestamp,
  },
  { $id: 'JoinLink' },
);

export const CreateJoinLinkBody = Type.Object(
  {
    role: Type.Optional(LinkRole),
    label: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'What the link is for, shown to admins only',
      }),
    ),
    expiresAt: Type.Optional(Type.String({ format: 'date-time', description: 'When it stops admitting' })),
    maxUses: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    allowedDomains: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 254 }), {
        maxItems: 20,
        description: 'Email domains (example.com) a user must have a verified address at',
      }),
    ),
    requireApproval: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);

export const IssuedJoinLink = Type.Object({
  link: ref(JoinLink),
  url: Type.String({
    description: 'The link to share (`PUBLIC_URL/join-link#<token>`): shown this once, only a hash is kept',
  }),
  token: Type.String({ description: 'The token alone (`rj_…`), for the API routes under /v1/join-links' }),
});

export const JoinLinkPage = pageEnvelope(ref(JoinLink));

export const ListJoinLinksQuery = Type.Object(PageQuery, { additionalProperties: false });

export const JoinLinkParams = Type.Object({
  org: Type.String({ minLength: 1, maxLength: 64, description: 'Organization id or slug' }),
  id: Uuid,
});

export const JoinLinkTokenParams = Type.Object({
  token: Type.String({ minLength: 1, maxLength: 200, description: 'The token of the join link (`rj_…`)' }),
});

export const JoinLinkTokenBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

export const JoinLinkPreview = Type.Object({
  valid: Type.Boolean(),
  reason: Type.Optional(
    Type.Union(
      (['not_found', 'revoked', 'expired', 'used_up', 'sso_required'] as const).map((r) => Type.Literal(r)),
      { description: 'Why the link admits no one (only when `valid` is false)' },
    ),
  ),
  organization: Type.Optional(Type.Object({ name: Type.String(), slug: Type.String() })),
  role: Type.Optional(LinkRole),
  requireApproval: Type.Optional(Type.Boolean()),
  expiresAt: Type.Optional(NullableTimestamp),
  allowedDomains: Type.Optional(Type.Array(Type.String())),
});

export const JoinLinkUse = Type.Object({
  organization: Type.Object({ id: Uuid, slug: Type.String(), name: Type.String() }),
  membership: ref(Member),
  linkId: Uuid,
});

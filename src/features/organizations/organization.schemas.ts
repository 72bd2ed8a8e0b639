import { Type } from '@sinclair/typebox';
import { Timestamp, Uuid } from '../../lib/schemas.ts';
import { ROLE_KEY_PATTERN, type Role, SCOPES, type Scope } from '../access/scopes.ts';

export const RoleSchema = Type.String({
  pattern: ROLE_KEY_PATTERN,
  description:
    "A built-in role (owner, admin, member) or the key of one of the organization's own roles (GET …/roles)",
});

export const ScopeSchema = Type.Union(SCOPES.map((s) => Type.Literal(s)));

const settings = {
  memberLimit: Type.Union([Type.Integer({ minimum: 1, maximum: 1_000_000 }), Type.Null()], {
    description: 'Seats: active members plus pending invitations; null = unlimited.',
  }),
  joinRequestsEnabled: Type.Boolean({ description: 'Whether anyone may ask to join.' }),
  ssoEnforced: Type.Boolean({ description: 'Sign-in goes through the identity provider; no join requests.' }),
  mfaRequired: Type.Boolean({
    description:
      'Members must have a second factor (authenticator app or passkey); without one they get 403 MFA_REQUIRED on everything but reading the organization and leaving it.',
  }),
  inviteVerifiedDomainsOnly: Type.Boolean({
    description:
      "Invitations go only to addresses at the organization's verified domains (others: INVITATION_DOMAIN_NOT_ALLOWED).",
  }),
  inviteExpiryDays: Type.Integer({
    minimum: 1,
    maximum: 365,
    description: 'Days an invitation stays valid.',
  }),
};

export const Organization = Type.Object(
  {
    id: Uuid,
    slug: Type.String(),
    name: Type.String(),
    ...settings,
    createdAt: Timestamp,
    updatedAt: Timestamp,
    viewer: Type.Object(
      {
        role: Type.Union([RoleSchema, Type.Null()], { description: 'null for an API key' }),
        scopes: Type.Array(ScopeSchema),
        mfa: Type.Optional(
          Type.Object(
            { required: Type.Literal(true), enrolled: Type.Boolean() },
            {
              description:
                'Present when the organization requires a second factor and the viewer is a person: enrolled false means scopes is empty until they set one up (/v1/me/mfa).',
            },
          ),
        ),
      },
      { description: "The caller's standing in the organization." },
    ),
  },
  { $id: 'Organization' },
);

const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' });
// The shape is checked by the service (`checkSlug`), so every malformed slug answers INVALID_SLUG.
const Slug = Type.String({
  description: '2–48 of a-z, 0-9 and single hyphens (`^[a-z0-9]+(-[a-z0-9]+)*$`); not a UUID',
});

export const CreateOrganizationBody = Type.Object(
  { name: Name, slug: Type.Optional(Slug) },
  { additionalProperties: false },
);

export const UpdateOrganizationBody = Type.Object(
  {
    name: Type.Optional(Name),
    slug: Type.Optional(Slug),
    memberLimit: Type.Optional(settings.memberLimit),
    joinRequestsEnabled: Type.Optional(settings.joinRequestsEnabled),
    ssoEnforced: Type.Optional(settings.ssoEnforced),
    mfaRequired: Type.Optional(settings.mfaRequired),
    inviteExpiryDays: Type.Optional(settings.inviteExpiryDays),
    inviteVerifiedDomainsOnly: Type.Optional(settings.inviteVerifiedDomainsOnly),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const OrgParams = Type.Object({
  org: Type.String({ minLength: 1, maxLength: 64, description: 'Organization id or slug' }),
});

export const MyOrganization = Type.Object({
  organization: Type.Object({
    id: Uuid,
    slug: Type.String(),
    name: Type.String(),
    mfaRequired: Type.Boolean(),
  }),
  membershipId: Uuid,
  role: RoleSchema,
  status: Type.Union([Type.Literal('active'), Type.Literal('pending')]),
  source: Type.String(),
  joinedAt: Type.Union([Timestamp, Type.Null()]),
});

type OrgRow = {
  id: string;
  slug: string;
  name: string;
  member_limit: number | null;
  join_requests_enabled: boolean;
  sso_enforced: boolean;
  mfa_required: boolean;
  invite_expiry_days: number;
  invite_verified_domains_only: boolean;
  created_at: Date;
  updated_at: Date;
  viewer: { role: Role | null; scopes: Scope[]; mfa?: { required: true; enrolled: boolean } };
};

export function serializeOrganization(o: OrgRow) {
  return {
    id: o.id,
    slug: o.slug,
    name: o.name,
    memberLimit: o.member_limit,
    joinRequestsEnabled: o.join_requests_enabled,
    ssoEnforced: o.sso_enforced,
    mfaRequired: o.mfa_required,
    inviteExpiryDays: o.invite_expiry_days,
    inviteVerifiedDomainsOnly: o.invite_verified_domains_only,
    createdAt: o.created_at,
    updatedAt: o.updated_at,
    viewer: o.viewer,
  };
}

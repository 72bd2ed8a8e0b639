import { Type } from '@sinclair/typebox';
import { NullableTimestamp } from '../../lib/schemas.ts';
import { CUSTOM_ROLE_SCOPES, ROLE_KEY_PATTERN } from '../access/scopes.ts';
import { OrgParams, RoleSchema, ScopeSchema } from '../organizations/organization.schemas.ts';

/** The most roles of its own an organization may define. */
export const MAX_ORG_ROLES = 50;

const CustomRoleKey = Type.String({
  pattern: ROLE_KEY_PATTERN,
  description:
    'Lowercase letters, digits, - and _, 2–40 characters, starting with a letter; not owner, admin or member',
});
const RoleName = Type.String({ minLength: 1, maxLength: 80 });
const RoleDescription = Type.String({ maxLength: 500 });
const RoleScopes = Type.Array(Type.Union(CUSTOM_ROLE_SCOPES.map((s) => Type.Literal(s))), {
  minItems: 1,
  maxItems: CUSTOM_ROLE_SCOPES.length,
  uniqueItems: true,
  description:
    'Scopes from the catalog, all within your own; never org:delete (only owners delete an organization)',
});

export const OrgRole = Type.Object(
  {
    key: RoleSchema,
    name: Type.String(),
    description: Type.String(),
    scopes: Type.Array(ScopeSchema),
    builtIn: Type.Boolean({
      description: 'owner, admin and member: every organization has them, unchangeable',
    }),
    memberCount: Type.Union([Type.Integer(), Type.Null()], {
      description:
        "How many members (active or pending) hold one of the organization's own roles; null for a built-in role",
    }),
    createdAt: NullableTimestamp,
    updatedAt: NullableTimestamp,
  },
  { $id: 'OrgRole' },
);

export const RoleParams = Type.Object({
  ...OrgParams.properties,
  key: Type.String({ minLength: 1, maxLength: 40 }),
});

export const CreateRoleBody = Type.Object(
  {
    key: CustomRoleKey,
    name: RoleName,
    description: Type.Optional(RoleDescription),
    scopes: RoleScopes,
  },
  { additionalProperties: false },
);

export const UpdateRoleBody = Type.Object(
  {
    name: Type.Optional(RoleName),
    description: Type.Optional(RoleDescription),
    scopes: Type.Optional(RoleScopes),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const DeleteRoleQuery = Type.Object(
  {
    replaceWith: Type.Optional({
      ...RoleSchema,
      description:
        'The role to move its members, pending invitations and live join links to (not owner); needed while anything holds the role',
    }),
  },
  { additionalProperties: false },
);

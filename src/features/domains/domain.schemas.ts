import { Type } from '@sinclair/typebox';
import { NullableTimestamp, Timestamp, Uuid } from '../../lib/schemas.ts';
import { OrgParams, RoleSchema } from '../organizations/organization.schemas.ts';

const Policy = Type.Union(
  (['off', 'suggest', 'auto_join'] as const).map((p) => Type.Literal(p)),
  {
    description:
      '`suggest`: people with a verified email at the domain see the organization and may ask to join; `auto_join`: they join with `role` when their email is verified (a request to join when the organization is full)',
  },
);

export const OrgDomain = Type.Object(
  {
    id: Uuid,
    domain: Type.String(),
    status: Type.Union(
      (['pending', 'verified', 'record_missing'] as const).map((s) => Type.Literal(s)),
      {
        description:
          '`record_missing`: verified, but the last re-check did not find the record; its policy is on hold',
      },
    ),
    record: Type.Object(
      { type: Type.Literal('TXT'), name: Type.String(), value: Type.String() },
      { description: 'The DNS record to publish' },
    ),
    policy: Policy,
    role: RoleSchema,
    verifiedAt: NullableTimestamp,
    lastCheckedAt: NullableTimestamp,
    recordMissingSince: NullableTimestamp,
    createdAt: Timestamp,
  },
  { $id: 'OrgDomain' },
);

export const DomainParams = Type.Object({ ...OrgParams.properties, id: Uuid });

export const AddDomainBody = Type.Object(
  { domain: Type.String({ minLength: 3, maxLength: 254, description: 'e.g. acme.com' }) },
  { additionalProperties: false },
);

export const DomainPolicyBody = Type.Object(
  {
    policy: Policy,
    role: Type.Optional({
      ...RoleSchema,
      description: 'The role auto-join gives (default member; never owner)',
    }),
  },
  { additionalProperties: false },
);

export const Applied = Type.Object(
  {
    joined: Type.Integer({ description: 'People who joined with the role' }),
    requested: Type.Integer({ description: 'People whose join waits in the request queue (no seat free)' }),
  },
  { description: 'What switching auto-join on did to the people already verified at the domain' },
);

export const SuggestedOrganizations = Type.Object({
  data: Type.Array(
    Type.Object({
      organization: Type.Object({ id: Uuid, slug: Type.String(), name: Type.String() }),
      domain: Type.String(),
    }),
  ),
});

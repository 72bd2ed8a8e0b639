import { Type } from '@sinclair/typebox';
import { NullableTimestamp, Timestamp, Uuid } from '../../lib/schemas.ts';
import { RoleSchema } from '../organizations/organization.schemas.ts';
import { GRANT_TYPES } from './oidc.clients.ts';

const Uri = Type.String({ minLength: 1, maxLength: 2048 });

export const OidcClient = Type.Object(
  {
    id: Type.String({ description: 'The client_id.' }),
    name: Type.String(),
    redirectUris: Type.Array(Type.String()),
    postLogoutRedirectUris: Type.Array(Type.String()),
    grantTypes: Type.Array(Type.String()),
    public: Type.Boolean({ description: 'No secret; PKCE (which every client uses) is its only proof.' }),
    firstParty: Type.Boolean({ description: 'The operator’s own application: no consent step.' }),
    createdAt: Timestamp,
  },
  { $id: 'OidcClient' },
);

export const CreateOidcClientBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
    redirectUris: Type.Optional(Type.Array(Uri, { maxItems: 20, uniqueItems: true })),
    postLogoutRedirectUris: Type.Optional(Type.Array(Uri, { maxItems: 20, uniqueItems: true })),
    public: Type.Optional(Type.Boolean()),
    firstParty: Type.Optional(Type.Boolean()),
    grantTypes: Type.Optional(
      Type.Array(Type.Union(GRANT_TYPES.map((g) => Type.Literal(g))), {
        minItems: 1,
        uniqueItems: true,
        description: 'authorization_code (default; refresh tokens come with it) and/or client_credentials',
      }),
    ),
  },
  { additionalProperties: false },
);

export const CreatedOidcClient = Type.Intersect([
  Type.Unsafe({ $ref: 'OidcClient#' }),
  Type.Object({
    clientSecret: Type.Union([Type.String(), Type.Null()], {
      description: 'Shown this once (null for a public client); Roster keeps only its SHA-256.',
    }),
  }),
]);

export const ClientParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const InteractionParams = Type.Object(
  {
    uid: Type.String({
      pattern: '^[A-Za-z0-9_-]{1,64}$',
      description: 'The interaction in the console page’s URL.',
    }),
  },
  { additionalProperties: false },
);

export const ConsentBody = Type.Object(
  {
    organizationId: Type.Optional(
      Type.String({ format: 'uuid', description: 'The organization picked (the ID token names it).' }),
    ),
  },
  { additionalProperties: false },
);

export const NextStep = Type.Object({
  redirectTo: Type.String({ description: 'Where to send the browser next (back into the provider).' }),
});

export const InteractionDetails = Type.Object({
  uid: Type.String(),
  prompt: Type.Union([Type.Literal('login'), Type.Literal('consent')]),
  reasons: Type.Array(Type.String()),
  client: Type.Object({ id: Type.String(), name: Type.String(), firstParty: Type.Boolean() }),
  scopes: Type.Array(Type.String()),
  missingScopes: Type.Array(Type.String(), { description: 'Scopes the person has not consented to yet.' }),
  signIn: Type.Object({
    required: Type.Boolean({ description: 'The login step: POST …/login once the person is signed in.' }),
    freshSince: Type.Union([Timestamp, Type.Null()], {
      description: 'prompt=login: only a sign-in made after this moment completes the step.',
    }),
    maxAgeSeconds: Type.Union([Type.Integer(), Type.Null()]),
    loginHint: Type.Union([Type.String(), Type.Null()]),
  }),
  user: Type.Union([Type.Object({ id: Uuid, email: Type.String(), name: Type.String() }), Type.Null()], {
    description: 'Who is signed in to Roster in this browser, if anyone.',
  }),
  organizationRequested: Type.Union([Uuid, Type.Null()], {
    description: 'The organization the application named (resource urn:roster:organization:<id>).',
  }),
  organizations: Type.Array(
    Type.Object({
      id: Uuid,
      slug: Type.String(),
      name: Type.String(),
      role: RoleSchema,
      available: Type.Boolean({
        description: 'false: the organization requires a second factor the person lacks.',
      }),
    }),
    { description: 'With the organizations scope: the active memberships the person may pick from.' },
  ),
  expiresAt: NullableTimestamp,
});

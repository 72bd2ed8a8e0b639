import { Type } from '@sinclair/typebox';
import { PageQuery, pageEnvelope } from '../../lib/pagination.ts';
import { Timestamp, Uuid } from '../../lib/schemas.ts';
import { APP_SCOPES } from '../access/scopes.ts';

const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' });
// Shapes checked by the services, so each bad value answers its own code naming the field.
const Slug = Type.String({ description: '2–48 of a-z, 0-9 and single hyphens; unique among apps' });
const Url = Type.String({ minLength: 1, maxLength: 2048 });
const Scopes = Type.Array(Type.String({ minLength: 1, maxLength: 50 }), {
  maxItems: 20,
  uniqueItems: true,
  description: `Scopes the app asks for, among: ${APP_SCOPES.join(', ')}`,
});

export const App = Type.Object(
  {
    id: Uuid,
    slug: Type.String(),
    name: Type.String(),
    scopes: Type.Array(Type.String()),
    webhookUrl: Type.String(),
    redirectUrl: Type.Union([Type.String(), Type.Null()]),
    published: Type.Boolean({
      description: 'Unpublished apps install only into the organization that owns them.',
    }),
    clientId: Type.String(),
    organization: Type.Object({ id: Uuid, slug: Type.String() }, { description: 'The publisher.' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'App' },
);

export const CreatedApp = Type.Intersect([
  Type.Unsafe({ $ref: 'App#' }),
  Type.Object({
    clientSecret: Type.String({ description: 'Shown this once; stored hashed.' }),
    webhookSecret: Type.String({
      description: 'Signing secret of the webhooks sent to the app (`whsec_…`), shown this once.',
    }),
  }),
]);

export const CreateAppBody = Type.Object(
  {
    name: Name,
    slug: Type.Optional(Slug),
    scopes: Scopes,
    webhookUrl: Url,
    redirectUrl: Type.Optional(Type.Union([Url, Type.Null()])),
    published: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const UpdateAppBody = Type.Object(
  {
    name: Type.Optional(Name),
    scopes: Type.Optional(Scopes),
    webhookUrl: Type.Optional(Url),
    redirectUrl: Type.Optional(Type.Union([Url, Type.Null()])),
    published: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const AppParams = Type.Object({
  org: Type.String({ minLength: 1, maxLength: 64 }),
  slug: Type.String({ minLength: 1, maxLength: 64 }),
});

export const ClientSecret = Type.Object({ clientSecret: Type.String({ description: 'Shown this once.' }) });
export const WebhookSecret = Type.Object({ webhookSecret: Type.String({ description: 'Shown this once.' }) });

export const InstallationStatus = Type.Union([Type.Literal('pending'), Type.Literal('installed')]);

export const Installation = Type.Object(
  {
    uuid: Uuid,
    status: InstallationStatus,
    app: Type.Object({ uuid: Uuid, slug: Type.String(), name: Type.String() }),
    organization: Type.Object({ id: Uuid, slug: Type.String() }),
    scopes: Type.Array(Type.String(), { description: 'What the installation granted the app.' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'Installation' },
);

export const InstallationPage = pageEnvelope(Type.Unsafe({ $ref: 'Installation#' }));

export const InstallBody = Type.Object(
  { app: Type.String({ minLength: 1, maxLength: 64, description: "The app's slug" }) },
  { additionalProperties: false },
);

export const ListInstallationsQuery = Type.Object({ ...PageQuery }, { additionalProperties: false });

export const InstallationParams = Type.Object({ uuid: Type.String({ format: 'uuid' }) });

/** Any string reaches the handler, which answers the one allowed value's message. */
export const UpdateInstallationBody = Type.Object(
  { status: Type.String({ description: "Only 'installed'." }) },
  { additionalProperties: false },
);

export const TokenBody = Type.Object(
  {
    grantType: Type.Union([Type.Literal('authorization_code'), Type.Literal('refresh_token')]),
    clientId: Type.String({ minLength: 1, maxLength: 100 }),
    clientSecret: Type.String({ minLength: 1, maxLength: 200 }),
    code: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'With authorization_code' }),
    ),
    refreshToken: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'With refresh_token' }),
    ),
  },
  { additionalProperties: false },
);

export const TokenResponse = Type.Object({
  accessToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'Seconds the access token lives.' }),
  expiresAt: Timestamp,
  refreshToken: Type.String({ description: 'Exchange it for a new pair; it works once.' }),
  installation: Type.Unsafe({ $ref: 'Installation#' }),
});

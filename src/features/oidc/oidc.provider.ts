/**
 * The OpenID Connect engine: oidc-provider (panva's, OpenID certified), configured for Roster. Nothing
 * here speaks the protocol itself; this file says what Roster decides:
 *
 * - who the person is (`findAccount`: a Roster user) and what the scopes reveal (`claims`);
 * - that the provider's session follows the Roster session: a login is asked for again when the
 *   person's `roster_session` cookie is gone or belongs to someone else (`roster_session` check), so
 *   signing out of Roster signs out of every `prompt=none` too;
 * - organization access tokens for the resource `urn:roster:organization:<id>`
 *   (`getResourceServerInfo`, `extraTokenClaims`; see oidc.organizations.ts);
 * - that first-party clients need no consent (`loadExistingGrant`);
 * - that client secrets are compared as SHA-256 hashes (`compareClientSecret`);
 * - where the login and consent pages are: the console's `/oidc/interaction/:uid`.
 */
import type { Account, Configuration, KoaContextWithOIDC, default as Provider } from 'oidc-provider';
import type { Context } from '../../context.ts';
import { isUuid } from '../../lib/ids.ts';
import { SESSION_COOKIE } from '../../plugins/auth.plugin.ts';
import { deleteSession, findUserById } from '../auth/auth.repository.ts';
import { resolveSession } from '../auth/auth.service.ts';
import { adapterFactory, latestGrant } from './oidc.adapter.ts';
import { secretMatchesHash } from './oidc.clients.ts';
import { ID_TOKEN_TTL_SECONDS, type SigningKeys } from './oidc.keys.ts';
import {
  activeMemberships,
  membershipIn,
  ORGANIZATIONS_SCOPE,
  type OrgStanding,
  orgClaims,
  orgIdOfResource,
} from './oidc.organizations.ts';
import { logoutSource, postLogoutSuccessSource } from './oidc.pages.ts';

/** The provider's endpoints, under `/oidc` (discovery stays at the issuer's `/.well-known/…`). */
export const OIDC_ROUTES = {
  authorization: '/oidc/auth',
  token: '/oidc/token',
  userinfo: '/oidc/me',
  jwks: '/oidc/jwks',
  end_session: '/oidc/session/end',
  introspection: '/oidc/token/introspection',
  revocation: '/oidc/token/revocation',
  pushed_authorization_request: '/oidc/request',
} as const;

/** The console's page for an interaction (login or consent); the console engineer's route. */
export const interactionPagePath = (uid: string) => `/oidc/interaction/${uid}`;
/** Where the provider's interaction cookie is sent: only to Roster's interaction API. */
export const INTERACTION_API_PATH = '/v1/oidc/interactions';

/** Where Roster's OAuth scopes stand; `organizations` also allows organization access tokens. */
export const OIDC_SCOPES = ['openid', 'offline_access', 'email', 'profile', ORGANIZATIONS_SCOPE] as const;

/** The organization of the access token being issued in a request, read once by getResourceServerInfo. */
const standings = new WeakMap<object, OrgStanding>();

/**
 * A refresh token or authorization code granted the `organizations` scope covers every organization
 * resource: whether the person may have a token for one is decided at each issue, by their membership
 * at that moment (getResourceServerInfo). Without this, the engine would only accept the resources named
 * in the authorization request, and switching organizations would need a new sign-in.
 */
class OrganizationResources extends Set<string> {
  override has(value: string): boolean {
    return super.has(value) || orgIdOfResource(value) !== null;
  }
}

function coverOrganizations(model: { prototype: object }) {
  Object.defineProperty(model.prototype, 'resourceIndicators', {
    configurable: true,
    get(this: { resource?: string | string[]; scopes: Set<string> }) {
      const named = Array.isArray(this.resource) ? this.resource : this.resource ? [this.resource] : [];
      return this.scopes.has(ORGANIZATIONS_SCOPE) ? new OrganizationResources(named) : new Set(named);
    },
  });
}

/** RFC 8176 names for how the Roster session was signed in. */
const AMR: Record<string, string> = { pwd: 'pwd', otp: 'otp', passkey: 'hwk', recovery_code: 'kba' };
export function amrOf(methods: string[]): string[] {
  const amr = [...new Set(methods.map((m) => AMR[m] ?? m))];
  if (methods.length > 1 || methods.includes('passkey')) amr.push('mfa');
  return amr;
}

/** The Roster session the request's cookie names, if it is live. */
async function rosterSession(ctx: Context, koa: KoaContextWithOIDC) {
  const token = koa.cookies.get(SESSION_COOKIE, { signed: false });
  return token ? resolveSession(ctx, token) : null;
}

const ORGANIZATIONS_ONLY =
  'Roster issues resource access tokens for organizations only: urn:roster:organization:<id>';

export interface ProviderOptions {
  /** The oidc-provider module (oidc.engine.ts loads it). */
  engine: typeof import('oidc-provider');
  ctx: Context;
  keys: SigningKeys;
  /** Keys signing the provider's cookies, shared by every instance. */
  cookieKeys: string[];
}

export function createProvider({ engine, ctx, keys, cookieKeys }: ProviderOptions): Provider {
  const { default: Provider, errors, interactionPolicy } = engine;
  const { config, db } = ctx;
  const accessTokenTtl = config.oidcAccessTokenTtlSeconds;
  const signing = { alg: keys.current.alg, kid: keys.current.kid };

  /**
   * At the token endpoint: the person's standing in the organization a token is asked for, or
   * `invalid_target` — not an active member, a second factor missing, no `organizations` scope, or a
   * client acting for itself (client credentials). Read once per request.
   */
  async function tokenStanding(koa: KoaContextWithOIDC, orgId: string): Promise<OrgStanding> {
    const known = standings.get(koa);
    if (known?.id === orgId) return known;
    if (koa.oidc.params?.grant_type === 'client_credentials') {
      throw new errors.InvalidTarget('organization tokens are issued for a person, not a client');
    }
    const source = koa.oidc.entities.RefreshToken ?? koa.oidc.entities.AuthorizationCode;
    const accountId = koa.oidc.entities.Account?.accountId;
    if (!source?.scopes.has(ORGANIZATIONS_SCOPE) || !accountId) {
      throw new errors.InvalidTarget('organization tokens need the organizations scope');
    }
    const standing = await membershipIn(db, accountId, orgId);
    if (!standing) throw new errors.InvalidTarget('not an active member of this organization');
    if (standing.mfaBlocked)
      throw new errors.InvalidTarget('this organization requires two-factor authentication');
    standings.set(koa, standing);
    return standing;
  }

  const base = interactionPolicy.base();
  const login = base.get('login');
  login?.checks.add(
    new interactionPolicy.Check(
      'roster_session',
      'the Roster session that signed in has ended',
      'login_required',
      async (koa) => {
        if (!koa.oidc.session?.accountId || koa.oidc.result?.login)
          return interactionPolicy.Check.NO_NEED_TO_PROMPT;
        const session = await rosterSession(ctx, koa);
        return session?.user.id === koa.oidc.session.accountId
          ? interactionPolicy.Check.NO_NEED_TO_PROMPT
          : interactionPolicy.Check.REQUEST_PROMPT;
      },
    ),
  );

  const configuration: Configuration = {
    adapter: adapterFactory(db),
    jwks: { keys: keys.jwks as never },
    cookies: {
      keys: cookieKeys,
      long: { httpOnly: true, sameSite: 'lax' },
      // The interaction cookie goes to Roster's interaction API, which the console's page calls.
      short: { httpOnly: true, sameSite: 'lax', path: INTERACTION_API_PATH },
    },
    routes: OIDC_ROUTES,
    scopes: [...OIDC_SCOPES],
    claims: {
      // The engine's standalone claims (requestable with the claims parameter), kept.
      acr: null,
      sid: null,
      iss: null,
      // When and how the person signed in, in every ID token (the Roster session's sign-in).
      openid: ['sub', 'auth_time', 'amr'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      [ORGANIZATIONS_SCOPE]: ['organizations', 'org_id', 'org_slug', 'org_role'],
    },
    // The ID token carries what its scopes reveal (memberships included), not only `sub`.
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    // RFC 9700 §2.1.1: PKCE for every client, public or confidential; S256 only.
    pkce: { required: () => true },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      id_token_signed_response_alg: keys.current.alg,
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    extraClientMetadata: { properties: ['urn:roster:first_party'] },
    enabledJWA: {
      idTokenSigningAlgValues: ['ES256', 'RS256'],
      userinfoSigningAlgValues: ['ES256', 'RS256'],
      introspectionSigningAlgValues: ['ES256', 'RS256'],
      authorizationSigningAlgValues: ['ES256', 'RS256'],
      requestObjectSigningAlgValues: ['ES256', 'RS256'],
    },
    // Always rotate. Called before the presented refresh token is spent: an organization the person may
    // not have a token for is refused here, so the client keeps its refresh token (getResourceServerInfo,
    // later, would be too late: a refused refresh would cost the client its session).
    rotateRefreshToken: async (koa) => {
      const resource = koa.oidc.params?.resource;
      if (resource !== undefined) {
        const orgId = typeof resource === 'string' ? orgIdOfResource(resource) : null;
        if (!orgId) throw new errors.InvalidTarget(ORGANIZATIONS_ONLY);
        await tokenStanding(koa, orgId);
      }
      return true;
    },
    issueRefreshToken: async (_koa, client) => client.grantTypeAllowed('refresh_token'),
    ttl: {
      AccessToken: (_koa, token) => token.resourceServer?.accessTokenTTL ?? accessTokenTtl,
      AuthorizationCode: 60,
      ClientCredentials: accessTokenTtl,
      IdToken: ID_TOKEN_TTL_SECONDS,
      RefreshToken: config.oidcRefreshTokenTtlSeconds,
      Grant: config.oidcRefreshTokenTtlSeconds,
      Interaction: 30 * 60,
      Session: config.sessionTtlDays * 86_400,
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => undefined,
        useGrantedResource: async () => false,
        getResourceServerInfo: async (koa, resource, client) => {
          const orgId = orgIdOfResource(resource);
          if (!orgId) {
            throw new errors.InvalidTarget(ORGANIZATIONS_ONLY);
          }
          if (koa.oidc.route === 'token') {
            await tokenStanding(koa, orgId);
            // The organizations scope covers every organization the person is a member of.
            koa.oidc.entities.Grant?.addResourceScope(resource, ORGANIZATIONS_SCOPE);
          } else if (!koa.oidc.params?.scope?.toString().split(' ').includes(ORGANIZATIONS_SCOPE)) {
            throw new errors.InvalidTarget('organization tokens need the organizations scope');
          }
          return {
            scope: ORGANIZATIONS_SCOPE,
            audience: client.clientId,
            accessTokenTTL: accessTokenTtl,
            accessTokenFormat: 'jwt',
            jwt: { sign: signing },
          };
        },
      },
    },
    extraTokenClaims: async (koa, token) => {
      const resource = token.resourceServer?.identifier();
      const orgId = resource ? orgIdOfResource(resource) : null;
      const accountId = 'accountId' in token ? token.accountId : undefined;
      if (!orgId || !accountId) return undefined;
      const standing = standings.get(koa) ?? (await membershipIn(db, accountId, orgId));
      return standing ? orgClaims(standing) : undefined;
    },
    findAccount: async (koa, sub) => {
      const user = isUuid(sub) ? await findUserById(db, sub) : undefined;
      if (!user) return undefined;
      const account: Account = {
        accountId: user.id,
        async claims(use, scope) {
          const scopes = new Set(scope.split(' '));
          const claims: Record<string, unknown> = { sub: user.id };
          if (scopes.has('email')) {
            claims.email = user.email;
            claims.email_verified = user.email_verified_at !== null;
          }
          if (scopes.has('profile')) claims.name = user.name;
          if (scopes.has(ORGANIZATIONS_SCOPE)) {
            const memberships = await activeMemberships(db, user.id);
            claims.organizations = memberships.map((m) => ({
              id: m.id,
              slug: m.slug,
              name: m.name,
              role: m.role,
            }));
            // In the ID token: the organization of this response's access token, or the one picked at consent.
            if (use === 'id_token') {
              const picked =
                standings.get(koa) ??
                memberships.find(
                  (m) =>
                    !m.mfaBlocked &&
                    Object.keys(koa.oidc.entities.Grant?.resources ?? {}).some(
                      (r) => orgIdOfResource(r) === m.id,
                    ),
                );
              if (picked) {
                claims.org_id = picked.id;
                claims.org_slug = picked.slug;
                claims.org_role = picked.role;
              }
            }
          }
          return claims as never;
        },
      };
      return account;
    },
    interactions: {
      url: (_koa, interaction) => interactionPagePath(interaction.uid),
      policy: base,
    },
    loadExistingGrant: async (koa) => {
      const { oidc } = koa;
      const grantId = oidc.result?.consent?.grantId || oidc.session?.grantIdFor(oidc.client?.clientId ?? '');
      if (grantId) return oidc.provider.Grant.find(grantId);
      const accountId = oidc.session?.accountId;
      if (!accountId || !oidc.client) return undefined;
      // Consent given before, in another browser or session: remembered, as a new grant of this session
      // (each session keeps its own grant, so logging out of one revokes only its tokens).
      const previous = await latestGrant(db, accountId, oidc.client.clientId);
      if (previous) {
        const grant = new oidc.provider.Grant({ accountId, clientId: oidc.client.clientId });
        const old = await oidc.provider.Grant.find(previous);
        if (old) {
          grant.addOIDCScope(old.getOIDCScope());
          const claims = old.getOIDCClaims();
          if (claims.length) grant.addOIDCClaims(claims);
          for (const resource of Object.keys(old.resources ?? {}))
            grant.addResourceScope(resource, old.getResourceScope(resource));
          await grant.save();
          return grant;
        }
      }
      // The operator's own application: what it asks for is granted, no consent screen.
      if (oidc.client['urn:roster:first_party'] === true) {
        const grant = new oidc.provider.Grant({ accountId, clientId: oidc.client.clientId });
        grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
        for (const resource of Object.keys(oidc.resourceServers ?? {})) {
          grant.addResourceScope(resource, ORGANIZATIONS_SCOPE);
        }
        await grant.save();
        return grant;
      }
      return undefined;
    },
    renderError: async (koa, out) => {
      koa.type = 'html';
      const html = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
      koa.body = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign-in error</title></head><body><h1>This sign-in request cannot continue</h1><p><strong>${html(out.error)}</strong>: ${html(out.error_description)}</p><p>Go back to the application and start again.</p></body></html>`;
    },
  };

  const provider = new Provider(config.publicUrl, configuration);
  provider.proxy = config.trustProxy !== false;
  coverOrganizations(provider.AuthorizationCode);
  coverOrganizations(provider.RefreshToken);
  // Secrets are stored as SHA-256 hashes: compare the presented one's hash, in constant time.
  provider.Client.prototype.compareClientSecret = function compareClientSecret(
    this: { clientSecret?: string },
    actual: string,
  ) {
    return secretMatchesHash(actual, this.clientSecret);
  };
  provider.on('server_error', (_koa, err) => ctx.log.error({ err }, 'OpenID Connect provider error'));
  // Koa's own error event (errors outside the engine's handler): logged, never printed raw.
  (provider as unknown as NodeJS.EventEmitter).on('error', (err: Error) =>
    ctx.log.error({ err }, 'OpenID Connect provider error'),
  );
  // RP-initiated logout ends the Roster session too: the person signed out of Roster.
  provider.use(async (koa, next) => {
    await next();
    if (koa.oidc?.route === 'end_session_confirm' && (koa as { rosterLoggedOut?: boolean }).rosterLoggedOut) {
      const session = await rosterSession(ctx, koa as KoaContextWithOIDC);
      if (session) await deleteSession(db, session.sessionId);
      koa.cookies.set(SESSION_COOKIE, null, { signed: false, path: '/' });
    }
  });
  provider.on('end_session.success', (koa) => {
    // "Sign me out" (`logout=yes`), not just "forget this application" — and not the engine's own
    // logout when another person signs in during a request (it then returns to the request).
    const returnTo = (koa.oidc.session?.state as { postLogoutRedirectUri?: string } | undefined)
      ?.postLogoutRedirectUri;
    const switching = returnTo?.includes(`${OIDC_ROUTES.authorization}/`) === true;
    if (koa.oidc.params?.logout && !switching) (koa as { rosterLoggedOut?: boolean }).rosterLoggedOut = true;
  });
  return provider;
}

/**
 * "Sign in with Roster" end to end (issue 12): a real relying party — openid-client — discovers a
 * Roster listening on a real port and runs the authorization code flow with PKCE; a browser stand-in
 * follows the redirects over HTTP with the person's Roster session cookie, and the login and consent
 * steps are completed through Roster's interaction API (what the console's page calls). The tokens
 * are checked with the host verifier (`roster/verifier`): organization context, switching
 * organizations by refresh, a demotion seen at the next refresh, refusal after removal, userinfo,
 * revocation, introspection, logout, prompt=none|login|consent, public and first-party clients,
 * client credentials.
 */
import * as client from 'openid-client';
import { createVerifier, type VerifiedToken } from 'roster/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addActiveMember, bearer, createOrg, signUp } from './helpers.ts';
import {
  apiKey,
  authorize,
  Browser,
  type LiveRoster,
  liveRoster,
  orgResource,
  type Rp,
  redeem,
  registerRp,
} from './oidc-helpers.ts';

let roster: LiveRoster;
let adminKey: string;
let rp: Rp;
let ada: { token: string; user: { id: string; email: string } };
let owner: { token: string; user: { id: string; email: string } };
let acme: { id: string; slug: string };
let globex: { id: string; slug: string };
let initech: { id: string; slug: string };

beforeAll(async () => {
  roster = await liveRoster();
  adminKey = await apiKey(roster.app, 'clients:admin');
  rp = await registerRp(roster, adminKey);
  [ada, owner] = await Promise.all([
    signUp(roster.app, undefined, 'Ada'),
    signUp(roster.app, undefined, 'Olga'),
  ]);
  acme = await createOrg(roster.app, ada.token, 'Acme');
  globex = await createOrg(roster.app, owner.token, 'Globex');
  initech = await createOrg(roster.app, owner.token, 'Initech');
  await addActiveMember(roster.database, globex.id, ada.user.id, 'admin');
});
afterAll(() => roster.close());

const verifierFor = (audience: string) => createVerifier({ issuer: roster.issuer, audience });

async function signedInBrowser(email = ada.user.email) {
  const browser = new Browser(roster.issuer);
  await browser.signIn(email);
  return browser;
}

describe('discovery', () => {
  it('publishes the issuer, the endpoints, S256 PKCE, the scopes and an ES256 key', async () => {
    const meta = rp.config.serverMetadata();
    expect(meta.issuer).toBe(roster.issuer);
    expect(meta.authorization_endpoint).toBe(`${roster.issuer}/oidc/auth`);
    expect(meta.token_endpoint).toBe(`${roster.issuer}/oidc/token`);
    expect(meta.end_session_endpoint).toBe(`${roster.issuer}/oidc/session/end`);
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
    expect(meta.scopes_supported).toEqual(
      expect.arrayContaining(['openid', 'organizations', 'offline_access']),
    );
    expect(meta.grant_types_supported).toEqual(
      expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']),
    );
    const jwks = (await (await fetch(meta.jwks_uri as string)).json()) as {
      keys: Array<Record<string, string>>;
    };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d'); // never the private part
  });

  it('leaves the API and the console untouched: /v1 routes answer as before, OAuth errors stay OAuth errors', async () => {
    const me = await fetch(`${roster.issuer}/v1/me`, { headers: bearer(ada.token) });
    expect(me.status).toBe(200);
    const token = await fetch(`${roster.issuer}/oidc/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=authorization_code&code=nope',
    });
    expect(token.status).toBe(400);
    const body = await token.json();
    expect(body).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
    expect(body).not.toHaveProperty('error.code');
  });
});

describe('authorization code with PKCE, organizations and refresh', () => {
  let refreshToken: string;
  let idClaims: Record<string, unknown>;
  let accessToken: string;

  it('signs in through the interaction API, picks an organization, and gets tokens', async () => {
    const browser = await signedInBrowser();
    const seen: Array<Record<string, unknown>> = [];
    const run = await authorize(
      rp,
      browser,
      {},
      { organizationId: acme.id, onDetails: (d) => void seen.push(d) },
    );
    // Already signed in to Roster: the login step is completed with that session; then consent.
    expect(run.steps).toEqual(['login', 'consent']);
    expect(seen[1]).toMatchObject({
      prompt: 'consent',
      client: { id: rp.clientId, name: 'Acme Notes', firstParty: false },
      user: { id: ada.user.id },
      organizations: expect.arrayContaining([
        expect.objectContaining({ id: acme.id, role: 'owner', available: true }),
        expect.objectContaining({ id: globex.id, role: 'admin', available: true }),
      ]),
    });
    const tokens = await redeem(rp, run);
    expect(tokens.refresh_token).toEqual(expect.any(String));
    refreshToken = tokens.refresh_token as string;
    accessToken = tokens.access_token;
    idClaims = tokens.claims() as Record<string, unknown>;
    expect(idClaims).toMatchObject({
      iss: roster.issuer,
      sub: ada.user.id,
      aud: rp.clientId,
      email: ada.user.email,
      name: 'Ada',
      org_id: acme.id,
      org_slug: acme.slug,
      org_role: 'owner',
    });
    expect(idClaims.organizations).toEqual(
      expect.arrayContaining([
        { id: acme.id, slug: acme.slug, name: 'Acme', role: 'owner' },
        { id: globex.id, slug: globex.slug, name: 'Globex', role: 'admin' },
      ]),
    );
    expect(idClaims.amr).toEqual(['pwd']);
    expect(idClaims.auth_time).toEqual(expect.any(Number));
  });

  it('userinfo answers with the same claims for the access token', async () => {
    const info = await client.fetchUserInfo(rp.config, accessToken, ada.user.id);
    expect(info).toMatchObject({ sub: ada.user.id, email: ada.user.email, name: 'Ada' });
    expect(info.organizations).toHaveLength(2);
  });

  let acmeToken: VerifiedToken;
  it('an organization token, by refresh naming the organization, verified in the host with no network call but the JWKS', async () => {
    const res = await client.refreshTokenGrant(rp.config, refreshToken, { resource: orgResource(acme.id) });
    refreshToken = res.refresh_token as string;
    expect(res.expires_in).toBe(300);
    acmeToken = await verifierFor(rp.clientId).verify(res.access_token);
    expect(acmeToken).toMatchObject({
      userId: ada.user.id,
      orgId: acme.id,
      orgSlug: acme.slug,
      role: 'owner',
      clientId: rp.clientId,
    });
    expect(acmeToken.can('org:delete')).toBe(true);
    expect(acmeToken.scopes).toContain('member:invite');
    const [header] = res.access_token.split('.');
    expect(JSON.parse(Buffer.from(header as string, 'base64url').toString())).toMatchObject({
      alg: 'ES256',
      typ: 'at+jwt',
    });
  });

  it('switches organization with a refresh naming another one: no new sign-in', async () => {
    const res = await client.refreshTokenGrant(rp.config, refreshToken, { resource: orgResource(globex.id) });
    refreshToken = res.refresh_token as string;
    const globexToken = await verifierFor(rp.clientId).verify(res.access_token);
    expect(globexToken).toMatchObject({ orgId: globex.id, role: 'admin' });
    expect(globexToken.can('member:invite')).toBe(true);
    expect(globexToken.can('org:delete')).toBe(false);
  });

  it('refresh tokens rotate: the one just used is refused, and using it again revokes the grant', async () => {
    const current = refreshToken;
    const next = await client.refreshTokenGrant(rp.config, current);
    await expect(client.refreshTokenGrant(rp.config, current)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    // The replay revoked the whole grant: the newest token is dead too.
    await expect(client.refreshTokenGrant(rp.config, next.refresh_token as string)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('a demotion shows in the next refreshed token; a removal makes refresh for that organization refused', async () => {
    const browser = await signedInBrowser();
    const run = await authorize(rp, browser);
    let rt = (await redeem(rp, run)).refresh_token as string;

    const before = await client.refreshTokenGrant(rp.config, rt, { resource: orgResource(globex.id) });
    rt = before.refresh_token as string;
    expect((await verifierFor(rp.clientId).verify(before.access_token)).role).toBe('admin');

    const demote = await roster.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${globex.id}/members/${ada.user.id}`,
      headers: bearer(owner.token),
      payload: { role: 'member' },
    });
    expect(demote.statusCode, demote.body).toBe(200);
    const after = await client.refreshTokenGrant(rp.config, rt, { resource: orgResource(globex.id) });
    rt = after.refresh_token as string;
    const demoted = await verifierFor(rp.clientId).verify(after.access_token);
    expect(demoted.role).toBe('member');
    expect(demoted.can('member:invite')).toBe(false);
    expect(demoted.can('member:read')).toBe(true);

    const remove = await roster.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${globex.id}/members/${ada.user.id}`,
      headers: bearer(owner.token),
    });
    expect(remove.statusCode, remove.body).toBe(204);
    await expect(
      client.refreshTokenGrant(rp.config, rt, { resource: orgResource(globex.id) }),
    ).rejects.toMatchObject({ error: 'invalid_target' });
    // The refused refresh did not spend the token: the person's own organization still works.
    const acmeAgain = await client.refreshTokenGrant(rp.config, rt, { resource: orgResource(acme.id) });
    expect((await verifierFor(rp.clientId).verify(acmeAgain.access_token)).orgId).toBe(acme.id);
  });

  it('never a token for an organization the person is not an active member of', async () => {
    const browser = await signedInBrowser();
    const tokens = await redeem(rp, await authorize(rp, browser));
    const rt = tokens.refresh_token as string;
    for (const resource of [
      orgResource(initech.id), // exists, not a member
      orgResource('00000000-0000-7000-8000-000000000000'), // no such organization
      'urn:roster:organization:acme', // not an id
      'https://api.example.com', // not an organization
    ]) {
      await expect(client.refreshTokenGrant(rp.config, rt, { resource }), resource).rejects.toMatchObject({
        error: 'invalid_target',
      });
    }
    // Nor at the code exchange.
    const run = await authorize(rp, browser);
    await expect(redeem(rp, run, { resource: orgResource(initech.id) })).rejects.toMatchObject({
      error: 'invalid_target',
    });
  });

  it('an organization that requires a second factor gives no token to a member without one', async () => {
    await roster.database.db
      .updateTable('organizations')
      .set({ mfa_required: true })
      .where('id', '=', acme.id)
      .execute();
    try {
      const browser = await signedInBrowser();
      const tokens = await redeem(rp, await authorize(rp, browser));
      await expect(
        client.refreshTokenGrant(rp.config, tokens.refresh_token as string, {
          resource: orgResource(acme.id),
        }),
      ).rejects.toMatchObject({ error: 'invalid_target' });
      // The consent page says so too.
      const consent = await authorize(
        rp,
        browser,
        { prompt: 'consent' },
        {
          onDetails: (d) => {
            if (d.prompt === 'consent') {
              expect(d.organizations).toContainEqual(
                expect.objectContaining({ id: acme.id, available: false }),
              );
            }
          },
        },
      );
      expect(consent.steps).toContain('consent');
    } finally {
      await roster.database.db
        .updateTable('organizations')
        .set({ mfa_required: false })
        .where('id', '=', acme.id)
        .execute();
    }
  });
});

describe('revocation, introspection, logout', () => {
  it('introspects an access token, revokes a refresh token', async () => {
    const browser = await signedInBrowser();
    const tokens = await redeem(rp, await authorize(rp, browser));
    const active = await client.tokenIntrospection(rp.config, tokens.access_token);
    expect(active).toMatchObject({ active: true, sub: ada.user.id, client_id: rp.clientId });
    const org = await client.refreshTokenGrant(rp.config, tokens.refresh_token as string, {
      resource: orgResource(acme.id),
    });
    // An organization token is a self-contained JWT: verified where it is used, not introspected.
    await expect(client.tokenIntrospection(rp.config, org.access_token)).rejects.toMatchObject({
      error: 'unsupported_token_type',
    });

    await client.tokenRevocation(rp.config, org.refresh_token as string);
    await expect(client.refreshTokenGrant(rp.config, org.refresh_token as string)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    // Revoking the refresh token revokes its grant: the opaque access token too.
    expect((await client.tokenIntrospection(rp.config, tokens.access_token)).active).toBe(false);
  });

  it('RP-initiated logout ends the provider session and the Roster session; prompt=none then needs a login', async () => {
    const browser = await signedInBrowser();
    const tokens = await redeem(rp, await authorize(rp, browser));
    // Signed in, consented: prompt=none answers at once.
    const silent = await authorize(rp, browser, { prompt: 'none' });
    expect(silent.steps).toEqual([]);
    expect(silent.callback.searchParams.get('code')).toEqual(expect.any(String));

    const logoutUrl = client.buildEndSessionUrl(rp.config, {
      id_token_hint: tokens.id_token as string,
      post_logout_redirect_uri: 'http://localhost:4000/signed-out',
      state: 'bye',
    });
    const page = await browser.follow(logoutUrl);
    expect(page.status).toBe(200);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.body)?.[1];
    expect(xsrf).toEqual(expect.any(String));
    const confirm = await browser.fetch('/oidc/session/end/confirm', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ xsrf: xsrf as string, logout: 'yes' }).toString(),
    });
    expect(confirm.status).toBe(303);
    expect(confirm.headers.get('location')).toBe('http://localhost:4000/signed-out?state=bye');
    expect((await browser.api('GET', '/v1/me')).status).toBe(401);

    const after = await authorize(rp, browser, { prompt: 'none' });
    expect(after.callback.searchParams.get('error')).toBe('login_required');
  });

  it('signing out of Roster alone is enough for prompt=none to need a login', async () => {
    const browser = await signedInBrowser();
    await redeem(rp, await authorize(rp, browser));
    expect((await browser.api('POST', '/v1/auth/sign-out')).status).toBe(204);
    const after = await authorize(rp, browser, { prompt: 'none' });
    expect(after.callback.searchParams.get('error')).toBe('login_required');
  });
});

describe('prompts, clients', () => {
  it('prompt=login wants a sign-in made during the request; prompt=consent asks again', async () => {
    const browser = await signedInBrowser();
    await redeem(rp, await authorize(rp, browser));
    // The engine counts in whole seconds: a sign-in the second before the request is not fresh.
    await new Promise((r) => setTimeout(r, 1100));
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(rp.config, {
      redirect_uri: rp.redirectUri,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      prompt: 'login',
    });
    const landed = await browser.follow(url);
    const uid = landed.url.pathname.split('/')[3] as string;
    const details = await browser.api('GET', `/v1/oidc/interactions/${uid}`);
    expect(details.body).toMatchObject({
      prompt: 'login',
      signIn: { required: true, freshSince: expect.any(String) },
    });
    const stale = await browser.api('POST', `/v1/oidc/interactions/${uid}/login`);
    expect(stale).toMatchObject({ status: 409, body: { error: { code: 'FRESH_SIGN_IN_REQUIRED' } } });
    await browser.signIn(ada.user.email);
    const fresh = await browser.api('POST', `/v1/oidc/interactions/${uid}/login`);
    expect(fresh.status).toBe(200);
    const back = await browser.follow(fresh.body.redirectTo);
    expect(back.url.searchParams.get('code')).toEqual(expect.any(String));

    const again = await authorize(rp, browser, { prompt: 'consent' });
    expect(again.steps).toEqual(['consent']);
  });

  it('a person who declines sends the client access_denied', async () => {
    const browser = await signedInBrowser();
    const run = await authorize(rp, browser, { prompt: 'consent' }, { abortAt: 'consent' });
    expect(run.callback.searchParams.get('error')).toBe('access_denied');
  });

  it('the interaction belongs to the browser that started it: another browser, even signed in, cannot read or complete it', async () => {
    const browser = await signedInBrowser();
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(rp.config, {
      redirect_uri: rp.redirectUri,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      prompt: 'login',
    });
    const landed = await browser.follow(url);
    const uid = landed.url.pathname.split('/')[3] as string;
    const intruder = await signedInBrowser(owner.user.email);
    expect((await intruder.api('GET', `/v1/oidc/interactions/${uid}`)).status).toBe(404);
    expect((await intruder.api('POST', `/v1/oidc/interactions/${uid}/login`)).body.error.code).toBe(
      'INTERACTION_NOT_FOUND',
    );
    // Signed out, the owner of the request cannot complete the login step either.
    const anonymous = new Browser(roster.issuer);
    expect((await anonymous.api('POST', `/v1/oidc/interactions/${uid}/login`)).status).toBe(401);
  });

  it('a public client uses PKCE without a secret; a first-party client skips consent', async () => {
    const pub = await registerRp(roster, adminKey, { name: 'Acme SPA', public: true });
    expect(pub.clientSecret).toBeNull();
    const browser = await signedInBrowser();
    const run = await authorize(pub, browser, { scope: 'openid organizations offline_access' });
    expect(run.steps).toEqual(['login', 'consent']);
    const tokens = await redeem(pub, run, { resource: orgResource(acme.id) });
    expect((await verifierFor(pub.clientId).verify(tokens.access_token)).orgId).toBe(acme.id);
    // Consent is remembered for the person and the client, in another browser too.
    const elsewhere = await authorize(pub, await signedInBrowser(), {
      scope: 'openid organizations offline_access',
    });
    expect(elsewhere.steps).toEqual(['login']);

    const first = await registerRp(roster, adminKey, { name: 'Acme Console', firstParty: true });
    const firstRun = await authorize(first, await signedInBrowser());
    expect(firstRun.steps).toEqual(['login']);
    expect((await redeem(first, firstRun)).claims()?.sub).toBe(ada.user.id);
  });

  it('a machine client gets a client-credentials token, never an organization token', async () => {
    const machine = await registerRp(roster, adminKey, {
      name: 'Acme Sync',
      grantTypes: ['client_credentials'],
      redirectUris: [],
      postLogoutRedirectUris: [],
    });
    const token = await client.clientCredentialsGrant(machine.config);
    expect(token.access_token).toEqual(expect.any(String));
    expect(await client.tokenIntrospection(machine.config, token.access_token)).toMatchObject({
      active: true,
      client_id: machine.clientId,
    });
    await expect(
      client.clientCredentialsGrant(machine.config, { resource: orgResource(acme.id) }),
    ).rejects.toMatchObject({
      error: 'invalid_target',
    });
  });
});

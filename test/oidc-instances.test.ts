/**
 * Several Roster instances behind one PostgreSQL database (issue 12): the provider's state — codes,
 * grants, sessions, interactions, signing keys, the cookie key — lives in the database, so a sign-in
 * started at one instance is finished at the other and the code it issued is redeemed there; a key
 * rotated through one is used by the other once it re-reads the keys. (PostgreSQL only: an embedded
 * database is one process's.)
 */
import * as client from 'openid-client';
import { createVerifier } from 'roster/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.ts';
import { rotateSigningKey } from '../src/features/oidc/oidc.keys.ts';
import { createOrg, onPostgres, signUp, TEST_DATABASE_URL } from './helpers.ts';
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

describe.skipIf(!onPostgres)('two Roster instances on one PostgreSQL database', () => {
  let one: LiveRoster;
  let two: LiveRoster;
  let rp: Rp;
  let rpAtTwo: Rp;
  let ada: { token: string; user: { id: string; email: string } };
  let acme: { id: string };

  beforeAll(async () => {
    one = await liveRoster();
    // The second instance: its own process-level state (pool, engine, timers) on the same database,
    // behind the same public address (a load balancer's), listening on a port of its own.
    const url = await one.database.db
      .selectNoFrom((eb) => eb.fn<string>('current_database', []).as('name'))
      .executeTakeFirstOrThrow();
    const target = new URL(TEST_DATABASE_URL as string);
    target.pathname = `/${url.name}`;
    const handle = await openDatabase({ databaseUrl: target.toString(), dataDir: '' });
    two = await liveRoster({}, handle, one.issuer);
    const key = await apiKey(one.app, 'clients:admin');
    rp = await registerRp(one, key);
    // The same client, whose token requests reach instance two.
    const toTwo: typeof fetch = (input, init) =>
      fetch(
        String(input instanceof Request ? input.url : input).replace(`:${one.port}/`, `:${two.port}/`),
        init,
      );
    rpAtTwo = { ...(await registerRpClone(rp, toTwo)), redirectUri: rp.redirectUri };
    ada = await signUp(one.app, undefined, 'Ada');
    acme = await createOrg(one.app, ada.token, 'Acme');
  });
  afterAll(async () => {
    await two?.close();
    await two?.database.close();
    await one?.close();
  });

  async function registerRpClone(source: Rp, fetchTo: typeof fetch) {
    const { discover } = await import('./oidc-helpers.ts');
    return discover(one.issuer, source.clientId, source.clientSecret, fetchTo);
  }

  it('both instances publish the same single signing key', async () => {
    const a = await (await fetch(`http://127.0.0.1:${one.port}/oidc/jwks`)).json();
    const b = await (await fetch(`http://127.0.0.1:${two.port}/oidc/jwks`)).json();
    expect(a.keys).toHaveLength(1);
    expect(b).toEqual(a);
  });

  it('a code issued by one instance is redeemed at the other; refresh and userinfo there too', async () => {
    const browser = new Browser(one.issuer);
    await browser.signIn(ada.user.email);
    const run = await authorize(rp, browser, {}, { organizationId: acme.id });
    const tokens = await redeem(rpAtTwo, run);
    expect(tokens.claims()).toMatchObject({ sub: ada.user.id, org_id: acme.id });
    const info = await client.fetchUserInfo(rpAtTwo.config, tokens.access_token, ada.user.id);
    expect(info.email).toBe(ada.user.email);
    const org = await client.refreshTokenGrant(rpAtTwo.config, tokens.refresh_token as string, {
      resource: orgResource(acme.id),
    });
    const verified = await createVerifier({ issuer: one.issuer, audience: rp.clientId }).verify(
      org.access_token,
    );
    expect(verified).toMatchObject({ orgId: acme.id, role: 'owner' });
    // The code was spent at two: one refuses it too.
    await expect(redeem(rp, run)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('an interaction started at one instance is completed at the other', async () => {
    const browser = new Browser(one.issuer);
    await browser.signIn(ada.user.email);
    const atTwo = new Browser(`http://127.0.0.1:${two.port}`);
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(rp.config, {
      redirect_uri: rp.redirectUri,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      prompt: 'consent',
    });
    const landed = await browser.follow(url);
    const uid = landed.url.pathname.split('/')[3] as string;
    // The same browser (its cookies), now reaching instance two.
    atTwo.cookies = browser.cookies;
    const login = await atTwo.api('POST', `/v1/oidc/interactions/${uid}/login`);
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    browser.cookies = atTwo.cookies;
    const consentStep = await browser.follow(login.body.redirectTo);
    const consentUid = consentStep.url.pathname.split('/')[3] as string;
    atTwo.cookies = browser.cookies;
    const consent = await atTwo.api('POST', `/v1/oidc/interactions/${consentUid}/consent`, {});
    expect(consent.status, JSON.stringify(consent.body)).toBe(200);
    browser.cookies = atTwo.cookies;
    const back = await browser.follow(consent.body.redirectTo);
    expect(back.url.searchParams.get('code')).toEqual(expect.any(String));
  });

  it('a key rotated at one instance signs at the other once it re-reads the keys', async () => {
    const rotated = await rotateSigningKey(one.database.db, one.config, 'ES256');
    expect(await two.app.oidc.refreshKeys()).toBe(true);
    const jwks = await (await fetch(`http://127.0.0.1:${two.port}/oidc/jwks`)).json();
    expect(jwks.keys[0].kid).toBe(rotated.kid);
    expect(jwks.keys).toHaveLength(2);
  });
});

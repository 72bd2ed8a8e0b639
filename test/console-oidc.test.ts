/**
 * "Sign in with Roster" through the console, in a real browser (issue 12): a real relying party —
 * openid-client — discovers a Roster on http://localhost:<port> and builds authorization URLs with
 * PKCE; Debian's Chromium opens them, lands on the console's page for the request
 * (`/oidc/interaction/:uid`), signs in through the console's own sign-in page (the second step with a
 * code the test computes with `otpauth`, as a phone would), picks an organization and allows. The
 * browser is sent to the client's redirect URI — a small HTTP server on 127.0.0.1 — where the test
 * reads the code and exchanges it with openid-client for an organization access token, verified with
 * `roster/verifier`.
 *
 * Proves: the whole journey (tokens, switching organization by refresh, a demotion seen at the next
 * refresh, refusal after removal, RP-initiated logout through the browser ending the Roster session);
 * prompt=none answering at once while signed in, and `login_required` after signing out of Roster, also
 * through the provider's auto-submitted form_post page; prompt=login making the person sign in again,
 * told why; sign-up, and sign-up with an invitation link, coming back to the request; Deny answering
 * `access_denied`; an organization requiring a second factor the person lacks shown disabled with why;
 * a request that is over, or unknown, explained in words; the provider's pages (logout confirmation,
 * form_post) working with no CSP violation and not given the console's CSP; the pages at 375 px.
 *
 * Without /usr/bin/chromium the browser tests are skipped with a message; in CI (CI=true) they fail.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import type { Page } from 'playwright-core';
import { createVerifier } from 'roster/verifier';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, explain } from '../console/src/api.ts';
import { OidcErrors } from '../src/features/oidc/oidc.errors.ts';
import { PROVIDER_PAGE_CSP } from '../src/features/oidc/oidc.pages.ts';
import {
  type ConsoleHarness,
  freshPage as freshPageOf,
  openConsole,
  PASSWORD,
  RUN_BROWSER_TESTS,
  seedOrg as seedOrgIn,
  shot,
  sidewaysOverflow,
  signInAt,
} from './console-browser.ts';
import { addActiveMember, bearer, type TestApp, uniqueEmail } from './helpers.ts';
import { invited } from './invitation-helpers.ts';
import { type Authenticator, codeFor, enrolTotp, stepNow } from './mfa-helpers.ts';
import { apiKey, orgResource } from './oidc-helpers.ts';

const SCOPE = 'openid email profile organizations offline_access';

describe('the console has words for every code of the sign-in request', () => {
  it('explains each code in words of its own (not the API message)', () => {
    for (const [code, factory] of Object.entries(OidcErrors)) {
      const said = explain(new ApiError(factory.status, { code, message: 'the API message' }));
      expect(said, code).not.toBe('the API message');
    }
  });
});

/** What the relying party's redirect URI received. */
interface Received {
  method: string;
  url: URL;
  body: string;
}

/** The client's side: a page at its redirect URI and post-logout URI, recording what arrives. */
async function startRelyingParty() {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method ?? 'GET',
        url: new URL(req.url ?? '/', `http://${req.headers.host}`),
        body: Buffer.concat(chunks).toString(),
      });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Acme Notes</title></head><body><p>Back at Acme Notes.</p></body></html>',
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Connections a browser opened ahead of time (and never used) would hold the close up.
        server.closeAllConnections();
      }),
  };
}

describe.runIf(RUN_BROWSER_TESTS)('"Sign in with Roster" through the console (Chromium)', () => {
  let h: ConsoleHarness;
  let t: TestApp;
  let base: string;
  let pageErrors: string[];
  let rpServer: Awaited<ReturnType<typeof startRelyingParty>>;
  let rp: client.Configuration;
  let clientId: string;
  let redirectUri: string;
  let signedOutUri: string;

  beforeAll(async () => {
    h = await openConsole({}, { localhost: true });
    ({ t, base, pageErrors } = h);
    rpServer = await startRelyingParty();
    redirectUri = `${rpServer.origin}/callback`;
    signedOutUri = `${rpServer.origin}/signed-out`;
    const adminKey = await apiKey(t.app, 'clients:admin');
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/oidc/clients',
      headers: bearer(adminKey),
      payload: { name: 'Acme Notes', redirectUris: [redirectUri], postLogoutRedirectUris: [signedOutUri] },
    });
    expect(created.statusCode, created.body).toBe(201);
    const body = created.json() as { id: string; clientSecret: string };
    clientId = body.id;
    // Discovery, as any relying party does it: the issuer is PUBLIC_URL, http://localhost:<port>.
    rp = await client.discovery(
      new URL(base),
      clientId,
      undefined,
      client.ClientSecretBasic(body.clientSecret),
      { execute: [client.allowInsecureRequests] },
    );
  });

  afterAll(async () => {
    await h?.close();
    await rpServer?.close();
  });

  afterEach(() => {
    expect(pageErrors?.splice(0) ?? []).toEqual([]);
  });

  const freshPage = (viewport?: { width: number; height: number }) => freshPageOf(h.context, viewport);
  const verifier = () => createVerifier({ issuer: base, audience: clientId });

  /** An authorization request of the relying party: code flow, PKCE (S256), state. */
  async function authorization(params: Record<string, string> = {}) {
    const verifierCode = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(rp, {
      redirect_uri: redirectUri,
      scope: SCOPE,
      code_challenge: await client.calculatePKCECodeChallenge(verifierCode),
      code_challenge_method: 'S256',
      state,
      ...params,
    });
    return { url, verifier: verifierCode, state };
  }

  /** Waits for the browser to be back at the client's redirect URI, and returns that address. */
  async function backAtClient(page: Page): Promise<URL> {
    await page.waitForURL((u) => u.href.startsWith(`${redirectUri}?`));
    return new URL(page.url());
  }

  /** The consent step's form, named by what it says. */
  const consentForm = (page: Page) =>
    page.getByRole('form', { name: 'Acme Notes asks to use your Roster account.' });

  /** Sign-in through the console's own page, up to the second step when the account has one. */
  async function fillSignIn(page: Page, email: string) {
    const form = page.getByRole('form', { name: 'Sign in' });
    await form.waitFor();
    if ((await page.getByLabel('Email').inputValue()) !== email) await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  /**
   * A code of the authenticator app no sign-in has used yet: a later step than the last one used, and
   * at most one step ahead of now (the window Roster accepts), waiting for the clock when it must.
   */
  async function nextCode(app: Authenticator, used: { step: number }) {
    while (used.step + 1 > stepNow() + 1) await new Promise((r) => setTimeout(r, 250));
    used.step = Math.max(used.step + 1, stepNow());
    return codeFor(app.totp, used.step);
  }

  it('signs in through the console with a second factor, picks an organization, allows: the tokens follow the membership, and logout ends the Roster session', async () => {
    const acme = await seedOrgIn(t, 'Acme');
    const globex = await seedOrgIn(t, 'Globex');
    const mia = acme.member; // a member of Acme, and an admin of Globex
    await addActiveMember(t.database, globex.org.id, mia.user.id, 'admin');
    const app = await enrolTotp(t.app, mia.token);
    const used = { step: app.confirmedStep };

    const page = await freshPage();
    const run = await authorization();
    await page.goto(run.url.href);
    // Signed out: the provider sends the browser to the console's page, which sends it to sign in.
    await page.waitForURL((u) => u.pathname === '/sign-in');
    const next = new URL(page.url()).searchParams.get('next') ?? '';
    expect(next).toMatch(/^\/oidc\/interaction\/[A-Za-z0-9_-]+$/);
    const notice = page.getByRole('region', { name: 'Sign-in request' });
    await notice.getByText('Acme Notes asks you to sign in with your Roster account.').waitFor();
    await shot(page, 'oidc-sign-in');

    await fillSignIn(page, mia.user.email);
    await page.getByLabel('Authentication code').fill(await nextCode(app, used));
    await page.getByRole('button', { name: 'Verify' }).click();

    // Back at the request: the login step is completed with the new session, then the consent step.
    const consent = consentForm(page);
    await consent.waitFor();
    const consentUrl = page.url();
    expect(new URL(consentUrl).pathname).toMatch(/^\/oidc\/interaction\/[A-Za-z0-9_-]+$/);
    expect(new URL(consentUrl).pathname).not.toBe(next); // a new interaction for the new step
    const text = await consent.textContent();
    expect(text).toContain(`Signed in as Mia Member (${mia.user.email}).`);
    for (const words of [
      'Know who you are: your Roster account’s ID.',
      'See your name (Mia Member).',
      `See your email address (${mia.user.email}).`,
      'See the organizations you are a member of and your role in each',
    ]) {
      expect(text).toContain(words);
    }
    const acmeChoice = consent.getByRole('radio', { name: /^Acme Org/ });
    const globexChoice = consent.getByRole('radio', { name: /^Globex Org/ });
    expect(await acmeChoice.isChecked()).toBe(true); // the first organization joined
    expect(await globexChoice.isEnabled()).toBe(true);
    await globexChoice.check();
    await shot(page, 'oidc-consent');
    await consent.getByRole('button', { name: 'Allow' }).click();

    // At the client: the code, exchanged for tokens with an organization access token for Globex.
    const callback = await backAtClient(page);
    expect(callback.searchParams.get('state')).toBe(run.state);
    const tokens = await client.authorizationCodeGrant(
      rp,
      callback,
      { pkceCodeVerifier: run.verifier, expectedState: run.state },
      { resource: orgResource(globex.org.id) },
    );
    const id = tokens.claims();
    expect(id).toMatchObject({
      iss: base,
      sub: mia.user.id,
      aud: clientId,
      email: mia.user.email,
      email_verified: true,
      name: 'Mia Member',
      org_id: globex.org.id,
      org_role: 'admin',
    });
    // Signed in with a password and an authenticator app.
    expect(id?.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));
    expect(id?.organizations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: acme.org.id, role: 'member' }),
        expect.objectContaining({ id: globex.org.id, role: 'admin' }),
      ]),
    );
    const atGlobex = await verifier().verify(tokens.access_token);
    expect(atGlobex).toMatchObject({ userId: mia.user.id, orgId: globex.org.id, role: 'admin', clientId });
    expect(atGlobex.can('member:invite')).toBe(true);

    // Switching organization is a refresh naming another one: no new sign-in.
    let refreshToken = tokens.refresh_token as string;
    const switched = await client.refreshTokenGrant(rp, refreshToken, { resource: orgResource(acme.org.id) });
    refreshToken = switched.refresh_token as string;
    const atAcme = await verifier().verify(switched.access_token);
    expect(atAcme).toMatchObject({ orgId: acme.org.id, role: 'member' });
    expect(atAcme.can('member:invite')).toBe(false);

    // A demotion (through the API) shows in the next refreshed token.
    const demote = await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${globex.org.id}/members/${mia.user.id}`,
      headers: bearer(globex.owner.token),
      payload: { role: 'member' },
    });
    expect(demote.statusCode, demote.body).toBe(200);
    const demoted = await client.refreshTokenGrant(rp, refreshToken, {
      resource: orgResource(globex.org.id),
    });
    refreshToken = demoted.refresh_token as string;
    const afterDemotion = await verifier().verify(demoted.access_token);
    expect(afterDemotion).toMatchObject({ orgId: globex.org.id, role: 'member' });
    expect(afterDemotion.can('member:invite')).toBe(false);

    // Removed from Globex: no token for it any more.
    const remove = await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${globex.org.id}/members/${mia.user.id}`,
      headers: bearer(globex.owner.token),
    });
    expect(remove.statusCode, remove.body).toBe(204);
    await expect(
      client.refreshTokenGrant(rp, refreshToken, { resource: orgResource(globex.org.id) }),
    ).rejects.toMatchObject({ error: 'invalid_target' });

    // The request just answered is over: its page says so in words.
    await page.goto(consentUrl);
    await page.getByRole('alert').filter({ hasText: 'This sign-in request is no longer open' }).waitFor();

    // RP-initiated logout, through the browser: the provider's confirmation page, then the client.
    const logout = client.buildEndSessionUrl(rp, {
      id_token_hint: tokens.id_token as string,
      post_logout_redirect_uri: signedOutUri,
      state: 'bye',
    });
    const logoutPage = await page.goto(logout.href);
    // The provider's own page: not the console's, under a CSP of its own (its one inline style).
    expect(logoutPage?.headers()['content-security-policy']).toBe(PROVIDER_PAGE_CSP);
    await page.getByRole('heading', { name: 'Sign out of Roster?' }).waitFor();
    expect(await page.locator('main').textContent()).toContain('Acme Notes asks to sign you out.');
    await shot(page, 'oidc-logout');
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.waitForURL(`${signedOutUri}?state=bye`);
    // The Roster session ended too.
    expect((await page.request.get(`${base}/v1/me`)).status()).toBe(401);
    await page.goto(`${base}/`);
    await page.waitForURL((u) => u.pathname === '/sign-in');
  });

  it('prompt=none answers at once while signed in, through the provider’s form_post page too, and login_required once the person signed out of Roster', async () => {
    const { member } = await seedOrgIn(t, 'Silent');
    const page = await freshPage();
    await signInAt(page, base, member.user.email);

    // Signed in to Roster: the login step completes by itself; the consent step is asked once.
    const first = await authorization();
    await page.goto(first.url.href);
    await consentForm(page).waitFor();
    // The console's page carries the console's CSP.
    const consolePage = await page.request.get(page.url(), { headers: { accept: 'text/html' } });
    expect(consolePage.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.getByRole('button', { name: 'Allow' }).click();
    expect((await backAtClient(page)).searchParams.get('code')).toEqual(expect.any(String));

    // prompt=none: no page at all, straight back with a code.
    const silent = await authorization({ prompt: 'none' });
    await page.goto(silent.url.href);
    const callback = await backAtClient(page);
    const tokens = await client.authorizationCodeGrant(rp, callback, {
      pkceCodeVerifier: silent.verifier,
      expectedState: silent.state,
    });
    expect(tokens.claims()?.sub).toBe(member.user.id);

    // response_mode=form_post: the provider's page posts the code to the client by its inline script.
    const posted = await authorization({ prompt: 'none', response_mode: 'form_post' });
    const before = rpServer.received.length;
    const formPage = page.waitForResponse(
      (r) => r.url().startsWith(`${base}/oidc/auth`) && r.status() === 200,
    );
    await page.goto(posted.url.href);
    expect((await formPage).headers()['content-security-policy'] ?? '').not.toContain("script-src 'self'");
    await page.waitForURL(redirectUri);
    const post = rpServer.received.slice(before).find((r) => r.method === 'POST');
    expect(post?.url.pathname).toBe('/callback');
    const form = new URLSearchParams(post?.body);
    expect(form.get('state')).toBe(posted.state);
    const request = new Request(redirectUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
    const postedTokens = await client.authorizationCodeGrant(rp, request, {
      pkceCodeVerifier: posted.verifier,
      expectedState: posted.state,
    });
    expect(postedTokens.claims()?.sub).toBe(member.user.id);

    // Signed out of Roster (the console's own Sign out): prompt=none needs a login now.
    await page.goto(`${base}/`);
    await page
      .getByRole('banner')
      .getByLabel(/^Account:/)
      .click();
    await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${base}/sign-in`);
    const after = await authorization({ prompt: 'none' });
    await page.goto(after.url.href);
    const refused = await backAtClient(page);
    expect(refused.searchParams.get('error')).toBe('login_required');
    expect(refused.searchParams.get('state')).toBe(after.state);
  });

  it('prompt=login makes a signed-in person sign in again, told why, and carries on', async () => {
    const { member } = await seedOrgIn(t, 'Fresh');
    const page = await freshPage();
    await signInAt(page, base, member.user.email);
    const first = await authorization();
    await page.goto(first.url.href);
    await page.getByRole('button', { name: 'Allow' }).click();
    await backAtClient(page);

    // The engine counts in whole seconds: a sign-in the second before the request is not fresh.
    await new Promise((r) => setTimeout(r, 1100));
    const run = await authorization({ prompt: 'login' });
    const asked = Math.floor(Date.now() / 1000);
    await page.goto(run.url.href);
    await page.waitForURL((u) => u.pathname === '/sign-in');
    await page
      .getByRole('status')
      .filter({ hasText: 'Acme Notes asks you to sign in again before it continues.' })
      .waitFor();
    expect(await page.getByLabel('Email').inputValue()).toBe(member.user.email);
    await fillSignIn(page, member.user.email);
    // Consent was given before: straight back to the client.
    const callback = await backAtClient(page);
    const tokens = await client.authorizationCodeGrant(rp, callback, {
      pkceCodeVerifier: run.verifier,
      expectedState: run.state,
    });
    expect(tokens.claims()?.auth_time).toBeGreaterThanOrEqual(asked);
  });

  it('a new person signs up from the request, or with an invitation link, and comes back to it', async () => {
    const { owner, org } = await seedOrgIn(t, 'Invites');

    // Sign-up from the request's sign-in page: back at the request, the address not verified yet.
    const page = await freshPage();
    const run = await authorization();
    await page.goto(run.url.href);
    await page.waitForURL((u) => u.pathname === '/sign-in');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.waitForURL((u) => u.pathname === '/sign-up');
    await page.getByRole('region', { name: 'Sign-in request' }).waitFor();
    const email = uniqueEmail('oidc-new');
    await page.getByLabel('Name').fill('Nora New');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    const consent = consentForm(page);
    await consent.waitFor();
    expect(await consent.textContent()).toContain(`See your email address (${email}, not verified yet).`);
    expect(await consent.textContent()).toContain(
      'You are not a member of any organization yet: Acme Notes will see none.',
    );
    await consent.getByRole('button', { name: 'Allow' }).click();
    const callback = await backAtClient(page);
    const tokens = await client.authorizationCodeGrant(rp, callback, {
      pkceCodeVerifier: run.verifier,
      expectedState: run.state,
    });
    expect(tokens.claims()).toMatchObject({ email, email_verified: false, organizations: [] });

    // An invitation's link pasted on the sign-up page: the account starts verified, in the organization.
    const invitee = uniqueEmail('oidc-invitee');
    const invitation = await invited(t.app, owner, org.slug, invitee, 'admin');
    const other = await freshPage();
    const second = await authorization();
    await other.goto(second.url.href);
    await other.waitForURL((u) => u.pathname === '/sign-in');
    await other.getByRole('link', { name: 'Create an account' }).click();
    const paste = other.getByRole('form', { name: 'Invited to an organization?' });
    await paste.getByLabel('Invitation link').fill('not a link');
    await paste.getByRole('button', { name: 'Continue with the invitation' }).click();
    await paste.getByText('Paste the whole link from the invitation email').waitFor();
    await paste.getByLabel('Invitation link').fill(invitation.acceptUrl);
    await paste.getByRole('button', { name: 'Continue with the invitation' }).click();
    await other.waitForURL(`${base}/invitations/accept`); // the token and next leave the address bar
    await other.getByText(`invited you to join ${org.name}`).waitFor();
    await other.getByLabel('Name').fill('Ivy Invitee');
    await other.getByLabel('Password').fill(PASSWORD);
    await other.getByRole('button', { name: `Create account and join ${org.name}` }).click();
    const invitedConsent = consentForm(other);
    await invitedConsent.waitFor();
    expect(await invitedConsent.getByRole('radio', { name: new RegExp(`^${org.name}`) }).isChecked()).toBe(
      true,
    );
    await invitedConsent.getByRole('button', { name: 'Allow' }).click();
    const back = await backAtClient(other);
    const invitedTokens = await client.authorizationCodeGrant(
      rp,
      back,
      { pkceCodeVerifier: second.verifier, expectedState: second.state },
      { resource: orgResource(org.id) },
    );
    expect(invitedTokens.claims()).toMatchObject({ email: invitee, email_verified: true, org_id: org.id });
    expect(await verifier().verify(invitedTokens.access_token)).toMatchObject({
      orgId: org.id,
      role: 'admin',
    });
  });

  it('at 375 px: an organization requiring a second factor is shown unavailable with why, and Deny sends access_denied to the client', async () => {
    const { member } = await seedOrgIn(t, 'Narrow');
    const strict = await seedOrgIn(t, 'Strict');
    await addActiveMember(t.database, strict.org.id, member.user.id, 'member');
    await t.database.db
      .updateTable('organizations')
      .set({ mfa_required: true })
      .where('id', '=', strict.org.id)
      .execute();

    const page = await freshPage({ width: 375, height: 812 });
    const run = await authorization();
    await page.goto(run.url.href);
    await page.getByRole('region', { name: 'Sign-in request' }).waitFor();
    expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
    await shot(page, 'mobile-oidc-sign-in');
    await fillSignIn(page, member.user.email);

    const consent = consentForm(page);
    await consent.waitFor();
    const strictChoice = consent.getByRole('radio', { name: /^Strict Org/ });
    expect(await strictChoice.isDisabled()).toBe(true);
    const why = consent.getByText('Strict Org requires two-factor authentication');
    expect(await why.textContent()).toContain('which your account does not have yet');
    expect(
      await consent.getByRole('link', { name: 'Set up two-factor authentication' }).getAttribute('href'),
    ).toBe(`/account/security?${new URLSearchParams({ next: new URL(page.url()).pathname })}`);
    expect(await consent.getByRole('radio', { name: /^Narrow Org/ }).isChecked()).toBe(true);
    expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
    await shot(page, 'mobile-oidc-consent');

    await consent.getByRole('button', { name: 'Deny' }).click();
    const callback = await backAtClient(page);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe(run.state);
  });

  it('a first-party application skips the consent page', async () => {
    const adminKey = await apiKey(t.app, 'clients:admin');
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/oidc/clients',
      headers: bearer(adminKey),
      payload: { name: 'Acme Console', redirectUris: [redirectUri], firstParty: true },
    });
    expect(created.statusCode, created.body).toBe(201);
    const own = created.json() as { id: string; clientSecret: string };
    const ownRp = await client.discovery(
      new URL(base),
      own.id,
      undefined,
      client.ClientSecretBasic(own.clientSecret),
      { execute: [client.allowInsecureRequests] },
    );
    const { member } = await seedOrgIn(t, 'Own');
    const page = await freshPage();
    const seen: string[] = [];
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame()) seen.push(new URL(f.url()).pathname);
    });
    const codeVerifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(ownRp, {
      redirect_uri: redirectUri,
      scope: SCOPE,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
    await page.goto(url.href);
    await page.waitForURL((u) => u.pathname === '/sign-in');
    await page
      .getByRole('region', { name: 'Sign-in request' })
      .getByText('Acme Console asks you to sign in')
      .waitFor();
    await fillSignIn(page, member.user.email);
    const callback = await backAtClient(page);
    // One request's page (the login step, before and after signing in), never a consent step's.
    expect(new Set(seen.filter((p) => p.startsWith('/oidc/interaction/'))).size).toBe(1);
    const tokens = await client.authorizationCodeGrant(ownRp, callback, { pkceCodeVerifier: codeVerifier });
    expect(tokens.claims()?.sub).toBe(member.user.id);
  });

  it('a request that is unknown, malformed or another browser’s is explained in words', async () => {
    const page = await freshPage();
    // (A uid with a dot never reaches the console: the console serves no page for an address with a
    // file extension, and the provider's uids have none.)
    for (const uid of ['nosuchrequest1234', 'x'.repeat(65)]) {
      await page.goto(`${base}/oidc/interaction/${uid}`);
      await page.getByRole('alert').filter({ hasText: 'This sign-in request is no longer open' }).waitFor();
      expect(await page.getByRole('alert').textContent()).toContain(
        'Go back to the application and sign in from there again.',
      );
      await page.getByRole('link', { name: 'Sign in to Roster' }).waitFor();
    }
    // Started in this browser, opened in another one: that browser has no cookie for it.
    const run = await authorization();
    await page.goto(run.url.href);
    await page.waitForURL((u) => u.pathname === '/sign-in');
    const next = new URL(page.url()).searchParams.get('next') as string;
    const other = await (await h.otherBrowser()).newPage();
    await other.goto(`${base}${next}`);
    await other.getByRole('alert').filter({ hasText: 'This sign-in request is no longer open' }).waitFor();
    await shot(other, 'oidc-request-over');
    await other.context().close();
  });
});

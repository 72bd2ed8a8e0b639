/**
 * Passkeys (WebAuthn), tested for real: Debian's Chromium with a virtual authenticator (CTAP2,
 * resident keys, user verification) driven through the DevTools protocol, on a page of Roster's own
 * origin (a Roster listening on a real port, PUBLIC_URL = http://localhost:<port>, a secure context).
 * The browser runs navigator.credentials.create/get with the options the API gives; the test turns the
 * answers into the JSON the API takes (what @simplewebauthn/browser does). Proves: registering a
 * passkey, signing in with it alone, using it as the second factor after a password, refusing another
 * account's passkey and an unknown one, refusing a replayed assertion and a counter that went back.
 * Without /usr/bin/chromium the file is skipped with a message; with CI=true it fails.
 */
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, RUN_BROWSER_TESTS } from './console-browser.ts';
import {
  bearer,
  createTestApp,
  emailsTo,
  errorCode,
  type SignedUp,
  signUp,
  type TestApp,
  uniqueEmail,
} from './helpers.ts';
import { details, passwordStep, secondStep } from './mfa-helpers.ts';
import { freePort } from './roster-process.ts';

/** In the page: JSON options → navigator.credentials → JSON answer (base64url for every buffer). */
const WEBAUTHN_JSON = `
(() => {
  const buf = (s) => {
    const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  };
  const b64u = (b) => {
    let bin = '';
    for (const x of new Uint8Array(b)) bin += String.fromCharCode(x);
    return btoa(bin).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  };
  const creds = (list) => list && list.map((c) => ({ ...c, id: buf(c.id) }));
  window.webauthnJson = {
    async create(o) {
      const publicKey = { ...o, challenge: buf(o.challenge), user: { ...o.user, id: buf(o.user.id) },
        excludeCredentials: creds(o.excludeCredentials || []) };
      const c = await navigator.credentials.create({ publicKey });
      return { id: c.id, rawId: b64u(c.rawId), type: c.type,
        response: { clientDataJSON: b64u(c.response.clientDataJSON),
          attestationObject: b64u(c.response.attestationObject), transports: c.response.getTransports() },
        clientExtensionResults: c.getClientExtensionResults(),
        authenticatorAttachment: c.authenticatorAttachment || undefined };
    },
    async get(o, onlyCredentialId) {
      const allow = onlyCredentialId ? [{ type: 'public-key', id: onlyCredentialId }] : o.allowCredentials;
      const publicKey = { ...o, challenge: buf(o.challenge), allowCredentials: creds(allow) };
      const c = await navigator.credentials.get({ publicKey });
      return { id: c.id, rawId: b64u(c.rawId), type: c.type,
        response: { clientDataJSON: b64u(c.response.clientDataJSON),
          authenticatorData: b64u(c.response.authenticatorData), signature: b64u(c.response.signature),
          userHandle: c.response.userHandle ? b64u(c.response.userHandle) : undefined },
        clientExtensionResults: c.getClientExtensionResults(),
        authenticatorAttachment: c.authenticatorAttachment || undefined };
    },
  };
})();
`;

type Json = Record<string, unknown>;

describe.skipIf(!RUN_BROWSER_TESTS)('passkeys in Chromium with a virtual authenticator', () => {
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let alice: SignedUp;
  let bob: SignedUp;
  let aliceCredential: string;
  let bobCredential: string;
  let bobPasskeyId: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`CI needs Debian's Chromium at ${CHROMIUM} (.ci/run installs it)`);
    const port = await freePort();
    // A host name, not 127.0.0.1: an IP address cannot be a WebAuthn RP ID. localhost is a secure context.
    const base = `http://localhost:${port}`;
    t = await createTestApp({ publicUrl: base });
    await t.app.listen({ port, host: '127.0.0.1' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        // localhost is the loopback where Roster listens (IPv4).
        '--host-resolver-rules=MAP localhost 127.0.0.1',
      ],
    });
    context = await browser.newContext();
    context.setDefaultTimeout(120_000);
    page = await context.newPage();
    await page.addInitScript(WEBAUTHN_JSON);
    await page.goto(`${base}/healthz`);
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
      },
    });
    alice = await signUp(t.app, uniqueEmail('alice'), 'Alice Passkey');
    bob = await signUp(t.app, uniqueEmail('bob'), 'Bob Passkey');
  }, 600_000);
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await t?.close();
  });

  const create = (options: Json) =>
    page.evaluate(
      (o) =>
        (window as unknown as { webauthnJson: { create(o: Json): Promise<Json> } }).webauthnJson.create(o),
      options,
    );
  const assertWith = (options: Json, onlyCredentialId?: string) =>
    page.evaluate(
      ([o, id]) =>
        (
          window as unknown as { webauthnJson: { get(o: Json, id?: string): Promise<Json> } }
        ).webauthnJson.get(o as Json, id as string | undefined),
      [options, onlyCredentialId] as const,
    );

  async function register(person: SignedUp, name?: string) {
    const opts = await t.app.inject({
      method: 'POST',
      url: '/v1/me/passkeys/options',
      headers: bearer(person.token),
    });
    expect(opts.statusCode, opts.body).toBe(200);
    const response = await create(opts.json().options);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/me/passkeys',
      headers: bearer(person.token),
      payload: { response, ...(name && { name }) },
    });
    return { options: opts.json().options as Json, response, res };
  }

  async function passwordless(onlyCredentialId?: string) {
    const start = await t.app.inject({ method: 'POST', url: '/v1/auth/passkey/options' });
    expect(start.statusCode, start.body).toBe(200);
    const { challengeId, options } = start.json() as { challengeId: string; options: Json };
    const response = await assertWith(options, onlyCredentialId);
    const body = { challengeId, response };
    const res = await t.app.inject({ method: 'POST', url: '/v1/auth/passkey', payload: body });
    return { body, options, res };
  }

  async function methodsOfSession(token: string) {
    const id = token.slice(3, 35).replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
    const row = await t.database.db
      .selectFrom('sessions')
      .select('auth_methods')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    return row.auth_methods;
  }

  it('registers a passkey: stored with its public key, listed, audited, emailed; the first factor brings recovery codes', async () => {
    const { options, response, res } = await register(alice, 'Work laptop');
    expect(options).toMatchObject({
      rp: { id: 'localhost', name: 'Roster' },
      user: { name: alice.user.email, displayName: 'Alice Passkey' },
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
      excludeCredentials: [],
    });
    expect(res.statusCode, res.body).toBe(201);
    const added = res.json();
    expect(added.passkey).toMatchObject({ name: 'Work laptop', lastUsedAt: null });
    expect(added.recoveryCodes).toHaveLength(10);
    aliceCredential = response.id as string;
    const row = await t.database.db
      .selectFrom('webauthn_credentials')
      .selectAll()
      .where('user_id', '=', alice.user.id)
      .executeTakeFirstOrThrow();
    expect(row.credential_id).toBe(aliceCredential);
    expect(row.public_key.length).toBeGreaterThan(32);
    expect(row.transports).toContain('internal');

    const list = await t.app.inject({ url: '/v1/me/passkeys', headers: bearer(alice.token) });
    expect(list.json().data.map((p: { name: string }) => p.name)).toEqual(['Work laptop']);
    const mfa = await t.app.inject({ url: '/v1/me/mfa', headers: bearer(alice.token) });
    expect(mfa.json()).toMatchObject({ totp: null, recoveryCodes: { remaining: 10 } });
    expect(mfa.json().passkeys).toHaveLength(1);
    const audit = await t.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('actor_id', '=', alice.user.id)
      .execute();
    expect(audit.map((a) => a.action)).toContain('user.passkey_added');
    expect((await emailsTo(t, alice.user.email)).map((m) => m.subject)).toContain(
      'A passkey was added to your account',
    );

    // The same answer again: its challenge is spent.
    const again = await t.app.inject({
      method: 'POST',
      url: '/v1/me/passkeys',
      headers: bearer(alice.token),
      payload: { response },
    });
    expect(again.statusCode).toBe(400);
    expect(errorCode(again)).toBe('PASSKEY_CHALLENGE_INVALID');
    // The next options exclude it, so the authenticator is not registered twice.
    const next = await t.app.inject({
      method: 'POST',
      url: '/v1/me/passkeys/options',
      headers: bearer(alice.token),
    });
    expect(next.json().options.excludeCredentials).toEqual([
      expect.objectContaining({ id: aliceCredential, type: 'public-key' }),
    ]);
  });

  it('signs in with the passkey alone (discoverable, user-verified): a session with auth method passkey', async () => {
    const { options, res } = await passwordless();
    expect(options).toMatchObject({ rpId: 'localhost', userVerification: 'required' });
    expect(options.allowCredentials ?? []).toEqual([]);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().user).toMatchObject({ id: alice.user.id, email: alice.user.email });
    expect(String(res.headers['set-cookie'])).toContain('roster_session=');
    const token = res.json().session.token as string;
    expect((await t.app.inject({ url: '/v1/me', headers: bearer(token) })).json().id).toBe(alice.user.id);
    expect(await methodsOfSession(token)).toEqual(['passkey']);
    const list = await t.app.inject({ url: '/v1/me/passkeys', headers: bearer(alice.token) });
    expect(list.json().data[0].lastUsedAt).not.toBeNull();
  });

  it('a replayed assertion is refused: with its spent challenge, and with a fresh one', async () => {
    const { body, res } = await passwordless();
    expect(res.statusCode, res.body).toBe(200);
    const replay = await t.app.inject({ method: 'POST', url: '/v1/auth/passkey', payload: body });
    expect(replay.statusCode).toBe(400);
    expect(errorCode(replay)).toBe('PASSKEY_CHALLENGE_INVALID');
    const fresh = await t.app.inject({ method: 'POST', url: '/v1/auth/passkey/options' });
    const onFresh = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/passkey',
      payload: { ...body, challengeId: fresh.json().challengeId },
    });
    expect(onFresh.statusCode).toBe(401);
    expect(errorCode(onFresh)).toBe('PASSKEY_VERIFICATION_FAILED');
  });

  it('a signature counter that goes backwards is refused (a cloned authenticator)', async () => {
    const row = await t.database.db
      .selectFrom('webauthn_credentials')
      .select(['id', 'counter'])
      .where('credential_id', '=', aliceCredential)
      .executeTakeFirstOrThrow();
    expect(Number(row.counter)).toBeGreaterThan(0); // the virtual authenticator counts its signatures
    await t.database.db
      .updateTable('webauthn_credentials')
      .set({ counter: 1_000_000 })
      .where('id', '=', row.id)
      .execute();
    const { res } = await passwordless();
    expect(res.statusCode).toBe(401);
    expect(errorCode(res)).toBe('PASSKEY_VERIFICATION_FAILED');
    await t.database.db
      .updateTable('webauthn_credentials')
      .set({ counter: row.counter })
      .where('id', '=', row.id)
      .execute();
    expect((await passwordless()).res.statusCode).toBe(200);
  });

  it('is the second factor after a password: the options offer only the account’s passkeys', async () => {
    const c = await passwordStep(t.app, alice.user.email);
    expect(c.methods).toEqual(['recovery_code', 'passkey']);
    // An answer before asking for options: there is no WebAuthn challenge to sign yet.
    const early = await secondStep(t.app, {
      challenge: c.challenge,
      passkey: {
        id: 'x',
        rawId: 'x',
        type: 'public-key',
        response: { clientDataJSON: 'x', authenticatorData: 'x', signature: 'x' },
        clientExtensionResults: {},
      },
    });
    expect(errorCode(early)).toBe('PASSKEY_OPTIONS_REQUIRED');

    const opts = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in/mfa/passkey-options',
      payload: { challenge: c.challenge },
    });
    expect(opts.statusCode, opts.body).toBe(200);
    const options = opts.json().options as Json;
    expect(options.allowCredentials).toEqual([expect.objectContaining({ id: aliceCredential })]);
    const passkey = await assertWith(options);
    const res = await secondStep(t.app, { challenge: c.challenge, passkey });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().user.id).toBe(alice.user.id);
    expect(await methodsOfSession(res.json().session.token)).toEqual(['pwd', 'passkey']);

    // The same answer to the same challenge: used.
    const replay = await secondStep(t.app, { challenge: c.challenge, passkey });
    expect(replay.statusCode).toBe(410);
    expect(errorCode(replay)).toBe('MFA_CHALLENGE_USED');
    // …and to a new challenge: signed over another WebAuthn challenge.
    const c2 = await passwordStep(t.app, alice.user.email);
    await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in/mfa/passkey-options',
      payload: { challenge: c2.challenge },
    });
    const onNew = await secondStep(t.app, { challenge: c2.challenge, passkey });
    expect(onNew.statusCode).toBe(401);
    expect(errorCode(onNew)).toBe('PASSKEY_VERIFICATION_FAILED');
    expect(details(onNew).attemptsLeft).toBe(4);
  });

  it('another account’s passkey does not answer this account’s challenge', async () => {
    const { response, res } = await register(bob, 'Bob’s key');
    expect(res.statusCode, res.body).toBe(201);
    bobCredential = response.id as string;
    bobPasskeyId = res.json().passkey.id;

    const c = await passwordStep(t.app, alice.user.email);
    const opts = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in/mfa/passkey-options',
      payload: { challenge: c.challenge },
    });
    // Bob's authenticator signs Alice's challenge (a browser offering the wrong key, or a forged request).
    const bobs = await assertWith(opts.json().options, bobCredential);
    const res2 = await secondStep(t.app, { challenge: c.challenge, passkey: bobs });
    expect(res2.statusCode).toBe(401);
    expect(errorCode(res2)).toBe('PASSKEY_NOT_RECOGNIZED');
    expect(details(res2).attemptsLeft).toBe(4);
  });

  it('renames and removes only one’s own passkeys; a removed (unknown) credential is refused', async () => {
    const foreign = await t.app.inject({
      method: 'PATCH',
      url: `/v1/me/passkeys/${bobPasskeyId}`,
      headers: bearer(alice.token),
      payload: { name: 'mine now' },
    });
    expect(foreign.statusCode).toBe(404);
    expect(errorCode(foreign)).toBe('PASSKEY_NOT_FOUND');
    const foreignDelete = await t.app.inject({
      method: 'DELETE',
      url: `/v1/me/passkeys/${bobPasskeyId}`,
      headers: bearer(alice.token),
    });
    expect(foreignDelete.statusCode).toBe(404);

    const renamed = await t.app.inject({
      method: 'PATCH',
      url: `/v1/me/passkeys/${bobPasskeyId}`,
      headers: bearer(bob.token),
      payload: { name: '  YubiKey  ' },
    });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json().name).toBe('YubiKey');

    const removed = await t.app.inject({
      method: 'DELETE',
      url: `/v1/me/passkeys/${bobPasskeyId}`,
      headers: bearer(bob.token),
    });
    expect(removed.statusCode).toBe(204);
    const mfa = await t.app.inject({ url: '/v1/me/mfa', headers: bearer(bob.token) });
    // Bob's only factor is gone, and his recovery codes with it.
    expect(mfa.json()).toEqual({ totp: null, passkeys: [], recoveryCodes: { remaining: 0 } });
    expect((await emailsTo(t, bob.user.email)).map((m) => m.subject)).toContain(
      'A passkey was removed from your account',
    );

    // The authenticator still holds the credential; Roster no longer knows it.
    const { res } = await passwordless(bobCredential);
    expect(res.statusCode).toBe(401);
    expect(errorCode(res)).toBe('PASSKEY_NOT_RECOGNIZED');
    // Bob signs in with his password alone again.
    const signIn = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in',
      payload: { email: bob.user.email, password: 'correct horse battery' },
    });
    expect(signIn.statusCode).toBe(200);
  });
});

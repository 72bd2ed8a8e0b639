/**
 * Second factors in the console, in a real browser: Debian's Chromium through playwright-core, a
 * Roster on http://localhost:<port> (PUBLIC_URL so: WebAuthn needs a host name as its relying party,
 * and localhost is a secure context), a real SMTP server, and Chromium's virtual authenticator (CTAP2,
 * resident keys, user verification) through the DevTools protocol for passkeys.
 *
 * Proves: setting up an authenticator app from the QR code's key (the test computes the codes with
 * `otpauth`, as a phone would), the recovery codes shown once and downloaded, signing in with a code
 * and with a recovery code, wrong codes counted down to a fresh start; registering, renaming and using
 * a passkey (alone, and as the second step), a passkey the account no longer has refused in words; an
 * organization requiring two-factor authentication (refused to an owner without a factor, in words),
 * whose member without one is sent to set one up and brought back; the pages at 375 px.
 *
 * Without /usr/bin/chromium the file is skipped with a message; in CI (CI=true) it fails.
 */
import { readFile } from 'node:fs/promises';
import { Secret, TOTP } from 'otpauth';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  addVirtualAuthenticator,
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
import { bearer, type TestApp } from './helpers.ts';
import { codeFor, enrolTotp, stepNow } from './mfa-helpers.ts';

describe.runIf(RUN_BROWSER_TESTS)('second factors in the console (Chromium, virtual authenticator)', () => {
  let h: ConsoleHarness;
  let t: TestApp;
  let base: string;
  let context: BrowserContext;
  let pageErrors: string[];

  beforeAll(async () => {
    h = await openConsole({}, { localhost: true });
    ({ t, base, context, pageErrors } = h);
  });

  afterAll(() => h?.close());

  afterEach(() => {
    expect(pageErrors?.splice(0) ?? []).toEqual([]);
  });

  const freshPage = (viewport?: { width: number; height: number }) => freshPageOf(context, viewport);
  const signIn = (page: Page, email: string, next = '/') => signInAt(page, base, email, next);
  const seedOrg = (label: string) => seedOrgIn(t, label);

  async function signOut(page: Page) {
    await page
      .getByRole('banner')
      .getByLabel(/^Account:/)
      .click();
    await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${base}/sign-in`);
  }

  /** The password step, up to the second step's form. */
  async function passwordStep(page: Page, email: string) {
    await page.goto(`${base}/sign-in`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('form', { name: 'Two-step verification' }).waitFor();
  }

  it('sets up an authenticator app, then signs in with a code and with a recovery code', async () => {
    const { member } = await seedOrg('totp');
    const page = await freshPage();
    await signIn(page, member.user.email, '/account/security');
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const qr = page.getByRole('img', { name: 'QR code for your authenticator app' });
    await qr.waitFor();
    expect(await qr.locator('path').getAttribute('d')).toMatch(/^M\d+ \d+h1v1h-1z/);
    const key = (await page.getByLabel('Setup key', { exact: true }).inputValue()).replace(/\s+/g, '');
    const totp = new TOTP({ secret: Secret.fromBase32(key) });
    await shot(page, 'security-totp-setup');

    // A code of another time is refused in words; the app's code of now turns it on.
    await page.getByLabel('Code from the app').fill(codeFor(totp, stepNow() + 50));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByRole('alert').filter({ hasText: 'The code is wrong.' }).waitFor();
    let step = stepNow();
    await page.getByLabel('Code from the app').fill(codeFor(totp, step));
    await page.getByRole('button', { name: 'Turn on' }).click();

    // Ten recovery codes, shown once: copied or downloaded as a text file.
    const list = page.getByRole('list', { name: 'Recovery codes' });
    await list.waitFor();
    const codes = (await list.getByRole('listitem').allTextContents()).map((c) => c.trim());
    expect(codes).toHaveLength(10);
    for (const c of codes) expect(c).toMatch(/^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download as a text file' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('roster-recovery-codes.txt');
    const file = await readFile((await download.path()) as string, 'utf8');
    for (const c of codes) expect(file).toContain(c);
    expect(file).toContain(member.user.email);
    await shot(page, 'security-recovery-codes');
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await list.waitFor({ state: 'detached' });
    await page.getByText('10 unused recovery codes left.').waitFor();
    const overview = await t.app.inject({ url: '/v1/me/mfa', headers: bearer(member.token) });
    expect(overview.json().totp.enabled).toBe(true);

    // The password is now the first step; a wrong code says how many tries are left.
    await signOut(page);
    await passwordStep(page, member.user.email);
    const code = page.getByLabel('Authentication code');
    expect(await code.getAttribute('autocomplete')).toBe('one-time-code');
    expect(await code.getAttribute('inputmode')).toBe('numeric');
    await shot(page, 'sign-in-second-step');
    await code.fill(codeFor(totp, stepNow() + 50));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /The code is wrong\..* 4 attempts left\.$/ })
      .waitFor();
    step = Math.max(step + 1, stepNow());
    await code.fill(codeFor(totp, step));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(`${base}/`);
    await page.getByRole('heading', { name: 'Your organizations' }).waitFor();

    // The session says how it was signed in.
    await page.goto(`${base}/account/security`);
    const here = page
      .getByRole('region', { name: 'Sessions' })
      .getByRole('row')
      .filter({ hasText: 'This device' });
    await here.waitFor();
    expect(await here.textContent()).toContain('Password and authenticator app');

    // A recovery code instead.
    await signOut(page);
    await passwordStep(page, member.user.email);
    await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await page.getByLabel('Recovery code').fill(codes[0] as string);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(`${base}/`);
    await page.goto(`${base}/account/security`);
    await page.getByText('9 unused recovery codes left.').waitFor();

    // Used once, it works no more.
    await signOut(page);
    await passwordStep(page, member.user.email);
    await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await page.getByLabel('Recovery code').fill(codes[0] as string);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: 'The recovery code is wrong, or it was already used.' })
      .waitFor();
  });

  it('after the last wrong code, the sign-in starts over from the password, saying why', async () => {
    const { member } = await seedOrg('tries');
    const app = await enrolTotp(t.app, member.token);
    const page = await freshPage();
    await passwordStep(page, member.user.email);
    for (let left = 4; left >= 1; left--) {
      await page.getByLabel('Authentication code').fill(codeFor(app.totp, stepNow() + 50 + left));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page
        .getByRole('alert')
        .filter({ hasText: `${left} ${left === 1 ? 'attempt' : 'attempts'} left.` })
        .waitFor();
    }
    await page.getByLabel('Authentication code').fill(codeFor(app.totp, stepNow() + 60));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page
      .getByRole('status')
      .filter({
        hasText: 'That was the last try for this sign-in. Start again with your email and password.',
      })
      .waitFor();
    expect(await page.getByLabel('Password').inputValue()).toBe('');
    expect(await page.getByLabel('Email').inputValue()).toBe(member.user.email);
    // The challenge is dead: starting over asks a new one.
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('form', { name: 'Two-step verification' }).waitFor();
  });

  it('registers a passkey, renames it, signs in with it alone and as the second step', async () => {
    const { member } = await seedOrg('passkey');
    const page = await freshPage();
    await addVirtualAuthenticator(page);
    await signIn(page, member.user.email, '/account/security');
    const section = page.getByRole('region', { name: 'Passkeys' });
    await section.getByText('You have no passkey yet.').waitFor();
    await section.getByLabel('Name of the new passkey').fill('Work laptop');
    await section.getByRole('button', { name: 'Add a passkey' }).click();
    // The account's first second factor brings its recovery codes.
    await page.getByRole('list', { name: 'Recovery codes' }).waitFor();
    expect(await page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').count()).toBe(10);
    await page.getByRole('button', { name: 'I have saved them' }).click();
    const item = section.getByRole('listitem').filter({ hasText: 'Work laptop' });
    await item.waitFor();
    expect(await item.textContent()).toContain('last used never');

    await section.getByRole('button', { name: 'Rename Work laptop' }).click();
    await section.getByLabel('New name for Work laptop').fill('Home laptop');
    await section.getByRole('button', { name: 'Save' }).click();
    await section.getByText('The passkey is now called “Home laptop”.').waitFor();
    await section.getByRole('listitem').filter({ hasText: 'Home laptop' }).waitFor();
    await shot(page, 'security-passkeys');

    // Passwordless: the sign-in page's passkey button, nothing typed.
    await signOut(page);
    await page
      .getByRole('region', { name: 'Have a passkey?' })
      .getByRole('button', { name: 'Use a passkey' })
      .click();
    await page.waitForURL(`${base}/`);
    await page.getByRole('heading', { name: 'Your organizations' }).waitFor();
    await page.goto(`${base}/account/security`);
    const here = page
      .getByRole('region', { name: 'Sessions' })
      .getByRole('row')
      .filter({ hasText: 'This device' });
    await here.waitFor();
    expect((await here.textContent())?.includes('Passkey')).toBe(true);
    const laptop = section.getByRole('listitem').filter({ hasText: 'Home laptop' });
    await laptop.waitFor();
    expect(await laptop.textContent()).not.toContain('last used never');

    // With a passkey, a password opens no session: the second step offers the passkey.
    await signOut(page);
    await passwordStep(page, member.user.email);
    await page
      .getByRole('form', { name: 'Two-step verification' })
      .getByRole('button', { name: 'Use a passkey' })
      .click();
    await page.waitForURL(`${base}/`);

    // A passkey the account no longer has is refused in words.
    const list = await t.app.inject({ url: '/v1/me/passkeys', headers: bearer(member.token) });
    for (const p of list.json().data as Array<{ id: string }>) {
      const gone = await t.app.inject({
        method: 'DELETE',
        url: `/v1/me/passkeys/${p.id}`,
        headers: bearer(member.token),
      });
      expect(gone.statusCode).toBe(204);
    }
    await signOut(page);
    await page
      .getByRole('region', { name: 'Have a passkey?' })
      .getByRole('button', { name: 'Use a passkey' })
      .click();
    await page
      .getByRole('alert')
      .filter({ hasText: 'This passkey is not registered with a Roster account' })
      .waitFor();
    expect(page.url()).toBe(`${base}/sign-in`);
  });

  it('an organization requiring two-factor authentication sends a member without one to set it up, then lets them in', async () => {
    const { owner, org, member } = await seedOrg('mfa-org');
    const page = await freshPage();
    await signIn(page, owner.user.email, `/orgs/${org.slug}/settings`);
    const requirement = page.getByLabel('Require two-factor authentication');
    await requirement.check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    const refusal = page.getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain(
      'Set up two-factor authentication for your own account first',
    );
    expect(
      await refusal.getByRole('link', { name: 'Set up two-factor authentication' }).getAttribute('href'),
    ).toBe(`/account/security?next=${encodeURIComponent(`/orgs/${org.slug}/settings`)}`);

    // With a factor of their own, the owner turns it on.
    await enrolTotp(t.app, owner.token);
    await page.reload();
    await requirement.check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved.').waitFor();
    const saved = await t.app.inject({ url: `/v1/organizations/${org.id}`, headers: bearer(owner.token) });
    expect(saved.json().mfaRequired).toBe(true);

    // A member without a factor opens the organization: sent to Security, told why.
    const memberPage = await freshPage();
    await addVirtualAuthenticator(memberPage);
    await signIn(memberPage, member.user.email, '/');
    await memberPage.goto(`${base}/orgs/${org.slug}/members`);
    await memberPage.waitForURL(
      `${base}/account/security?next=${encodeURIComponent(`/orgs/${org.slug}/members`)}`,
    );
    const notice = memberPage.getByRole('status').filter({ hasText: 'requires two-factor authentication' });
    await notice.waitFor();
    expect(await notice.textContent()).toContain(org.name);
    await shot(memberPage, 'security-required-by-org');

    // A passkey later, and the recovery codes saved, they are back in the organization.
    await memberPage
      .getByRole('region', { name: 'Passkeys' })
      .getByRole('button', { name: 'Add a passkey' })
      .click();
    await memberPage.getByRole('button', { name: 'I have saved them' }).click();
    await memberPage.waitForURL(`${base}/orgs/${org.slug}/members`);
    await memberPage.getByRole('row').filter({ hasText: 'Olivia Owner' }).waitFor();
  });

  it('the security page, its set-up and the second step fit a 375-pixel-wide screen', async () => {
    const { member } = await seedOrg('narrow-mfa');
    const page = await freshPage({ width: 375, height: 812 });
    await signIn(page, member.user.email, '/account/security');
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    await page.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
    await page.waitForFunction(() => !document.querySelector('.loading'));
    expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
    await shot(page, 'mobile-security-setup');
    const key = (await page.getByLabel('Setup key', { exact: true }).inputValue()).replace(/\s+/g, '');
    const totp = new TOTP({ secret: Secret.fromBase32(key) });
    const step = stepNow();
    await page.getByLabel('Code from the app').fill(codeFor(totp, step));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByRole('list', { name: 'Recovery codes' }).waitFor();
    expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
    await shot(page, 'mobile-security-recovery-codes');
    await page.getByRole('button', { name: 'I have saved them' }).click();

    await signOut(page);
    expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
    await shot(page, 'mobile-sign-in');
    await passwordStep(page, member.user.email);
    expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
    await shot(page, 'mobile-sign-in-second-step');
  });
});

/**
 * The console's account pages in a real browser (Debian's Chromium through playwright-core, a Roster
 * on a real port, a real SMTP server): forgetting a password and setting a new one from the delivered
 * email, the profile (name, password, email address through the link sent to the new one), sessions
 * (one signed out, then every other one: another browser's session dies), deleting the account (refused
 * while the last owner of an organization, naming it), the verification link's "Continue" back to the
 * page the person was on, dead links explained, the rate limit on reset requests in words, and the
 * new pages at 375 px. Screenshots go to test-results/screenshots/.
 *
 * Without /usr/bin/chromium the browser tests are skipped with a message; in CI (CI=true) they fail.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, explain } from '../console/src/api.ts';
import { AccessErrors } from '../src/features/access/access.errors.ts';
import { AccountErrors } from '../src/features/account/account.errors.ts';
import { MfaErrors } from '../src/features/mfa/mfa.errors.ts';
import { OrganizationErrors } from '../src/features/organizations/organization.errors.ts';
import {
  type ConsoleHarness,
  freshPage as freshPageOf,
  linkIn,
  openConsole,
  PASSWORD,
  RUN_BROWSER_TESTS,
  seedOrg as seedOrgIn,
  shot,
  sidewaysOverflow,
  signInAt,
  waitForMail,
} from './console-browser.ts';
import { bearer, type TestApp, uniqueEmail } from './helpers.ts';
import type { TestSmtpServer } from './smtp-server.ts';

const NEW_PASSWORD = 'a brand new horse';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

describe('the console has words for every code of accounts and second factors', () => {
  it('explains each code in words of its own (not the API message)', () => {
    const catalogs = { ...AccountErrors, ...MfaErrors, ...AccessErrors, ...OrganizationErrors };
    for (const [code, factory] of Object.entries(catalogs)) {
      // A 401 MFA_REQUIRED is the sign-in's second step, drawn as a form rather than said.
      if (code === 'MFA_REQUIRED' && factory.status === 401) continue;
      const said = explain(new ApiError(factory.status, { code, message: 'the API message' }));
      expect(said, code).not.toBe('the API message');
    }
    const limited = (limit: string) =>
      explain(
        new ApiError(429, { code: 'RATE_LIMITED', message: '', details: { limit, retryAfterSeconds: 600 } }),
      );
    expect(limited('password-reset-ip')).toBe(
      'Too many password-reset requests from your network. Try again in 10 minutes.',
    );
    expect(limited('mfa-answer-user')).toBe(
      'Too many wrong codes for this account. Try again in 10 minutes.',
    );
    const mfaRequired = new ApiError(403, {
      code: 'MFA_REQUIRED',
      message: '',
      details: { organization: { id: 'x', slug: 'acme', name: 'Acme' }, enrol: '/v1/me/mfa' },
    });
    expect(explain(mfaRequired)).toContain('Acme requires two-factor authentication.');
  });
});

describe.runIf(RUN_BROWSER_TESTS)('account pages in Chromium', () => {
  let h: ConsoleHarness;
  let t: TestApp;
  let smtp: TestSmtpServer;
  let base: string;
  let context: BrowserContext;
  let pageErrors: string[];

  beforeAll(async () => {
    h = await openConsole();
    ({ t, smtp, base, context, pageErrors } = h);
  });

  afterAll(() => h?.close());

  afterEach(() => {
    expect(pageErrors?.splice(0) ?? []).toEqual([]);
  });

  const freshPage = (viewport?: { width: number; height: number }) => freshPageOf(context, viewport);
  const signIn = (page: Page, email: string, next = '/') => signInAt(page, base, email, next);
  const seedOrg = (label: string) => seedOrgIn(t, label);

  /** Signs in through the API: the status, and the session token when there is one. */
  async function apiSignIn(email: string, password: string, userAgent = 'curl/8.5.0') {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in',
      headers: { 'user-agent': userAgent },
      payload: { email, password },
    });
    return {
      status: res.statusCode,
      token: res.statusCode === 200 ? (res.json().session.token as string) : null,
    };
  }

  async function me(token: string) {
    return (await t.app.inject({ url: '/v1/me', headers: bearer(token) })).statusCode;
  }

  it('forgot password → the emailed link → a new password → signed in; the used link explains itself', async () => {
    const { member } = await seedOrg('reset');
    const page = await freshPage();
    await page.goto(`${base}/sign-in`);
    await page.getByLabel('Email').fill(member.user.email);
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
    // The address typed on the sign-in page comes along.
    expect(await page.getByLabel('Email').inputValue()).toBe(member.user.email);
    await page.getByRole('button', { name: 'Email me a link' }).click();
    const sent = page
      .getByRole('status')
      .filter({ hasText: 'If an account has this address, we sent it a link' });
    await sent.waitFor();
    expect(await sent.textContent()).toContain(member.user.email);
    await shot(page, 'forgot-password-sent');

    // An address without an account reads the same (no enumeration).
    await page.getByRole('button', { name: 'ask again' }).click();
    const nobody = uniqueEmail('nobody');
    await page.getByLabel('Email').fill(nobody);
    await page.getByRole('button', { name: 'Email me a link' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `we sent it a link to choose a new password: ${nobody}` })
      .waitFor();

    // The reset email's text carries the link (its `links` list stays empty on purpose).
    const mail = await waitForMail(smtp, member.user.email, /reset-password\?token=/);
    const link = linkIn(mail.text, base, '/reset-password');
    const token = decodeURIComponent(new URL(link).searchParams.get('token') ?? '');
    await page.goto(link);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    // The token leaves the address bar at once, and no log line holds it.
    expect(page.url()).toBe(`${base}/reset-password`);
    expect(JSON.stringify(t.logs)).not.toContain(token);

    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Confirm new password').fill('something else');
    await page.getByRole('button', { name: 'Set new password and sign in' }).click();
    await page.getByText('The two passwords are not the same.').waitFor();
    await page.getByLabel('Confirm new password').fill(NEW_PASSWORD);
    await shot(page, 'reset-password');
    await page.getByRole('button', { name: 'Set new password and sign in' }).click();

    // Signed in with the new password, at home, told what happened.
    await page.waitForURL(`${base}/`);
    await page.getByRole('heading', { name: 'Your organizations' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Your password was changed' }).waitFor();
    expect((await page.request.get(`${base}/v1/me`)).status()).toBe(200);
    expect((await apiSignIn(member.user.email, PASSWORD)).status).toBe(401);
    expect((await apiSignIn(member.user.email, NEW_PASSWORD)).status).toBe(200);
    // The session from before the reset ended.
    expect(await me(member.token)).toBe(401);

    // The same link again: used, said so, with the way to a new one.
    const again = await freshPage();
    await again.goto(link);
    await again.getByLabel('New password', { exact: true }).fill('yet another password');
    await again.getByLabel('Confirm new password').fill('yet another password');
    await again.getByRole('button', { name: 'Set new password and sign in' }).click();
    const alert = again.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('This password-reset link was already used.');
    await again.getByRole('link', { name: 'Ask for a new link' }).click();
    await again.waitForURL(`${base}/forgot-password`);
  });

  it('a reset link that was superseded, or is not a link at all, says why and what to do', async () => {
    const { member } = await seedOrg('reset-dead');
    const page = await freshPage();
    for (let i = 0; i < 2; i++) {
      const res = await page.request.post(`${base}/v1/auth/password-reset`, {
        data: { email: member.user.email },
      });
      expect(res.status()).toBe(202);
    }
    const first = linkIn(
      (await waitForMail(smtp, member.user.email, /reset-password\?token=/)).text,
      base,
      '/reset-password',
    );
    for (let i = 0; i < 400 && smtp.to(member.user.email).length < 2; i++) await page.waitForTimeout(50);
    await page.goto(first);
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Confirm new password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set new password and sign in' }).click();
    await page.getByText('A newer password-reset link was sent after this one').waitFor();
    expect(await page.getByRole('link', { name: 'Ask for a new link' }).isVisible()).toBe(true);

    await page.goto(`${base}/reset-password?token=rp_not-a-real-token`);
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Confirm new password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set new password and sign in' }).click();
    await page.getByText('This password-reset link is not valid').waitFor();
  });

  it('changes the name and the password; the session in another browser is signed out', async () => {
    const { member } = await seedOrg('profile');
    const other = await h.otherBrowser();
    const otherPage = await other.newPage();
    await signInAt(otherPage, base, member.user.email);

    const page = await freshPage();
    await signIn(page, member.user.email, '/account');
    await page.getByRole('heading', { name: 'Profile' }).waitFor();

    const nameSection = page.getByRole('region', { name: 'Your name' });
    await nameSection.getByLabel('Name').fill('Mia Renamed');
    await nameSection.getByRole('button', { name: 'Save name' }).click();
    await nameSection.getByText('Your name was saved.').waitFor();
    await page.getByLabel('Account: Mia Renamed').waitFor();

    const form = page.getByRole('form', { name: 'Change your password' });
    await form.getByLabel('Current password').fill('not my password');
    await form.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await form.getByLabel('Confirm new password').fill(NEW_PASSWORD);
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.getByRole('alert').filter({ hasText: 'The password is wrong.' }).waitFor();

    await form.getByLabel('Current password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Change password' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Your password was changed. Your other sessions were signed out (2)' })
      .waitFor();
    await shot(page, 'account-profile');

    // The other browser's session is over: its next page asks it to sign in.
    await otherPage.goto(`${base}/`);
    await otherPage.waitForURL(/\/sign-in\?next=%2F$/);
    // This one stays.
    await page.reload();
    await page.getByRole('heading', { name: 'Profile' }).waitFor();
    expect((await apiSignIn(member.user.email, NEW_PASSWORD)).status).toBe(200);
    await other.close();
  });

  it('changes the email address through the link sent to the new one', async () => {
    const { member, admin } = await seedOrg('email');
    const page = await freshPage();
    await signIn(page, member.user.email, '/account');
    const form = page.getByRole('form', { name: 'Change your email address' });

    // An address another account has is refused in words.
    await form.getByLabel('New email address').fill(admin.user.email);
    await form.getByLabel('Current password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Send the link' }).click();
    await form.getByRole('alert').filter({ hasText: 'Another account already uses this address.' }).waitFor();

    const newEmail = uniqueEmail('mia-new');
    await form.getByLabel('New email address').fill(newEmail);
    await form.getByLabel('Current password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Send the link' }).click();
    const notice = page.getByRole('status').filter({ hasText: `We sent a link to ${newEmail}` });
    await notice.waitFor();
    expect(await notice.textContent()).toContain(
      `Your address stays ${member.user.email} until you follow it`,
    );
    await shot(page, 'account-email-pending');

    const mail = await waitForMail(smtp, newEmail, /confirm-email-change\?token=/);
    await page.goto(linkIn(mail.text, base, '/confirm-email-change'));
    await page.getByText(`Your email address is now ${newEmail}`).waitFor();
    expect(page.url()).toBe(`${base}/confirm-email-change`);
    await page.getByRole('link', { name: 'Continue to your account' }).click();
    await page.getByText(`You sign in with ${newEmail}`).waitFor();
    // The old address was told.
    await waitForMail(smtp, member.user.email, /now signs in with/);
    expect((await apiSignIn(newEmail, PASSWORD)).status).toBe(200);

    // The same link again says it was used.
    await page.goto(linkIn(mail.text, base, '/confirm-email-change'));
    await page.getByRole('alert').filter({ hasText: 'This email-change link was already used.' }).waitFor();
  });

  it('lists the sessions with their devices, signs one out, then every other one (another browser’s too)', async () => {
    const { member } = await seedOrg('sessions');
    const other = await h.otherBrowser({ userAgent: IPHONE });
    const phone = await other.newPage();
    await signInAt(phone, base, member.user.email);
    const script = await apiSignIn(member.user.email, PASSWORD, 'curl/8.5.0');

    const page = await freshPage();
    await signIn(page, member.user.email, '/account/security');
    const sessions = page.getByRole('region', { name: 'Sessions' });
    await sessions.getByRole('row').filter({ hasText: 'Safari on iPhone' }).waitFor();
    const here = sessions.getByRole('row').filter({ hasText: 'This device' });
    expect(await here.textContent()).toContain('Chrome on Linux');
    expect(await here.textContent()).toContain('Password');
    // The header row and three sessions, beside the one seedOrg's sign-up opened.
    expect(await sessions.getByRole('row').count()).toBe(5);
    await shot(page, 'account-sessions');

    await sessions.getByRole('button', { name: /^Sign out curl/ }).click();
    await page.getByRole('status').filter({ hasText: 'curl (' }).waitFor();
    await sessions.getByRole('row').filter({ hasText: 'curl' }).waitFor({ state: 'detached' });
    expect(await me(script.token as string)).toBe(401);

    await sessions.getByRole('button', { name: 'Sign out everywhere else' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Signed out everywhere else: 2 sessions ended.' })
      .waitFor();
    await sessions.getByRole('row').filter({ hasText: 'Safari on iPhone' }).waitFor({ state: 'detached' });
    expect(await sessions.getByRole('row').count()).toBe(2);
    expect((await phone.request.get(`${base}/v1/me`)).status()).toBe(401);
    await phone.goto(`${base}/`);
    await phone.waitForURL(/\/sign-in\?next=%2F$/);
    expect((await page.request.get(`${base}/v1/me`)).status()).toBe(200);

    // Signing out this device from the list signs this browser out.
    await sessions.getByRole('button', { name: 'Sign out this device' }).click();
    await page.waitForURL(`${base}/sign-in`);
    expect((await page.request.get(`${base}/v1/me`)).status()).toBe(401);
    await other.close();
  });

  it('deleting the account is refused naming the organizations it is the last owner of; done after', async () => {
    const { owner, org, admin } = await seedOrg('farewell');
    const page = await freshPage();
    await signIn(page, owner.user.email, '/account');
    const zone = page.getByRole('region', { name: 'Delete account' });
    const button = zone.getByRole('button', { name: 'Delete my account' });
    await zone.getByLabel('Password', { exact: true }).fill(PASSWORD);
    expect(await button.isDisabled()).toBe(true);
    await zone.getByLabel(`Type ${owner.user.email} to confirm`).fill(owner.user.email);
    expect(await button.isEnabled()).toBe(true);
    await button.click();
    const alert = zone.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('You are the last owner of this organization');
    const link = alert.getByRole('link', { name: org.name });
    expect(await link.getAttribute('href')).toBe(`/orgs/${org.slug}/members`);
    await shot(page, 'account-delete-last-owner');
    expect(await me(owner.token)).toBe(200);

    // Another owner takes over; then the account goes.
    const promoted = await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org.id}/members/${admin.user.id}`,
      headers: bearer(owner.token),
      payload: { role: 'owner' },
    });
    expect(promoted.statusCode, promoted.body).toBe(200);
    await button.click();
    await page.waitForURL(`${base}/sign-in`);
    await page
      .getByRole('status')
      .filter({ hasText: `Your account ${owner.user.email} was deleted.` })
      .waitFor();
    expect(await me(owner.token)).toBe(401);
    expect((await apiSignIn(owner.user.email, PASSWORD)).status).toBe(401);
  });

  it('verifying the email address returns to the page the person was on (a join page)', async () => {
    const { owner, org } = await seedOrg('verify-back');
    const on = await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org.id}`,
      headers: bearer(owner.token),
      payload: { joinRequestsEnabled: true },
    });
    expect(on.statusCode, on.body).toBe(200);
    const email = uniqueEmail('joiner');
    const page = await freshPage();
    await page.goto(`${base}/join/${org.slug}`);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Jo Joiner');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${base}/join/${org.slug}`);
    // Unverified, the page says first what is needed (no "Ask to join" the API would refuse).
    await page.getByRole('status').filter({ hasText: 'Confirm your email address first' }).waitFor();
    expect(await page.getByRole('button', { name: 'Ask to join' }).count()).toBe(0);

    // The emailed link opens in another tab, as from a mail program.
    const link = linkIn((await waitForMail(smtp, email, /verify-email\?token=/)).text, base, '/verify-email');
    const tab = await context.newPage();
    await tab.goto(link);
    await tab.getByText('Your email address is verified.').waitFor();
    // The first tab hears of it: its reminder goes, and it offers to ask.
    await page.getByText('Confirm your email address: we sent a link').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Ask to join' }).waitFor();
    await tab.getByRole('link', { name: 'Continue' }).click();
    await tab.waitForURL(`${base}/join/${org.slug}`);
    await tab.getByRole('button', { name: 'Ask to join' }).click();
    await tab.getByText('Your request was sent.').waitFor();
    await tab.close();
  });

  it('the new pages fit a 375-pixel-wide screen', async () => {
    const { member } = await seedOrg('narrow-account');
    const page = await freshPage({ width: 375, height: 812 });
    for (const [path, heading] of [
      ['/forgot-password', 'Reset your password'],
      ['/reset-password?token=rp_x', 'Choose a new password'],
      ['/confirm-email-change?token=re_x', 'Confirm your new email address'],
    ] as const) {
      await page.goto(`${base}${path}`);
      await page.getByRole('heading', { name: heading }).waitFor();
      await page.waitForFunction(() => !document.querySelector('.loading'));
      expect(await sidewaysOverflow(page), path).toBeLessThanOrEqual(0);
      await shot(page, `mobile-${path.slice(1).split('?')[0]}`);
    }
    await signInAt(page, base, member.user.email, '/account');
    for (const [path, heading] of [
      ['/account', 'Profile'],
      ['/account/security', 'Security'],
    ] as const) {
      await page.goto(`${base}${path}`);
      await page.getByRole('heading', { name: heading }).waitFor();
      await page.waitForFunction(() => !document.querySelector('.loading'));
      expect(await sidewaysOverflow(page), path).toBeLessThanOrEqual(0);
      await shot(page, `mobile-${path.slice(1).replace('/', '-')}`);
    }
  });

  // Last: it spends this address's allowance of reset requests.
  it('past the limit of reset requests from one address, the form says how long to wait', async () => {
    const page = await freshPage();
    await page.goto(`${base}/forgot-password`);
    for (let i = 0; i < t.app.ctx.config.passwordResetLimitPerIp + 1; i++) {
      const res = await page.request.post(`${base}/v1/auth/password-reset`, {
        data: { email: uniqueEmail('flood') },
      });
      if (res.status() === 429) break;
      expect(res.status()).toBe(202);
    }
    await page.getByLabel('Email').fill(uniqueEmail('late'));
    await page.getByRole('button', { name: 'Email me a link' }).click();
    await page
      .getByRole('alert')
      .filter({
        hasText: /^Too many password-reset requests from your network\. Try again in \d+ minutes\.$/,
      })
      .waitFor();
  });
});

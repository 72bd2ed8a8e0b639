/**
 * The web console in a real browser (SPEC §3): Debian's Chromium, driven by playwright-core, against a
 * Roster listening on a real port on a fresh database, with a real SMTP server receiving its mail.
 * Screenshots of the main pages are written to test-results/screenshots/ on every run.
 *
 * Without /usr/bin/chromium the file is skipped with a message; in CI (CI=true) it fails instead.
 */
import type { BrowserContext, Page, Response } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsoleHarness,
  freshPage as freshPageOf,
  openConsole,
  PASSWORD,
  RUN_BROWSER_TESTS,
  seedOrg as seedOrgIn,
  shot,
  signInAt,
  waitForMail as waitForMailIn,
} from './console-browser.ts';
import { addActiveMember, bearer, createOrg, signUp, type TestApp, uniqueEmail } from './helpers.ts';
import type { TestSmtpServer } from './smtp-server.ts';

describe.runIf(RUN_BROWSER_TESTS)('web console in Chromium', () => {
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

  // No page may raise a Content-Security-Policy violation or an uncaught error: checked after every
  // test (and emptied), so that a filtered run checks too and a failure names the test that caused it.
  afterEach(() => {
    expect(pageErrors?.splice(0) ?? []).toEqual([]);
  });

  const seedOrg = (label: string) => seedOrgIn(t, label);
  const waitForMail = (to: string) => waitForMailIn(smtp, to);
  const freshPage = (viewport?: { width: number; height: number }) => freshPageOf(context, viewport);

  const signIn = (page: Page, email: string, next = '/') => signInAt(page, base, email, next);

  async function roleOf(orgId: string, userId: string, token: string) {
    const res = await t.app.inject({
      url: `/v1/organizations/${orgId}/members/${userId}`,
      headers: bearer(token),
    });
    return res.statusCode === 200 ? (res.json() as { role: string }).role : res.statusCode;
  }

  it('serves the console on the API port with its security headers, and keeps the API answering', async () => {
    const page = await freshPage();
    const res = (await page.goto(`${base}/sign-in`)) as Response;
    expect(res.status()).toBe(200);
    const headers = res.headers();
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['x-content-type-options']).toBe('nosniff');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.title()).toBe('Sign in · Roster');

    for (const [url, status] of [
      ['/healthz', 200],
      ['/readyz', 200],
      ['/v1/openapi.json', 200],
      ['/v1/no-such-route', 404],
    ] as const) {
      const api = await page.request.get(`${base}${url}`, { headers: { accept: 'text/html' } });
      expect(api.status(), url).toBe(status);
      expect(api.headers()['content-type'], url).toContain('application/json');
    }
  });

  it('sign up → verify the email from the delivered message → create an organization → owner in members', async () => {
    const page = await freshPage();
    const email = uniqueEmail('ada');
    await page.goto(`${base}/`);
    await page.waitForURL(/\/sign-in\?next=%2F$/);
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Ada Lovelace');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await shot(page, 'sign-up');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${base}/`);
    await page.getByRole('heading', { name: 'Your organizations' }).waitFor();
    expect(await page.getByRole('status').filter({ hasText: 'Confirm your email address' }).count()).toBe(1);
    expect(await page.getByText('You are not a member of any organization yet.').isVisible()).toBe(true);

    const message = await waitForMail(email);
    const link = /http:\/\/127\.0\.0\.1:\d+\/verify-email\?token=[A-Za-z0-9_%-]+/.exec(
      message.text ?? '',
    )?.[0];
    expect(link, message.text ?? '').toBeDefined();
    const token = decodeURIComponent(new URL(link as string).searchParams.get('token') ?? '');
    const landing = (await page.goto(link as string)) as Response;
    expect(landing.headers()['referrer-policy']).toBe('no-referrer');
    await page.getByText('Your email address is verified.').waitFor();
    // The token leaves the address bar once read, and never reaches a log line.
    expect(page.url()).toBe(`${base}/verify-email`);
    expect(JSON.stringify(t.logs)).not.toContain(token);
    expect(JSON.stringify(t.logs)).toContain('/verify-email?token=[REDACTED]');

    await page.getByRole('link', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Your organizations' }).waitFor();
    expect(await page.getByText('Confirm your email address').count()).toBe(0);
    await page.getByRole('main').getByRole('link', { name: 'Create organization' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Analytical Engines');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.waitForURL(/\/orgs\/analytical-engines(-[0-9a-f]+)?\/members$/);
    const row = page.getByRole('row').filter({ hasText: 'Ada Lovelace' });
    await row.waitFor();
    expect(await row.getByText('owner', { exact: true }).isVisible()).toBe(true);
    expect(await row.getByText('active', { exact: true }).isVisible()).toBe(true);
    expect(await row.getByText('Created the organization').isVisible()).toBe(true);
    expect(await page.getByRole('row').count()).toBe(2); // the header and Ada

    // The org switcher lists it.
    await page.getByLabel('Switch organization').click();
    expect(await page.getByRole('link', { name: 'Analytical Engines' }).isVisible()).toBe(true);
    await page.keyboard.press('Escape');
  });

  it('offers the last owner no Leave, and says why where the button would be', async () => {
    const owner = await signUp(t.app, uniqueEmail('solo'), 'Sole Owner');
    const org = await createOrg(t.app, owner.token, 'Solo Org');
    const page = await freshPage();
    await signIn(page, owner.user.email, `/orgs/${org.slug}/members`);
    const why = page.getByText('You are the only owner of Solo Org, so you cannot leave it');
    await why.waitFor();
    expect(await why.textContent()).toContain('Make another member an owner first');
    expect(await page.getByRole('button', { name: 'Leave organization' }).count()).toBe(0);
    // Nor may the last owner step down: no "Change role" on their own row, and why.
    const row = page.getByRole('row').filter({ hasText: 'Sole Owner' });
    expect(await row.getByRole('button').count()).toBe(0);
    expect(await row.textContent()).toContain('You are the only owner: make another member an owner');
    await shot(page, 'last-owner-leave-refused');
    // The API stays the judge: the leave it would have refused is refused, in the words the page uses.
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org.id}/members/${owner.user.id}`,
      headers: bearer(owner.token),
    });
    expect(res.json().error.code).toBe('LAST_OWNER');
    expect(await roleOf(org.id, owner.user.id, owner.token)).toBe('owner');
  });

  it("an admin changes a member's role, and is told why an owner's role is out of reach", async () => {
    const { owner, org, admin, member } = await seedOrg('roles');
    const page = await freshPage();
    await signIn(page, admin.user.email, `/orgs/${org.slug}/members`);
    await page.getByRole('row').filter({ hasText: 'Mia Member' }).waitFor();
    expect(await page.getByRole('row').count()).toBe(4);

    await page.getByRole('button', { name: 'Change role of Mia Member' }).click();
    await page.getByLabel('New role for Mia Member').selectOption('admin');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Mia Member is now an admin.' }).waitFor();
    const mia = page.getByRole('row').filter({ hasText: 'Mia Member' });
    await mia.getByText('admin', { exact: true }).waitFor();
    expect(await roleOf(org.id, member.user.id, owner.token)).toBe('admin');

    // An owner is out of an admin's reach: no Change role or Remove on the row, and the row says why.
    const olivia = page.getByRole('row').filter({ hasText: 'Olivia Owner' });
    expect(await olivia.getByRole('button').count()).toBe(0);
    expect(await olivia.textContent()).toContain('Only an owner can change or remove an owner.');
    // Nor is "owner" among the roles an admin may give.
    await page.getByRole('button', { name: 'Change role of Mia Member' }).click();
    expect(await page.getByLabel('New role for Mia Member').locator('option').allTextContents()).toEqual([
      'admin',
      'member',
    ]);
    await page.getByText('Only an owner can make someone an owner.').first().waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await shot(page, 'members');

    // The audit log shows the change, newest first.
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    const first = page.getByRole('row').nth(1);
    expect(await first.textContent()).toContain('Changed Mia Member’s role from member to admin');
    expect(await first.textContent()).toContain('Adam Admin');
    await shot(page, 'audit-log');
  });

  it('an admin removes a member after confirming', async () => {
    const { owner, org, admin, member } = await seedOrg('remove');
    const page = await freshPage();
    await signIn(page, admin.user.email, `/orgs/${org.slug}/members`);
    await page.getByRole('button', { name: 'Remove Mia Member' }).click();
    await page.getByRole('button', { name: 'Remove', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Mia Member was removed' }).waitFor();
    // The list is read again: her row goes.
    await page.getByRole('row').filter({ hasText: 'Mia Member' }).waitFor({ state: 'detached' });
    expect(await page.getByRole('row').count()).toBe(3);
    expect(await roleOf(org.id, member.user.id, owner.token)).toBe(404);
  });

  it('pages through members and filters them', async () => {
    const { org, admin } = await seedOrg('pages');
    for (let i = 0; i < 24; i++) {
      const extra = await signUp(t.app, uniqueEmail(`pages-extra${i}`), `Extra Person ${i}`);
      await addActiveMember(t.database, org.id, extra.user.id, 'member');
    }
    const page = await freshPage();
    await signIn(page, admin.user.email, `/orgs/${org.slug}/members`);
    await page.getByText('Page 1').waitFor();
    expect(await page.getByRole('row').count()).toBe(26); // header + 25
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Page 2').waitFor();
    await page.getByRole('row').filter({ hasText: 'Extra Person 23' }).waitFor();
    expect(await page.getByRole('row').count()).toBe(3); // header + 2 of 27
    expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Previous' }).click();
    await page.getByText('Page 1').waitFor();

    await page.getByLabel('Role', { exact: true }).selectOption('admin');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
    expect(await page.getByRole('row').nth(1).textContent()).toContain('Adam Admin');

    await page.getByLabel('Role', { exact: true }).selectOption('');
    await page.getByLabel('Search').fill('nobody-matches-this');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No member matches these filters.').waitFor();
  });

  it('saves organization settings, and explains a refused value', async () => {
    const { owner, org } = await seedOrg('settings');
    const page = await freshPage();
    await signIn(page, owner.user.email, `/orgs/${org.slug}/settings`);
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    await page.getByLabel('Member limit').fill('1');
    await page.getByRole('button', { name: 'Save settings' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('cannot be lower than the seats already taken');

    await page.getByLabel('Member limit').fill('25');
    await page.getByLabel('Invitation expiry (days)').fill('14');
    await page.getByLabel('Accept join requests').check();
    // There is no single sign-on yet: no switch that pretends otherwise.
    expect(await page.getByText(/single sign-on/i).count()).toBe(0);
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved.').waitFor();
    const saved = (
      await t.app.inject({ url: `/v1/organizations/${org.id}`, headers: bearer(owner.token) })
    ).json() as Record<string, unknown>;
    expect(saved).toMatchObject({
      memberLimit: 25,
      inviteExpiryDays: 14,
      joinRequestsEnabled: true,
      ssoEnforced: false,
    });
    await shot(page, 'settings');

    // Turned on through the API, it is shown for what it does today — and can be turned off.
    await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org.id}`,
      headers: bearer(owner.token),
      payload: { ssoEnforced: true },
    });
    await page.reload();
    const sso = page.getByLabel('Single sign-on enforced: join requests refused');
    await sso.waitFor();
    expect(await page.getByText('today this setting only refuses every request to join').count()).toBe(1);
    await sso.uncheck();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved.').waitFor();
    const off = (
      await t.app.inject({ url: `/v1/organizations/${org.id}`, headers: bearer(owner.token) })
    ).json() as Record<string, unknown>;
    expect(off.ssoEnforced).toBe(false);
  });

  it('a member without admin rights sees no admin actions and read-only settings', async () => {
    const { org, member } = await seedOrg('readonly');
    const page = await freshPage();
    await signIn(page, member.user.email, `/orgs/${org.slug}/members`);
    await page.getByRole('row').filter({ hasText: 'Olivia Owner' }).waitFor();
    expect(await page.getByRole('button', { name: /Change role/ }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByText('Only owners and admins can change these settings.').waitFor();
    expect(await page.getByLabel('Name', { exact: true }).isDisabled()).toBe(true);
  });

  it('an owner deletes the organization from Settings after typing its URL name', async () => {
    const { owner, org } = await seedOrg('delete');
    const kept = await createOrg(t.app, owner.token, 'Kept Org');
    const page = await freshPage();
    await signIn(page, owner.user.email, `/orgs/${org.slug}/settings`);
    const zone = page.getByRole('region', { name: 'Delete organization' });
    await zone.waitFor();
    expect(await zone.textContent()).toContain('cannot be undone');
    const confirm = zone.getByLabel(`Type ${org.slug} to confirm`);
    const button = zone.getByRole('button', { name: 'Delete this organization' });
    expect(await button.isDisabled()).toBe(true);

    // Every DELETE the page sends.
    const deletes: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'DELETE') deletes.push(new URL(r.url()).pathname);
    });

    // A wrong URL name keeps the button disabled, and Enter in the field sends no DELETE: a request
    // the page makes afterwards has come back, so one sent on Enter would have been seen by now.
    await confirm.fill(`${org.slug}x`);
    expect(await button.isDisabled()).toBe(true);
    await confirm.press('Enter');
    await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/me'),
      page.evaluate(() => fetch('/v1/me').then((r) => r.status)),
    ]);
    expect(deletes).toEqual([]);
    const still = await t.app.inject({ url: `/v1/organizations/${org.id}`, headers: bearer(owner.token) });
    expect(still.statusCode).toBe(200);

    await confirm.fill(org.slug);
    expect(await button.isEnabled()).toBe(true);
    await shot(page, 'settings-delete');
    await button.click();
    await page.waitForURL(`${base}/`);
    expect(deletes).toEqual([`/v1/organizations/${org.id}`]);
    await page
      .getByRole('status')
      .filter({ hasText: `${org.name} was deleted.` })
      .waitFor();
    const gone = await t.app.inject({ url: `/v1/organizations/${org.id}`, headers: bearer(owner.token) });
    expect(gone.statusCode).toBe(404);

    // Gone from the switcher and the home page; the other organization stays.
    await page.getByLabel('Switch organization').click();
    const switcher = page.getByRole('banner');
    await switcher.getByRole('link', { name: kept.name, exact: true }).waitFor();
    expect(await switcher.getByRole('link', { name: org.name, exact: true }).count()).toBe(0);
    expect(await page.getByRole('main').getByRole('link', { name: org.name, exact: true }).count()).toBe(0);

    // The notice belonged to that visit of the home page only.
    await switcher.getByRole('link', { name: kept.name, exact: true }).click();
    await page.waitForURL(`${base}/orgs/${kept.slug}/members`);
    await page.getByRole('link', { name: 'Roster' }).click();
    await page.getByRole('heading', { name: 'Your organizations' }).waitFor();
    expect(await page.getByText(`${org.name} was deleted.`).count()).toBe(0);
  });

  it('an admin sees no way to delete the organization', async () => {
    const { org, admin } = await seedOrg('nodelete');
    const page = await freshPage();
    await signIn(page, admin.user.email, `/orgs/${org.slug}/settings`);
    await page.getByRole('button', { name: 'Save settings' }).waitFor();
    expect(await page.getByRole('region', { name: 'Delete organization' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /Delete/ }).count()).toBe(0);
  });

  it('closes the header menus with Escape (focus back on the toggle), a click outside, or a choice', async () => {
    const { owner, org } = await seedOrg('menus');
    const page = await freshPage();
    await signIn(page, owner.user.email);
    const account = page.getByLabel('Account');
    const signOut = page.getByRole('button', { name: 'Sign out' });
    const isOpen = (menu: string) =>
      page.locator(`details.${menu}`).evaluate((d) => (d as HTMLDetailsElement).open);

    await account.click();
    await signOut.waitFor();
    await page.keyboard.press('Escape');
    await signOut.waitFor({ state: 'hidden' });
    expect(await isOpen('account-menu')).toBe(false);
    expect(await account.evaluate((el) => el === document.activeElement)).toBe(true);

    // From the keyboard: Enter on the focused toggle opens it, Tab reaches its items, Escape closes it.
    await page.keyboard.press('Enter');
    await signOut.waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.closest('details.account-menu') !== null)).toBe(
      true,
    );
    await page.keyboard.press('Escape');
    await signOut.waitFor({ state: 'hidden' });
    expect(await account.evaluate((el) => el === document.activeElement)).toBe(true);

    // A click outside closes it.
    await account.click();
    await signOut.waitFor();
    await page.getByRole('heading', { name: 'Your organizations' }).click();
    await signOut.waitFor({ state: 'hidden' });
    expect(await isOpen('account-menu')).toBe(false);

    // Opening one menu closes the other; choosing an item closes it and goes there.
    await account.click();
    await signOut.waitFor();
    await page.getByLabel('Switch organization').click();
    await signOut.waitFor({ state: 'hidden' });
    await page.getByRole('banner').getByRole('link', { name: org.name, exact: true }).click();
    await page.waitForURL(`${base}/orgs/${org.slug}/members`);
    expect(await isOpen('org-switcher')).toBe(false);
    expect(await isOpen('account-menu')).toBe(false);
  });

  it('signs out from the account menu', async () => {
    const { owner } = await seedOrg('signout');
    const page = await freshPage();
    await signIn(page, owner.user.email);
    await page.getByLabel('Account').click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${base}/sign-in`);
    await page.goto(`${base}/`);
    await page.waitForURL(/\/sign-in\?next=%2F$/);
    const me = await page.request.get(`${base}/v1/me`);
    expect(me.status()).toBe(401);
  });

  it('a wrong password is explained; past the limit of failed attempts, so is how long to wait', async () => {
    const { member } = await seedOrg('throttled');
    const page = await freshPage();
    await page.goto(`${base}/sign-in`);
    await page.getByLabel('Email').fill(member.user.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe('The email or the password is wrong.');
    // The rest of the allowed failures, through the API from the same address.
    for (let i = 1; i < t.app.ctx.config.signInLimitPerEmailIp; i++) {
      const res = await page.request.post(`${base}/v1/auth/sign-in`, {
        data: { email: member.user.email, password: 'not the password' },
      });
      expect(res.status()).toBe(401);
    }
    // Now even the right password is turned away, with the wait in words.
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText(/^Too many sign-in attempts\. Try again in \d+ minutes\.$/).waitFor();
    expect(page.url()).toBe(`${base}/sign-in`);
  });

  it('an invalid verification link explains itself', async () => {
    const page = await freshPage();
    await page.goto(`${base}/verify-email?token=rv_not-a-real-token`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('invalid, already used or expired');
  });

  it('fits a 375-pixel-wide screen without horizontal scrolling', async () => {
    const { owner, org } = await seedOrg('narrow');
    const page = await freshPage({ width: 375, height: 812 });
    await page.goto(`${base}/sign-in`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const overflow = () =>
      page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await signIn(page, owner.user.email, `/orgs/${org.slug}/members`);
    for (const [suffix, heading] of [
      ['members', 'Members'],
      ['settings', 'Settings'],
      ['audit-log', 'Audit log'],
    ] as const) {
      await page.goto(`${base}/orgs/${org.slug}/${suffix}`);
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
      await page
        .getByRole('status')
        .filter({ hasText: /Loading/ })
        .waitFor({ state: 'detached' });
      expect(await overflow(), suffix).toBeLessThanOrEqual(0);
      await shot(page, `mobile-${suffix}`);
    }
    // The table's rows become cards: every member's card is narrower than the screen.
    const widths = await page.evaluate(() => [...document.querySelectorAll('tr')].map((r) => r.scrollWidth));
    for (const w of widths) expect(w).toBeLessThanOrEqual(375);
  });
});

/**
 * Shareable join links in the console, in a real browser (Debian's Chromium through playwright-core)
 * against a Roster on a real port and a fresh database, with a real SMTP server: an admin makes a link
 * on the Join links page and copies its URL (shown once); people open it in another browser, sign in
 * or up from its landing page (the token, after `#`, waits in the tab meanwhile) and join, or ask to
 * join when the link wants an admin's approval; a revoked link and a replaced URL say why they no
 * longer work. Screenshots go to test-results/screenshots/.
 *
 * Without /usr/bin/chromium the file is skipped with a message; in CI (CI=true) it fails instead.
 */
import { randomBytes } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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
import { bearer, signUp, type TestApp, uniqueEmail } from './helpers.ts';

describe.runIf(RUN_BROWSER_TESTS)('join links in the console, in Chromium', () => {
  let h: ConsoleHarness;
  let t: TestApp;
  let base: string;
  let context: BrowserContext;
  /** Another browser: the people the link is shared with. */
  let other: BrowserContext;
  let pageErrors: string[];

  beforeAll(async () => {
    h = await openConsole();
    ({ t, base, context, pageErrors } = h);
    other = await h.otherBrowser();
  });

  afterAll(() => h?.close());

  // No page may raise a Content-Security-Policy violation or an uncaught error: checked after every
  // test (and emptied), so that a filtered run checks too and a failure names the test that caused it.
  afterEach(() => {
    expect(pageErrors?.splice(0) ?? []).toEqual([]);
  });

  const seedOrg = (label: string) => seedOrgIn(t, label);
  const freshPage = (viewport?: { width: number; height: number }) => freshPageOf(context, viewport);
  /** A new tab in the other browser, signed out. */
  const visitorPage = (viewport?: { width: number; height: number }) => freshPageOf(other, viewport);

  async function verify(...userIds: string[]) {
    await t.database.db
      .updateTable('users')
      .set({ email_verified_at: new Date() })
      .where('id', 'in', userIds)
      .execute();
  }

  async function verifiedUser(email: string, name: string) {
    const user = await signUp(t.app, email, name);
    await verify(user.user.id);
    return user;
  }

  /** "member active", "member pending", or the status of the read (404: no membership). */
  async function membership(orgId: string, userId: string, token: string) {
    const res = await t.app.inject({
      url: `/v1/organizations/${orgId}/members/${userId}`,
      headers: bearer(token),
    });
    if (res.statusCode !== 200) return res.statusCode;
    const m = res.json() as { role: string; status: string };
    return `${m.role} ${m.status}`;
  }

  async function preview(url: string) {
    const token = new URL(url).hash.slice(1);
    const res = await t.app.inject({ method: 'POST', url: '/v1/join-links/preview', payload: { token } });
    return res.json() as { valid: boolean; reason?: string };
  }

  const landingUrl = (url: string) =>
    new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/join-link#rj_[A-Za-z0-9_-]+$`).test(url);

  it('an owner makes a link and copies its URL; a verified user opens it elsewhere, signs in from the page and joins; revoked, the page says so', async () => {
    const { owner, org } = await seedOrg('links');
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    const page = await freshPage();
    await signInAt(page, base, owner.user.email, `/orgs/${org.slug}/members`);
    await page.getByRole('link', { name: 'Join links' }).click();
    await page.getByRole('heading', { name: 'Join links', exact: true }).waitFor();
    await page.getByText('No join links yet.').waitFor();
    // A link never makes owners, even an owner's.
    expect(await page.getByLabel('Role').locator('option').allTextContents()).toEqual(['admin', 'member']);
    expect(await page.getByLabel('Expires').locator('option').allTextContents()).toEqual([
      'Never',
      'In 1 day',
      'In 7 days',
      'In 30 days',
      'On a date…',
    ]);
    await page.getByLabel('Label (optional)').fill('Spring cohort');
    await page.getByRole('button', { name: 'Make join link' }).click();

    const shown = page.getByRole('status').filter({ hasText: 'Join link made' });
    await shown.waitFor();
    const said = await shown.textContent();
    expect(said).toContain('Copy it now: you will not see it again.');
    expect(said).toContain(`People who open it join ${org.name} as a member at once.`);
    const url = await shown.getByRole('textbox', { name: 'Join link' }).inputValue();
    expect(landingUrl(url), url).toBe(true);
    await shown.getByRole('button', { name: 'Copy join link' }).click();
    await shown.getByText('Copied.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);

    const row = page.getByRole('row').filter({ hasText: 'Spring cohort' });
    await row.waitFor();
    for (const text of [
      'member',
      'active',
      '0 (no limit)',
      'never',
      'Anyone with the link',
      'Joins at once',
      'by Olivia Owner',
    ])
      expect(await row.getByText(text, { exact: text !== 'by Olivia Owner' }).count(), text).toBe(1);
    await shot(page, 'join-links');

    // Someone else opens the shared URL, signed out, in another browser.
    const joiner = await verifiedUser(uniqueEmail('joiner'), 'Jay Joiner');
    const visitor = await visitorPage();
    await visitor.goto(url);
    await visitor.getByRole('heading', { name: 'Join an organization' }).waitFor();
    const main = visitor.getByRole('main');
    await main.getByText('This link lets you join').waitFor();
    expect(await main.textContent()).toContain(`This link lets you join ${org.name} as a member.`);
    // The token leaves the address bar once read.
    expect(visitor.url()).toBe(`${base}/join-link`);
    await shot(visitor, 'join-link-landing');

    // Signing in from the page comes back to it, the token kept by the tab; then Join.
    await main.getByRole('link', { name: 'Sign in' }).click();
    await visitor.waitForURL(`${base}/sign-in?next=%2Fjoin-link`);
    await visitor.getByLabel('Email').fill(joiner.user.email);
    await visitor.getByLabel('Password').fill(PASSWORD);
    await visitor.getByRole('button', { name: 'Sign in' }).click();
    await visitor.waitForURL(`${base}/join-link`);
    const join = visitor.getByRole('button', { name: `Join ${org.name}` });
    await join.waitFor();
    expect(await main.textContent()).toContain(`You will join as ${joiner.user.email}.`);
    await join.click();
    await visitor.waitForURL(`${base}/orgs/${org.slug}/members`);
    await visitor.getByText(`You joined ${org.name} as a member.`).waitFor();
    const me = visitor.getByRole('row').filter({ hasText: 'Jay Joiner' });
    await me.waitFor();
    expect(await me.getByText('Join link', { exact: true }).isVisible()).toBe(true);
    expect(await membership(org.id, joiner.user.id, owner.token)).toBe('member active');

    // The token rides after '#' and in request bodies: no log line holds it.
    const token = new URL(url).hash.slice(1);
    expect(JSON.stringify(t.logs)).not.toContain(token);

    // Back on the owner's page, the use is counted; revoking asks first.
    await page.reload();
    await row.getByText('1 (no limit)', { exact: true }).waitFor();
    await row.getByRole('button', { name: 'Revoke Spring cohort' }).click();
    await row.getByText('Revoke Spring cohort? Its URL stops working at once.').waitFor();
    await row.getByRole('button', { name: 'Revoke', exact: true }).click();
    await page.getByText('Spring cohort was revoked: its URL no longer lets anyone join.').waitFor();
    await row.getByText('revoked', { exact: true }).waitFor();
    expect(await row.getByRole('button', { name: 'Revoke Spring cohort' }).count()).toBe(0);
    expect(await row.getByRole('button', { name: 'New URL for Spring cohort' }).count()).toBe(0);

    // The landing page now says the link was revoked, and who can help.
    const late = await visitorPage();
    await late.goto(url);
    const alert = late.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('This join link was revoked.');
    expect(await alert.textContent()).toContain(`An admin of ${org.name} turned it off`);
    expect(await late.getByRole('button', { name: /Join/ }).count()).toBe(0);
    await shot(late, 'join-link-revoked');
    expect(await membership(org.id, joiner.user.id, owner.token)).toBe('member active');
  });

  it('an admin makes a link with approval for one domain: another domain and an unconfirmed address are told why; a confirmed one asks and waits in the queue; a new URL replaces the old', async () => {
    const { owner, org, admin } = await seedOrg('approval');
    const page = await freshPage();
    await signInAt(page, base, admin.user.email, `/orgs/${org.slug}/join-links`);
    await page.getByRole('heading', { name: 'Join links', exact: true }).waitFor();
    await page.getByText('No join links yet.').waitFor();
    expect(await page.getByLabel('Role').locator('option').allTextContents()).toEqual(['admin', 'member']);

    // The form's problems are all said at once, before asking.
    await page.getByLabel('Expires').selectOption('date');
    await page.getByLabel('Maximum uses (optional)').fill('0');
    await page.getByLabel('Email domains (optional)').fill('someone@example.com');
    await page.getByRole('button', { name: 'Make join link' }).click();
    const problems = page.getByRole('alert').filter({ hasText: 'fields need correcting' });
    await problems.waitFor();
    const listed = await problems.textContent();
    expect(listed).toContain('3 fields need correcting');
    expect(listed).toContain('Last day: Choose the last day the link works.');
    expect(listed).toContain('Maximum uses: It must be at least 1.');
    expect(listed).toContain('Email domains: Enter the domain only, without the name before @: example.com.');

    await page.getByLabel('Expires').selectOption('7');
    await page.getByLabel('Maximum uses (optional)').fill('5');
    await page.getByLabel('Email domains (optional)').fill('Example.com, @example.com');
    await page.getByLabel('Ask an admin to approve each person').check();
    await page.getByRole('button', { name: 'Make join link' }).click();
    const shown = page.getByRole('status').filter({ hasText: 'Join link made' });
    await shown.waitFor();
    const said = await shown.textContent();
    expect(said).toContain(
      `People who open it ask to join ${org.name} as a member; an admin approves each of them in Join requests.`,
    );
    expect(said).toContain('Only confirmed email addresses at example.com can use it.');
    expect(said).toContain('It works for 5 people.');
    const url = await shown.getByRole('textbox', { name: 'Join link' }).inputValue();
    expect(landingUrl(url), url).toBe(true);
    const row = page.getByRole('row').filter({ hasText: 'An admin approves each person' });
    await row.waitFor();
    for (const text of ['0 of 5', 'Addresses at example.com', 'No label'])
      expect(await row.getByText(text, { exact: true }).count(), text).toBe(1);
    // Created seven days from now.
    const created = await t.app.inject({
      url: `/v1/organizations/${org.id}/join-links`,
      headers: bearer(owner.token),
    });
    const link = (created.json() as { data: Array<{ expiresAt: string; allowedDomains: string[] }> }).data[0];
    expect(link?.allowedDomains).toEqual(['example.com']);
    const days = (Date.parse(link?.expiresAt ?? '') - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);

    // Someone at another domain is told so, with no Join button, and may switch accounts.
    const outsider = await verifiedUser(
      `outsider-${randomBytes(3).toString('hex')}@elsewhere.test`,
      'Oz Out',
    );
    let visitor = await visitorPage();
    await signInAt(visitor, base, outsider.user.email);
    await visitor.goto(url);
    await visitor
      .getByRole('status')
      .filter({ hasText: 'This link is only for email addresses at example.com' })
      .waitFor();
    expect(await visitor.getByRole('button', { name: /Ask to join/ }).count()).toBe(0);
    await visitor.getByRole('button', { name: 'Sign out and use another account' }).click();
    await visitor.getByRole('main').getByRole('link', { name: 'Create an account' }).waitFor();
    expect(await visitor.getByRole('main').textContent()).toContain('Use an email address at example.com.');

    // An unconfirmed address at the domain is asked to confirm it first.
    const unconfirmed = await signUp(t.app, uniqueEmail('unconfirmed'), 'Una Unconfirmed');
    await visitor.getByRole('main').getByRole('link', { name: 'Sign in' }).click();
    await visitor.getByLabel('Email').fill(unconfirmed.user.email);
    await visitor.getByLabel('Password').fill(PASSWORD);
    await visitor.getByRole('button', { name: 'Sign in' }).click();
    await visitor.waitForURL(`${base}/join-link`);
    await visitor.getByRole('status').filter({ hasText: 'Confirm your email address first.' }).waitFor();
    expect(await visitor.getByRole('button', { name: /Ask to join/ }).count()).toBe(0);

    // A confirmed address there asks to join: the request waits for the admins.
    const asker = await verifiedUser(uniqueEmail('asker'), 'Ann Asker');
    visitor = await visitorPage();
    await signInAt(visitor, base, asker.user.email);
    await visitor.goto(url);
    await visitor.getByText('An admin approves each person.').waitFor();
    await visitor.getByRole('button', { name: `Ask to join ${org.name}` }).click();
    await visitor.getByText(`Your request to join ${org.name} was sent to its admins.`).waitFor();
    await shot(visitor, 'join-link-asked');
    expect(await membership(org.id, asker.user.id, owner.token)).toBe('member pending');
    // Opened again, the page says the request is waiting (and asks nothing twice).
    await visitor.reload();
    await visitor.getByText(`Your request to join ${org.name} is waiting for its admins.`).waitFor();

    await page.getByRole('link', { name: 'Join requests' }).click();
    await page.getByRole('heading', { name: 'Join requests' }).waitFor();
    await page.getByRole('row').filter({ hasText: 'Ann Asker' }).waitFor();
    await page.getByRole('link', { name: 'Join links' }).click();
    await row.getByText('1 of 5', { exact: true }).waitFor();

    // A new URL, confirmed: shown once; the old URL stops working, the new one works.
    await row.getByRole('button', { name: /^New URL for / }).click();
    await row.getByRole('button', { name: 'Make a new URL' }).click();
    const renewed = page.getByRole('status').filter({ hasText: 'New URL for' });
    await renewed.waitFor();
    expect(await renewed.textContent()).toContain('The URL before no longer works.');
    const newUrl = await renewed.getByRole('textbox', { name: 'Join link' }).inputValue();
    expect(landingUrl(newUrl), newUrl).toBe(true);
    expect(newUrl).not.toBe(url);
    expect(await page.evaluate(() => document.activeElement?.tagName)).not.toBe('BODY');
    expect(await preview(newUrl)).toMatchObject({ valid: true });
    const stale = await visitorPage();
    await stale.goto(url);
    const alert = stale.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('This join link is not valid.');
    expect(await alert.textContent()).toContain('only the newest one works');

    // The page fits a phone.
    await page.setViewportSize({ width: 375, height: 812 });
    await row.waitFor();
    expect(await sidewaysOverflow(page), 'join links at 375 px').toBeLessThanOrEqual(0);
    await shot(page, 'mobile-join-links');
  });

  it('someone new creates an account from the landing page, confirms it in another tab, and joins back in the first one', async () => {
    const { owner, org } = await seedOrg('newcomer');
    const made = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.id}/join-links`,
      headers: bearer(owner.token),
      payload: { role: 'admin', label: 'Newcomers' },
    });
    expect(made.statusCode, made.body).toBe(201);
    const { url } = made.json() as { url: string };

    const email = uniqueEmail('newcomer');
    const page = await visitorPage({ width: 375, height: 812 });
    await page.goto(url);
    await page.getByText(`This link lets you join ${org.name} as an admin.`).waitFor();
    expect(await sidewaysOverflow(page), 'landing at 375 px').toBeLessThanOrEqual(0);
    await shot(page, 'mobile-join-link-landing');
    await page.getByRole('main').getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Nia Newcomer');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${base}/join-link`);
    // Back on the page with the link; not confirmed yet, it says what is needed first.
    await page.getByText(`This link lets you join ${org.name} as an admin.`).waitFor();
    await page.getByRole('status').filter({ hasText: 'Confirm your email address first.' }).waitFor();
    expect(await page.getByRole('button', { name: `Join ${org.name}` }).count()).toBe(0);

    // The emailed link opens in another tab, as from a mail program; the first tab hears of it.
    const link = linkIn(
      (await waitForMail(h.smtp, email, /verify-email\?token=/)).text,
      base,
      '/verify-email',
    );
    const tab = await other.newPage();
    await tab.goto(link);
    await tab.getByText('Your email address is verified.').waitFor();
    await page.getByRole('button', { name: `Join ${org.name}` }).waitFor();
    // "Continue" in that tab comes to the landing page, which has no token there and says where it is.
    await tab.getByRole('link', { name: 'Continue' }).click();
    await tab.waitForURL(`${base}/join-link`);
    const alert = tab.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('go back to the tab where the link is open');
    await tab.close();

    await page.getByRole('button', { name: `Join ${org.name}` }).click();
    await page.waitForURL(`${base}/orgs/${org.slug}/members`);
    await page.getByText(`You joined ${org.name} as an admin.`).waitFor();
    const user = await t.database.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    expect(await membership(org.id, user.id, owner.token)).toBe('admin active');
  });

  it('a member sees no Join links tab, and the page says the role does not allow it', async () => {
    const { org, member } = await seedOrg('member-view');
    const page: Page = await freshPage();
    await signInAt(page, base, member.user.email, `/orgs/${org.slug}/join-links`);
    const refused = page.getByRole('alert');
    await refused.waitFor();
    expect(await refused.textContent()).toContain('Your role in this organization does not allow this.');
    expect(await page.getByRole('link', { name: 'Join links' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Make join link' }).count()).toBe(0);
  });
});

/**
 * Ownership transfers and access that ends, in the console, in a real browser (Debian's Chromium
 * through playwright-core) against a Roster on a real port and a fresh database, with a real SMTP
 * server: an owner asks a member from the Members page to become an owner; the member follows the
 * emailed link in another browser, signs in, accepts and lands in the organization as its owner, the
 * former owner now an admin. An owner withdraws a waiting proposal (an admin sees it, without
 * Withdraw), and the member's page no longer offers it. An admin sets the day a member's access ends,
 * sees it in the table, then removes it. Screenshots go to test-results/screenshots/.
 *
 * Without /usr/bin/chromium the file is skipped with a message; in CI (CI=true) it fails instead.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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
  waitForMail,
} from './console-browser.ts';
import { bearer, type TestApp } from './helpers.ts';

interface Transfer {
  id: string;
  status: string;
  keepOwner: boolean;
  to: { userId: string };
}

describe.runIf(RUN_BROWSER_TESTS)('ownership transfers and access that ends, in Chromium', () => {
  let h: ConsoleHarness;
  let t: TestApp;
  let base: string;
  let context: BrowserContext;
  /** Another browser: the member who is asked to become an owner. */
  let other: BrowserContext;
  let pageErrors: string[];

  beforeAll(async () => {
    h = await openConsole();
    ({ t, base, context, pageErrors } = h);
    other = await h.otherBrowser();
  });

  afterAll(() => h?.close());

  // No page may raise a Content-Security-Policy violation or an uncaught error.
  afterEach(() => {
    expect(pageErrors?.splice(0) ?? []).toEqual([]);
  });

  const seedOrg = (label: string) => seedOrgIn(t, label);
  const freshPage = (viewport?: { width: number; height: number }) => freshPageOf(context, viewport);
  const memberPage = (viewport?: { width: number; height: number }) => freshPageOf(other, viewport);

  /** The table row of a member (not the form that may open under it). */
  const memberRow = (page: Page, name: string) =>
    page.getByRole('row').filter({ has: page.locator('td[data-label="Member"]').filter({ hasText: name }) });

  /** "owner active", "admin active"…, or the status of the read. */
  async function membership(orgId: string, userId: string, token: string) {
    const res = await t.app.inject({
      url: `/v1/organizations/${orgId}/members/${userId}`,
      headers: bearer(token),
    });
    if (res.statusCode !== 200) return res.statusCode;
    const m = res.json() as { role: string; status: string };
    return `${m.role} ${m.status}`;
  }

  async function expiresAt(orgId: string, userId: string, token: string) {
    const res = await t.app.inject({
      url: `/v1/organizations/${orgId}/members/${userId}`,
      headers: bearer(token),
    });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { expiresAt: string | null }).expiresAt;
  }

  async function transfers(orgId: string, token: string) {
    const res = await t.app.inject({
      url: `/v1/organizations/${orgId}/ownership-transfers`,
      headers: bearer(token),
    });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { data: Transfer[] }).data;
  }

  it('an owner asks a member to become an owner; the member follows the emailed link, accepts and lands as owner; the former owner is an admin', async () => {
    const { owner, org, member } = await seedOrg('transfer');
    const page = await freshPage();
    await signInAt(page, base, owner.user.email, `/orgs/${org.slug}/members`);
    const mia = memberRow(page, 'Mia Member');
    await mia.waitFor();
    // Offered on active members who are not owners, never on oneself.
    await memberRow(page, 'Adam Admin')
      .getByRole('button', { name: 'Transfer ownership to Adam Admin' })
      .waitFor();
    expect(
      await memberRow(page, 'Olivia Owner')
        .getByRole('button', { name: /^Transfer ownership/ })
        .count(),
    ).toBe(0);

    // The form opens under the row; Escape closes it and gives the focus back to its button.
    const open = mia.getByRole('button', { name: 'Transfer ownership to Mia Member' });
    await open.click();
    const form = page.getByRole('form', { name: `Make Mia Member an owner of ${org.name}` });
    await form.waitFor();
    expect(await form.getByLabel('I become an admin').isChecked()).toBe(true);
    expect(await form.textContent()).toContain('they become an owner');
    expect(await form.textContent()).toContain(`including deleting ${org.name}`);
    expect(await form.textContent()).toContain('and you become an admin');
    await form.getByLabel('I stay an owner too').check();
    await form.getByText('and you stay an owner').waitFor();
    await page.keyboard.press('Escape');
    await form.waitFor({ state: 'detached' });
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label')))
      .toBe('Transfer ownership to Mia Member');

    await open.click();
    await form.waitFor();
    expect(await form.getByLabel('I become an admin').isChecked()).toBe(true);
    await shot(page, 'ownership-propose');
    await form.getByRole('button', { name: 'Ask Mia Member to become an owner' }).click();
    await mia.getByText('Mia Member was emailed and asked to become an owner').waitFor();
    const waiting = page.getByRole('region', { name: 'Ownership transfer waiting for an answer' });
    await waiting.waitFor();
    expect(await waiting.textContent()).toContain('You asked Mia Member');
    expect(await waiting.textContent()).toContain('If they accept, you become an admin.');
    await waiting.getByRole('button', { name: 'Withdraw the proposal to Mia Member' }).waitFor();
    await mia.getByText('asked to become an owner', { exact: true }).waitFor();
    // One proposal at a time: no other is offered while it waits.
    expect(await page.getByRole('button', { name: /^Transfer ownership/ }).count()).toBe(0);
    const [proposal] = await transfers(org.id, owner.token);
    expect(proposal).toMatchObject({ status: 'pending', keepOwner: false, to: { userId: member.user.id } });
    await shot(page, 'ownership-waiting');

    // The member opens the emailed link in another browser, signs in, and is brought back to it.
    const mail = await waitForMail(h.smtp, member.user.email, /ownership-transfers/);
    const link = `${base}/me/ownership-transfers`;
    expect(mail.text).toContain(link);
    const visitor = await memberPage();
    await visitor.goto(link);
    await visitor.waitForURL(`${base}/sign-in?next=%2Fme%2Fownership-transfers`);
    await visitor.getByLabel('Email').fill(member.user.email);
    await visitor.getByLabel('Password').fill(PASSWORD);
    await visitor.getByRole('button', { name: 'Sign in' }).click();
    await visitor.waitForURL(link);
    await visitor.getByRole('heading', { level: 1, name: 'Ownership proposals' }).waitFor();
    const card = visitor.getByRole('listitem', { name: org.name });
    await card.waitFor();
    const said = await card.textContent();
    expect(said).toContain('Olivia Owner');
    expect(said).toContain(`asks you to become an owner of ${org.name}.`);
    expect(said).toContain(
      'If you accept, you become an owner: you can do everything, including deleting the organization; Olivia Owner becomes an admin.',
    );
    // The header counts it among what waits for an answer.
    await expect
      .poll(() => visitor.getByLabel('Switch organization').getAttribute('aria-label'))
      .toContain('1 ownership proposal waits for your answer');
    await shot(visitor, 'ownership-proposal');

    // Accepting asks first; Cancel goes back without answering.
    await card.getByRole('button', { name: `Accept ownership of ${org.name}` }).click();
    await card.getByText(`Become an owner of ${org.name}?`).waitFor();
    await card.getByRole('button', { name: 'Cancel' }).click();
    await card.getByRole('button', { name: `Accept ownership of ${org.name}` }).click();
    await card.getByRole('button', { name: 'Yes, become an owner' }).click();
    await visitor.waitForURL(`${base}/orgs/${org.slug}/members`);
    await visitor.getByText(`You are now an owner of ${org.name}; Olivia Owner is now an admin.`).waitFor();
    await memberRow(visitor, 'Mia Member').getByText('owner', { exact: true }).waitFor();
    await memberRow(visitor, 'Olivia Owner').getByText('admin', { exact: true }).waitFor();
    await shot(visitor, 'ownership-accepted');

    expect(await membership(org.id, member.user.id, member.token)).toBe('owner active');
    expect(await membership(org.id, owner.user.id, member.token)).toBe('admin active');
    const [answered] = await transfers(org.id, member.token);
    expect(answered?.status).toBe('accepted');

    // The former owner's page, read again, says what happened and offers no transfer (an admin now).
    await page.reload();
    await page.getByText(`Mia Member accepted on`).waitFor();
    await memberRow(page, 'Mia Member').waitFor();
    expect(await page.getByRole('button', { name: /^Transfer ownership/ }).count()).toBe(0);
  });

  it('an owner withdraws a waiting proposal (an admin sees it without Withdraw); the member can no longer accept it', async () => {
    const { owner, org, admin, member } = await seedOrg('withdraw');
    const made = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.id}/ownership-transfers`,
      headers: bearer(owner.token),
      payload: { userId: member.user.id, keepOwner: true },
    });
    expect(made.statusCode, made.body).toBe(201);

    // The member is told on the home page, and opens the proposal from there.
    const visitor = await memberPage();
    await signInAt(visitor, base, member.user.email);
    const notice = visitor.getByRole('status').filter({ hasText: 'asks you to become an owner' });
    await notice.waitFor();
    expect(await notice.textContent()).toContain(`Olivia Owner asks you to become an owner of ${org.name}.`);
    await notice.getByRole('link', { name: 'Answer the proposal' }).click();
    await visitor.waitForURL(`${base}/me/ownership-transfers`);
    const card = visitor.getByRole('listitem', { name: org.name });
    await card.waitFor();
    expect(await card.textContent()).toContain('Olivia Owner stays an owner.');

    // An admin sees the proposal and its state, and that only an owner may withdraw it.
    const adminPage = await freshPage();
    await signInAt(adminPage, base, admin.user.email, `/orgs/${org.slug}/members`);
    const seen = adminPage.getByRole('region', { name: 'Ownership transfer waiting for an answer' });
    await seen.waitFor();
    expect(await seen.textContent()).toContain('Olivia Owner asked Mia Member');
    expect(await seen.textContent()).toContain('If they accept, Olivia Owner stays an owner.');
    expect(await seen.textContent()).toContain('Only an owner can withdraw it.');
    expect(await seen.getByRole('button').count()).toBe(0);

    // The owner withdraws it, confirmed first.
    const page = await freshPage();
    await signInAt(page, base, owner.user.email, `/orgs/${org.slug}/members`);
    const waiting = page.getByRole('region', { name: 'Ownership transfer waiting for an answer' });
    await waiting.getByRole('button', { name: 'Withdraw the proposal to Mia Member' }).click();
    await waiting.getByText('Withdraw the proposal to Mia Member? They can no longer accept it.').waitFor();
    await waiting.getByRole('button', { name: 'Withdraw', exact: true }).click();
    await page
      .getByText('The proposal to make Mia Member an owner was withdrawn: they can no longer accept it.')
      .waitFor();
    await waiting.waitFor({ state: 'detached' });
    await page.getByText('The proposal to make Mia Member an owner was withdrawn on').waitFor();
    // A new one may be proposed again.
    await memberRow(page, 'Mia Member')
      .getByRole('button', { name: 'Transfer ownership to Mia Member' })
      .waitFor();
    const [withdrawn] = await transfers(org.id, owner.token);
    expect(withdrawn?.status).toBe('cancelled');

    // The member's page, still open, is told when accepting, and reads the list again: nothing waits.
    await card.getByRole('button', { name: `Accept ownership of ${org.name}` }).click();
    await card.getByRole('button', { name: 'Yes, become an owner' }).click();
    const refused = visitor.getByRole('alert');
    await refused.waitFor();
    expect(await refused.textContent()).toContain(`You have not become an owner of ${org.name}.`);
    expect(await refused.textContent()).toContain('This proposal was already answered or withdrawn');
    await visitor.getByText('No proposal is waiting for your answer.').waitFor();
    await visitor.reload();
    await visitor.getByText('No proposal is waiting for your answer.').waitFor();
    expect(await visitor.getByRole('listitem', { name: org.name }).count()).toBe(0);
    expect(await membership(org.id, member.user.id, owner.token)).toBe('member active');
  });

  it("an admin sets the day a member's access ends, sees it, then removes it", async () => {
    const { owner, org, admin, member } = await seedOrg('expiry');
    const page = await freshPage();
    await signInAt(page, base, admin.user.email, `/orgs/${org.slug}/members`);
    const mia = memberRow(page, 'Mia Member');
    await mia.waitFor();
    // An owner's access never ends on its own: nothing to set on an owner's row.
    expect(
      await memberRow(page, 'Olivia Owner')
        .getByRole('button', { name: /end date/ })
        .count(),
    ).toBe(0);

    // 45 days from now, as the browser's date input writes it.
    const day = await page.evaluate(() => {
      const d = new Date(Date.now() + 45 * 86_400_000);
      const two = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
    });
    const [endsAt, shown] = await page.evaluate((d) => {
      const ends = new Date(`${d}T23:59:59`);
      return [
        ends.toISOString(),
        ends.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' }),
      ];
    }, day);

    await mia.getByRole('button', { name: "Set end date for Mia Member's access" }).click();
    const input = mia.getByLabel('Last day of access for Mia Member');
    await input.waitFor();
    expect(await input.evaluate((el) => el === document.activeElement)).toBe(true);
    await input.fill(day);
    await mia.getByRole('button', { name: 'Save' }).click();
    await mia.getByText(`Mia Member's access now ends on ${shown}.`).waitFor();
    await mia.getByText(`Access ends ${shown}`, { exact: true }).waitFor();
    const stored = await expiresAt(org.id, member.user.id, owner.token);
    expect(stored).not.toBeNull();
    expect(Date.parse(stored ?? '')).toBe(Date.parse(endsAt ?? ''));
    await shot(page, 'member-access-ends');

    // The page fits a phone, the end date with it.
    await page.setViewportSize({ width: 375, height: 812 });
    await mia.getByText(`Access ends ${shown}`, { exact: true }).waitFor();
    expect(await sidewaysOverflow(page), 'members at 375 px').toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1200, height: 800 });

    // Changing it shows the day set; "Remove end date" takes it away.
    await mia.getByRole('button', { name: "Change end date for Mia Member's access" }).click();
    expect(await input.inputValue()).toBe(day);
    await shot(page, 'member-access-editor');
    await mia.getByRole('button', { name: 'Remove end date' }).click();
    await mia.getByText("Mia Member's access no longer ends on its own.").waitFor();
    expect(await mia.getByText(/^Access ends/).count()).toBe(0);
    expect(await expiresAt(org.id, member.user.id, owner.token)).toBeNull();
    await mia.getByRole('button', { name: "Set end date for Mia Member's access" }).waitFor();
  });
});

/**
 * The console as an organization's admins use it (issue 13), in Debian's Chromium against a Roster on
 * a real port with a real SMTP server: "Add people" on the Members page (an owner-add proposed there
 * and accepted by the other account; an invitation), the first owner's next step, actions offered only
 * as the viewer's role allows (with why where one is missing), the audit log by person and action in
 * words, refusals in the viewport and the focus kept after each action at 375 px, validation in words
 * all at once, the unverified "Ask to join", the switcher's waiting invitations, long names at 375 px,
 * Retry after a network failure, and the news of an answered request to join.
 *
 * Without /usr/bin/chromium the file is skipped with a message; in CI (CI=true) it fails instead.
 */
import type { BrowserContext, Locator, Page } from 'playwright-core';
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
import { addActiveMember, bearer, createOrg, signUp, type TestApp, uniqueEmail } from './helpers.ts';
import { invited } from './invitation-helpers.ts';

const PHONE = { width: 375, height: 812 };

/** The contrast ratio of two `rgb(…)` colours, as WCAG defines it. */
function contrast(a: string, b: string): number {
  const lum = (css: string) => {
    const [r, g, bl] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

describe.runIf(RUN_BROWSER_TESTS)("the console an organization's admins would choose, in Chromium", () => {
  let h: ConsoleHarness;
  let t: TestApp;
  let base: string;
  let context: BrowserContext;
  let pageErrors: string[];

  beforeAll(async () => {
    h = await openConsole();
    ({ t, base, context, pageErrors } = h);
  });

  afterAll(() => h?.close());

  // No page may raise a Content-Security-Policy violation or an uncaught error: checked after every
  // test (and emptied), so that a filtered run checks too and a failure names the test that caused it.
  afterEach(() => {
    expect(pageErrors?.splice(0) ?? []).toEqual([]);
  });

  const seedOrg = (label: string) => seedOrgIn(t, label);
  const freshPage = (viewport?: { width: number; height: number }) => freshPageOf(context, viewport);
  const signIn = (page: Page, email: string, next = '/') => signInAt(page, base, email, next);

  async function verify(...userIds: string[]) {
    await t.database.db
      .updateTable('users')
      .set({ email_verified_at: new Date() })
      .where('id', 'in', userIds)
      .execute();
  }

  async function membership(orgId: string, userId: string, token: string) {
    const res = await t.app.inject({
      url: `/v1/organizations/${orgId}/members/${userId}`,
      headers: bearer(token),
    });
    if (res.statusCode !== 200) return res.statusCode;
    const m = res.json() as { role: string; status: string };
    return `${m.role} ${m.status}`;
  }

  /** The focused element, as `tag` or `tag "its text"`: never the page's body after an action. */
  const focused = (page: Page) =>
    page.evaluate(() => {
      const a = document.activeElement;
      if (!a || a === document.body) return 'body';
      return `${a.tagName.toLowerCase()} "${(a.getAttribute('aria-label') ?? a.textContent ?? '').trim().slice(0, 60)}"`;
    });
  const expectFocusKept = async (page: Page, what: string) => {
    await expect.poll(() => focused(page), { message: `focus after ${what}` }).not.toBe('body');
  };

  /** The element is wholly inside the window, as the person sees it now (no scrolling). */
  async function expectInViewport(page: Page, locator: Locator, what: string) {
    const box = await locator.boundingBox();
    const view = page.viewportSize() as { width: number; height: number };
    expect(box, what).not.toBeNull();
    const b = box as { x: number; y: number; width: number; height: number };
    expect(b.y, `${what}: top`).toBeGreaterThanOrEqual(0);
    expect(b.y + Math.min(b.height, view.height), `${what}: bottom`).toBeLessThanOrEqual(view.height + 1);
    expect(b.x, `${what}: left`).toBeGreaterThanOrEqual(0);
    expect(b.x + b.width, `${what}: right`).toBeLessThanOrEqual(view.width + 1);
  }

  it("a new owner's Members page says what to do first, and opens Add people", async () => {
    const owner = await signUp(t.app, uniqueEmail('first'), 'Fay First');
    const org = await createOrg(t.app, owner.token, 'First Steps Org');
    const page = await freshPage();
    await signIn(page, owner.user.email, `/orgs/${org.slug}/members`);
    const first = page.getByText('You are the only member of First Steps Org so far.');
    await first.waitFor();
    await page.getByRole('button', { name: 'Add your first members' }).click();
    const panel = page.getByRole('region', { name: 'Add people to First Steps Org' });
    await panel.waitFor();
    // The panel takes the focus (its email field); Escape closes it and gives the focus back.
    expect(await focused(page)).toMatch(/^input/);
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
    await expectFocusKept(page, 'closing Add people');
    expect(await focused(page)).toBe('button "Add people"');
  });

  it('owner-add from the Members page, accepted by the other account; an invitation beside it', async () => {
    const { owner, org, admin } = await seedOrg('add');
    const ada = await signUp(t.app, uniqueEmail('ada-added'), 'Ada Added');
    await verify(ada.user.id);
    const nobody = uniqueEmail('no-account');
    const page = await freshPage();
    await signIn(page, admin.user.email, `/orgs/${org.slug}/members`);
    await page.getByRole('button', { name: 'Add people' }).click();
    const panel = page.getByRole('region', { name: `Add people to ${org.name}` });
    await panel.getByRole('button', { name: 'Add someone with an account' }).click();

    // An address without an account: said so, with the way to invite it instead.
    await panel.getByLabel('Email address of their account').fill(nobody);
    await panel.getByRole('button', { name: 'Find account' }).click();
    await panel.getByText(`No Roster account has the address ${nobody}.`).waitFor();
    await panel.getByRole('button', { name: `Invite ${nobody} by email instead` }).click();
    expect(await panel.getByLabel('Email address').inputValue()).toBe(nobody);
    // An admin may not make owners: the role list says so, and why.
    expect(await panel.getByLabel('Role').locator('option').allTextContents()).toEqual(['admin', 'member']);
    expect(await panel.textContent()).toContain('Only an owner can make someone an owner.');
    await panel.getByRole('button', { name: 'Send invitation' }).click();
    await panel.getByText(`Invitation sent to ${nobody}.`).waitFor();
    await expectFocusKept(page, 'Send invitation');

    // An existing account, found by its exact address, proposed as an admin.
    await panel.getByRole('button', { name: 'Add someone with an account' }).click();
    await panel.getByLabel('Email address of their account').fill(ada.user.email.toUpperCase());
    await panel.getByRole('button', { name: 'Find account' }).click();
    await panel.getByText(ada.user.email, { exact: true }).waitFor();
    await panel.getByLabel('Role').selectOption('admin');
    expect(await panel.textContent()).toContain('An admin can');
    await panel.getByRole('button', { name: 'Ask Ada Added to join' }).click();
    await panel
      .getByText(`Ada Added (${ada.user.email}) was asked to join ${org.name} as an admin.`)
      .waitFor();
    await expectFocusKept(page, 'Ask to join');
    expect(await membership(org.id, ada.user.id, owner.token)).toBe('admin pending');

    // Both wait beside the members, each saying what it waits for.
    const waiting = page.getByRole('region', { name: /Waiting to join/ });
    await waiting.getByRole('row').filter({ hasText: 'Ada Added' }).waitFor();
    expect(await waiting.getByRole('row').filter({ hasText: 'Ada Added' }).textContent()).toContain(
      'they were added with their account',
    );
    expect(await waiting.getByRole('row').filter({ hasText: nobody }).textContent()).toContain(
      'invitation emailed by Adam Admin',
    );
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
    await shot(page, 'members');

    // The other account, in another browser: the switcher counts what waits and lists it; My
    // invitations accepts it.
    const other = await (await h.otherBrowser()).newPage();
    await signIn(other, ada.user.email);
    const switcher = other.getByLabel('Switch organization');
    await expect
      .poll(() => switcher.getAttribute('aria-label'))
      .toContain('1 invitation waits for your answer');
    await switcher.click();
    await other
      .getByRole('banner')
      .getByRole('link', { name: new RegExp(`${org.name}.*added you as admin`) })
      .click();
    await other.waitForURL(`${base}/me/invitations`);
    await other.getByRole('button', { name: `Accept ${org.name}` }).click();
    await other.getByText(`You joined ${org.name} as an admin.`).waitFor();
    expect(await membership(org.id, ada.user.id, owner.token)).toBe('admin active');

    // Back on the admin's page: a member now, no longer waiting.
    await page.reload();
    const row = page.getByRole('row').filter({ hasText: 'Ada Added' });
    await row.waitFor();
    expect(await row.getByText('active', { exact: true }).isVisible()).toBe(true);
    expect(
      await page
        .getByRole('region', { name: /Waiting to join/ })
        .getByText('Ada Added')
        .count(),
    ).toBe(0);
  });

  it('an admin never sees Remove or Change role on an owner, and each role says what it can do', async () => {
    const { owner, org, admin, member } = await seedOrg('ceiling');
    const second = await signUp(t.app, uniqueEmail('second-owner'), 'Otto Owner');
    await addActiveMember(t.database, org.id, second.user.id, 'owner');

    const page = await freshPage();
    await signIn(page, admin.user.email, `/orgs/${org.slug}/members`);
    await page.getByRole('row').filter({ hasText: 'Mia Member' }).waitFor();
    for (const name of ['Olivia Owner', 'Otto Owner']) {
      const row = page.getByRole('row').filter({ hasText: name });
      expect(await row.getByRole('button').count(), name).toBe(0);
      expect(await row.textContent(), name).toContain('Only an owner can change or remove an owner.');
    }
    expect(await page.getByRole('button', { name: /^Remove (Olivia|Otto) Owner$/ }).count()).toBe(0);
    // Admins and members are within reach; the admin may leave (two owners remain).
    expect(await page.getByRole('button', { name: 'Remove Mia Member' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Leave organization' }).count()).toBe(1);

    await page.getByText('What can each role do?').click();
    const roles = page.locator('.roles-explained');
    expect(await roles.textContent()).toContain('delete the organization');
    expect(await roles.textContent()).toContain('read the audit log');
    expect(await roles.locator('.role-line').filter({ hasText: 'member' }).last().textContent()).toContain(
      'see the members and the invitations',
    );

    // An owner sees Remove on the other owner; a member sees no action, and is told who may.
    const ownerPage = await freshPage();
    await signIn(ownerPage, owner.user.email, `/orgs/${org.slug}/members`);
    await ownerPage.getByRole('button', { name: 'Remove Otto Owner' }).waitFor();
    const memberPage = await freshPage();
    await signIn(memberPage, member.user.email, `/orgs/${org.slug}/members`);
    await memberPage.getByText('Owners and admins add people, change roles and remove people').waitFor();
    expect(await memberPage.getByRole('button', { name: /^(Change role|Remove)/ }).count()).toBe(0);
    expect(await memberPage.getByRole('button', { name: 'Add people' }).count()).toBe(0);
  });

  it('the audit log names people, says actions in words, and filters by who and by action', async () => {
    const { owner, org, admin, member } = await seedOrg('audit');
    const leaver = await signUp(t.app, uniqueEmail('leaver'), 'Lee Leaver');
    await addActiveMember(t.database, org.id, leaver.user.id, 'admin');
    const change = await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org.id}/members/${member.user.id}`,
      headers: bearer(admin.token),
      payload: { role: 'admin' },
    });
    expect(change.statusCode, change.body).toBe(200);
    const byOwner = uniqueEmail('by-owner');
    const byLeaver = uniqueEmail('by-leaver');
    await invited(t.app, owner, org.id, byOwner, 'member');
    await invited(t.app, leaver, org.id, byLeaver, 'member');
    // Lee deletes his account: his entries stay, under "deleted user".
    const gone = await t.app.inject({
      method: 'DELETE',
      url: '/v1/me',
      headers: bearer(leaver.token),
      payload: { password: PASSWORD },
    });
    expect(gone.statusCode, gone.body).toBe(204);
    // Olivia's invitation happened on 1 March 2020 (at noon, local time), for the date filter.
    await t.database.db
      .updateTable('audit_log')
      .set({ created_at: new Date(2020, 2, 1, 12) })
      .where('organization_id', '=', org.id)
      .where('action', '=', 'invitation.created')
      .where('actor_id', '=', owner.user.id)
      .execute();

    const page = await freshPage();
    await signIn(page, owner.user.email, `/orgs/${org.slug}/audit-log`);
    const rows = page.locator('table.audit-log tbody tr');
    const filter = () => page.getByRole('button', { name: 'Filter', exact: true }).click();
    const change1 = page
      .getByRole('row')
      .filter({ hasText: 'Changed Mia Member’s role from member to admin' });
    await change1.waitFor();
    expect(await change1.textContent()).toContain('Adam Admin');
    expect(await change1.textContent()).toContain(admin.user.email);
    expect(
      await page
        .getByRole('row')
        .filter({ hasText: `Invited ${byLeaver} as a member` })
        .textContent(),
    ).toContain('Deleted user');
    expect(
      await page
        .getByRole('row')
        .filter({ hasText: `Invited ${byOwner}` })
        .textContent(),
    ).toContain('Olivia Owner');
    // No raw id stands for a person.
    expect(await page.getByRole('cell', { name: /^User [0-9a-f]{8}…$/ }).count()).toBe(0);
    await shot(page, 'audit-log');

    // Filter by who: Adam's entries only.
    await page.getByLabel('Done by').selectOption({ label: `Adam Admin (${admin.user.email})` });
    await filter();
    await page.waitForURL(new RegExp(`actor=${admin.user.id}`));
    await page
      .getByRole('row')
      .filter({ hasText: `Invited ${byOwner}` })
      .waitFor({ state: 'detached' });
    const whos = await page.locator('tbody td[data-label="Who"] .member-name').allTextContents();
    expect(whos.length).toBeGreaterThan(0);
    expect(new Set(whos)).toEqual(new Set(['Adam Admin']));

    // And by action, picked from the catalog (grouped, in words).
    const groups = await page
      .getByLabel('Action')
      .locator('optgroup')
      .evaluateAll((gs) => gs.map((g) => g.getAttribute('label')));
    expect(groups).toEqual([
      'Members',
      'Roles',
      'Domains',
      'Invitations',
      'Join requests',
      'Organization',
      'Apps',
      'Webhooks',
      'Audit log',
    ]);
    await page.getByLabel('Action').selectOption({ label: 'Invited someone' });
    await filter();
    await page.getByText(/^No entries “Invited someone” by Adam Admin\.$/).waitFor();
    await page.getByLabel('Done by').selectOption('');
    await filter();
    await page
      .getByRole('row')
      .filter({ hasText: `Invited ${byOwner}` })
      .waitFor();
    await expect.poll(() => rows.count()).toBe(2);

    // By who and by date range: Olivia on 1 March 2020 is her invitation alone; Adam did nothing then.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByLabel('Done by').selectOption({ label: `Olivia Owner (${owner.user.email})` });
    await page.getByLabel('From', { exact: true }).fill('2020-03-01');
    await page.getByLabel('To', { exact: true }).fill('2020-03-01');
    await filter();
    await page.waitForURL(new RegExp(`actor=${owner.user.id}&from=2020-03-01&to=2020-03-01$`));
    await page
      .getByRole('row')
      .filter({ hasText: `Invited ${byOwner}` })
      .waitFor();
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByLabel('Done by').selectOption({ label: `Adam Admin (${admin.user.email})` });
    await filter();
    await page.getByText(/^No entries by Adam Admin on .*2020\.$/).waitFor();
    // A range that ends before it starts is refused in words, before any request.
    await page.getByLabel('From', { exact: true }).fill('2020-03-02');
    await filter();
    await page.getByText('The last day is before the first one.').waitFor();

    // Export what the filters match: Olivia, 1 March 2020 — as a CSV download, and as JSON.
    await page.getByLabel('Done by').selectOption({ label: `Olivia Owner (${owner.user.email})` });
    await page.getByLabel('From', { exact: true }).fill('2020-03-01');
    await filter();
    await page.waitForURL(new RegExp(`actor=${owner.user.id}&from=2020-03-01&to=2020-03-01$`));
    await expect.poll(() => rows.count()).toBe(1);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^audit-log-${org.slug}-\\d{8}T\\d{6}Z\\.csv$`));
    const chunks: Buffer[] = [];
    for await (const chunk of await download.createReadStream()) chunks.push(chunk as Buffer);
    // RFC 4180, enough for this file: quoted fields may hold commas and doubled quotes.
    const csv = Buffer.concat(chunks)
      .toString('utf8')
      .split('\r\n')
      .filter(Boolean)
      .map((line) =>
        [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(?:,|$)/g)]
          .map((m) => (m[1] as string).replace(/^"|"$/g, '').replaceAll('""', '"'))
          .slice(0, 15),
      );
    expect(csv[0]).toEqual([
      'id',
      'createdAt',
      'action',
      'actorType',
      'actorId',
      'actorName',
      'actorEmail',
      'actorDeleted',
      'targetType',
      'targetId',
      'targetName',
      'targetEmail',
      'targetDeleted',
      'ip',
      'data',
    ]);
    expect(csv.slice(1).map((r) => [r[2], r[5], r[6], r[8], r[11]])).toEqual([
      ['invitation.created', 'Olivia Owner', owner.user.email, 'invitation', byOwner],
    ]);
    const jsonHref = await page.getByRole('link', { name: 'Export JSON' }).getAttribute('href');
    expect(jsonHref).toMatch(/format=json&actorId=.+&since=2020-03-0.T.+&until=2020-03-0.T/);
    const json = await page.evaluate(async (href) => {
      const res = await fetch(href);
      return { type: res.headers.get('content-type'), entries: await res.json() };
    }, jsonHref as string);
    expect(json.type).toBe('application/json; charset=utf-8');
    expect(
      json.entries.map((e: { action: string; target: { email: string } }) => [e.action, e.target.email]),
    ).toEqual([['invitation.created', byOwner]]);
    // Both exports are in the log, in words.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    const exportRow = page
      .getByRole('row')
      .filter({ hasText: 'Exported part of the audit log (by who did it, date) as CSV' });
    await exportRow.waitFor();
    expect(await exportRow.textContent()).toContain('Olivia Owner');
    await page
      .getByRole('row')
      .filter({ hasText: 'Exported part of the audit log (by who did it, date) as JSON' })
      .waitFor();

    // A target is a filter in one click: what happened to Mia.
    await change1.getByRole('button', { name: /^Only this/ }).click();
    await page.waitForURL(new RegExp(`targetType=user&targetId=${member.user.id}`));
    await page.getByText('Only entries about Mia Member.').waitFor();
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByRole('button', { name: 'Show every target' }).click();
    await page.waitForURL(new RegExp(`/orgs/${org.slug}/audit-log$`));

    // Who did it is a filter in one click; a target links to its page.
    await page.getByRole('button', { name: 'Olivia Owner: show only what they did' }).first().click();
    await page.waitForURL(new RegExp(`actor=${owner.user.id}`));
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await change1.getByRole('link', { name: 'Mia Member' }).click();
    await page.waitForURL(new RegExp(`/orgs/${org.slug}/members\\?q=`));
    const membersTable = page.getByRole('table', { name: `Members of ${org.name}` });
    await membersTable.getByRole('row').filter({ hasText: 'Mia Member' }).waitFor();
    await expect.poll(() => membersTable.locator('tbody tr').count()).toBe(1);
  });

  it('at 375 px a refusal is in view after the click, and the focus never falls to the page', async () => {
    const { owner, org, admin } = await seedOrg('phone');
    const people = [];
    for (let i = 0; i < 6; i++) {
      const p = await signUp(t.app, uniqueEmail(`phone-${i}`), `Phone Person ${i}`);
      await addActiveMember(t.database, org.id, p.user.id, 'member');
      people.push(p);
    }
    const last = people.at(-1) as (typeof people)[number];
    const page = await freshPage(PHONE);
    await signIn(page, admin.user.email, `/orgs/${org.slug}/members`);

    // Change role, then Cancel, then Escape: the focus goes back to the button each time.
    const change = page.getByRole('button', { name: `Change role of ${last.user.name}` });
    await change.click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expectFocusKept(page, 'Cancel');
    expect(await focused(page)).toBe(`button "Change role of ${last.user.name}"`);
    await change.click();
    await page.keyboard.press('Escape');
    await page.getByLabel(`New role for ${last.user.name}`).waitFor({ state: 'detached' });
    expect(await focused(page)).toBe(`button "Change role of ${last.user.name}"`);

    // A change that succeeds: its notice is next to the row, and holds the focus.
    await change.click();
    await page.getByLabel(`New role for ${last.user.name}`).selectOption('admin');
    await page.getByRole('button', { name: 'Save' }).click();
    const done = page.getByRole('status').filter({ hasText: `${last.user.name} is now an admin.` });
    await done.waitFor();
    await expectInViewport(page, done, 'the notice of a role change');
    await expectFocusKept(page, 'Change role');

    // A change the API refuses (the person was removed meanwhile): the refusal is in view.
    const target = people[4] as (typeof people)[number];
    await page.getByRole('button', { name: `Change role of ${target.user.name}` }).click();
    await page.getByLabel(`New role for ${target.user.name}`).selectOption('admin');
    const removed = await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org.id}/members/${target.user.id}`,
      headers: bearer(owner.token),
    });
    expect(removed.statusCode).toBe(204);
    await page.getByRole('button', { name: 'Save' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'no longer a member of the organization' });
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain(`${target.user.name}'s role was not changed.`);
    await expectInViewport(page, refusal, 'the refusal of a role change');
    await expectFocusKept(page, 'a refused change');
    await shot(page, 'mobile-members-refusal');

    // On the Invitations page: Send invitations, Copy link, and a refused Revoke far below the top.
    for (let i = 0; i < 5; i++) await invited(t.app, owner, org.id, uniqueEmail(`phone-inv-${i}`), 'member');
    await page.goto(`${base}/orgs/${org.slug}/invitations`);
    const fresh = uniqueEmail('phone-send');
    await page.getByLabel('Email addresses').fill(fresh);
    await page.getByRole('button', { name: 'Send invitations' }).click();
    await page.getByText(`Invitation sent to ${fresh}.`).waitFor();
    await expectFocusKept(page, 'Send invitations');
    const oldest = await t.database.db
      .selectFrom('invitations')
      .select(['id', 'email'])
      .where('organization_id', '=', org.id)
      .orderBy('created_at', 'asc')
      .executeTakeFirstOrThrow();
    await page.getByRole('button', { name: `Copy link for ${oldest.email}` }).click();
    const link = page.getByRole('textbox', { name: `Invitation link for ${oldest.email}` });
    await link.waitFor();
    await expectInViewport(page, page.getByText(/new link .*for/).last(), 'the new link');
    await expectFocusKept(page, 'Copy link');
    await page.getByRole('button', { name: `Revoke ${oldest.email}` }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(await focused(page)).toBe(`button "Revoke ${oldest.email}"`);
    await page.getByRole('button', { name: `Revoke ${oldest.email}` }).click();
    await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org.id}/invitations/${oldest.id}`,
      headers: bearer(owner.token),
    });
    await page.getByRole('button', { name: 'Revoke', exact: true }).click();
    const notRevoked = page
      .getByRole('alert')
      .filter({ hasText: `The invitation to ${oldest.email} was not revoked.` });
    await notRevoked.waitFor();
    await expectInViewport(page, notRevoked, 'the refusal of a revoke');
    await expectFocusKept(page, 'a refused revoke');
    expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
  });

  it('the focus ring and the green badges have the contrast they need', async () => {
    const { org, owner } = await seedOrg('contrast');
    const page = await freshPage();
    await signIn(page, owner.user.email, `/orgs/${org.slug}/members`);
    const badge = page.locator('.badge.status-active').first();
    await badge.waitFor();
    const [fg, bg] = await badge.evaluate((el) => {
      const s = getComputedStyle(el);
      return [s.color, s.backgroundColor];
    });
    expect(contrast(fg, bg)).toBeGreaterThanOrEqual(4.5);

    // Tab to a button: its ring is solid, at least 2 px, and 3:1 or more against the page.
    await page.getByRole('button', { name: 'Filter', exact: true }).focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    const ring = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      const s = getComputedStyle(el);
      return {
        style: s.outlineStyle,
        width: Number.parseFloat(s.outlineWidth),
        color: s.outlineColor,
        page: getComputedStyle(document.documentElement).backgroundColor,
      };
    });
    expect(ring.style).toBe('solid');
    expect(ring.width).toBeGreaterThanOrEqual(2);
    expect(contrast(ring.color, ring.page)).toBeGreaterThanOrEqual(3);
    expect(contrast(ring.color, 'rgb(255, 255, 255)')).toBeGreaterThanOrEqual(3);
  });

  it('the invitation page for another signed-in account fits 375 px', async () => {
    const { org, admin } = await seedOrg('other-narrow');
    const wrong = await signUp(
      t.app,
      uniqueEmail('someone-signed-in-with-a-rather-long-address'),
      'Walt Wrong',
    );
    const { token } = await invited(
      t.app,
      admin,
      org.id,
      uniqueEmail('the-invited-person-with-an-even-longer-address'),
    );
    const page = await freshPage(PHONE);
    await signIn(page, wrong.user.email);
    await page.goto(`${base}/invitations/accept?token=${encodeURIComponent(token)}`);
    await page.getByRole('button', { name: /^Sign out and continue as/ }).waitFor();
    expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
    await shot(page, 'mobile-invitation-other-account');
  });

  it('every validation problem at once, field by field, in words', async () => {
    const { owner, org } = await seedOrg('words');
    const page = await freshPage();
    await signIn(page, owner.user.email, '/orgs/new');
    await page.getByLabel('URL name (optional)').fill('Not A Slug!');
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() !== 'GET') posts.push(r.url());
    });
    await page.getByRole('button', { name: 'Create organization' }).click();
    const summary = page.getByRole('alert');
    await summary.waitFor();
    expect(await summary.textContent()).toContain('2 fields need correcting');
    await page.getByText('Enter a name for the organization.').first().waitFor();
    expect(await page.locator('.field-error').allTextContents()).toEqual([
      'Enter a name for the organization.',
      'Use 2 to 48 lowercase letters, digits and single hyphens, for example “acme-labs”.',
    ]);
    expect(posts).toEqual([]);
    expect(await page.getByText(/must NOT|fewer than/).count()).toBe(0);

    await page.goto(`${base}/orgs/${org.slug}/settings`);
    await page.getByLabel('Name', { exact: true }).fill('   ');
    await page.getByLabel('Member limit').fill('many');
    await page.getByLabel('Invitation expiry (days)').fill('999');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('3 fields need correcting').waitFor();
    expect(await page.locator('.field-error').allTextContents()).toEqual([
      "Enter the organization's name.",
      'Enter a whole number, or leave it empty.',
      'It must be at most 365.',
    ]);
    expect(await page.getByText(/must NOT|fewer than|must be <=/).count()).toBe(0);
    await shot(page, 'settings-problems');
  });

  it('"Ask to join" while unverified says to confirm the address first, and the link comes back to it', async () => {
    const { owner, org } = await seedOrg('unverified-join');
    await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org.id}`,
      headers: bearer(owner.token),
      payload: { joinRequestsEnabled: true },
    });
    const email = uniqueEmail('unverified');
    const asker = await signUp(t.app, email, 'Una Verified');
    const page = await freshPage();
    await signIn(page, asker.user.email, `/join/${org.slug}`);
    const first = page.getByRole('status').filter({ hasText: 'Confirm your email address first.' });
    await first.waitFor();
    expect(await page.getByRole('button', { name: 'Ask to join' }).count()).toBe(0);
    await shot(page, 'join-unverified');

    const link = linkIn(
      (await waitForMail(h.smtp, email, /verify-email\?token=/)).text,
      base,
      '/verify-email',
    );
    await page.goto(link);
    await page.getByText('Your email address is verified.').waitFor();
    await page.getByRole('link', { name: 'Continue' }).click();
    await page.waitForURL(`${base}/join/${org.slug}`);
    // The page names the organization (its public join-page read), not only its address.
    const intro = page.locator('.join-intro');
    await intro.filter({ hasText: `Ask to join ${org.name}.` }).waitFor();
    await page.getByRole('button', { name: 'Ask to join' }).click();
    await page.getByText('Your request was sent.').waitFor();
    expect(await membership(org.id, asker.user.id, owner.token)).toBe('member pending');

    // Requests turned off: the page says so first, and no longer gives the name.
    const off = await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org.id}`,
      headers: bearer(owner.token),
      payload: { joinRequestsEnabled: false },
    });
    expect(off.statusCode, off.body).toBe(200);
    await page.reload();
    await intro.filter({ hasText: 'This organization does not take requests to join' }).waitFor();
    expect(await intro.textContent()).not.toContain(org.name);
    await page.goto(`${base}/join/no-such-org-anywhere`);
    await intro.filter({ hasText: 'No organization has this address' }).waitFor();
  });

  it('a long organization name is cut short at 375 px, and the page fits', async () => {
    const owner = await signUp(t.app, uniqueEmail('long'), 'Lena Long');
    const name = 'The Exceptionally Long-Named International Organization of Very Long Organization Names';
    const org = await createOrg(t.app, owner.token, name);
    const page = await freshPage(PHONE);
    await signIn(page, owner.user.email, `/orgs/${org.slug}/members`);
    await page.getByRole('heading', { name: 'Members', exact: true }).waitFor();
    expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
    for (const selector of ['.org-switcher .menu-summary', '.tabs-org']) {
      const cut = await page.locator(selector).evaluate((el) => ({
        overflow: getComputedStyle(el).textOverflow,
        cut: el.scrollWidth > el.clientWidth,
        right: el.getBoundingClientRect().right,
      }));
      expect(cut.overflow, selector).toBe('ellipsis');
      expect(cut.cut, selector).toBe(true);
      expect(cut.right, selector).toBeLessThanOrEqual(375);
    }
    await page.goto(`${base}/`);
    await page.getByRole('link', { name }).waitFor();
    expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
  });

  it('a list that could not load offers Retry, and Retry loads it', async () => {
    const { owner, org } = await seedOrg('retry');
    const page = await freshPage();
    await signIn(page, owner.user.email);
    // The members list (and only it) fails as it would offline.
    const members = (url: URL) =>
      url.pathname === `/v1/organizations/${org.id}/members` && url.searchParams.get('limit') === '25';
    await page.route(members, (route) => route.abort('internetdisconnected'));
    await page.goto(`${base}/orgs/${org.slug}/members`);
    const alert = page.getByRole('alert').filter({ hasText: 'Roster could not be reached' });
    await alert.waitFor();
    await page.unroute(members);
    await alert.getByRole('button', { name: 'Retry' }).click();
    await page.getByRole('row').filter({ hasText: 'Mia Member' }).waitFor();
    expect(await alert.count()).toBe(0);
  });

  it('a requester is told in the app when a request to join was not accepted', async () => {
    const { owner, org, admin } = await seedOrg('rejected');
    await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org.id}`,
      headers: bearer(owner.token),
      payload: { joinRequestsEnabled: true },
    });
    const asker = await signUp(t.app, uniqueEmail('asker'), 'Rae Requester');
    await verify(asker.user.id);
    const ask = async () => {
      const asked = await t.app.inject({
        method: 'POST',
        url: `/v1/organizations/${org.slug}/join-requests`,
        headers: bearer(asker.token),
      });
      expect(asked.statusCode, asked.body).toBe(201);
      return (asked.json() as { id: string }).id;
    };
    const answer = async (id: string, verb: 'approve' | 'reject') => {
      const res = await t.app.inject({
        method: 'POST',
        url: `/v1/organizations/${org.id}/join-requests/${id}/${verb}`,
        headers: bearer(admin.token),
      });
      expect(res.statusCode, res.body).toBe(verb === 'approve' ? 200 : 204);
    };
    const notAccepted = (p: Page) =>
      p.getByRole('status').filter({ hasText: `Your request to join ${org.name} was not accepted` });

    const first = await ask();
    const page = await freshPage();
    await signIn(page, asker.user.email);
    await page.getByText('You asked to join; an admin will answer.').waitFor();
    // The switcher lists it as waiting too.
    await page.getByLabel('Switch organization').click();
    await page.getByRole('banner').getByText('(you asked to join)').waitFor();
    await page.keyboard.press('Escape');

    await answer(first, 'reject');

    // Another device, which never saw the request waiting, is told: Roster keeps the answer.
    const elsewhere = await (await h.otherBrowser()).newPage();
    await signIn(elsewhere, asker.user.email);
    const news = notAccepted(elsewhere);
    await news.waitFor();
    await shot(elsewhere, 'join-request-not-accepted');
    // This one too, on its next read.
    await page.reload();
    await notAccepted(page).waitFor();

    // Dismissed on one device, the news is gone on every one.
    await news.getByRole('button', { name: `Dismiss the news about ${org.name}` }).click();
    await news.waitFor({ state: 'detached' });
    await elsewhere.close();

    // Asked again and approved: that is news (which shows the news was read), the old answer is not.
    await answer(await ask(), 'approve');
    await page.reload();
    await page
      .getByRole('status')
      .filter({ hasText: `Your request to join ${org.name} was approved` })
      .waitFor();
    expect(await page.getByText('was not accepted').count()).toBe(0);
  });
});

/**
 * The organization's own roles in the console, in a real browser (Debian's Chromium through
 * playwright-core) against a Roster on a real port and a fresh database: an owner defines a role on the
 * Roles page (its abilities chosen in words, its key proposed from its name), sees what it can do in
 * words, finds it in the pickers of Add people and of the Members page (with what it can do), gives it
 * to a member and sees the member's badge name it; a member sees the roles but cannot change them; the
 * owner changes the role's abilities, then deletes it while a member holds it, choosing the role to move
 * them to, and sees the member moved. axe-core finds no serious or critical violation on the way.
 *
 * Without /usr/bin/chromium the file is skipped with a message; in CI (CI=true) it fails instead.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsoleHarness,
  freshPage as freshPageOf,
  openConsole,
  RUN_BROWSER_TESTS,
  seedOrg,
  shot,
  signInAt,
} from './console-browser.ts';
import { bearer, type TestApp } from './helpers.ts';

interface Role {
  key: string;
  name: string;
  scopes: string[];
  memberCount: number | null;
}

describe.runIf(RUN_BROWSER_TESTS)("the organization's own roles, in Chromium", () => {
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

  // No page may raise a Content-Security-Policy violation or an uncaught error.
  afterEach(() => {
    expect(pageErrors?.splice(0) ?? []).toEqual([]);
  });

  const freshPage = () => freshPageOf(context);

  /** The table row of a member (not the form that may open under it). */
  const memberRow = (page: Page, name: string) =>
    page.getByRole('row').filter({ has: page.locator('td[data-label="Member"]').filter({ hasText: name }) });

  /** A role's card on the Roles page. */
  const roleCard = (page: Page, name: string) =>
    page.locator('.role-card').filter({ has: page.getByRole('heading', { level: 3, name }) });

  async function roleOf(orgId: string, userId: string, token: string) {
    const res = await t.app.inject({
      url: `/v1/organizations/${orgId}/members/${userId}`,
      headers: bearer(token),
    });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { role: string }).role;
  }

  async function roles(orgId: string, token: string) {
    const res = await t.app.inject({ url: `/v1/organizations/${orgId}/roles`, headers: bearer(token) });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { data: Role[] }).data;
  }

  /** Serious and critical violations on the page as it is now, one line each. */
  async function violations(page: Page): Promise<string[]> {
    const results = await new AxeBuilder({ page }).analyze();
    return results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')}`));
  }

  it('an owner defines a role, gives it to a member, changes what it can do, and deletes it moving the member', async () => {
    const { owner, org, member } = await seedOrg(t, 'roles');
    const page = await freshPage();
    await signInAt(page, base, owner.user.email, `/orgs/${org.slug}/members`);

    // The Roles tab sits in the organization's navigation, beside Members.
    const tabs = page.getByRole('navigation', { name: `${org.name} sections` });
    // The tabs come with the organization's read: wait for them before reading their order.
    await tabs.getByRole('link', { name: 'Roles', exact: true }).waitFor();
    const labels = await tabs.getByRole('link').allTextContents();
    expect(labels.slice(0, 2)).toEqual(['Members', 'Roles']);
    await tabs.getByRole('link', { name: 'Roles' }).click();
    await page.getByRole('heading', { level: 1, name: 'Roles' }).waitFor();
    await page.getByText(`${org.name} has no roles of its own yet.`).waitFor();
    // The built-in roles, with what each can do in words.
    expect(await roleCard(page, 'member').textContent()).toContain('see the members and the invitations');
    expect(await roleCard(page, 'owner').textContent()).toContain('delete the organization');

    // Define a role: the key follows the name; abilities are chosen in words.
    await page.getByRole('button', { name: 'New role' }).click();
    const form = page.getByRole('form', { name: 'New role' });
    await form.getByLabel('Name', { exact: true }).fill('Support agent');
    expect(await form.getByLabel('Key', { exact: true }).inputValue()).toBe('support-agent');
    // Deleting the organization is never an ability of a role of the organization's own.
    expect(await form.getByText('Delete the organization').count()).toBe(0);
    // Nothing chosen yet: the form says so before sending anything.
    await form.getByRole('button', { name: 'Create role' }).click();
    await form.getByText('Choose at least one thing the role can do.').waitFor();
    await form.getByLabel('See the organization and its settings').check();
    await form.getByLabel('Invite people by email').check();
    await form.getByLabel('Read the audit log').check();
    await form.getByLabel('Description (optional)').fill('Front-line support.');
    await form.getByRole('button', { name: 'Create role' }).click();
    await page.getByText('The role Support agent was created.').waitFor();
    const card = roleCard(page, 'Support agent');
    await card.waitFor();
    expect(await card.textContent()).toContain('support-agent');
    expect(await card.textContent()).toContain('Front-line support.');
    expect(await card.locator('.abilities li').allTextContents()).toEqual([
      'see the organization and its settings',
      'invite people by email',
      'read the audit log',
    ]);
    expect(await card.textContent()).toContain('0 members');
    const [made] = (await roles(org.id, owner.token)).filter((r) => r.key === 'support-agent');
    expect(made?.scopes).toEqual(['org:read', 'member:invite', 'audit:read']);
    expect(await violations(page)).toEqual([]);
    await shot(page, 'roles');

    // Add people offers it, with what it can do once chosen.
    await page
      .getByRole('navigation', { name: `${org.name} sections` })
      .getByRole('link', { name: 'Members' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Members' }).waitFor();
    await page.getByRole('button', { name: 'Add people' }).click();
    const panel = page.getByRole('region', { name: `Add people to ${org.name}` });
    const picker = panel.getByLabel('Role');
    await picker.locator('option', { hasText: 'Support agent' }).waitFor({ state: 'attached' });
    expect(await picker.locator('option').allTextContents()).toEqual([
      'owner',
      'admin',
      'member',
      'Support agent',
    ]);
    await picker.selectOption('support-agent');
    await panel
      .getByText(
        'A Support agent can see the organization and its settings; invite people by email; read the audit log.',
      )
      .waitFor();
    await panel.getByRole('button', { name: 'Close' }).click();

    // "What can each role do?" lists it too.
    await page.getByText('What can each role do?').click();
    const explained = page.locator('.roles-explained .role-line').filter({ hasText: 'Support agent' });
    expect(await explained.textContent()).toContain('Can see the organization and its settings');

    // Give it to Mia from her row: the picker says what it can do; her badge then names it.
    const mia = memberRow(page, 'Mia Member');
    await mia.getByRole('button', { name: 'Change role of Mia Member' }).click();
    const newRole = page.getByLabel('New role for Mia Member');
    await newRole.selectOption('support-agent');
    await mia.getByText('A Support agent can see the organization and its settings').waitFor();
    await mia.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Mia Member is now a Support agent.').waitFor();
    await mia.locator('td[data-label="Role"] .badge', { hasText: 'Support agent' }).waitFor();
    expect(await roleOf(org.id, member.user.id, owner.token)).toBe('support-agent');
    // The role filter knows it.
    expect(await page.getByLabel('Role', { exact: true }).locator('option').allTextContents()).toContain(
      'Support agent',
    );
    expect(await violations(page)).toEqual([]);

    // Mia herself sees the roles and what hers can do, without a way to change them.
    const miaPage = await freshPage();
    await signInAt(miaPage, base, member.user.email, `/orgs/${org.slug}/roles`);
    await roleCard(miaPage, 'Support agent').getByText('(your role)').waitFor();
    expect(await miaPage.getByRole('button', { name: 'New role' }).count()).toBe(0);
    expect(await miaPage.getByRole('button', { name: /^(Edit|Delete) the role/ }).count()).toBe(0);
    await miaPage.close();

    // The owner changes what the role can do.
    const ownerPage = await freshPage();
    await signInAt(ownerPage, base, owner.user.email, `/orgs/${org.slug}/roles`);
    const again = roleCard(ownerPage, 'Support agent');
    await again.getByText('1 member').waitFor();
    await again.getByRole('button', { name: 'Edit the role Support agent' }).click();
    const edit = ownerPage.getByRole('form', { name: 'Edit the role Support agent' });
    await edit.getByLabel('Read the audit log').uncheck();
    await edit.getByLabel('See the members and the invitations').check();
    expect(await violations(ownerPage)).toEqual([]);
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await ownerPage.getByText('The role Support agent was saved.').waitFor();
    expect(await again.locator('.abilities li').allTextContents()).toEqual([
      'see the organization and its settings',
      'see the members and the invitations',
      'invite people by email',
    ]);
    const [changed] = (await roles(org.id, owner.token)).filter((r) => r.key === 'support-agent');
    expect(changed?.scopes.sort()).toEqual(['member:invite', 'member:read', 'org:read']);

    // Deleting it while Mia holds it asks for the role to move her to.
    await again.getByRole('button', { name: 'Delete the role Support agent' }).click();
    await again.getByRole('button', { name: 'Delete role' }).click();
    await again.getByText('Support agent is still held by 1 member.').waitFor();
    const replace = again.getByLabel('Give them this role instead');
    expect(await replace.locator('option').allTextContents()).toEqual(['admin', 'member']);
    await replace.selectOption('member');
    await again.getByText('A member can see the organization and its settings').waitFor();
    expect(await violations(ownerPage)).toEqual([]);
    await again.getByRole('button', { name: 'Move them and delete' }).click();
    await ownerPage
      .getByText('The role Support agent was deleted; whoever had it now has the role member.')
      .waitFor();
    await ownerPage.getByText(`${org.name} has no roles of its own yet.`).waitFor();
    expect(await roleOf(org.id, member.user.id, owner.token)).toBe('member');
    expect((await roles(org.id, owner.token)).map((r) => r.key)).toEqual(['owner', 'admin', 'member']);

    // The Members page shows Mia as a member again; the audit log tells the story in words.
    await ownerPage.goto(`${base}/orgs/${org.slug}/members`);
    await memberRow(ownerPage, 'Mia Member')
      .locator('td[data-label="Role"] .badge', { hasText: 'member' })
      .waitFor();
    await ownerPage.goto(`${base}/orgs/${org.slug}/audit-log`);
    await ownerPage.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    await ownerPage.getByText('Deleted the role “Support agent”; 1 member moved to member').waitFor();
    await ownerPage
      .getByText('Changed Mia Member’s role from “support-agent” to member, as its role was deleted')
      .waitFor();
    await ownerPage
      .getByText(
        'Defined the role “Support agent”, which can see the organization and its settings; invite people by email; read the audit log',
      )
      .waitFor();
    await shot(ownerPage, 'roles-audit');
  });

  it('an admin is offered only roles within their own abilities, and no owner', async () => {
    const { owner, org, admin } = await seedOrg(t, 'roles-admin');
    // A role beyond the admin's reach cannot exist (admins hold every scope but org:delete, which no
    // custom role may hold); a role defined by the owner is within it.
    const made = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.id}/roles`,
      headers: bearer(owner.token),
      payload: { key: 'auditor', name: 'Auditor', scopes: ['org:read', 'audit:read'] },
    });
    expect(made.statusCode, made.body).toBe(201);
    const page = await freshPage();
    await signInAt(page, base, admin.user.email, `/orgs/${org.slug}/join-links`);
    const picker = page.getByLabel('Role', { exact: true });
    await picker.locator('option', { hasText: 'Auditor' }).waitFor({ state: 'attached' });
    expect(await picker.locator('option').allTextContents()).toEqual(['admin', 'member', 'Auditor']);
    await picker.selectOption('auditor');
    await page
      .getByText('An Auditor can see the organization and its settings; read the audit log.')
      .waitFor();

    await page.goto(`${base}/orgs/${org.slug}/roles`);
    await page.getByRole('button', { name: 'New role' }).click();
    const form = page.getByRole('form', { name: 'New role' });
    // Every ability of a custom role is the admin's own: none is disabled.
    expect(await form.locator('input[type="checkbox"]:disabled').count()).toBe(0);
    await page.getByRole('button', { name: 'Edit the role Auditor' }).waitFor();
  });
});

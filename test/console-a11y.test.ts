/**
 * axe-core (through @axe-core/playwright) on every page of the console, at 1280 and at 375 px, in
 * Debian's Chromium against a Roster on a real port: no violation of impact "serious" or "critical".
 * Each page is checked once loaded (its heading drawn, nothing loading), signed out and signed in, with
 * its lists filled (members waiting to join, invitations, an app, a webhook endpoint, join links, audit
 * entries, an ownership transfer waiting for an answer, an end date on a member's access, a role of
 * the organization's own) and its panels open (Add people, the organization switcher, a confirmation,
 * a member's end date, proposing a new owner, defining, editing and deleting a role).
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
  signInAt,
} from './console-browser.ts';
import { addActiveMember, bearer, signUp, type TestApp, uniqueEmail } from './helpers.ts';
import { invited } from './invitation-helpers.ts';

/** A page to check: where, what to wait for, and what to do first (open a panel). */
interface Visit {
  path: string;
  heading: string | RegExp;
  /** Signed out, as `owner`, or as the `other` account (not the invited one). */
  as: 'guest' | 'owner' | 'other';
  before?(page: Page): Promise<void>;
}

describe.runIf(RUN_BROWSER_TESTS)('accessibility of every console page (axe-core), in Chromium', () => {
  let h: ConsoleHarness;
  let t: TestApp;
  let base: string;
  let context: BrowserContext;
  let pageErrors: string[];
  let visits: Visit[];
  let ownerEmail: string;
  let otherEmail: string;

  beforeAll(async () => {
    // A webhook endpoint on 127.0.0.1 needs the private-address allowance (nothing is delivered).
    h = await openConsole({ webhookAllowPrivate: true });
    ({ t, base, context, pageErrors } = h);
    const { owner, org, admin, member } = await seedOrg(t, 'axe');
    ownerEmail = owner.user.email;
    const patch = await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org.id}`,
      headers: bearer(owner.token),
      payload: { joinRequestsEnabled: true },
    });
    expect(patch.statusCode, patch.body).toBe(200);
    // Something in every list: an invitation (and its link), an owner-add, a request to join, an
    // invitation and an owner-add for the owner's own inbox, an app (installed), a webhook endpoint.
    const { token } = await invited(t.app, admin, org.id, uniqueEmail('axe-invitee'), 'member');
    const other = await signUp(t.app, uniqueEmail('axe-other'), 'Oscar Other');
    otherEmail = other.user.email;
    const asker = await signUp(t.app, uniqueEmail('axe-asker'), 'Ann Asker');
    await t.database.db
      .updateTable('users')
      .set({ email_verified_at: new Date() })
      .where('id', 'in', [other.user.id, asker.user.id])
      .execute();
    const calls = [
      {
        url: `/v1/organizations/${org.id}/members`,
        token: admin.token,
        payload: { email: otherEmail, role: 'member' },
      },
      { url: `/v1/organizations/${org.slug}/join-requests`, token: asker.token, payload: undefined },
    ];
    const elsewhere = await seedOrg(t, 'axe-elsewhere');
    calls.push({
      url: `/v1/organizations/${elsewhere.org.id}/members`,
      token: elsewhere.owner.token,
      payload: { email: ownerEmail, role: 'admin' },
    });
    for (const c of calls) {
      const res = await t.app.inject({
        method: 'POST',
        url: c.url,
        headers: bearer(c.token),
        payload: c.payload,
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    const app = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.id}/apps`,
      headers: bearer(owner.token),
      payload: {
        name: 'Axe Notes',
        slug: 'axe-notes',
        scopes: ['org:read', 'member:read'],
        webhookUrl: 'http://127.0.0.1:9/app-hooks',
        published: true,
      },
    });
    expect(app.statusCode, app.body).toBe(201);
    const install = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.id}/installations`,
      headers: bearer(owner.token),
      payload: { app: 'axe-notes' },
    });
    expect(install.statusCode, install.body).toBe(201);
    const endpoint = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.id}/webhooks`,
      headers: bearer(owner.token),
      payload: { url: 'http://127.0.0.1:9/hooks', events: ['member.added'], description: 'Axe receiver' },
    });
    expect(endpoint.statusCode, endpoint.body).toBe(201);
    const endpointId = (endpoint.json() as { id: string }).id;
    // A join link in the list of the owner's organization, and one to land on (in the organization
    // the other account is not part of, so that it is offered to ask to join).
    const links: Array<{ url: string }> = [];
    for (const [orgId, token, payload] of [
      [org.id, owner.token, { label: 'Axe cohort', maxUses: 10 }],
      [elsewhere.org.id, elsewhere.owner.token, { allowedDomains: ['example.com'], requireApproval: true }],
    ] as const) {
      const made = await t.app.inject({
        method: 'POST',
        url: `/v1/organizations/${orgId}/join-links`,
        headers: bearer(token),
        payload,
      });
      expect(made.statusCode, made.body).toBe(201);
      links.push(made.json() as { url: string });
    }
    const joinLink = `/join-link${new URL(links[1]?.url ?? '').hash}`;
    // An end date on the member's access; and, in a third organization where the owner is an admin,
    // a proposal to make them an owner (listed on their page, and to them as an admin of it).
    const ends = await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org.id}/members/${member.user.id}`,
      headers: bearer(owner.token),
      payload: { expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString() },
    });
    expect(ends.statusCode, ends.body).toBe(200);
    const third = await seedOrg(t, 'axe-transfer');
    await addActiveMember(t.database, third.org.id, owner.user.id, 'admin');
    const proposed = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${third.org.id}/ownership-transfers`,
      headers: bearer(third.owner.token),
      payload: { userId: owner.user.id },
    });
    expect(proposed.statusCode, proposed.body).toBe(201);

    // One of the organization's own roles, held by nobody, to list, edit and delete.
    const role = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.id}/roles`,
      headers: bearer(owner.token),
      payload: { key: 'auditor', name: 'Auditor', scopes: ['org:read', 'audit:read'] },
    });
    expect(role.statusCode, role.body).toBe(201);

    const orgPath = `/orgs/${org.slug}`;
    const landing = `/invitations/accept?token=${encodeURIComponent(token)}`;
    visits = [
      { path: '/sign-in', heading: 'Sign in', as: 'guest' },
      { path: '/sign-up', heading: 'Create your account', as: 'guest' },
      { path: '/forgot-password', heading: 'Reset your password', as: 'guest' },
      { path: '/reset-password?token=rp_x', heading: 'Choose a new password', as: 'guest' },
      { path: '/verify-email?token=rv_x', heading: 'Verify your email', as: 'guest' },
      { path: '/confirm-email-change?token=re_x', heading: 'Confirm your new email address', as: 'guest' },
      { path: landing, heading: 'Invitation', as: 'guest' },
      { path: `/join/${org.slug}`, heading: 'Request to join', as: 'guest' },
      { path: joinLink, heading: 'Join an organization', as: 'guest' },
      { path: '/oidc/interaction/no-such-request', heading: 'Sign-in request', as: 'guest' },
      { path: '/no-such-page', heading: 'Page not found', as: 'guest' },
      { path: landing, heading: 'Invitation', as: 'other' },
      { path: `/join/${elsewhere.org.slug}`, heading: 'Request to join', as: 'other' },
      { path: joinLink, heading: 'Join an organization', as: 'other' },
      { path: '/', heading: 'Your organizations', as: 'owner' },
      {
        path: '/',
        heading: 'Your organizations',
        as: 'owner',
        before: async (page) => {
          await page.getByLabel('Switch organization').click();
          await page.getByRole('banner').getByRole('link', { name: '+ Create organization' }).waitFor();
        },
      },
      { path: '/me/invitations', heading: 'My invitations', as: 'owner' },
      { path: '/me/ownership-transfers', heading: 'Ownership proposals', as: 'owner' },
      {
        path: '/me/ownership-transfers',
        heading: 'Ownership proposals',
        as: 'owner',
        before: async (page) => {
          await page.getByRole('button', { name: `Accept ownership of ${third.org.name}` }).click();
          await page.getByRole('button', { name: 'Yes, become an owner' }).waitFor();
        },
      },
      { path: '/account', heading: 'Profile', as: 'owner' },
      { path: '/account/security', heading: 'Security', as: 'owner' },
      { path: '/orgs/new', heading: 'Create an organization', as: 'owner' },
      { path: `${orgPath}/members`, heading: 'Members', as: 'owner' },
      {
        path: `${orgPath}/members`,
        heading: 'Members',
        as: 'owner',
        before: async (page) => {
          await page.getByRole('button', { name: 'Add people' }).click();
          await page.getByRole('button', { name: 'Add someone with an account' }).click();
          await page.getByText('What can each role do?').click();
        },
      },
      {
        path: `${orgPath}/members`,
        heading: 'Members',
        as: 'owner',
        before: async (page) => {
          await page.getByRole('button', { name: "Change end date for Mia Member's access" }).click();
          await page.getByLabel('Last day of access for Mia Member').waitFor();
        },
      },
      {
        path: `${orgPath}/members`,
        heading: 'Members',
        as: 'owner',
        before: async (page) => {
          await page.getByRole('button', { name: 'Transfer ownership to Adam Admin' }).click();
          await page.getByRole('button', { name: 'Ask Adam Admin to become an owner' }).waitFor();
        },
      },
      { path: `/orgs/${third.org.slug}/members`, heading: 'Members', as: 'owner' },
      { path: `${orgPath}/roles`, heading: 'Roles', as: 'owner' },
      {
        path: `${orgPath}/roles`,
        heading: 'Roles',
        as: 'owner',
        before: async (page) => {
          await page.getByRole('button', { name: 'New role' }).click();
          await page.getByRole('form', { name: 'New role' }).waitFor();
        },
      },
      {
        path: `${orgPath}/roles`,
        heading: 'Roles',
        as: 'owner',
        before: async (page) => {
          await page.getByRole('button', { name: 'Edit the role Auditor' }).click();
          await page.getByRole('form', { name: 'Edit the role Auditor' }).waitFor();
        },
      },
      {
        path: `${orgPath}/roles`,
        heading: 'Roles',
        as: 'owner',
        before: async (page) => {
          await page.getByRole('button', { name: 'Delete the role Auditor' }).click();
          await page.getByRole('button', { name: 'Delete role' }).waitFor();
        },
      },
      { path: `${orgPath}/invitations`, heading: 'Invitations', as: 'owner' },
      { path: `${orgPath}/join-requests`, heading: 'Join requests', as: 'owner' },
      { path: `${orgPath}/join-links`, heading: 'Join links', as: 'owner' },
      {
        path: `${orgPath}/join-links`,
        heading: 'Join links',
        as: 'owner',
        before: async (page) => {
          await page.getByRole('button', { name: 'Revoke Axe cohort' }).click();
          await page.getByRole('button', { name: 'Cancel' }).waitFor();
        },
      },
      { path: `${orgPath}/apps`, heading: 'Apps', as: 'owner' },
      {
        path: `${orgPath}/apps`,
        heading: 'Apps',
        as: 'owner',
        before: async (page) => {
          await page.getByLabel('App URL name').fill('axe-notes');
          await page.getByRole('button', { name: 'Review and install' }).click();
          await page.locator('.consent-step').waitFor();
        },
      },
      { path: `${orgPath}/apps/axe-notes`, heading: 'Axe Notes', as: 'owner' },
      { path: `${orgPath}/webhooks`, heading: 'Webhooks', as: 'owner' },
      { path: `${orgPath}/webhooks/${endpointId}`, heading: 'Webhook endpoint', as: 'owner' },
      { path: `${orgPath}/domains`, heading: 'Domains', as: 'owner' },
      { path: `${orgPath}/settings`, heading: 'Settings', as: 'owner' },
      { path: `${orgPath}/audit-log`, heading: 'Audit log', as: 'owner' },
    ];
  });

  afterAll(() => h?.close());

  afterEach(() => {
    expect(pageErrors?.splice(0) ?? []).toEqual([]);
  });

  /** Serious and critical violations on the page as it is now, one line each. */
  async function violations(page: Page): Promise<string[]> {
    const results = await new AxeBuilder({ page }).analyze();
    return results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .flatMap((v) =>
        v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')} — ${n.failureSummary ?? ''}`),
      );
  }

  for (const [width, height] of [
    [1280, 800],
    [375, 812],
  ] as const) {
    it(`finds no serious or critical violation on any page at ${width} px`, async () => {
      const found: Record<string, string[]> = {};
      let signedInAs: Visit['as'] | null = null;
      let page = await freshPageOf(context, { width, height });
      for (const v of visits) {
        if (v.as !== signedInAs) {
          page = await freshPageOf(context, { width, height });
          if (v.as !== 'guest') await signInAt(page, base, v.as === 'owner' ? ownerEmail : otherEmail);
          signedInAs = v.as;
        }
        await page.goto(`${base}${v.path}`);
        await page.getByRole('heading', { level: 1, name: v.heading }).first().waitFor();
        await page.waitForFunction(() => !document.querySelector('.loading'));
        await v.before?.(page);
        const list = await violations(page);
        if (list.length > 0) found[`${v.as} ${v.path}${v.before ? ' (opened)' : ''}`] = list;
      }
      expect(found).toEqual({});
    });
  }
});

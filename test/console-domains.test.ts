/**
 * Verified domains in the console, in a real browser (Debian's Chromium through playwright-core) against
 * a Roster on a real port and a fresh database, a real SMTP server, and a real DNS server on 127.0.0.1
 * (test/dns-server.ts, reached through `dnsServers`): an owner adds a domain on the Domains page and sees
 * the TXT record to publish (copied with its button); Verify before the record is published says the
 * record was not found, and what the lookup found; once the record is published, Verify succeeds and the
 * owner has the organization suggested to people at the domain. Someone who signs up with an address
 * there and verifies it from the emailed link sees the organization under "Suggested for you" on the
 * home page and asks to join: a request waits in the organization's queue. A member without org:write
 * sees the list without controls; removing asks first; switching auto-join on with a role says how many
 * people already at the domain joined. axe-core checks the Domains page, pending and verified, and the
 * home page with a suggestion. Screenshots go to test-results/screenshots/.
 *
 * Without /usr/bin/chromium the file is skipped with a message; in CI (CI=true) it fails instead.
 */
import { randomBytes } from 'node:crypto';
import { AxeBuilder } from '@axe-core/playwright';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsoleHarness,
  freshPage as freshPageOf,
  openConsole,
  PASSWORD,
  RUN_BROWSER_TESTS,
  seedOrg,
  shot,
  sidewaysOverflow,
  signInAt,
  waitForMail,
} from './console-browser.ts';
import { startDnsServer, type TestDnsServer } from './dns-server.ts';
import { bearer, signUp, type TestApp } from './helpers.ts';

describe.runIf(RUN_BROWSER_TESTS)('verified domains in the console, in Chromium', () => {
  let dns: TestDnsServer;
  let h: ConsoleHarness;
  let t: TestApp;
  let base: string;
  let context: BrowserContext;
  /** Another browser: the person at the domain. */
  let other: BrowserContext;
  let pageErrors: string[];

  beforeAll(async () => {
    dns = await startDnsServer();
    h = await openConsole({ dnsServers: [dns.address] });
    ({ t, base, context, pageErrors } = h);
    other = await h.otherBrowser();
  });

  afterAll(async () => {
    await h?.close();
    await dns?.close();
  });

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

  it('an owner adds a domain, publishes its record, verifies it and suggests the organization; a person at the domain signs up and asks to join from the home page', async () => {
    const { owner, org } = await seedOrg(t, 'domains');
    const domain = `corp${randomBytes(4).toString('hex')}.example`;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    const page = await freshPageOf(context);
    await signInAt(page, base, owner.user.email, `/orgs/${org.slug}/members`);
    await page.getByRole('link', { name: 'Domains' }).click();
    await page.waitForURL(`${base}/orgs/${org.slug}/domains`);
    await page.getByRole('heading', { level: 1, name: 'Domains' }).waitFor();
    await page.getByText('No domains yet.').waitFor();

    // A domain typed with a scheme and capitals is added as the bare name.
    await page.getByLabel('Domain', { exact: true }).fill(`https://${domain.toUpperCase()}/`);
    await page.getByRole('button', { name: 'Add domain' }).click();
    await page.getByText(`${domain} was added. Publish its TXT record, then verify it.`).waitFor();
    const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: domain }) });
    await card.getByText('not verified yet', { exact: true }).waitFor();

    // The record shown is the one the API gives, each part with a Copy button.
    const listed = await t.app.inject({
      url: `/v1/organizations/${org.id}/domains`,
      headers: bearer(owner.token),
    });
    expect(listed.statusCode, listed.body).toBe(200);
    const [added] = (
      listed.json() as { data: Array<{ id: string; record: { name: string; value: string } }> }
    ).data;
    const record = added?.record as { name: string; value: string };
    expect(await card.getByRole('textbox', { name: `Record name for ${domain}` }).inputValue()).toBe(
      record.name,
    );
    expect(await card.getByRole('textbox', { name: `Record value for ${domain}` }).inputValue()).toBe(
      record.value,
    );
    await card.getByRole('button', { name: `Copy record value for ${domain}` }).click();
    await card.getByText('Copied.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(record.value);
    // A pending domain has no policy to choose yet.
    expect(await card.getByRole('radio').count()).toBe(0);
    expect(await violations(page)).toEqual([]);
    await shot(page, 'domains-pending');

    // Verify before the record is published: not found, and the lookup found nothing there.
    await card.getByRole('button', { name: `Verify ${domain}` }).click();
    const missing = card.getByRole('alert');
    await missing.getByText(`The TXT record was not found at ${record.name}.`).waitFor();
    expect(await missing.textContent()).toContain('The lookup found no TXT record there at all.');
    // A record with another value: the lookup says what it found.
    dns.records.set(record.name, ['roster-verification=stale']);
    await card.getByRole('button', { name: `Verify ${domain}` }).click();
    await missing.getByText('roster-verification=stale', { exact: true }).waitFor();
    expect(await missing.textContent()).toContain('The lookup found another value there:');
    expect(await violations(page)).toEqual([]);

    // Published: Verify succeeds, and the policy can be chosen.
    dns.records.set(record.name, [record.value]);
    await card.getByRole('button', { name: `Verify ${domain}` }).click();
    await card.getByText(`${domain} is verified.`, { exact: false }).waitFor();
    await card.getByText('verified', { exact: true }).waitFor();
    expect(await card.getByRole('button', { name: `Verify ${domain}` }).count()).toBe(0);
    const policy = card.getByRole('group', { name: `For people with a verified email address at ${domain}` });
    expect(await policy.getByRole('radio', { name: 'Off' }).isChecked()).toBe(true);
    // Auto-join offers a role (never owner).
    await policy.getByRole('radio', { name: 'Join automatically as member' }).check();
    const roleSelect = card.getByLabel('Role for people who join automatically');
    expect(await roleSelect.locator('option').allTextContents()).toEqual(['admin', 'member']);
    expect(await violations(page)).toEqual([]);
    await policy.getByRole('radio', { name: `Suggest ${org.name} to people at the domain` }).check();
    expect(await roleSelect.count()).toBe(0);
    await card.getByRole('button', { name: 'Save policy' }).click();
    await card
      .getByText(
        `${org.name} is now suggested to people with a verified email address at ${domain}; they may ask to join.`,
      )
      .waitFor();
    expect(await violations(page)).toEqual([]);
    expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
    await shot(page, 'domains-verified');
    const after = await t.app.inject({
      url: `/v1/organizations/${org.id}/domains`,
      headers: bearer(owner.token),
    });
    expect((after.json() as { data: Array<{ status: string; policy: string }> }).data).toMatchObject([
      { status: 'verified', policy: 'suggest' },
    ]);

    // Someone at the domain signs up in another browser and verifies the address from the email.
    const email = `dee-${randomBytes(3).toString('hex')}@${domain}`;
    const visitor = await freshPageOf(other);
    await visitor.goto(`${base}/sign-up`);
    await visitor.getByRole('heading', { name: 'Create your account' }).waitFor();
    await visitor.getByLabel('Name', { exact: true }).fill('Dee Domain');
    await visitor.getByLabel('Email').fill(email);
    await visitor.getByLabel('Password').fill(PASSWORD);
    await visitor.getByRole('button', { name: 'Create account' }).click();
    await visitor.waitForURL(`${base}/`);
    await visitor.getByRole('heading', { name: 'Your organizations' }).waitFor();
    // Not verified yet: nothing is suggested.
    await visitor.waitForFunction(() => !document.querySelector('.loading'));
    expect(await visitor.getByRole('heading', { name: 'Suggested for you' }).count()).toBe(0);
    const message = await waitForMail(h.smtp, email);
    const link = /http:\/\/127\.0\.0\.1:\d+\/verify-email\?token=[A-Za-z0-9_%-]+/.exec(
      message.text ?? '',
    )?.[0];
    expect(link, message.text ?? '').toBeDefined();
    await visitor.goto(link as string);
    await visitor.getByText('Your email address is verified.').waitFor();
    await visitor.getByRole('link', { name: 'Continue' }).click();
    await visitor.getByRole('heading', { name: 'Your organizations' }).waitFor();

    const suggested = visitor.getByRole('region', { name: 'Suggested for you' });
    const item = suggested.getByRole('listitem').filter({ hasText: org.name });
    await item.waitFor();
    expect(await item.textContent()).toContain(`Suggested because your email address is at ${domain}.`);
    expect(await violations(visitor)).toEqual([]);
    await shot(visitor, 'home-suggested');
    await item.getByRole('button', { name: `Ask to join ${org.name}` }).click();
    await visitor.getByText(`You asked to join ${org.name}. An admin will answer`).waitFor();
    // It leaves the suggestions and waits for an answer instead.
    await suggested.waitFor({ state: 'detached' });
    await visitor.getByRole('heading', { name: 'Waiting for an answer' }).waitFor();
    await visitor
      .getByRole('listitem')
      .filter({ hasText: org.name })
      .getByText('You asked to join; an admin will answer.')
      .waitFor();

    // The request waits in the organization's queue.
    const dee = await t.database.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    const requests = await t.app.inject({
      url: `/v1/organizations/${org.id}/join-requests`,
      headers: bearer(owner.token),
    });
    expect(requests.statusCode, requests.body).toBe(200);
    const waiting = (
      requests.json() as { data: Array<{ kind: string; userId: string | null; email: string }> }
    ).data;
    expect(waiting.filter((r) => r.userId === dee.id)).toMatchObject([{ kind: 'user', email }]);
    const membership = await t.database.db
      .selectFrom('memberships')
      .select(['status', 'source'])
      .where('organization_id', '=', org.id)
      .where('user_id', '=', dee.id)
      .executeTakeFirstOrThrow();
    expect(membership).toEqual({ status: 'pending', source: 'join_request' });
  });

  it('a member who may not change the organization sees the domains without controls; the owner removes a domain after confirming', async () => {
    const { owner, org, member } = await seedOrg(t, 'domains-read');
    const domain = `team${randomBytes(4).toString('hex')}.example`;
    const added = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.id}/domains`,
      headers: bearer(owner.token),
      payload: { domain },
    });
    expect(added.statusCode, added.body).toBe(201);

    const page = await freshPageOf(context);
    await signInAt(page, base, member.user.email, `/orgs/${org.slug}/domains`);
    await page.getByRole('heading', { level: 1, name: 'Domains' }).waitFor();
    const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: domain }) });
    await card.getByText('not verified yet', { exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Add domain' }).count()).toBe(0);
    expect(await card.getByRole('button', { name: `Verify ${domain}` }).count()).toBe(0);
    expect(await card.getByRole('button', { name: `Remove ${domain}` }).count()).toBe(0);
    expect(await violations(page)).toEqual([]);

    const mine = await freshPageOf(context);
    await signInAt(mine, base, owner.user.email, `/orgs/${org.slug}/domains`);
    const own = mine.getByRole('listitem').filter({ has: mine.getByRole('heading', { name: domain }) });
    await own.getByRole('button', { name: `Remove ${domain}` }).click();
    await own.getByText(`Remove ${domain}? Its policy stops at once`).waitFor();
    expect(await violations(mine)).toEqual([]);
    await own.getByRole('button', { name: 'Cancel' }).click();
    await own.getByRole('button', { name: `Remove ${domain}` }).click();
    await own.getByRole('button', { name: 'Remove', exact: true }).click();
    await mine.getByText(`${domain} was removed.`).waitFor();
    await mine.getByText('No domains yet.').waitFor();
    const listed = await t.app.inject({
      url: `/v1/organizations/${org.id}/domains`,
      headers: bearer(owner.token),
    });
    expect((listed.json() as { data: unknown[] }).data).toEqual([]);
  });

  it('switching auto-join on with a role says how many people already at the domain joined', async () => {
    const { owner, org } = await seedOrg(t, 'domains-auto');
    const domain = `auto${randomBytes(4).toString('hex')}.example`;
    const added = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.id}/domains`,
      headers: bearer(owner.token),
      payload: { domain },
    });
    expect(added.statusCode, added.body).toBe(201);
    const { id, record } = added.json() as { id: string; record: { name: string; value: string } };
    dns.records.set(record.name, [record.value]);
    const verified = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.id}/domains/${id}/verify`,
      headers: bearer(owner.token),
    });
    expect(verified.statusCode, verified.body).toBe(200);
    // Someone with a verified address at the domain already, outside the organization.
    const zoe = await signUp(t.app, `zoe-${randomBytes(3).toString('hex')}@${domain}`, 'Zoe Zed');
    await t.database.db
      .updateTable('users')
      .set({ email_verified_at: new Date() })
      .where('id', '=', zoe.user.id)
      .execute();

    const page = await freshPageOf(context);
    await signInAt(page, base, owner.user.email, `/orgs/${org.slug}/domains`);
    const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: domain }) });
    await card.getByText('verified', { exact: true }).waitFor();
    const policy = card.getByRole('group', { name: `For people with a verified email address at ${domain}` });
    await policy.getByRole('radio', { name: 'Join automatically as member' }).check();
    await card.getByLabel('Role for people who join automatically').selectOption('admin');
    await policy.getByRole('radio', { name: 'Join automatically as admin' }).waitFor();
    await card
      .getByText(`Saving also takes in the people who already have a verified email address`)
      .waitFor();
    await card.getByRole('button', { name: 'Save policy' }).click();
    await card
      .getByText(
        `People with a verified email address at ${domain} now join ${org.name} automatically as an admin. 1 person already at the domain joined as an admin.`,
      )
      .waitFor();
    const membership = await t.database.db
      .selectFrom('memberships')
      .select(['role', 'status', 'source'])
      .where('organization_id', '=', org.id)
      .where('user_id', '=', zoe.user.id)
      .executeTakeFirstOrThrow();
    expect(membership).toEqual({ role: 'admin', status: 'active', source: 'domain' });
    expect(await violations(page)).toEqual([]);
  });
});

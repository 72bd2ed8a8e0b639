/**
 * The console's Apps pages in a real browser (Debian's Chromium through playwright-core) against a
 * Roster on a real port and a fresh database, with a real webhook receiver on 127.0.0.1 (so Roster runs
 * with webhookAllowPrivate): publish an app and keep its secrets (shown once), change it, rotate its
 * client secret, install apps by URL name, uninstall, delete, and read an app's delivery log.
 * Screenshots go to test-results/screenshots/.
 *
 * Without /usr/bin/chromium the file is skipped with a message; in CI (CI=true) it fails instead.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsoleHarness,
  freshPage as freshPageOf,
  openConsole,
  RUN_BROWSER_TESTS,
  seedOrg as seedOrgIn,
  shot,
  signInAt,
} from './console-browser.ts';
import { bearer, createOrg, signUp, type TestApp, uniqueEmail } from './helpers.ts';
import { startReceiver, type TestReceiver } from './webhook-receiver.ts';

describe.runIf(RUN_BROWSER_TESTS)('apps and installations in the console, in Chromium', () => {
  let h: ConsoleHarness;
  let t: TestApp;
  let base: string;
  let context: BrowserContext;
  let pageErrors: string[];
  let rx: TestReceiver;

  beforeAll(async () => {
    rx = await startReceiver();
    h = await openConsole({ webhookAllowPrivate: true });
    ({ t, base, context, pageErrors } = h);
  });

  afterAll(async () => {
    await h?.close();
    await rx?.close();
  });

  // No page may raise a Content-Security-Policy violation or an uncaught error: checked after every
  // test (and emptied), so that a filtered run checks too and a failure names the test that caused it.
  afterEach(() => {
    expect(pageErrors?.splice(0) ?? []).toEqual([]);
  });

  const seedOrg = (label: string) => seedOrgIn(t, label);
  const freshPage = (viewport?: { width: number; height: number }) => freshPageOf(context, viewport);

  const signIn = (page: Page, email: string, next = '/') => signInAt(page, base, email, next);

  let counter = 0;
  const uniqueSlug = (label: string) => `${label}-${++counter}-${Date.now().toString(36)}`;

  /** Publishes an app through the API, its webhooks going to the receiver (which knows its secret). */
  async function publish(token: string, org: string, name: string, extra: Record<string, unknown> = {}) {
    const slug = uniqueSlug(name.toLowerCase().replace(/\W+/g, '-'));
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org}/apps`,
      headers: bearer(token),
      payload: {
        name,
        slug,
        scopes: ['org:read', 'member:read'],
        webhookUrl: `${rx.url}/hooks/${slug}`,
        ...extra,
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const app = res.json() as { id: string; slug: string; clientId: string; clientSecret: string };
    rx.setSecret(`/hooks/${slug}`, res.json().webhookSecret);
    return app;
  }

  /** The grant code the app received, once the outbox has delivered installation.created. */
  async function codeFor(appSlug: string, installationUuid: string) {
    let hook: (typeof rx.received)[number] | undefined;
    await rx.waitFor(() => {
      hook = rx
        .to(`/hooks/${appSlug}`)
        .find(
          (r) =>
            r.json.type === 'installation.created' && r.json.data?.installation?.uuid === installationUuid,
        );
      return hook !== undefined;
    });
    expect(hook?.verified).toBe(true);
    return hook?.json.data.code as string;
  }

  function exchange(clientId: string, clientSecret: string, code: string) {
    return t.app.inject({
      method: 'POST',
      url: '/v1/apps/token',
      payload: { grantType: 'authorization_code', clientId, clientSecret, code },
    });
  }

  async function installations(org: string, token: string) {
    const res = await t.app.inject({
      url: `/v1/organizations/${org}/installations`,
      headers: bearer(token),
    });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { data: Array<{ uuid: string; status: string; app: { slug: string } }> }).data;
  }

  /** Waits (polling the API) until the app's delivery log holds `n` attempts. */
  async function deliveries(org: string, appSlug: string, token: string, n = 1) {
    for (let i = 0; i < 400; i++) {
      const res = await t.app.inject({
        url: `/v1/organizations/${org}/apps/${appSlug}/deliveries`,
        headers: bearer(token),
      });
      const data = (res.json() as { data: Array<{ eventType: string; status: string }> }).data;
      if (data.length >= n) return data;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no ${n} delivery attempts logged for ${appSlug}`);
  }

  const overflow = (page: Page) =>
    page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

  it('an owner creates an app and sees its secrets once, edits it, installs it, reads its delivery log and rotates its client secret', async () => {
    const { owner, org } = await seedOrg('create');
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    const page = await freshPage();
    await signIn(page, owner.user.email, `/orgs/${org.slug}/members`);
    await page.getByRole('link', { name: 'Apps', exact: true }).click();
    await page.getByRole('heading', { name: 'Apps', exact: true }).waitFor();
    await page.getByText('No apps are installed.').waitFor();
    await page.getByText('This organization publishes no app yet.').waitFor();

    // The scopes offered are exactly those an app may ask for.
    const offered = await page
      .locator('input[name="scopes"]')
      .evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
    expect(offered).toEqual([
      'org:read',
      'org:write',
      'member:read',
      'member:invite',
      'member:admin',
      'audit:read',
    ]);

    const slug = uniqueSlug('status-board');
    const hookPath = `/hooks/${slug}`;
    await page.getByLabel('Name', { exact: true }).fill('Status Board');
    await page.getByLabel('URL name (optional)').fill(slug);
    await page.getByLabel('org:read', { exact: true }).check();
    await page.getByLabel('member:read', { exact: true }).check();
    await page.getByLabel('Webhook URL').fill(`${rx.url}${hookPath}`);
    await page.getByLabel('Redirect URL (optional)').fill('https://status.example.com/installed');
    await page.getByRole('button', { name: 'Create app' }).click();

    const secrets = page.getByRole('status').filter({ hasText: 'Status Board was created.' });
    await secrets.waitFor();
    expect(await secrets.textContent()).toContain('Copy them now: you will not see them again.');
    const clientId = await secrets.getByRole('textbox', { name: 'Client ID' }).inputValue();
    const clientSecret = await secrets.getByRole('textbox', { name: 'Client secret' }).inputValue();
    const webhookSecret = await secrets.getByRole('textbox', { name: 'Webhook signing secret' }).inputValue();
    expect(clientId).toMatch(/^[0-9a-f]{32}$/);
    expect(clientSecret).toMatch(/^rc_/);
    expect(webhookSecret).toMatch(/^whsec_/);
    rx.setSecret(hookPath, webhookSecret);
    await secrets.getByRole('button', { name: 'Copy client secret' }).click();
    await secrets.getByText('Copied.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(clientSecret);

    const row = page.getByRole('row').filter({ hasText: 'Status Board' });
    await row.waitFor();
    expect(await row.getByText('private').isVisible()).toBe(true);
    expect(await row.getByText('member:read').isVisible()).toBe(true);

    // Shown once: after a reload neither secret is anywhere on the page.
    await page.reload();
    await page.getByRole('row').filter({ hasText: 'Status Board' }).waitFor();
    const html = await page.content();
    expect(html).not.toContain(clientSecret);
    expect(html).not.toContain(webhookSecret);
    expect(await page.getByText('you will not see them again').count()).toBe(0);

    // Its page: edit it.
    await page.getByRole('link', { name: 'Status Board' }).click();
    await page.waitForURL(`${base}/orgs/${org.slug}/apps/${slug}`);
    await page.getByRole('heading', { name: 'Status Board', exact: true }).waitFor();
    expect(await page.getByRole('link', { name: 'Apps', exact: true }).getAttribute('aria-current')).toBe(
      'page',
    );
    expect(await page.getByRole('textbox', { name: 'Client ID' }).inputValue()).toBe(clientId);
    expect(await page.getByLabel('Switch organization').textContent()).toBe(org.name);
    await page.getByText('No deliveries yet.').waitFor();
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Status Board');
    expect(await page.getByLabel('member:read', { exact: true }).isChecked()).toBe(true);
    expect(await page.getByLabel('Redirect URL (optional)').inputValue()).toBe(
      'https://status.example.com/installed',
    );
    await page.getByLabel('Name', { exact: true }).fill('Status Board Pro');
    await page.getByLabel('audit:read', { exact: true }).check();
    await page.getByLabel('Redirect URL (optional)').fill('');
    await page.getByLabel('Published').check();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Changes saved.').waitFor();
    await page.getByRole('heading', { name: 'Status Board Pro', exact: true }).waitFor();
    const saved = await t.app.inject({
      url: `/v1/organizations/${org.slug}/apps/${slug}`,
      headers: bearer(owner.token),
    });
    expect(saved.json()).toMatchObject({
      name: 'Status Board Pro',
      scopes: ['org:read', 'member:read', 'audit:read'],
      redirectUrl: null,
      published: true,
    });

    // Install it into the organization itself: pending, and the app's webhook receives the code.
    await page.getByRole('link', { name: 'All apps' }).click();
    await page.getByLabel('App URL name').fill(slug);
    await page.getByRole('button', { name: 'Review and install' }).click();
    // Before anything is granted: what the app will be able to do, in words.
    const consent = page.locator('.consent-step');
    await consent.getByText(`Install Status Board Pro in ${org.name}?`).waitFor();
    expect(await consent.textContent()).toContain('It will be able to:');
    expect(await consent.textContent()).toContain('Read the audit log.');
    // Escape cancels it, nothing installed; the focus goes back to the button.
    await page.keyboard.press('Escape');
    await consent.waitFor({ state: 'detached' });
    expect(await installations(org.slug, owner.token)).toEqual([]);
    await page.getByRole('button', { name: 'Review and install' }).click();
    await page.getByRole('button', { name: 'Install', exact: true }).click();
    await page
      .getByText(`Status Board Pro is installed in ${org.name} and pending: waiting for the app to finish.`)
      .waitFor();
    const installed = page.getByRole('row').filter({ hasText: slug }).filter({ hasText: 'pending' });
    await installed.waitFor();
    expect(await installed.getByText('Waiting for the app to finish installing.').isVisible()).toBe(true);
    expect(await installed.getByText('audit:read').isVisible()).toBe(true);
    // Installing again changes nothing (200 with the installation already there).
    await page.getByLabel('App URL name').fill(slug);
    await page.getByRole('button', { name: 'Review and install' }).click();
    await page.getByRole('button', { name: 'Install', exact: true }).click();
    await page.getByText(`Status Board Pro was already installed in ${org.name} (pending)`).waitFor();

    const [installation] = await installations(org.slug, owner.token);
    const code = await codeFor(slug, installation?.uuid as string);
    const logged = await deliveries(org.slug, slug, owner.token);
    expect(logged[0]).toMatchObject({ eventType: 'installation.created', status: 'succeeded' });

    // The delivery log on the app's page (the receiver verified the signature made with the secret
    // shown at creation, hence its 200).
    await page.goto(`${base}/orgs/${org.slug}/apps/${slug}`);
    const attempt = page.getByRole('row').filter({ hasText: 'installation.created' });
    await attempt.waitFor();
    expect(await attempt.getByText('succeeded').isVisible()).toBe(true);
    expect(await attempt.locator('td[data-label="Response"]').textContent()).toBe('200');
    expect(await attempt.locator('td[data-label="Attempt"]').textContent()).toBe('1');
    expect(await attempt.locator('td[data-label="Latency"]').textContent()).toMatch(/^\d+ ms$/);
    await shot(page, 'console-app-detail');

    // Rotate the client secret: confirmed first, the new one shown once.
    await page.getByRole('button', { name: 'Rotate client secret' }).click();
    await page.getByText('The current one stops working at once').waitFor();
    await page.getByRole('button', { name: 'Replace the secret' }).click();
    const rotated = page.getByRole('status').filter({ hasText: 'The client secret was replaced' });
    await rotated.waitFor();
    expect(await rotated.textContent()).toContain('Copy it now: you will not see it again.');
    const newSecret = await rotated.getByRole('textbox', { name: 'New client secret' }).inputValue();
    expect(newSecret).toMatch(/^rc_/);
    expect(newSecret).not.toBe(clientSecret);
    // The old secret no longer exchanges the code; the new one does.
    const refused = await exchange(clientId, clientSecret, code);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.code).toBe('INVALID_CLIENT');
    const tokens = await exchange(clientId, newSecret, code);
    expect(tokens.statusCode, tokens.body).toBe(200);

    // The app finishes: the Apps page shows it installed.
    const done = await t.app.inject({
      method: 'PUT',
      url: `/v1/installations/${installation?.uuid}`,
      headers: bearer(tokens.json().accessToken),
      payload: { status: 'installed' },
    });
    expect(done.statusCode, done.body).toBe(200);
    await page.getByRole('link', { name: 'All apps' }).click();
    await page.getByRole('row').filter({ hasText: slug }).getByText('installed', { exact: true }).waitFor();
  });

  it('installs an app another organization publishes by its URL name, sees it pending, then uninstalls it', async () => {
    const { owner, org } = await seedOrg('install');
    const publisher = await signUp(t.app, uniqueEmail('publisher'), 'Paul Publisher');
    const pubOrg = await createOrg(t.app, publisher.token, 'Publisher Org');
    const notes = await publish(publisher.token, pubOrg.slug, 'Notes', { published: true });
    const hidden = await publish(publisher.token, pubOrg.slug, 'Hidden', { published: false });

    const page = await freshPage();
    await signIn(page, owner.user.email, `/orgs/${org.slug}/apps`);
    await page.getByText('No apps are installed.').waitFor();
    const form = page.locator('form').filter({ hasText: 'Install an app' });

    const consent = page.locator('.consent-step');
    // Refusals in words: an unknown name, and another organization's unpublished app.
    for (const name of ['no-such-app', hidden.slug]) {
      await form.getByLabel('App URL name').fill(name);
      await form.getByRole('button', { name: 'Review and install' }).click();
      const [answer] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/installations') && r.request().method() === 'POST'),
        consent.getByRole('button', { name: 'Install', exact: true }).click(),
      ]);
      expect(answer.status()).toBe(404);
      await consent.getByRole('alert').getByText('No app has this URL name that you can reach').waitFor();
    }
    // An empty name is caught before asking.
    await form.getByLabel('App URL name').fill('');
    await form.getByRole('button', { name: 'Review and install' }).click();
    await form.getByText("Enter the app's URL name.").waitFor();

    // Another organization's app: the step says what it may be granted at most, before installing.
    await form.getByLabel('App URL name').fill(notes.slug);
    await form.getByRole('button', { name: 'Review and install' }).click();
    expect(await consent.textContent()).toContain('At most, it will be able to:');
    expect(await consent.textContent()).toContain('List the members, with their names, emails and roles.');
    expect(await consent.textContent()).not.toContain('Delete');
    await consent.getByRole('button', { name: 'Install', exact: true }).click();
    const granted = page.getByRole('status').filter({
      hasText: `Notes is installed in ${org.name} and pending: waiting for the app to finish.`,
    });
    await granted.waitFor();
    // What it got, in words.
    expect(await granted.textContent()).toContain('It was granted:');
    expect(await granted.textContent()).toContain('Read the organization: its name and settings.');
    const row = page.getByRole('row').filter({ hasText: notes.slug });
    await row.waitFor();
    expect(await row.getByText('pending', { exact: true }).isVisible()).toBe(true);
    expect(await row.getByText('Waiting for the app to finish installing.').isVisible()).toBe(true);
    expect(await row.getByText('org:read').isVisible()).toBe(true);
    expect(await row.locator('td[data-label="Installed"]').textContent()).toMatch(/\d{4}/);
    await shot(page, 'console-apps');

    // The app takes its token, so that uninstalling has something to cut off.
    const [installation] = await installations(org.slug, owner.token);
    expect(installation?.app.slug).toBe(notes.slug);
    const code = await codeFor(notes.slug, installation?.uuid as string);
    const tokens = await exchange(notes.clientId, notes.clientSecret, code);
    expect(tokens.statusCode, tokens.body).toBe(200);
    const asApp = bearer(tokens.json().accessToken);
    expect(
      (await t.app.inject({ url: `/v1/installations/${installation?.uuid}`, headers: asApp })).statusCode,
    ).toBe(200);

    // Uninstall: confirmed first.
    await row.getByRole('button', { name: 'Uninstall Notes' }).click();
    await row.getByText('Its tokens stop working at once.').waitFor();
    await row.getByRole('button', { name: 'Cancel' }).click();
    await row.getByRole('button', { name: 'Uninstall Notes' }).click();
    await row.getByRole('button', { name: 'Uninstall', exact: true }).click();
    await page.getByText('Notes was uninstalled: its tokens no longer work.').waitFor();
    await page.getByText('No apps are installed.').waitFor();
    expect(await installations(org.slug, owner.token)).toEqual([]);
    const after = await t.app.inject({ url: `/v1/installations/${installation?.uuid}`, headers: asApp });
    expect(after.statusCode).toBe(401);
  });

  it('refuses an invalid webhook URL in words beside the form, and creates nothing', async () => {
    const { owner, org } = await seedOrg('badurl');
    const page = await freshPage();
    await signIn(page, owner.user.email, `/orgs/${org.slug}/apps`);
    const form = page.locator('form').filter({ hasText: 'Create an app' });
    await form.getByRole('button', { name: 'Create app' }).click();
    await form.getByText('Enter a name.').waitFor();

    await form.getByLabel('Name', { exact: true }).fill('Broken Hooks');
    await form.getByLabel('Webhook URL').fill('ftp://hooks.example.com/roster');
    await form.getByRole('button', { name: 'Create app' }).click();
    await form
      .getByRole('alert')
      .getByText('Enter the full address of your receiver, starting with https://')
      .waitFor();
    const field = form.getByLabel('Webhook URL');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    await form.getByText('must start with http:// or https://').waitFor();

    await field.fill('hooks.example.com/roster');
    await form.getByRole('button', { name: 'Create app' }).click();
    await form.getByText('is not an absolute URL').waitFor();

    const listed = await t.app.inject({
      url: `/v1/organizations/${org.slug}/apps`,
      headers: bearer(owner.token),
    });
    expect(listed.json().data).toEqual([]);
    await page.getByText('This organization publishes no app yet.').waitFor();
  });

  it('a member has no Apps tab, and opening the pages directly is refused in words', async () => {
    const { owner, org, member } = await seedOrg('member');
    const app = await publish(owner.token, org.slug, 'Member Probe');
    const page = await freshPage();
    await signIn(page, member.user.email, `/orgs/${org.slug}/members`);
    await page.getByRole('link', { name: 'Members', exact: true }).waitFor();
    expect(await page.getByRole('link', { name: 'Apps', exact: true }).count()).toBe(0);
    for (const path of [`/orgs/${org.slug}/apps`, `/orgs/${org.slug}/apps/${app.slug}`]) {
      await page.goto(`${base}${path}`);
      const refused = page.getByRole('alert');
      await refused.waitFor();
      expect(await refused.textContent()).toBe(
        'Apps are managed by owners and admins: your role in this organization does not allow it. Ask an owner or an admin.',
      );
      expect(await page.getByLabel('App URL name').count()).toBe(0);
    }
    // The API agrees.
    const res = await t.app.inject({
      url: `/v1/organizations/${org.slug}/apps`,
      headers: bearer(member.token),
    });
    expect(res.statusCode).toBe(403);
  });

  it('deletes an app after confirming that every installation of it goes', async () => {
    const { owner, org } = await seedOrg('delete');
    const other = await seedOrg('delete-other');
    const app = await publish(owner.token, org.slug, 'Short Lived', { published: true });
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${other.org.slug}/installations`,
      headers: bearer(other.owner.token),
      payload: { app: app.slug },
    });
    expect(res.statusCode, res.body).toBe(201);

    const page = await freshPage();
    await signIn(page, owner.user.email, `/orgs/${org.slug}/apps/${app.slug}`);
    await page.getByRole('heading', { name: 'Short Lived', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Delete app' }).click();
    await page.getByText('Every installation of it, in every organization, goes with it').waitFor();
    await page.getByRole('button', { name: 'Delete Short Lived' }).click();
    await page.waitForURL(`${base}/orgs/${org.slug}/apps`);
    await page.getByText('The app “Short Lived” was deleted, with every installation of it.').waitFor();
    await page.getByText('This organization publishes no app yet.').waitFor();
    expect(await installations(other.org.slug, other.owner.token)).toEqual([]);

    // Its page now says it is gone.
    await page.goto(`${base}/orgs/${org.slug}/apps/${app.slug}`);
    await page.getByText(`${org.name} publishes no app with the URL name “${app.slug}”`).waitFor();

    // The notice came with the deletion, not with the address: a link cannot make the page say it.
    await page.goto(
      `${base}/orgs/${org.slug}/apps?deleted=${encodeURIComponent('Your account. Call +1 555')}`,
    );
    await page.getByText('This organization publishes no app yet.').waitFor();
    expect(await page.getByText('Call +1 555').count()).toBe(0);
    expect(await page.getByText('was deleted').count()).toBe(0);
  });

  it('the Apps pages fit a 375-px-wide screen without horizontal scrolling', async () => {
    const { owner, org } = await seedOrg('narrow');
    const publisher = await signUp(t.app, uniqueEmail('narrow-publisher'), 'Paul Publisher');
    const pubOrg = await createOrg(t.app, publisher.token, 'Narrow Publisher');
    const theirs = await publish(publisher.token, pubOrg.slug, 'Team Calendar With A Long Name', {
      published: true,
      scopes: ['org:read', 'member:read', 'member:invite', 'audit:read'],
    });
    const ours = await publish(owner.token, org.slug, 'Our Own Tool');
    for (const slug of [theirs.slug, ours.slug]) {
      const res = await t.app.inject({
        method: 'POST',
        url: `/v1/organizations/${org.slug}/installations`,
        headers: bearer(owner.token),
        payload: { app: slug },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    await deliveries(org.slug, ours.slug, owner.token);

    const page = await freshPage({ width: 375, height: 800 });
    await signIn(page, owner.user.email, `/orgs/${org.slug}/apps`);
    await page.getByRole('row').filter({ hasText: theirs.slug }).waitFor();
    await page.getByRole('row').filter({ hasText: 'Our Own Tool' }).first().waitFor();
    expect(await overflow(page), 'apps').toBeLessThanOrEqual(0);

    // With the secrets of a new app on screen.
    const form = page.locator('form').filter({ hasText: 'Create an app' });
    await form.getByLabel('Name', { exact: true }).fill('Narrow Tool');
    await form.getByLabel('Webhook URL').fill(`${rx.url}/hooks/narrow-tool`);
    await form.getByRole('button', { name: 'Create app' }).click();
    await page.getByText('Narrow Tool was created.').waitFor();
    expect(await overflow(page), 'apps with secrets').toBeLessThanOrEqual(0);
    await shot(page, 'console-apps-375px');

    await page.goto(`${base}/orgs/${org.slug}/apps/${ours.slug}`);
    await page.getByRole('row').filter({ hasText: 'installation.created' }).waitFor();
    expect(await overflow(page), 'app detail').toBeLessThanOrEqual(0);
    const widths = await page.evaluate(() => [...document.querySelectorAll('tr')].map((r) => r.scrollWidth));
    for (const w of widths) expect(w).toBeLessThanOrEqual(375);
    await shot(page, 'console-app-detail-375px');
  });
});

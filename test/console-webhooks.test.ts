/**
 * The console's Webhooks pages in a real browser (Debian's Chromium through playwright-core) against a
 * Roster on a real port and a fresh database, delivering to a real receiver on 127.0.0.1
 * (test/webhook-receiver.ts) that checks every signature on its own: the secret the page shows once is
 * the one requests are signed with, and the delivery log in the page is what the receiver lived
 * through. Screenshots go to test-results/screenshots/.
 *
 * Without /usr/bin/chromium the file is skipped with a message; in CI (CI=true) it fails instead.
 */
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONSOLE_DIR } from '../src/config.ts';
import {
  type ConsoleHarness,
  freshPage as freshPageOf,
  openConsole,
  RUN_BROWSER_TESTS,
  seedOrg as seedOrgIn,
  shot,
  signInAt,
} from './console-browser.ts';
import { bearer, createTestApp, type TestApp } from './helpers.ts';
import { startReceiver, type TestReceiver } from './webhook-receiver.ts';

describe.runIf(RUN_BROWSER_TESTS)('webhooks in the console, in Chromium', () => {
  let h: ConsoleHarness;
  let t: TestApp;
  let base: string;
  let context: BrowserContext;
  let pageErrors: string[];
  let rx: TestReceiver;
  let paths = 0;

  beforeAll(async () => {
    rx = await startReceiver();
    // The receiver listens on 127.0.0.1, which Roster refuses to call unless told otherwise.
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

  const signIn = (page: Page, email: string, next = '/', origin = base) =>
    signInAt(page, origin, email, next);

  type Seeded = Awaited<ReturnType<typeof seedOrg>>;

  /** A path on the receiver no other test uses. */
  const newPath = (label: string) => {
    paths += 1;
    return `/hooks/${label}-${paths}`;
  };

  /** Registered through the API; the receiver verifies its path with the secret. */
  async function register(s: Seeded, path: string, events: string[]) {
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${s.org.slug}/webhooks`,
      headers: bearer(s.owner.token),
      payload: { url: `${rx.url}${path}`, events },
    });
    expect(res.statusCode, res.body).toBe(201);
    rx.setSecret(path, res.json().secret);
    return res.json() as { id: string; secret: string };
  }

  /** Changes the member's role through the API, which publishes member.role_changed. */
  async function changeRole(s: Seeded, role: 'admin' | 'member') {
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${s.org.id}/members/${s.member.user.id}`,
      headers: bearer(s.owner.token),
      payload: { role },
    });
    expect(res.statusCode, res.body).toBe(200);
  }

  async function endpointOf(s: Seeded, id: string) {
    const res = await t.app.inject({
      url: `/v1/organizations/${s.org.id}/webhooks/${id}`,
      headers: bearer(s.owner.token),
    });
    return { status: res.statusCode, body: res.json() };
  }

  /** The text of what an input's aria-describedby points at: its hint and the error beside it. */
  const describedBy = (input: Locator) =>
    input.evaluate((el) =>
      (el.getAttribute('aria-describedby') ?? '')
        .split(' ')
        .map((id) => document.getElementById(id)?.textContent ?? '')
        .join(' '),
    );

  /** Clicks Refresh over the delivery log until `row` is there (the worker logs each attempt after it). */
  async function refreshUntil(page: Page, row: Locator) {
    const refresh = page.getByRole('button', { name: 'Refresh', exact: true });
    for (let i = 0; i < 150 && (await row.count()) === 0; i++) {
      await refresh.click();
      await new Promise((r) => setTimeout(r, 100));
    }
    await row.first().waitFor();
  }

  const cell = (row: Locator, label: string) => row.locator(`td[data-label="${label}"]`);

  const overflow = (page: Page) =>
    page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

  it('an owner adds an endpoint: the signing secret is shown once and signs what the receiver gets; the delivery log shows a success, then a failure with its status, then the retry', async () => {
    const s = await seedOrg('hooks');
    const path = newPath('console');
    const page = await freshPage();
    await signIn(page, s.owner.user.email, `/orgs/${s.org.slug}/webhooks`);
    await page.getByRole('heading', { name: 'Webhooks', exact: true }).waitFor();
    await page.getByText('No webhook endpoints yet.').waitFor();
    expect(await page.getByRole('link', { name: 'Webhooks', exact: true }).getAttribute('aria-current')).toBe(
      'page',
    );

    // The form: events grouped, each with its description; at least one is needed.
    const members = page.getByRole('group', { name: 'Members', exact: true });
    expect(await members.getByRole('checkbox').count()).toBe(3);
    expect(await members.textContent()).toContain("A member's role changed");
    await page.getByRole('group', { name: 'App installations' }).waitFor();
    const url = page.getByLabel('URL', { exact: true });
    await url.fill(`${rx.url}${path}`);
    await page.getByLabel('Description (optional)').fill('Mirror of role changes');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByText('Choose at least one event.').waitFor();

    // A URL that is not http(s) is refused beside the field, in words.
    await page.getByLabel('member.role_changed').check();
    await url.fill('ftp://x');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.locator('.field-error').first().waitFor();
    expect(await url.getAttribute('aria-invalid')).toBe('true');
    const refusal = await describedBy(url);
    expect(refusal).toContain('Enter the full address of your receiver, starting with https://');
    expect(refusal).toContain('This one must start with http:// or https://.');
    expect(await page.getByText('Choose at least one event.').count()).toBe(0);

    await url.fill(`${rx.url}${path}`);
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secretBox = page.getByRole('textbox', { name: 'Signing secret' });
    await secretBox.waitFor();
    const secret = await secretBox.inputValue();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(await page.getByText('Copy it now: you will not see it again.').isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Copy signing secret' }).isVisible()).toBe(true);
    await page.getByText('How your receiver checks a request').click();
    const note = page.locator('.secrets .verify-note');
    expect(await note.textContent()).toContain('Standard Webhooks headers webhook-id, webhook-timestamp and');
    rx.setSecret(path, secret);
    const row = page.getByRole('row').filter({ hasText: `${rx.url}${path}` });
    await row.waitFor();
    expect(await cell(row, 'Events').textContent()).toBe('member.role_changed');
    expect(await cell(row, 'Status').textContent()).toBe('enabled');
    expect(await cell(row, 'Last success').textContent()).toBe('never');
    expect(await row.textContent()).toContain('Mirror of role changes');
    await shot(page, 'console-webhooks');

    // Shown once: a reload lists the endpoint, never the secret.
    await page.reload();
    await row.waitFor();
    expect(await page.getByRole('textbox', { name: 'Signing secret' }).count()).toBe(0);
    expect(await page.content()).not.toContain(secret);

    // An event caused through the API reaches the receiver, signed with the secret the page showed.
    await changeRole(s, 'admin');
    await rx.waitFor(() => rx.to(path).length >= 1);
    const [first] = rx.to(path);
    expect(first?.verified).toBe(true);
    expect(first?.answered).toBe(200);
    expect(first?.json).toMatchObject({
      type: 'member.role_changed',
      organizationId: s.org.id,
      data: { userId: s.member.user.id, from: 'member', to: 'admin' },
    });

    // The endpoint's page: its delivery log shows the succeeded attempt.
    await row.getByRole('link', { name: `${rx.url}${path}` }).click();
    await page.waitForURL(/\/webhooks\/[0-9a-f-]{36}$/);
    const endpointId = new URL(page.url()).pathname.split('/').at(-1) as string;
    await page.getByRole('heading', { name: 'Webhook endpoint' }).waitFor();
    expect(await page.getByRole('link', { name: 'Webhooks', exact: true }).getAttribute('aria-current')).toBe(
      'page',
    );
    const succeeded = page.getByRole('row').filter({ hasText: 'succeeded' });
    await refreshUntil(page, succeeded);
    expect(await cell(succeeded, 'Event').textContent()).toBe('member.role_changed');
    expect(await cell(succeeded, 'Webhook id').textContent()).toBe(first?.id);
    expect(await cell(succeeded, 'Attempt').textContent()).toBe('1');
    expect(await cell(succeeded, 'Response').textContent()).toBe('200');
    expect(await cell(succeeded, 'Latency').textContent()).toMatch(/^\d+ ms$/);
    expect(await cell(succeeded, 'Error').textContent()).toBe('—');

    // The receiver fails once: the failed attempt is logged with the status it answered.
    rx.fail(path, 500);
    await changeRole(s, 'member');
    await rx.waitFor(() => rx.to(path).length >= 2);
    const second = rx.to(path)[1];
    expect(second?.answered).toBe(500);
    const failed = page.getByRole('row').filter({ hasText: 'failed' });
    await refreshUntil(page, failed);
    expect(await cell(failed, 'Webhook id').textContent()).toBe(second?.id);
    expect(await cell(failed, 'Attempt').textContent()).toBe('1');
    expect(await cell(failed, 'Response').textContent()).toBe('500');
    expect(await cell(failed, 'Error').textContent()).toBe('the receiver answered HTTP 500');
    // Refresh read the endpoint again too: its last failure is no longer "never".
    expect(await page.locator('.facts dt:text-is("Last failure") + dd').textContent()).not.toBe('never');

    // Its retry is due in about 10 s. The worker logs the attempt before it puts the message back, so
    // wait until it has (pending, unlocked, one attempt made); made due now, the retry goes through
    // under the same webhook-id.
    const rescheduled = () =>
      t.database.db
        .selectFrom('outbox')
        .select('id')
        .where('kind', '=', 'webhook')
        .where('status', '=', 'pending')
        .where('attempts', '=', 1)
        .where('locked_until', 'is', null)
        .where(sql<string>`payload->>'targetId'`, '=', endpointId)
        .executeTakeFirst();
    let message = await rescheduled();
    for (let i = 0; i < 300 && !message; i++) {
      await new Promise((r) => setTimeout(r, 50));
      message = await rescheduled();
    }
    expect(message, 'the failed message is back in the outbox').toBeDefined();
    const due = await t.database.db
      .updateTable('outbox')
      .set({ next_attempt_at: sql`now()` })
      .where('id', '=', message?.id as string)
      .where('status', '=', 'pending')
      .where('attempts', '=', 1)
      .where('locked_until', 'is', null)
      .executeTakeFirst();
    expect(due.numUpdatedRows).toBe(1n);
    await rx.waitFor(() => rx.to(path).length >= 3);
    expect(rx.to(path)[2]).toMatchObject({ id: second?.id, answered: 200, verified: true });
    const retried = page
      .getByRole('row')
      .filter({ hasText: 'succeeded' })
      .filter({ hasText: second?.id as string });
    await refreshUntil(page, retried);
    const log = await page
      .locator('table.delivery-log tbody tr')
      .evaluateAll((rows) =>
        rows.map((r) =>
          ['Attempt', 'Result', 'Response'].map((l) => r.querySelector(`td[data-label="${l}"]`)?.textContent),
        ),
      );
    expect(log).toEqual([
      ['2', 'succeeded', '200'],
      ['1', 'failed', '500'],
      ['1', 'succeeded', '200'],
    ]);
    await shot(page, 'console-webhook-deliveries');
  });

  it('an admin disables and re-enables an endpoint, edits it, rotates its secret and deletes it', async () => {
    const s = await seedOrg('manage');
    const path = newPath('manage');
    const e = await register(s, path, ['member.role_changed']);
    const page = await freshPage();
    await signIn(page, s.admin.user.email, `/orgs/${s.org.slug}/webhooks/${e.id}`);
    await page.getByRole('heading', { name: 'Webhook endpoint' }).waitFor();
    await page.getByText('Nothing delivered yet.').waitFor();

    // Disable, after a confirmation: nothing is queued for it while it is disabled.
    await page.getByRole('button', { name: 'Disable endpoint' }).click();
    await page.getByText('No events are sent to it while it is disabled').waitFor();
    await page.getByRole('button', { name: 'Disable', exact: true }).click();
    await page
      .getByText('The endpoint is disabled: no events are sent to it until it is re-enabled.')
      .waitFor();
    const facts = page.locator('.facts');
    await facts.getByText('disabled by an admin').waitFor();
    expect((await endpointOf(s, e.id)).body).toMatchObject({
      enabled: false,
      disabledReason: 'disabled by an admin',
    });
    await changeRole(s, 'admin');
    const queued = () =>
      t.database.db
        .selectFrom('outbox')
        .select('id')
        .where('kind', '=', 'webhook')
        .where(sql<string>`payload->>'targetId'`, '=', e.id)
        .execute();
    expect(await queued()).toHaveLength(0);

    await page.getByRole('button', { name: 'Re-enable endpoint' }).click();
    await page.getByText('The endpoint is enabled again').waitFor();
    // The notice comes with the answer; the endpoint's facts are read again right after it.
    await facts.getByText('enabled', { exact: true }).waitFor();
    expect(await facts.getByText('enabled', { exact: true }).isVisible()).toBe(true);
    expect((await endpointOf(s, e.id)).body).toMatchObject({ enabled: true, disabledReason: null });

    // Edit: description and one more event; taking every event away is refused before asking.
    await page.getByLabel('Description (optional)').fill('Now with removals');
    await page.getByLabel('member.removed').check();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Changes saved.').waitFor();
    expect((await endpointOf(s, e.id)).body).toMatchObject({
      description: 'Now with removals',
      events: ['member.removed', 'member.role_changed'],
    });
    await page.getByLabel('member.removed').uncheck();
    await page.getByLabel('member.role_changed').uncheck();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Choose at least one event.').waitFor();
    await page.getByLabel('member.role_changed').check();

    // Rotate, after a confirmation: the new secret is shown once and is the one requests are signed with.
    await page.getByRole('button', { name: 'Rotate secret…' }).click();
    await page.getByRole('button', { name: 'Rotate secret', exact: true }).click();
    const secretBox = page.getByRole('textbox', { name: 'Signing secret' });
    await secretBox.waitFor();
    const rotated = await secretBox.inputValue();
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(e.secret);
    expect(await page.getByText('Copy it now: you will not see it again.').isVisible()).toBe(true);
    rx.setSecret(path, rotated);
    await changeRole(s, 'member');
    await rx.waitFor(() => rx.to(path).length >= 1);
    expect(rx.to(path).map((r) => [r.json.data.to, r.verified])).toEqual([['member', true]]);
    await page.reload();
    await page.getByRole('heading', { name: 'Webhook endpoint' }).waitFor();
    await page.getByRole('button', { name: 'Rotate secret…' }).waitFor();
    expect(await page.content()).not.toContain(rotated);

    // Delete, after a confirmation that says what is lost.
    await page.getByRole('button', { name: 'Delete endpoint…' }).click();
    await page.getByText('messages it has not received yet are dropped').waitFor();
    await page.getByRole('button', { name: 'Delete endpoint', exact: true }).click();
    await page.waitForURL(`${base}/orgs/${s.org.slug}/webhooks`);
    await page.getByText('The endpoint was deleted').waitFor();
    await page.getByText('No webhook endpoints yet.').waitFor();
    expect((await endpointOf(s, e.id)).status).toBe(404);
    // The notice came with the deletion, not with the address.
    await page.goto(`${base}/orgs/${s.org.slug}/webhooks?deleted=1`);
    await page.getByText('No webhook endpoints yet.').waitFor();
    expect(await page.getByText('The endpoint was deleted').count()).toBe(0);

    // Its old address now explains that it is gone.
    await page.goto(`${base}/orgs/${s.org.slug}/webhooks/${e.id}`);
    const gone = page.getByRole('alert');
    await gone.waitFor();
    expect(await gone.textContent()).toContain('This webhook endpoint no longer exists');
  });

  it('a Roster that may not call private addresses refuses a loopback URL, in words beside the field', async () => {
    const s = await seedOrg('strict');
    // A second Roster on the same database, as deployed by default (WEBHOOK_ALLOW_PRIVATE unset).
    const strict = await createTestApp(
      { webhookAllowPrivate: false, consoleDir: DEFAULT_CONSOLE_DIR },
      t.database,
    );
    try {
      await strict.app.listen({ port: 0, host: '127.0.0.1' });
      const strictBase = `http://127.0.0.1:${(strict.app.server.address() as AddressInfo).port}`;
      const page = await freshPage();
      await signIn(page, s.owner.user.email, `/orgs/${s.org.slug}/webhooks`, strictBase);
      const url = page.getByLabel('URL', { exact: true });
      await url.fill('http://127.0.0.1:9/hook');
      await page.getByLabel('member.added').check();
      await page.getByRole('button', { name: 'Add endpoint' }).click();
      await page.locator('.field-error').first().waitFor();
      expect(await url.getAttribute('aria-invalid')).toBe('true');
      const refusal = await describedBy(url);
      expect(refusal).toContain('This address points into a private network');
      expect(refusal).toContain('This one reaches 127.0.0.1, a loopback, private or link-local address.');
      expect(await page.getByRole('textbox', { name: 'Signing secret' }).count()).toBe(0);
      const list = await t.app.inject({
        url: `/v1/organizations/${s.org.id}/webhooks`,
        headers: bearer(s.owner.token),
      });
      expect(list.json().data).toEqual([]);
    } finally {
      await strict.close();
    }
  });

  it('a member has no Webhooks tab, and the page says the role does not allow it; an admin has the tab', async () => {
    const s = await seedOrg('roles');
    const page = await freshPage();
    await signIn(page, s.member.user.email, `/orgs/${s.org.slug}/members`);
    await page.getByRole('link', { name: 'Members' }).waitFor();
    expect(await page.getByRole('link', { name: 'Webhooks', exact: true }).count()).toBe(0);
    await page.goto(`${base}/orgs/${s.org.slug}/webhooks`);
    const refused = page.getByRole('alert').first();
    await refused.waitFor();
    expect(await refused.textContent()).toContain('Your role in this organization does not allow this.');

    const adminPage = await freshPage();
    await signIn(adminPage, s.admin.user.email, `/orgs/${s.org.slug}/members`);
    const tabs = adminPage.getByRole('navigation', { name: `${s.org.name} sections` });
    await tabs.getByRole('link', { name: 'Webhooks', exact: true }).waitFor();
    // Webhooks sits just before Settings.
    const labels = await tabs.getByRole('link').allTextContents();
    expect(labels.indexOf('Webhooks')).toBe(labels.indexOf('Settings') - 1);
  });

  /** The focused element, described: its tag, its text, and whether it is the page's body. */
  const focused = (page: Page) =>
    page.evaluate(() => {
      const el = document.activeElement;
      return {
        body: el === null || el === document.body,
        tag: el?.tagName ?? '',
        text: el?.textContent ?? '',
        inOutcome: el?.closest('.outcome') !== null && el?.closest('.outcome') !== undefined,
      };
    });

  /** Waits until the endpoint's message (the only one) is back in the outbox after a failed attempt. */
  async function waitRescheduled(endpointId: string) {
    const rescheduled = () =>
      t.database.db
        .selectFrom('outbox')
        .select('id')
        .where('kind', '=', 'webhook')
        .where('status', '=', 'pending')
        .where('attempts', '=', 1)
        .where('locked_until', 'is', null)
        .where(sql<string>`payload->>'targetId'`, '=', endpointId)
        .executeTakeFirst();
    let message = await rescheduled();
    for (let i = 0; i < 300 && !message; i++) {
      await new Promise((r) => setTimeout(r, 50));
      message = await rescheduled();
    }
    expect(message, 'the failed message is back in the outbox').toBeDefined();
    return message?.id as string;
  }

  it('Send test event: the result is said beside the button, which keeps the focus; the delivery opens onto the payload sent and the answer', async () => {
    const s = await seedOrg('test-event');
    const path = newPath('test-event');
    const e = await register(s, path, ['member.added']);
    const page = await freshPage();
    await signIn(page, s.owner.user.email, `/orgs/${s.org.slug}/webhooks/${e.id}`);
    await page.getByRole('heading', { name: 'Webhook endpoint' }).waitFor();
    await page.getByText('Nothing delivered yet.').waitFor();

    const send = page.getByRole('button', { name: 'Send test event' });
    await send.click();
    const result = page.locator('#test-event-result');
    await result.getByText('The test event was delivered: the receiver answered HTTP 200.').waitFor();
    expect(await focused(page)).toMatchObject({ body: false, tag: 'BUTTON', text: 'Send test event' });
    const [got] = rx.to(path);
    expect(got).toMatchObject({ verified: true, answered: 200 });
    expect(got?.json).toMatchObject({
      type: 'webhook.test',
      organizationId: s.org.id,
      data: { endpointId: e.id },
    });

    // The log was read again: the attempt is there, and opens onto its message.
    const row = page.getByRole('row').filter({ hasText: 'webhook.test' }).first();
    await row.waitFor();
    expect(await cell(row, 'Webhook id').textContent()).toBe(got?.id);
    expect(await cell(row, 'Result').textContent()).toBe('succeeded');
    const details = row.getByRole('button', { name: /^Details/ });
    expect(await details.getAttribute('aria-expanded')).toBe('false');
    await details.click();
    expect(await details.getAttribute('aria-expanded')).toBe('true');
    const payload = page.getByRole('region', { name: 'Payload' });
    await payload.waitFor();
    expect(JSON.parse((await payload.textContent()) as string)).toEqual(JSON.parse(got?.body as string));
    expect(await page.getByRole('region', { name: 'Response body' }).textContent()).toBe('ok');
    await page.getByText(/^HTTP 200, after \d+ ms\.$/).waitFor();
    await page.getByText('Delivered: the receiver acknowledged it (1 attempt).').waitFor();
    // Acknowledged: nothing to replay.
    expect(await page.getByRole('button', { name: 'Replay' }).count()).toBe(0);
    expect(await focused(page)).toMatchObject({ body: false, tag: 'BUTTON' });
    await shot(page, 'console-webhook-delivery-details');

    // Opened, it still fits a phone and the narrowest table layout.
    await page.setViewportSize({ width: 375, height: 812 });
    expect(await overflow(page), 'details at 375 px').toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 721, height: 900 });
    expect(await overflow(page), 'details at 721 px').toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1200, height: 800 });

    // Closed again.
    await details.click();
    expect(await payload.count()).toBe(0);

    // A disabled endpoint gets no test event: said in words beside the button.
    await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${s.org.id}/webhooks/${e.id}`,
      headers: bearer(s.owner.token),
      payload: { enabled: false },
    });
    await send.click();
    await result.getByText('This endpoint is disabled. Re-enable it first, then try again.').waitFor();
    expect(await focused(page)).toMatchObject({ body: false, text: 'Send test event' });
  });

  it('a given-up delivery shows its failed answer and is replayed under the same webhook-id; the focus goes to the result', async () => {
    const s = await seedOrg('replay');
    const path = newPath('replay');
    const e = await register(s, path, ['member.role_changed']);
    rx.fail(path, 500);
    await changeRole(s, 'admin');
    await rx.waitFor(() => rx.to(path).length >= 1);
    // Given up: the endpoint is disabled while the message waits for its retry, which then ends it.
    const messageId = await waitRescheduled(e.id);
    const patch = (enabled: boolean) =>
      t.app.inject({
        method: 'PATCH',
        url: `/v1/organizations/${s.org.id}/webhooks/${e.id}`,
        headers: bearer(s.owner.token),
        payload: { enabled },
      });
    expect((await patch(false)).statusCode).toBe(200);
    await t.database.db
      .updateTable('outbox')
      .set({ next_attempt_at: sql`now()` })
      .where('id', '=', messageId)
      .execute();
    const status = () =>
      t.database.db
        .selectFrom('outbox')
        .select('status')
        .where('id', '=', messageId)
        .executeTakeFirstOrThrow();
    for (let i = 0; i < 300 && (await status()).status !== 'dead'; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect((await status()).status).toBe('dead');
    expect((await patch(true)).statusCode).toBe(200);

    const page = await freshPage();
    await signIn(page, s.owner.user.email, `/orgs/${s.org.slug}/webhooks/${e.id}`);
    const failed = page.getByRole('row').filter({ hasText: 'failed' }).first();
    await failed.waitFor();
    await failed.getByRole('button', { name: /^Details/ }).click();
    await page.getByText('Given up after 1 attempt: no more attempts are made.').waitFor();
    await page.getByText('HTTP 500, after').waitFor();
    expect(await page.getByRole('region', { name: 'Response body' }).textContent()).toBe('no');
    const payload = JSON.parse((await page.getByRole('region', { name: 'Payload' }).textContent()) as string);
    expect(payload).toEqual(rx.to(path)[0]?.json);

    await page.getByRole('button', { name: 'Replay' }).click();
    await page.getByText('The replay was delivered: the receiver answered HTTP 200.').waitFor();
    expect(await focused(page)).toMatchObject({ body: false, inOutcome: true });
    const [first, again] = rx.to(path);
    expect(again).toMatchObject({ id: first?.id, body: first?.body, verified: true, answered: 200 });
    // Replayed: no second replay is offered.
    expect(await page.getByRole('button', { name: 'Replay' }).count()).toBe(0);
    // The log was read again: the replay's attempt, under the same webhook-id.
    const replayed = page
      .getByRole('row')
      .filter({ hasText: 'succeeded' })
      .filter({ hasText: first?.id as string });
    await replayed.first().waitFor();
    await shot(page, 'console-webhook-replay');
  });

  it('"All events" subscribes an endpoint to every event type; unticked, the earlier choice comes back', async () => {
    const s = await seedOrg('all-events');
    const path = newPath('all-events');
    const page = await freshPage();
    await signIn(page, s.owner.user.email, `/orgs/${s.org.slug}/webhooks`);
    await page.getByText('No webhook endpoints yet.').waitFor();
    // The test event is sent on request only: it is not offered.
    expect(await page.getByLabel('webhook.test').count()).toBe(0);
    const all = page.getByRole('checkbox', { name: 'All events' });
    const added = page.getByLabel('member.added');
    await added.check();
    await all.check();
    expect(await added.isDisabled()).toBe(true);
    expect(await added.isChecked()).toBe(true);
    expect(await page.getByLabel('member.role_changed').isChecked()).toBe(true);
    await all.uncheck();
    expect(await added.isChecked()).toBe(true);
    expect(await page.getByLabel('member.role_changed').isChecked()).toBe(false);
    await all.check();
    await page.getByLabel('URL', { exact: true }).fill(`${rx.url}${path}`);
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secretBox = page.getByRole('textbox', { name: 'Signing secret' });
    await secretBox.waitFor();
    rx.setSecret(path, await secretBox.inputValue());
    const row = page.getByRole('row').filter({ hasText: `${rx.url}${path}` });
    await row.waitFor();
    expect(await cell(row, 'Events').textContent()).toBe('All events');
    const list = await t.app.inject({
      url: `/v1/organizations/${s.org.id}/webhooks`,
      headers: bearer(s.owner.token),
    });
    expect(list.json().data[0].events).toEqual(['*']);
    await changeRole(s, 'admin');
    await rx.waitFor(() => rx.to(path).length >= 1);
    expect(rx.to(path)[0]).toMatchObject({ verified: true, json: { type: 'member.role_changed' } });

    // The endpoint's page edits it with the same choice ticked.
    await row.getByRole('link', { name: `${rx.url}${path}` }).click();
    await page.getByRole('heading', { name: 'Webhook endpoint' }).waitFor();
    expect(await page.getByRole('checkbox', { name: 'All events' }).isChecked()).toBe(true);
  });

  it('fits a 375-pixel-wide screen: the list, the form and the delivery log', async () => {
    const s = await seedOrg('narrow');
    const path = newPath('a-rather-long-path-for-a-receiver-on-a-phone-screen');
    const e = await register(s, path, [
      'member.added',
      'member.removed',
      'member.role_changed',
      'invitation.created',
    ]);
    await changeRole(s, 'admin');
    await rx.waitFor(() => rx.to(path).length >= 1);
    // A second endpoint, disabled, so that a reason is shown.
    const off = await register(s, newPath('off'), ['join_request.created']);
    await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${s.org.id}/webhooks/${off.id}`,
      headers: bearer(s.owner.token),
      payload: { enabled: false },
    });

    const page = await freshPage({ width: 375, height: 812 });
    await signIn(page, s.owner.user.email, `/orgs/${s.org.slug}/webhooks`);
    await page.getByRole('row').filter({ hasText: 'disabled by an admin' }).waitFor();
    await page.getByRole('button', { name: 'Add an endpoint' }).click();
    await page.getByRole('button', { name: 'Add endpoint' }).waitFor();
    expect(await overflow(page), 'webhooks').toBeLessThanOrEqual(0);
    await shot(page, 'mobile-webhooks');

    await page.goto(`${base}/orgs/${s.org.slug}/webhooks/${e.id}`);
    await refreshUntil(page, page.getByRole('row').filter({ hasText: 'succeeded' }));
    expect(await overflow(page), 'endpoint').toBeLessThanOrEqual(0);
    const widths = await page.evaluate(() => [...document.querySelectorAll('tr')].map((r) => r.scrollWidth));
    for (const w of widths) expect(w).toBeLessThanOrEqual(375);
    await shot(page, 'mobile-webhook-deliveries');
    // Just above the width where tables become cards, the log's eight columns still fit.
    await page.setViewportSize({ width: 721, height: 900 });
    expect(await overflow(page), 'endpoint at 721 px').toBeLessThanOrEqual(0);
  });
});

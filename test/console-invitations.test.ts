/**
 * The console's invitation and joining pages in a real browser (Debian's Chromium through
 * playwright-core) against a Roster on a real port and a fresh database, with a real SMTP server: the
 * invitation link is taken from the delivered email, as the invitee would. Screenshots go to
 * test-results/screenshots/.
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
import { bearer, signUp, type TestApp, tokenOf, uniqueEmail } from './helpers.ts';
import { backdateExpiry, invited } from './invitation-helpers.ts';
import type { TestSmtpServer } from './smtp-server.ts';

describe.runIf(RUN_BROWSER_TESTS)('invitations and joining in the console, in Chromium', () => {
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
  const waitForMail = (to: string, pattern: RegExp) => waitForMailIn(smtp, to, pattern);
  const freshPage = (viewport?: { width: number; height: number }) => freshPageOf(context, viewport);

  const signIn = (page: Page, email: string, next = '/') => signInAt(page, base, email, next);

  async function verify(...userIds: string[]) {
    await t.database.db
      .updateTable('users')
      .set({ email_verified_at: new Date() })
      .where('id', 'in', userIds)
      .execute();
  }

  async function roleOf(orgId: string, userId: string, token: string) {
    const res = await t.app.inject({
      url: `/v1/organizations/${orgId}/members/${userId}`,
      headers: bearer(token),
    });
    if (res.statusCode !== 200) return res.statusCode;
    const m = res.json() as { role: string; status: string };
    return `${m.role} ${m.status}`;
  }

  const overflow = (page: Page) =>
    page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

  it('owner signs up → creates an org → invites from the Invitations page → the invitee opens the emailed link → signs up → lands in the org as the invited role', async () => {
    const page = await freshPage();
    const ownerEmail = uniqueEmail('inv-owner');
    await page.goto(`${base}/sign-up`);
    await page.getByLabel('Name', { exact: true }).fill('Grace Hopper');
    await page.getByLabel('Email').fill(ownerEmail);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Your organizations' }).waitFor();
    await page.getByRole('main').getByRole('link', { name: 'Create organization' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Compilers Inc');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.waitForURL(/\/orgs\/compilers-inc(-[0-9a-f]+)?\/members$/);
    const slug = new URL(page.url()).pathname.split('/')[2] as string;

    await page.getByRole('link', { name: 'Invitations' }).click();
    await page.getByRole('heading', { name: 'Invitations', exact: true }).waitFor();
    await page.getByText('No pending invitations.').waitFor();
    // An owner may give any role.
    expect(await page.getByLabel('Role').locator('option').allTextContents()).toEqual([
      'owner',
      'admin',
      'member',
    ]);
    const invitee = uniqueEmail('invitee');
    await page.getByLabel('Email addresses').fill(invitee);
    await page.getByLabel('Role').selectOption('admin');
    await page.getByLabel('Message (optional)').fill('Welcome aboard, the compiler needs you.');
    await page.getByRole('button', { name: 'Send invitations' }).click();
    await page.getByText(`Invitation sent to ${invitee}.`).waitFor();
    const row = page.getByRole('row').filter({ hasText: invitee });
    await row.waitFor();
    expect(await row.getByText('admin', { exact: true }).isVisible()).toBe(true);
    expect(await row.getByText('Grace Hopper').isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Pending (1)' }).getAttribute('aria-pressed')).toBe('true');
    await shot(page, 'invitations');

    // The invitee opens the link from the email that reached the SMTP server.
    const mail = await waitForMail(invitee, /invitations\/accept\?token=/);
    const link = /http:\/\/127\.0\.0\.1:\d+\/invitations\/accept\?token=[A-Za-z0-9_%-]+/.exec(
      mail.text ?? '',
    )?.[0];
    expect(link, mail.text ?? '').toBeDefined();
    const token = tokenOf(link as string);
    const visitor = await freshPage();
    const landing = (await visitor.goto(link as string)) as Response;
    expect(landing.headers()['referrer-policy']).toBe('no-referrer');
    await visitor.getByRole('heading', { name: 'Invitation' }).waitFor();
    const offer = visitor.getByRole('main');
    await offer.getByText('invited you to join').waitFor();
    expect(await offer.textContent()).toContain(
      'Grace Hopper invited you to join Compilers Inc as an admin.',
    );
    expect(await offer.textContent()).toContain('Welcome aboard, the compiler needs you.');
    expect(await offer.textContent()).toContain(invitee);
    // The token leaves the address bar as soon as it is read.
    expect(visitor.url()).toBe(`${base}/invitations/accept`);

    const email = visitor.getByLabel('Email');
    expect(await email.inputValue()).toBe(invitee);
    expect(await email.getAttribute('readonly')).not.toBeNull();
    await visitor.getByLabel('Name', { exact: true }).fill('Ivy Invitee');
    await visitor.getByLabel('Password').fill(PASSWORD);
    await shot(visitor, 'invitation-landing');
    await visitor.getByRole('button', { name: 'Create account and join Compilers Inc' }).click();
    await visitor.waitForURL(`${base}/orgs/${slug}/members`);
    const me = visitor.getByRole('row').filter({ hasText: 'Ivy Invitee' });
    await me.waitFor();
    expect(await me.getByText('admin', { exact: true }).isVisible()).toBe(true);
    expect(await me.getByText('Invitation', { exact: true }).isVisible()).toBe(true);
    // The account started verified: the invitation proved the address.
    expect(await visitor.getByText('Confirm your email address').count()).toBe(0);

    // The token never reached a log line; its request did, redacted.
    const logs = JSON.stringify(t.logs);
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(encodeURIComponent(token));
    expect(logs).toContain('/invitations/accept?token=[REDACTED]');
    expect(logs).toContain('/v1/invitations/[REDACTED]');

    // The owner's list now counts it as accepted.
    const back = await freshPage();
    await signIn(back, ownerEmail, `/orgs/${slug}/invitations`);
    await back.getByRole('button', { name: 'Accepted (1)' }).click();
    await back.getByRole('row').filter({ hasText: invitee }).getByText('accepted').waitFor();
    expect(await back.getByRole('button', { name: 'Pending (0)' }).isVisible()).toBe(true);
  });

  it('an admin invites many at once, sees the result per address, copies a fresh link, resends and revokes', async () => {
    const { org, admin } = await seedOrg('bulk');
    const page = await freshPage();
    await signIn(page, admin.user.email, `/orgs/${org.slug}/invitations`);
    await page.getByRole('heading', { name: 'Invitations', exact: true }).waitFor();
    // An admin cannot make owners: the picker does not offer it.
    expect(await page.getByLabel('Role').locator('option').allTextContents()).toEqual(['admin', 'member']);

    const a = uniqueEmail('bulk-a');
    const b = uniqueEmail('bulk-b');
    await page.getByLabel('Email addresses').fill(`${a}, not-an-email\n${b}\n${a}`);
    await page.getByRole('button', { name: 'Send invitations' }).click();
    const results = page.getByRole('status').filter({ hasText: 'invited,' });
    await results.waitFor();
    expect(await results.textContent()).toContain('2 invited, 2 not invited.');
    expect(await results.getByText('This is not a valid email address.').count()).toBe(1);
    expect(await results.getByText('appears more than once').count()).toBe(1);
    // What failed is back in the box, to be corrected.
    expect(await page.getByLabel('Email addresses').inputValue()).toBe(`not-an-email\n${a}`);
    await page.getByRole('button', { name: 'Pending (2)' }).waitFor();
    await shot(page, 'invitations-bulk');

    const before = (await waitForMail(b, /invitations\/accept\?token=/)).text ?? '';
    const oldToken = tokenOf(/http:\/\/\S+\/invitations\/accept\?token=\S+/.exec(before)?.[0] ?? '');

    await page.getByRole('button', { name: `Copy link for ${b}` }).click();
    const fresh = page.getByRole('textbox', { name: `Invitation link for ${b}` });
    await fresh.waitFor();
    const url = await fresh.inputValue();
    expect(url).toMatch(new RegExp(`^${base}/invitations/accept\\?token=`));
    // The copied link works, and so does the one already emailed: copying never breaks a link sent.
    const check = (tok: string) =>
      t.app.inject({ url: `/v1/invitations/${encodeURIComponent(tok)}` }).then((r) => r.json());
    expect(await check(tokenOf(url))).toMatchObject({ valid: true, email: b });
    expect(await check(oldToken)).toMatchObject({ valid: true, email: b });
    // The focus stays on the link made, ready to copy.
    expect(await page.evaluate(() => document.activeElement?.tagName)).not.toBe('BODY');

    // Resend says it replaces the links, and does: the emailed and the copied link stop working.
    await page.getByRole('button', { name: `Resend to ${b}` }).click();
    await page.getByText(`A new email is on its way to ${b}.`).waitFor();
    await waitForMail(b, new RegExp(`token=(?!${oldToken})`));
    expect(await check(oldToken)).toEqual({ valid: false, reason: 'not_found' });
    expect(await check(tokenOf(url))).toEqual({ valid: false, reason: 'not_found' });

    await page.getByRole('button', { name: `Revoke ${a}` }).click();
    await page.getByRole('button', { name: 'Revoke', exact: true }).click();
    await page.getByText(`The invitation to ${a} was revoked`).waitFor();
    await page.getByRole('button', { name: 'Revoked (1)' }).click();
    await page.getByRole('row').filter({ hasText: a }).getByText('revoked').waitFor();
    expect(await page.getByRole('button', { name: `Revoke ${a}` }).count()).toBe(0);

    // Inviting someone already invited is explained.
    await page.getByLabel('Email addresses').fill(b);
    await page.getByRole('button', { name: 'Send invitations' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('already has a pending invitation');
  });

  it('a member asks an admin to invite; the admin approves it from the Invitations page', async () => {
    const { org, member, admin } = await seedOrg('ask');
    const page = await freshPage();
    await signIn(page, member.user.email, `/orgs/${org.slug}/invitations`);
    await page.getByRole('heading', { name: 'Ask an admin to invite someone' }).waitFor();
    expect(await page.getByRole('link', { name: 'Join requests' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Send invitations' }).count()).toBe(0);
    const friend = uniqueEmail('friend');
    await page.getByLabel('Email address').fill(friend);
    await page.getByRole('button', { name: 'Ask an admin to invite' }).click();
    await page.getByText(`Your request to invite ${friend} was sent to the admins.`).waitFor();
    await page.getByRole('row').filter({ hasText: friend }).getByText('awaiting approval').waitFor();
    // No link actions on a request, and no answering it without member:admin.
    expect(await page.getByRole('button', { name: `Approve ${friend}` }).count()).toBe(0);

    const adminPage = await freshPage();
    await signIn(adminPage, admin.user.email, `/orgs/${org.slug}/invitations`);
    const waiting = adminPage.getByRole('region', { name: 'Waiting for approval (1)' });
    await waiting.waitFor();
    await waiting.getByRole('button', { name: `Approve ${friend}` }).click();
    await adminPage.getByText(`Approved: an invitation is on its way to ${friend}.`).waitFor();
    await adminPage.getByRole('region', { name: /Waiting for approval/ }).waitFor({ state: 'detached' });
    await waitForMail(friend, /invitations\/accept\?token=/);
  });

  it('an admin approves a join request from the queue, choosing the role', async () => {
    const { owner, org, admin, member } = await seedOrg('queue');
    await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org.id}`,
      headers: bearer(owner.token),
      payload: { joinRequestsEnabled: true },
    });
    const asker = await signUp(t.app, uniqueEmail('asker'), 'Jo Joiner');
    const other = await signUp(t.app, uniqueEmail('other'), 'Rex Rejected');
    await verify(asker.user.id, other.user.id);
    for (const who of [asker, other]) {
      const res = await t.app.inject({
        method: 'POST',
        url: `/v1/organizations/${org.slug}/join-requests`,
        headers: bearer(who.token),
      });
      expect(res.statusCode, res.body).toBe(201);
    }

    const page = await freshPage();
    // The admins' email links here: signing in brings the admin back to it.
    await signIn(page, admin.user.email, `/orgs/${org.slug}/join-requests`);
    await page.getByRole('heading', { name: 'Join requests' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'Jo Joiner' });
    await row.waitFor();
    expect(await page.getByRole('row').count()).toBe(3);
    expect(await page.getByLabel('Role for Jo Joiner').locator('option').allTextContents()).toEqual([
      'admin',
      'member',
    ]);
    await shot(page, 'join-requests');
    await page.getByLabel('Role for Jo Joiner').selectOption('admin');
    await page.getByRole('button', { name: 'Approve Jo Joiner' }).click();
    await page.getByText(`Jo Joiner is now an admin of ${org.name}.`).waitFor();
    await row.waitFor({ state: 'detached' });
    expect(await roleOf(org.id, asker.user.id, owner.token)).toBe('admin active');

    await page.getByRole('button', { name: 'Reject Rex Rejected' }).click();
    await page.getByRole('button', { name: 'Reject', exact: true }).click();
    await page.getByText('The request from Rex Rejected was rejected.').waitFor();
    await page.getByText('No one is waiting to join.').waitFor();
    expect(await roleOf(org.id, other.user.id, owner.token)).toBe(404);

    // A member has no Join requests tab, and the page itself says the role does not allow it.
    const memberPage = await freshPage();
    await signIn(memberPage, member.user.email, `/orgs/${org.slug}/join-requests`);
    const refused = memberPage.getByRole('alert');
    await refused.waitFor();
    expect(await refused.textContent()).toContain('Your role in this organization does not allow this.');
    expect(await memberPage.getByRole('link', { name: 'Join requests' }).count()).toBe(0);
  });

  it('a user accepts an owner-add from My invitations, and declines another', async () => {
    const { owner, org, admin } = await seedOrg('adds');
    const second = await seedOrg('adds-second');
    const user = await signUp(t.app, uniqueEmail('added'), 'Ada Added');
    await verify(user.user.id);
    for (const [o, token, role] of [
      [org, admin.token, 'member'],
      [second.org, second.owner.token, 'admin'],
    ] as const) {
      const res = await t.app.inject({
        method: 'POST',
        url: `/v1/organizations/${o.id}/members`,
        headers: bearer(token),
        payload: { email: user.user.email, role },
      });
      expect(res.statusCode, res.body).toBe(201);
    }

    const page = await freshPage();
    await signIn(page, user.user.email);
    // The home page lists both as waiting, and points to where they are answered.
    const waiting = page.getByText('You were added; answer in My invitations.');
    await waiting.first().waitFor();
    expect(await waiting.count()).toBe(2);
    await page.getByLabel('Account').click();
    await page.getByRole('banner').getByRole('link', { name: 'My invitations' }).click();
    await page.getByRole('heading', { name: 'My invitations' }).waitFor();
    const card = page.getByRole('listitem', { name: org.name });
    await card.waitFor();
    expect(await card.textContent()).toContain('Adam Admin added you as');
    await shot(page, 'my-invitations');
    await card.getByRole('button', { name: `Accept ${org.name}` }).click();
    await page.getByText(`You joined ${org.name} as a member.`).waitFor();
    await card.waitFor({ state: 'detached' });
    expect(await roleOf(org.id, user.user.id, owner.token)).toBe('member active');
    // The org switcher lists it now.
    await page.getByLabel('Switch organization').click();
    await page.getByRole('banner').getByRole('link', { name: org.name }).waitFor();
    await page.keyboard.press('Escape');

    const other = page.getByRole('listitem', { name: second.org.name });
    await other.getByRole('button', { name: `Decline ${second.org.name}` }).click();
    await other.getByRole('button', { name: 'Yes, decline' }).click();
    await page.getByText(`You declined to join ${second.org.name}.`).waitFor();
    await page.getByText('Nothing is waiting for your answer.').waitFor();
    expect(await roleOf(second.org.id, user.user.id, second.owner.token)).toBe(404);
  });

  it('a signed-in user with another email is told so, and switches account on the page', async () => {
    const { org, admin } = await seedOrg('mismatch');
    const wrong = await signUp(t.app, uniqueEmail('wrong'), 'Walt Wrong');
    const target = uniqueEmail('target');
    const { token } = await invited(t.app, admin, org.id, target, 'member');

    const page = await freshPage();
    await signIn(page, wrong.user.email);
    await page.goto(`${base}/invitations/accept?token=${encodeURIComponent(token)}`);
    const notice = page.getByRole('status').filter({ hasText: 'You are signed in as' });
    await notice.waitFor();
    expect(await notice.textContent()).toContain(
      `You are signed in as ${wrong.user.email}, but this invitation was sent to ${target}.`,
    );
    expect(await page.getByRole('button', { name: /^Accept/ }).count()).toBe(0);
    await shot(page, 'invitation-other-account');
    await page.getByRole('button', { name: `Sign out and continue as ${target}` }).click();
    // Signed out, still on the page (the token in memory): the invited address is ready to sign up.
    const email = page.getByLabel('Email');
    await email.waitFor();
    expect(await email.inputValue()).toBe(target);
    expect(page.url()).toBe(`${base}/invitations/accept`);
    expect((await page.request.get(`${base}/v1/me`)).status()).toBe(401);

    // An existing account signs in here, then accepts.
    await page.getByRole('button', { name: 'I already have an account' }).click();
    expect(await page.getByLabel('Email').inputValue()).toBe(target);
    await page.getByLabel('Email').fill(wrong.user.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('status').filter({ hasText: 'You are signed in as' }).waitFor();
  });

  it('a signed-in invitee accepts; a second visit explains the link was used', async () => {
    const { owner, org, admin } = await seedOrg('accept');
    const invitee = await signUp(t.app, uniqueEmail('existing'), 'Eve Existing');
    await verify(invitee.user.id);
    const { token } = await invited(t.app, admin, org.id, invitee.user.email, 'admin');
    const page = await freshPage();
    await signIn(page, invitee.user.email);
    await page.goto(`${base}/invitations/accept?token=${encodeURIComponent(token)}`);
    await page.getByRole('button', { name: `Accept and join ${org.name}` }).click();
    await page.waitForURL(`${base}/orgs/${org.slug}/members`);
    expect(await roleOf(org.id, invitee.user.id, owner.token)).toBe('admin active');

    await page.goto(`${base}/invitations/accept?token=${encodeURIComponent(token)}`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('This invitation has already been accepted.');
  });

  it('a signed-in invitee declines from the landing page: the invitation is withdrawn', async () => {
    const { owner, org } = await seedOrg('decline');
    const invitee = await signUp(t.app, uniqueEmail('decliner'), 'Dee Decliner');
    await verify(invitee.user.id);
    const { token, invitation } = await invited(t.app, owner, org.id, invitee.user.email, 'member');
    const page = await freshPage();
    await signIn(page, invitee.user.email);
    await page.goto(`${base}/invitations/accept?token=${encodeURIComponent(token)}`);
    await page.getByRole('button', { name: 'Decline', exact: true }).click();
    await page.getByRole('button', { name: 'Yes, decline' }).click();
    await page.getByText(`You declined the invitation to ${org.name}.`).waitFor();
    const res = await t.app.inject({
      url: `/v1/organizations/${org.id}/invitations/${invitation.id}`,
      headers: bearer(owner.token),
    });
    expect(res.json()).toMatchObject({ status: 'revoked', revokedBy: invitee.user.id });
    expect(await roleOf(org.id, invitee.user.id, owner.token)).toBe(404);
  });

  it('an expired, a revoked and an unknown link each say why, and what to do', async () => {
    const { owner, org } = await seedOrg('dead');
    const expired = await invited(t.app, owner, org.id, uniqueEmail('late'));
    await backdateExpiry(t, expired.invitation.id);
    const revoked = await invited(t.app, owner, org.id, uniqueEmail('gone'));
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org.id}/invitations/${revoked.invitation.id}`,
      headers: bearer(owner.token),
    });
    expect(res.statusCode).toBe(200);

    const page = await freshPage();
    for (const [token, words, todo] of [
      [expired.token, 'This invitation has expired.', 'send a new invitation'],
      [revoked.token, 'This invitation was withdrawn.', 'ask an admin of the organization'],
      ['ri_not-a-real-token', 'This invitation link is not valid.', 'most recent invitation email'],
    ] as const) {
      await page.goto(`${base}/invitations/accept?token=${encodeURIComponent(token)}`);
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.textContent()).toContain(words);
      expect(await alert.textContent()).toContain(todo);
      expect(page.url()).toBe(`${base}/invitations/accept`);
      expect(await page.getByRole('button', { name: /Create account/ }).count()).toBe(0);
    }
    await shot(page, 'invitation-invalid');
    await page.goto(`${base}/invitations/accept`);
    expect(await page.getByRole('alert').textContent()).toContain('This link has no invitation token.');
  });

  it('the public request-to-join page: a signed-in user asks to join', async () => {
    const { owner, org } = await seedOrg('public');
    const asker = await signUp(t.app, uniqueEmail('public-asker'), 'Pat Public');
    await verify(asker.user.id);
    const page = await freshPage();
    await signIn(page, asker.user.email, `/join/${org.slug}`);
    await page.getByRole('button', { name: 'Ask to join' }).click();
    // Requests are off by default: the refusal is explained.
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('does not take requests to join');

    await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org.id}`,
      headers: bearer(owner.token),
      payload: { joinRequestsEnabled: true },
    });
    await page.getByRole('button', { name: 'Ask to join' }).click();
    await page.getByText("Your request was sent. The organization's admins will answer it.").waitFor();
    expect(await roleOf(org.id, asker.user.id, owner.token)).toBe('member pending');
    await shot(page, 'join');
  });

  it('the public request-to-join page: someone signed out asks by email; an admin approves and an invitation is emailed', async () => {
    const { owner, org, admin } = await seedOrg('anon');
    const page = await freshPage();
    const visitor = uniqueEmail('visitor');
    // Requests are off, or there is no such organization: each is said plainly.
    await page.goto(`${base}/join/${org.slug}`);
    await page.getByLabel('Your email').fill(visitor);
    await page.getByRole('button', { name: 'Send request' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('does not take requests to join');
    await page.goto(`${base}/join/no-such-org-anywhere`);
    await page.getByLabel('Your email').fill(visitor);
    await page.getByRole('button', { name: 'Send request' }).click();
    await alert.waitFor();
    expect(await alert.textContent()).toContain('No organization has this address');

    await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org.id}`,
      headers: bearer(owner.token),
      payload: { joinRequestsEnabled: true },
    });
    // A member's address gets the same answer as a new one.
    for (const email of [admin.user.email, visitor]) {
      await page.goto(`${base}/join/${org.slug}`);
      await page.getByLabel('Your email').fill(email);
      await page.getByRole('button', { name: 'Send request' }).click();
      await page
        .getByRole('status')
        .filter({
          hasText: `If this organization accepts requests, its admins will be told, and you will get an email at ${email}`,
        })
        .waitFor();
    }
    await shot(page, 'join-by-email');

    const adminPage = await freshPage();
    await signIn(adminPage, admin.user.email, `/orgs/${org.slug}/join-requests`);
    let row = adminPage.getByRole('row').filter({ hasText: visitor });
    for (let i = 0; i < 50 && (await row.count()) === 0; i++) {
      // The request is taken in by the outbox worker a moment after the answer.
      await new Promise((r) => setTimeout(r, 100));
      await adminPage.reload();
      row = adminPage.getByRole('row').filter({ hasText: visitor });
    }
    await row.waitFor();
    expect(await row.getByText('Email only').isVisible()).toBe(true);
    expect(await adminPage.getByRole('row').count()).toBe(2);
    await row.getByRole('button', { name: `Approve ${visitor}` }).click();
    await adminPage.getByText(`an invitation is on its way to ${visitor}`).waitFor();
    await waitForMail(visitor, /invitations\/accept\?token=/);
  });

  it('fits a 375-pixel-wide screen on the new pages', async () => {
    const { owner, org, admin } = await seedOrg('narrow');
    await invited(t.app, owner, org.id, uniqueEmail('narrow-invitee-with-a-rather-long-address'), 'admin');
    const outsider = await signUp(t.app, uniqueEmail('narrow-outsider'), 'Nat Narrow');
    await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.id}/members`,
      headers: bearer(admin.token),
      payload: { email: outsider.user.email, role: 'member' },
    });
    const landing = await invited(t.app, owner, org.id, uniqueEmail('narrow-landing'), 'member');

    const page = await freshPage({ width: 375, height: 812 });
    await page.goto(`${base}/invitations/accept?token=${encodeURIComponent(landing.token)}`);
    await page.getByRole('button', { name: /Create account and join/ }).waitFor();
    expect(await overflow(page), 'invitation landing').toBeLessThanOrEqual(0);
    await shot(page, 'mobile-invitation-landing');
    await page.goto(`${base}/join/${org.slug}`);
    await page.getByLabel('Your email').waitFor();
    expect(await overflow(page), 'join').toBeLessThanOrEqual(0);

    await signIn(page, owner.user.email, `/orgs/${org.slug}/invitations`);
    for (const [suffix, heading] of [
      ['invitations', 'Invitations'],
      ['join-requests', 'Join requests'],
    ] as const) {
      await page.goto(`${base}/orgs/${org.slug}/${suffix}`);
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
      await page
        .getByRole('status')
        .filter({ hasText: /Loading/ })
        .waitFor({ state: 'detached' });
      expect(await overflow(page), suffix).toBeLessThanOrEqual(0);
      await shot(page, `mobile-${suffix}`);
    }
    const widths = await page.evaluate(() => [...document.querySelectorAll('tr')].map((r) => r.scrollWidth));
    for (const w of widths) expect(w).toBeLessThanOrEqual(375);

    await context.clearCookies();
    await signIn(page, outsider.user.email, '/me/invitations');
    await page.getByRole('button', { name: `Accept ${org.name}` }).waitFor();
    expect(await overflow(page), 'my invitations').toBeLessThanOrEqual(0);
    await shot(page, 'mobile-my-invitations');
  });
});

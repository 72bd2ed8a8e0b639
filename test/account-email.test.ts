/**
 * Changing the account's email address (SPEC §2 "Accounts"): "a new address is proven by a link before
 * it replaces the old one, never colliding with another account". `POST /v1/me/email` sends the link
 * to the new address; `POST /v1/auth/email-change/confirm` (no session needed) makes the change in
 * one transaction, the unique index on users' addresses having the last word against a racing sign-up.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createOrg,
  createTestApp,
  emailsTo,
  errorCode,
  onPostgres,
  type SignedUp,
  signUp,
  type TestApp,
  tokenOf,
  uniqueEmail,
  verifiedUser,
} from './helpers.ts';
import { invited } from './invitation-helpers.ts';

const PASSWORD = 'correct horse battery';
const CHANGE_SUBJECT = 'Confirm your new email address';
const CHANGED_SUBJECT = 'Your email address was changed';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

function requestChange(who: SignedUp, email: string, password = PASSWORD) {
  return t.app.inject({
    method: 'POST',
    url: '/v1/me/email',
    headers: bearer(who.token),
    payload: { email, password },
  });
}

function confirm(token: string) {
  return t.app.inject({ method: 'POST', url: '/v1/auth/email-change/confirm', payload: { token } });
}

/** Asks for the change and returns the token of the link emailed to the new address. */
async function changeLink(who: SignedUp, email: string): Promise<string> {
  const res = await requestChange(who, email);
  expect(res.statusCode, res.body).toBe(202);
  const mails = (await emailsTo(t, email.trim().toLowerCase())).filter((m) => m.subject === CHANGE_SUBJECT);
  const link = mails.at(-1)?.links[0];
  if (!link) throw new Error('no email-change link');
  return tokenOf(link);
}

const me = (token: string) => t.app.inject({ url: '/v1/me', headers: bearer(token) });

function signIn(email: string, password = PASSWORD) {
  return t.app.inject({ method: 'POST', url: '/v1/auth/sign-in', payload: { email, password } });
}

async function usersWith(email: string) {
  return t.database.db.selectFrom('users').select('id').where('email', '=', email).execute();
}

describe('POST /v1/me/email', () => {
  it('sends a 24-hour `re_` link to the new address → 202; nothing changes until it is followed', async () => {
    const u = await verifiedUser(t);
    const to = uniqueEmail('new');
    const res = await requestChange(u, `  ${to.toUpperCase()} `);
    expect(res.statusCode, res.body).toBe(202);
    const body = res.json();
    expect(body.email).toBe(to);
    const hours = (Date.parse(body.expiresAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23.9);
    expect(hours).toBeLessThanOrEqual(24);
    const [mail] = (await emailsTo(t, to)).filter((m) => m.subject === CHANGE_SUBJECT);
    expect(mail?.links).toHaveLength(1);
    expect(mail?.links[0]).toMatch(
      /^http:\/\/roster\.test\/confirm-email-change\?token=re_[0-9a-f]{32}[\w-]{43}$/,
    );
    expect(mail?.text).toContain(u.user.email);
    // Still the old address, still verified.
    expect((await me(u.token)).json()).toMatchObject({ email: u.user.email, emailVerified: true });
    const row = await t.database.db
      .selectFrom('email_changes')
      .selectAll()
      .where('user_id', '=', u.user.id)
      .executeTakeFirstOrThrow();
    expect(row.new_email).toBe(to);
    expect(JSON.stringify(row)).not.toContain(tokenOf(mail?.links[0] as string).slice(-43));
    const audit = await t.database.db
      .selectFrom('audit_log')
      .select(['data', 'organization_id'])
      .where('actor_id', '=', u.user.id)
      .where('action', '=', 'user.email_change_requested')
      .execute();
    expect(audit).toEqual([{ data: { to }, organization_id: null }]);
  });

  it('refuses a wrong password (403), a bad address (400), the current address (400) and a taken one (409)', async () => {
    const u = await signUp(t.app);
    const other = await signUp(t.app);
    const wrong = await requestChange(u, uniqueEmail(), 'not my password');
    expect([wrong.statusCode, errorCode(wrong)]).toEqual([403, 'INVALID_PASSWORD']);
    expect(wrong.json().error.details).toEqual([expect.objectContaining({ field: 'password' })]);
    const bad = await requestChange(u, 'not-an-email');
    expect([bad.statusCode, errorCode(bad)]).toEqual([400, 'INVALID_EMAIL']);
    const same = await requestChange(u, ` ${u.user.email.toUpperCase()}`);
    expect([same.statusCode, errorCode(same)]).toEqual([400, 'EMAIL_UNCHANGED']);
    const taken = await requestChange(u, other.user.email.toUpperCase());
    expect([taken.statusCode, errorCode(taken)]).toEqual([409, 'EMAIL_TAKEN']);
    const rows = await t.database.db
      .selectFrom('email_changes')
      .select('id')
      .where('user_id', '=', u.user.id)
      .execute();
    expect(rows).toHaveLength(0);
    const anon = await t.app.inject({
      method: 'POST',
      url: '/v1/me/email',
      payload: { email: uniqueEmail(), password: PASSWORD },
    });
    expect(anon.statusCode).toBe(401);
  });
});

describe('POST /v1/auth/email-change/confirm', () => {
  it('replaces the address (verified), tells the old one, supersedes resets, drops verifications, audits', async () => {
    const u = await signUp(t.app); // unverified: a verification link is pending
    const old = u.user.email;
    const to = uniqueEmail('moved');
    // A reset link for the old address, open.
    await t.app.inject({ method: 'POST', url: '/v1/auth/password-reset', payload: { email: old } });
    await t.app.outbox.drain();
    const token = await changeLink(u, to);

    const res = await confirm(token); // no session: the link may be opened anywhere
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().user).toMatchObject({ id: u.user.id, email: to, emailVerified: true });
    expect((await me(u.token)).json()).toMatchObject({ email: to, emailVerified: true });
    // Sign-in follows the address; the session stays.
    expect((await signIn(to)).statusCode).toBe(200);
    expect((await signIn(old)).statusCode).toBe(401);

    const told = (await emailsTo(t, old)).filter((m) => m.subject === CHANGED_SUBJECT);
    expect(told).toHaveLength(1);
    expect(told[0]?.text).toContain(to);
    const openResets = await t.database.db
      .selectFrom('password_resets')
      .select('id')
      .where('user_id', '=', u.user.id)
      .where('used_at', 'is', null)
      .where('superseded_at', 'is', null)
      .execute();
    expect(openResets).toHaveLength(0);
    const verifications = await t.database.db
      .selectFrom('email_verifications')
      .select('id')
      .where('user_id', '=', u.user.id)
      .where('used_at', 'is', null)
      .execute();
    expect(verifications).toHaveLength(0);
    const audit = await t.database.db
      .selectFrom('audit_log')
      .select(['data', 'actor_id', 'organization_id'])
      .where('target_id', '=', u.user.id)
      .where('action', '=', 'user.email_changed')
      .execute();
    expect(audit).toEqual([{ data: { from: old, to }, actor_id: u.user.id, organization_id: null }]);

    const again = await confirm(token);
    expect([again.statusCode, errorCode(again)]).toEqual([410, 'EMAIL_CHANGE_LINK_USED']);
  });

  it('answers a superseded, an expired and an invalid link each with its code, and changes nothing', async () => {
    const u = await signUp(t.app);
    const first = await changeLink(u, uniqueEmail('first'));
    const second = await changeLink(u, uniqueEmail('second'));
    const superseded = await confirm(first);
    expect([superseded.statusCode, errorCode(superseded)]).toEqual([410, 'EMAIL_CHANGE_LINK_SUPERSEDED']);
    await t.database.db
      .updateTable('email_changes')
      .set({ expires_at: sql<Date>`now() - interval '1 second'` })
      .where('user_id', '=', u.user.id)
      .where('superseded_at', 'is', null)
      .execute();
    const expired = await confirm(second);
    expect([expired.statusCode, errorCode(expired)]).toEqual([410, 'EMAIL_CHANGE_LINK_EXPIRED']);
    const tampered = `${second.slice(0, -1)}${second.at(-1) === 'A' ? 'B' : 'A'}`;
    for (const token of [tampered, 're_short', `rp_${second.slice(3)}`]) {
      const res = await confirm(token);
      expect([res.statusCode, errorCode(res)], token).toEqual([400, 'EMAIL_CHANGE_LINK_INVALID']);
    }
    expect((await me(u.token)).json().email).toBe(u.user.email);
  });

  it('answers 409 EMAIL_TAKEN when an account took the address meanwhile, and leaves the link unused', async () => {
    const u = await signUp(t.app);
    const to = uniqueEmail('contested');
    const token = await changeLink(u, to);
    const squatter = await signUp(t.app, to);
    const res = await confirm(token);
    expect([res.statusCode, errorCode(res)]).toEqual([409, 'EMAIL_TAKEN']);
    expect((await me(u.token)).json().email).toBe(u.user.email);
    expect(await usersWith(to)).toEqual([{ id: squatter.user.id }]);
    const row = await t.database.db
      .selectFrom('email_changes')
      .select('used_at')
      .where('user_id', '=', u.user.id)
      .executeTakeFirstOrThrow();
    expect(row.used_at).toBeNull();
    // The address freed, the same link works.
    await t.database.db.deleteFrom('users').where('id', '=', squatter.user.id).execute();
    expect((await confirm(token)).statusCode).toBe(200);
  });

  it('leaves invitations with the old address: no longer listed for the person, the invitation untouched', async () => {
    const owner = await signUp(t.app);
    const org = await createOrg(t.app, owner.token);
    const u = await verifiedUser(t);
    const { invitation } = await invited(t.app, owner, org.id, u.user.email);
    const mine = async () =>
      (
        (await t.app.inject({ url: '/v1/me/invitations', headers: bearer(u.token) })).json().data as Array<{
          id: string;
        }>
      ).map((i) => i.id);
    expect(await mine()).toEqual([invitation.id]);
    const before = await t.database.db
      .selectFrom('invitations')
      .selectAll()
      .where('id', '=', invitation.id)
      .executeTakeFirstOrThrow();

    expect((await confirm(await changeLink(u, uniqueEmail('elsewhere')))).statusCode).toBe(200);

    expect(await mine()).toEqual([]);
    const after = await t.database.db
      .selectFrom('invitations')
      .selectAll()
      .where('id', '=', invitation.id)
      .executeTakeFirstOrThrow();
    expect(after).toEqual(before);
    expect(after.email).toBe(u.user.email);
    // Nor can the person answer it from their inbox.
    const acceptOwn = await t.app.inject({
      method: 'POST',
      url: `/v1/me/invitations/${invitation.id}/accept`,
      headers: bearer(u.token),
    });
    expect(acceptOwn.statusCode).toBe(404);
  });
});

describe.skipIf(!onPostgres)('email change under concurrency (PostgreSQL)', () => {
  it('a confirmation racing a sign-up for the same address: exactly one wins, never two accounts', async () => {
    const ROUNDS = 39;
    const outcomes = { change: 0, signUp: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const u = await signUp(t.app);
      const to = uniqueEmail('race');
      const token = await changeLink(u, to);
      // Sign-up hashes the password before it writes: the confirmation starts a little later each
      // round, so the two writes meet in every order, and at times at once.
      const delayMs = (round % 13) * 10;
      const [changed, signedUp] = await Promise.all([
        new Promise((r) => setTimeout(r, delayMs)).then(() => confirm(token)),
        t.app.inject({
          method: 'POST',
          url: '/v1/auth/sign-up',
          payload: { email: to, password: PASSWORD, name: 'Racer' },
        }),
      ]);
      const wins = [changed.statusCode === 200, signedUp.statusCode === 201].filter(Boolean).length;
      expect(wins, `round ${round}: ${changed.body} / ${signedUp.body}`).toBe(1);
      if (changed.statusCode === 200) {
        outcomes.change += 1;
        expect([signedUp.statusCode, errorCode(signedUp)]).toEqual([409, 'EMAIL_TAKEN']);
        expect(await usersWith(to)).toEqual([{ id: u.user.id }]);
      } else {
        outcomes.signUp += 1;
        expect([changed.statusCode, errorCode(changed)]).toEqual([409, 'EMAIL_TAKEN']);
        expect(await usersWith(to)).toEqual([{ id: signedUp.json().user.id }]);
        expect((await me(u.token)).json().email).toBe(u.user.email);
      }
    }
    console.log(`email change vs sign-up: ${JSON.stringify(outcomes)}`);
    expect(outcomes.change + outcomes.signUp).toBe(ROUNDS);
  });
});

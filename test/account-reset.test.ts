/**
 * Password reset (SPEC §2 "Accounts"): an emailed single-use link (1 hour), asked for anonymously and
 * answered identically whether or not an account has the address; following it sets the password,
 * proves the address and ends every session. Requests are taken in as outbox jobs and decided by
 * the worker (`app.outbox.drain()` here), like anonymous requests to join.
 */
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createTestApp,
  emailsTo,
  errorCode,
  onPostgres,
  type SignedUp,
  signUp,
  type TestApp,
  uniqueEmail,
  verifiedUser,
} from './helpers.ts';

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'a brand new passphrase';
const PER_EMAIL = 3;
const PER_IP = 4;

let t: TestApp;
let ipCounter = 0;
/** A client address of its own for each request group, so the per-IP limit of one never bites another. */
const freshIp = () => `203.0.113.${++ipCounter}`;

beforeAll(async () => {
  t = await createTestApp({ passwordResetLimitPerEmail: PER_EMAIL, passwordResetLimitPerIp: PER_IP });
});
afterAll(() => t.close());

function ask(email: unknown, ip = freshIp()) {
  return t.app.inject({
    method: 'POST',
    url: '/v1/auth/password-reset',
    remoteAddress: ip,
    payload: { email } as Record<string, unknown>,
  });
}

function confirm(token: string, password = NEW_PASSWORD) {
  return t.app.inject({
    method: 'POST',
    url: '/v1/auth/password-reset/confirm',
    payload: { token, password },
  });
}

function signIn(email: string, password: string) {
  return t.app.inject({ method: 'POST', url: '/v1/auth/sign-in', payload: { email, password } });
}

const RESET_SUBJECT = 'Reset your password';

/** How many reset emails went (or wait to go) to `email`. */
async function resetEmailCount(email: string): Promise<number> {
  return (await emailsTo(t, email)).filter((m) => m.subject === RESET_SUBJECT).length;
}

/**
 * The tokens of the reset emails still waiting for `email`, oldest first, read from the email's text
 * (a sent email keeps only its recipient and subject).
 */
async function resetTokens(email: string): Promise<string[]> {
  const mails = (await emailsTo(t, email)).filter(
    (m) => m.subject === RESET_SUBJECT && m.status === 'pending',
  );
  return mails.map((m) => {
    const match = /\/reset-password\?token=([A-Za-z0-9_%-]+)/.exec(m.text ?? '');
    if (!match) throw new Error(`no reset link in ${JSON.stringify(m)}`);
    return decodeURIComponent(match[1] as string);
  });
}

/** Asks for a link for `email`, lets the worker decide, and returns the newest link's token. */
async function resetLink(email: string): Promise<string> {
  expect((await ask(email)).statusCode).toBe(202);
  await t.app.outbox.drain();
  const tokens = await resetTokens(email);
  const token = tokens.at(-1);
  if (!token) throw new Error('no reset email');
  return token;
}

async function sessionCount(userId: string) {
  const row = await t.database.db
    .selectFrom('sessions')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return row.n;
}

async function userAudit(userId: string, action: string) {
  return t.database.db
    .selectFrom('audit_log')
    .select(['action', 'actor_type', 'actor_id', 'ip', 'data'])
    .where('target_id', '=', userId)
    .where('action', '=', action)
    .execute();
}

describe('POST /v1/auth/password-reset', () => {
  it('answers the same 202, byte for byte, for a verified account, an unverified one and no account', async () => {
    const verified = await verifiedUser(t);
    const unverified = await signUp(t.app);
    const answers = [
      await ask(verified.user.email),
      await ask(unverified.user.email.toUpperCase()),
      await ask(uniqueEmail('nobody')),
    ];
    for (const res of answers) {
      expect(res.statusCode).toBe(202);
      expect(res.body).toBe(answers[0]?.body);
      expect(res.headers['content-length']).toBe(answers[0]?.headers['content-length']);
      expect(res.headers['content-type']).toBe(answers[0]?.headers['content-type']);
    }
    expect(answers[0]?.json()).toEqual({ status: 'received', message: expect.any(String) });
    // Nothing was decided yet: each request left one job, the same kind of row.
    const jobs = await t.database.db
      .selectFrom('outbox')
      .select(['kind', 'organization_id'])
      .where('kind', '=', 'password_reset')
      .where('status', '=', 'pending')
      .execute();
    expect(jobs).toHaveLength(3);
    await t.app.outbox.drain();
    // The two accounts get a link; the unknown address gets nothing.
    expect(await resetTokens(verified.user.email)).toHaveLength(1);
    expect(await resetTokens(unverified.user.email)).toHaveLength(1);
    const spent = await t.database.db
      .selectFrom('outbox')
      .select(['status', 'payload'])
      .where('kind', '=', 'password_reset')
      .execute();
    // Spent jobs keep neither the address nor the IP.
    expect(spent.every((j) => j.status === 'sent')).toBe(true);
    expect(JSON.stringify(spent)).not.toContain('@example.com');
  });

  it('answers 400 naming email for a malformed or missing address, and takes nothing in', async () => {
    const before = await t.database.db
      .selectFrom('outbox')
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow();
    for (const email of ['not-an-email', 'a@b', '', 42]) {
      const res = await ask(email);
      expect(res.statusCode, String(email)).toBe(400);
      expect(res.json().error.details).toEqual([expect.objectContaining({ field: 'email' })]);
    }
    const missing = await t.app.inject({ method: 'POST', url: '/v1/auth/password-reset', payload: {} });
    expect(missing.statusCode).toBe(400);
    expect(errorCode(await ask('not-an-email'))).toBe('INVALID_EMAIL');
    const after = await t.database.db
      .selectFrom('outbox')
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it(`answers 429 RATE_LIMITED past ${PER_IP} requests from one client IP, whatever the addresses`, async () => {
    const ip = freshIp();
    for (let i = 0; i < PER_IP; i++) expect((await ask(uniqueEmail('spray'), ip)).statusCode).toBe(202);
    const refused = await ask(uniqueEmail('spray'), ip);
    expect(refused.statusCode).toBe(429);
    expect(errorCode(refused)).toBe('RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // A malformed address counts too (probing costs the same), and another IP is not affected.
    expect((await ask('nope', ip)).statusCode).toBe(429);
    expect((await ask(uniqueEmail('spray'))).statusCode).toBe(202);
    // IPv6 clients count by their /64.
    const v6 = (n: number) => `2001:db8:77:1::${n.toString(16)}`;
    for (let i = 0; i < PER_IP; i++) expect((await ask(uniqueEmail('v6'), v6(i + 1))).statusCode).toBe(202);
    expect((await ask(uniqueEmail('v6'), v6(999))).statusCode).toBe(429);
  });

  it(`sends at most ${PER_EMAIL} links to one address per window; past it, the same 202 and no email`, async () => {
    const u = await signUp(t.app);
    const answers: LightMyRequestResponse[] = [];
    for (let i = 0; i < PER_EMAIL + 2; i++) answers.push(await ask(u.user.email));
    expect(answers.every((a) => a.statusCode === 202 && a.body === answers[0]?.body)).toBe(true);
    await t.app.outbox.drain();
    expect(await resetTokens(u.user.email)).toHaveLength(PER_EMAIL);
    expect(await resetEmailCount(u.user.email)).toBe(PER_EMAIL);
    const rows = await t.database.db
      .selectFrom('password_resets')
      .select('id')
      .where('user_id', '=', u.user.id)
      .execute();
    expect(rows).toHaveLength(PER_EMAIL);
    // Dropped jobs are logged, without the address.
    const dropped = t.logs.filter((l) =>
      String(l.msg).startsWith('password reset: the address had its links'),
    );
    expect(dropped.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(dropped)).not.toContain(u.user.email);
    // Once the window has passed (moved back in the database), links are sent again.
    await t.database.db
      .updateTable('password_resets')
      .set({ created_at: sql<Date>`created_at - interval '2 hours'` })
      .where('user_id', '=', u.user.id)
      .execute();
    await resetLink(u.user.email);
    expect(await resetEmailCount(u.user.email)).toBe(PER_EMAIL + 1);
  });

  it('stores only a hash of a 256-bit `rp_` token, valid one hour, and a new link supersedes the open one', async () => {
    const u = await signUp(t.app);
    const first = await resetLink(u.user.email);
    const second = await resetLink(u.user.email);
    expect(first).toMatch(/^rp_[0-9a-f]{32}[A-Za-z0-9_-]{43}$/);
    const rows = await t.database.db
      .selectFrom('password_resets')
      .selectAll()
      .select(sql<number>`extract(epoch from expires_at - created_at)::int`.as('ttl'))
      .where('user_id', '=', u.user.id)
      .orderBy('created_at')
      .execute();
    expect(rows).toHaveLength(2);
    expect(rows.map((r) => r.ttl)).toEqual([3600, 3600]);
    expect(rows[0]?.superseded_at).not.toBeNull();
    expect(rows[1]?.superseded_at).toBeNull();
    const text = JSON.stringify(
      rows.map((r) => ({ ...r, secret_hash: Buffer.from(r.secret_hash).toString('hex') })),
    );
    expect(text).not.toContain(first.slice(-43));
    expect(text).not.toContain(second.slice(-43));
    // The email's link points at the console page (the first email has left: read the pending one).
    const mail = (await emailsTo(t, u.user.email)).find(
      (m) => m.subject === RESET_SUBJECT && m.status === 'pending',
    );
    expect(mail?.text).toContain(`http://roster.test/reset-password?token=${second}`);
    expect(mail?.html).toContain(`http://roster.test/reset-password?token=${second}`);
    expect(mail?.links).toEqual([]);
    // The request is audited with the requester's IP (no organization).
    const audit = await userAudit(u.user.id, 'user.password_reset_requested');
    expect(audit).toHaveLength(2);
    expect(audit[0]).toMatchObject({ actor_type: 'system', ip: expect.stringMatching(/^203\.0\.113\./) });
  });
});

describe('POST /v1/auth/password-reset/confirm', () => {
  it('sets the password, verifies the address, ends EVERY session, emails a notice and audits', async () => {
    const u = await signUp(t.app);
    const other = await signIn(u.user.email, PASSWORD);
    expect(other.statusCode).toBe(200);
    expect(await sessionCount(u.user.id)).toBe(2);
    const token = await resetLink(u.user.email);

    const res = await confirm(token);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().user).toMatchObject({ id: u.user.id, email: u.user.email, emailVerified: true });
    expect(res.json().session).toBeUndefined();
    expect(res.cookies).toHaveLength(0);

    // Every session ended: the person signs in again, with the new password only.
    expect(await sessionCount(u.user.id)).toBe(0);
    expect((await t.app.inject({ url: '/v1/me', headers: bearer(u.token) })).statusCode).toBe(401);
    expect((await signIn(u.user.email, PASSWORD)).statusCode).toBe(401);
    expect((await signIn(u.user.email, NEW_PASSWORD)).statusCode).toBe(200);

    const notice = (await emailsTo(t, u.user.email)).filter((m) => m.subject === 'Your password was changed');
    expect(notice).toHaveLength(1);
    const audit = await userAudit(u.user.id, 'user.password_reset');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_type: 'user', actor_id: u.user.id, data: { sessionsEnded: 2 } });
  });

  it('refuses a weak password with 400 WEAK_PASSWORD, and the link still works after', async () => {
    const u = await signUp(t.app);
    const token = await resetLink(u.user.email);
    const weak = await confirm(token, 'short');
    expect(weak.statusCode).toBe(400);
    expect(errorCode(weak)).toBe('WEAK_PASSWORD');
    expect(weak.json().error.details).toEqual([expect.objectContaining({ field: 'password' })]);
    expect(await sessionCount(u.user.id)).toBe(1);
    expect((await confirm(token)).statusCode).toBe(200);
  });

  it('answers each dead link with its own code: used, superseded, expired (410), and invalid (400)', async () => {
    const u = await signUp(t.app);
    const used = await resetLink(u.user.email);
    expect((await confirm(used)).statusCode).toBe(200);
    const again = await confirm(used);
    expect([again.statusCode, errorCode(again)]).toEqual([410, 'RESET_LINK_USED']);

    const superseded = await resetLink(u.user.email);
    const newest = await resetLink(u.user.email);
    const old = await confirm(superseded);
    expect([old.statusCode, errorCode(old)]).toEqual([410, 'RESET_LINK_SUPERSEDED']);

    await t.database.db
      .updateTable('password_resets')
      .set({ expires_at: sql<Date>`now() - interval '1 second'` })
      .where('user_id', '=', u.user.id)
      .where('used_at', 'is', null)
      .where('superseded_at', 'is', null)
      .execute();
    const expired = await confirm(newest);
    expect([expired.statusCode, errorCode(expired)]).toEqual([410, 'RESET_LINK_EXPIRED']);

    // A token whose secret does not match, a made-up one, or another kind of token: INVALID, nothing more.
    const wrongSecret = `${newest.slice(0, -1)}${newest.at(-1) === 'A' ? 'B' : 'A'}`;
    const unknownId = `rp_${'0'.repeat(32)}${newest.slice(-43)}`;
    for (const token of [
      wrongSecret,
      `${used.slice(0, -1)}${used.at(-1) === 'A' ? 'B' : 'A'}`,
      unknownId,
      'rp_nope',
      `rv_${newest.slice(3)}`,
    ]) {
      const res = await confirm(token);
      expect([res.statusCode, errorCode(res)], token).toEqual([400, 'RESET_LINK_INVALID']);
      expect(res.json().error.details).toEqual([expect.objectContaining({ field: 'token' })]);
    }
    // None of these changed the password.
    expect((await signIn(u.user.email, NEW_PASSWORD)).statusCode).toBe(200);
  });

  it('puts the token in no log line: request, worker, log-mode email, confirmation, the page URL', async () => {
    const from = t.logs.length;
    const u = await signUp(t.app);
    const token = await resetLink(u.user.email);
    await t.app.outbox.drain(); // the email itself, delivered to the log (no SMTP_URL here)
    // The console page the link opens, and the confirmation.
    await t.app.inject({ url: `/reset-password?token=${token}` });
    expect((await confirm(token)).statusCode).toBe(200);
    await t.app.outbox.drain();

    const lines = t.logs.slice(from).map((l) => JSON.stringify(l));
    // The email was logged (so the absence below is not vacuous) …
    const mailLines = lines.filter((l) => l.includes(RESET_SUBJECT) && l.includes(u.user.email));
    expect(mailLines).toHaveLength(1);
    expect(mailLines[0]).toContain(u.user.email);
    // … and so were the requests.
    expect(lines.some((l) => l.includes('/v1/auth/password-reset/confirm'))).toBe(true);
    expect(lines.some((l) => l.includes('/reset-password?token=[REDACTED]'))).toBe(true);
    for (const line of lines) {
      expect(line).not.toContain(token.slice(-43)); // the secret
      expect(line).not.toContain(token.slice(3, 35)); // the row id part
    }
  });
});

describe.skipIf(!onPostgres)('password reset under concurrency (PostgreSQL)', () => {
  it('the same link confirmed in parallel: exactly one 200, the others 410 RESET_LINK_USED', async () => {
    for (let round = 0; round < 10; round++) {
      const u: SignedUp = await signUp(t.app);
      const token = await resetLink(u.user.email);
      const answers = await Promise.all(
        Array.from({ length: 4 }, (_, i) => confirm(token, `${NEW_PASSWORD} ${round}-${i}`)),
      );
      const codes = answers.map((a) => a.statusCode).sort();
      expect(codes).toEqual([200, 410, 410, 410]);
      for (const a of answers.filter((x) => x.statusCode === 410))
        expect(errorCode(a)).toBe('RESET_LINK_USED');
      // The one password set is the winner's.
      const winner = answers.findIndex((a) => a.statusCode === 200);
      expect((await signIn(u.user.email, `${NEW_PASSWORD} ${round}-${winner}`)).statusCode).toBe(200);
      expect(await userAudit(u.user.id, 'user.password_reset')).toHaveLength(1);
    }
  });
});

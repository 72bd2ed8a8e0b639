/**
 * The signed-in person's profile, password and sessions (SPEC §2 "Accounts"): `PATCH /v1/me`,
 * `POST /v1/me/password` (the current password asked again, counted like a sign-in), and the sessions
 * list with `last_used_at` kept up to date at most every five minutes, revocable one by one or all
 * but the current one.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, emailsTo, errorCode, signUp, type TestApp, uniqueEmail } from './helpers.ts';

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'a brand new passphrase';
/** Failed sign-ins per (address, IP): the limit a wrong current password counts against. */
const PER_EMAIL_IP = 4;

let t: TestApp;
let ipCounter = 0;
const freshIp = () => `192.0.2.${++ipCounter}`;

beforeAll(async () => {
  t = await createTestApp({ signInLimitPerEmailIp: PER_EMAIL_IP });
});
afterAll(() => t.close());

function signIn(email: string, password: string, ip = freshIp(), userAgent = 'test-agent') {
  return t.app.inject({
    method: 'POST',
    url: '/v1/auth/sign-in',
    remoteAddress: ip,
    headers: { 'user-agent': userAgent },
    payload: { email, password },
  });
}

function changePassword(token: string, currentPassword: string, newPassword: string, ip = freshIp()) {
  return t.app.inject({
    method: 'POST',
    url: '/v1/me/password',
    headers: bearer(token),
    remoteAddress: ip,
    payload: { currentPassword, newPassword },
  });
}

const me = (token: string) => t.app.inject({ url: '/v1/me', headers: bearer(token) });
const sessions = (token: string) => t.app.inject({ url: '/v1/me/sessions', headers: bearer(token) });

async function audit(userId: string, action: string) {
  return t.database.db
    .selectFrom('audit_log')
    .select(['actor_type', 'actor_id', 'organization_id', 'data', 'target_id', 'target_type'])
    .where('actor_id', '=', userId)
    .where('action', '=', action)
    .execute();
}

describe('PATCH /v1/me', () => {
  it('renames the person (trimmed) → 200 user, audited as user.updated', async () => {
    const u = await signUp(t.app, uniqueEmail('rename'), 'Old Name');
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/v1/me',
      headers: bearer(u.token),
      payload: { name: '  Ada Lovelace  ' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id: u.user.id, email: u.user.email, name: 'Ada Lovelace' });
    expect((await me(u.token)).json().name).toBe('Ada Lovelace');
    expect(await audit(u.user.id, 'user.updated')).toEqual([
      expect.objectContaining({ organization_id: null, target_id: u.user.id, data: { fields: ['name'] } }),
    ]);
    // The same name again changes nothing and records nothing.
    const same = await t.app.inject({
      method: 'PATCH',
      url: '/v1/me',
      headers: bearer(u.token),
      payload: { name: 'Ada Lovelace' },
    });
    expect(same.statusCode).toBe(200);
    expect(await audit(u.user.id, 'user.updated')).toHaveLength(1);
  });

  it('refuses a blank, too long or missing name, an unknown field, and an anonymous caller', async () => {
    const u = await signUp(t.app);
    for (const payload of [
      { name: '   ' },
      { name: '' },
      { name: 'x'.repeat(101) },
      {},
      { name: 'Ok', email: 'x@y.io' },
    ]) {
      const res = await t.app.inject({ method: 'PATCH', url: '/v1/me', headers: bearer(u.token), payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(errorCode(res)).toBe('VALIDATION_FAILED');
    }
    const anon = await t.app.inject({ method: 'PATCH', url: '/v1/me', payload: { name: 'Anon' } });
    expect(anon.statusCode).toBe(401);
    expect((await me(u.token)).json().name).toBe('Test User');
  });
});

describe('POST /v1/me/password', () => {
  it('changes the password: this session stays, the others end, a notice is emailed, audited', async () => {
    const u = await signUp(t.app);
    const other = (await signIn(u.user.email, PASSWORD)).json().session.token as string;
    const third = (await signIn(u.user.email, PASSWORD)).json().session.token as string;
    const res = await changePassword(u.token, PASSWORD, NEW_PASSWORD);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ revoked: 2 });
    expect((await me(u.token)).statusCode).toBe(200);
    expect((await me(other)).statusCode).toBe(401);
    expect((await me(third)).statusCode).toBe(401);
    expect((await signIn(u.user.email, PASSWORD)).statusCode).toBe(401);
    expect((await signIn(u.user.email, NEW_PASSWORD)).statusCode).toBe(200);
    const notices = (await emailsTo(t, u.user.email)).filter(
      (m) => m.subject === 'Your password was changed',
    );
    expect(notices).toHaveLength(1);
    expect(await audit(u.user.id, 'user.password_changed')).toEqual([
      expect.objectContaining({ organization_id: null, data: { sessionsEnded: 2 } }),
    ]);
    expect(JSON.stringify(t.logs)).not.toContain(NEW_PASSWORD);
  });

  it('refuses a wrong current password with 403 INVALID_PASSWORD, and a weak new one with 400 WEAK_PASSWORD', async () => {
    const u = await signUp(t.app);
    const wrong = await changePassword(u.token, 'not my password', NEW_PASSWORD);
    expect([wrong.statusCode, errorCode(wrong)]).toEqual([403, 'INVALID_PASSWORD']);
    expect(wrong.json().error.details).toEqual([expect.objectContaining({ field: 'currentPassword' })]);
    const weak = await changePassword(u.token, PASSWORD, 'short');
    expect([weak.statusCode, errorCode(weak)]).toEqual([400, 'WEAK_PASSWORD']);
    expect(weak.json().error.details).toEqual([expect.objectContaining({ field: 'newPassword' })]);
    // Neither changed anything.
    expect((await signIn(u.user.email, PASSWORD)).statusCode).toBe(200);
    expect(await audit(u.user.id, 'user.password_changed')).toHaveLength(0);
    const anon = await t.app.inject({
      method: 'POST',
      url: '/v1/me/password',
      payload: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
    });
    expect(anon.statusCode).toBe(401);
  });

  it('counts wrong current passwords as failed sign-ins: past the limit, 429 here and at sign-in', async () => {
    const u = await signUp(t.app);
    const ip = freshIp();
    for (let i = 0; i < PER_EMAIL_IP; i++) {
      expect((await changePassword(u.token, `guess ${i}`, NEW_PASSWORD, ip)).statusCode).toBe(403);
    }
    // Even the right password is not checked now, from this IP.
    const limited = await changePassword(u.token, PASSWORD, NEW_PASSWORD, ip);
    expect([limited.statusCode, errorCode(limited)]).toEqual([429, 'RATE_LIMITED']);
    const signInLimited = await signIn(u.user.email, PASSWORD, ip);
    expect(signInLimited.statusCode).toBe(429);
    // From another IP the person can still change it (a stranger's guesses lock out only their IP) …
    expect((await changePassword(u.token, PASSWORD, NEW_PASSWORD)).statusCode).toBe(200);
    expect((await signIn(u.user.email, NEW_PASSWORD)).statusCode).toBe(200);
    // … while the guessing IP stays refused, as at sign-in.
    expect((await signIn(u.user.email, NEW_PASSWORD, ip)).statusCode).toBe(429);
  });

  it('supersedes open reset links and email changes', async () => {
    const u = await signUp(t.app);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/v1/auth/password-reset',
          payload: { email: u.user.email },
        })
      ).statusCode,
    ).toBe(202);
    await t.app.outbox.drain();
    const change = await t.app.inject({
      method: 'POST',
      url: '/v1/me/email',
      headers: bearer(u.token),
      payload: { email: uniqueEmail('moved'), password: PASSWORD },
    });
    expect(change.statusCode, change.body).toBe(202);
    expect((await changePassword(u.token, PASSWORD, NEW_PASSWORD)).statusCode).toBe(200);
    for (const table of ['password_resets', 'email_changes'] as const) {
      const open = await t.database.db
        .selectFrom(table)
        .select('id')
        .where('user_id', '=', u.user.id)
        .where('superseded_at', 'is', null)
        .execute();
      expect(open, table).toHaveLength(0);
    }
  });
});

describe('sessions', () => {
  it('GET /v1/me/sessions lists live sessions newest first, with how each signed in, `current` marking this one', async () => {
    const u = await signUp(t.app);
    const ip = freshIp();
    const second = (await signIn(u.user.email, PASSWORD, ip, 'Firefox/140')).json().session.token as string;
    // An expired session is not listed.
    const third = (await signIn(u.user.email, PASSWORD)).json().session.token as string;
    await t.database.db
      .updateTable('sessions')
      .set({ expires_at: sql<Date>`now() - interval '1 second'` })
      .where('id', '=', sessionIdOf(third))
      .execute();
    const res = await sessions(second);
    expect(res.statusCode).toBe(200);
    const list = res.json().data as Array<Record<string, unknown>>;
    expect(list.map((s) => s.id)).toEqual([sessionIdOf(second), sessionIdOf(u.token)]);
    expect(list[0]).toMatchObject({ current: true, ip, userAgent: 'Firefox/140', methods: ['pwd'] });
    expect(list[1]).toMatchObject({ current: false });
    for (const s of list) {
      for (const key of ['createdAt', 'lastUsedAt', 'expiresAt'])
        expect(Date.parse(s[key] as string)).not.toBeNaN();
    }
    // Someone else's sessions are not there.
    const other = await signUp(t.app);
    expect(((await sessions(other.token)).json().data as unknown[]).length).toBe(1);
    expect((await t.app.inject({ url: '/v1/me/sessions' })).statusCode).toBe(401);
  });

  it('records a use in last_used_at, at most every five minutes', async () => {
    const u = await signUp(t.app);
    const id = sessionIdOf(u.token);
    const lastUsed = async () =>
      (
        await t.database.db
          .selectFrom('sessions')
          .select(sql<string>`last_used_at::text`.as('at'))
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).at;
    // A fresh session is not written to on use.
    const fresh = await lastUsed();
    expect((await me(u.token)).statusCode).toBe(200);
    expect(await lastUsed()).toBe(fresh);
    // Four minutes ago: still fresh enough, no write.
    await t.database.db
      .updateTable('sessions')
      .set({ last_used_at: sql<Date>`now() - interval '4 minutes'` })
      .where('id', '=', id)
      .execute();
    const fourAgo = await lastUsed();
    expect((await me(u.token)).statusCode).toBe(200);
    expect(await lastUsed()).toBe(fourAgo);
    // Six minutes ago: the next use records now.
    await t.database.db
      .updateTable('sessions')
      .set({ last_used_at: sql<Date>`now() - interval '6 minutes'` })
      .where('id', '=', id)
      .execute();
    const sixAgo = await lastUsed();
    expect((await me(u.token)).statusCode).toBe(200);
    const touched = await lastUsed();
    expect(touched).not.toBe(sixAgo);
    const { rows } = await sql<{ recent: boolean }>`
      SELECT last_used_at > now() - interval '1 minute' AS recent FROM sessions WHERE id = ${id}`.execute(
      t.database.db,
    );
    expect(rows[0]?.recent).toBe(true);
  });

  it('DELETE /v1/me/sessions/{id} ends one of your own (204, audited); another person’s or an unknown one is 404', async () => {
    const u = await signUp(t.app);
    const other = (await signIn(u.user.email, PASSWORD)).json().session.token as string;
    const stranger = await signUp(t.app);
    const del = (token: string, id: string) =>
      t.app.inject({ method: 'DELETE', url: `/v1/me/sessions/${id}`, headers: bearer(token) });

    const theirs = await del(u.token, sessionIdOf(stranger.token));
    expect([theirs.statusCode, errorCode(theirs)]).toEqual([404, 'SESSION_NOT_FOUND']);
    expect((await me(stranger.token)).statusCode).toBe(200);
    const unknown = await del(u.token, '0190aaaa-0000-7000-8000-000000000000');
    expect([unknown.statusCode, errorCode(unknown)]).toEqual([404, 'SESSION_NOT_FOUND']);
    expect((await del(u.token, 'not-a-uuid')).statusCode).toBe(400);

    const res = await del(u.token, sessionIdOf(other));
    expect(res.statusCode).toBe(204);
    expect((await me(other)).statusCode).toBe(401);
    expect((await me(u.token)).statusCode).toBe(200);
    expect(await audit(u.user.id, 'session.revoked')).toEqual([
      expect.objectContaining({
        target_type: 'session',
        target_id: sessionIdOf(other),
        data: { current: false },
      }),
    ]);
    // The current one: that is signing out, and the cookie is cleared.
    const self = await del(u.token, sessionIdOf(u.token));
    expect(self.statusCode).toBe(204);
    expect(self.cookies.find((c) => c.name === 'roster_session')?.value).toBe('');
    expect((await me(u.token)).statusCode).toBe(401);
  });

  it('POST /v1/me/sessions/revoke-others ends all but this one: 200 {revoked: n}, audited', async () => {
    const u = await signUp(t.app);
    const others: string[] = [];
    for (let i = 0; i < 3; i++)
      others.push((await signIn(u.user.email, PASSWORD)).json().session.token as string);
    const stranger = await signUp(t.app);
    const revoke = () =>
      t.app.inject({ method: 'POST', url: '/v1/me/sessions/revoke-others', headers: bearer(u.token) });
    const res = await revoke();
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ revoked: 3 });
    for (const token of others) expect((await me(token)).statusCode).toBe(401);
    expect((await me(u.token)).statusCode).toBe(200);
    expect((await me(stranger.token)).statusCode).toBe(200);
    expect(((await sessions(u.token)).json().data as unknown[]).length).toBe(1);
    expect(await audit(u.user.id, 'session.revoked_others')).toEqual([
      expect.objectContaining({ data: { revoked: 3 } }),
    ]);
    // Nothing left to end: 0, and nothing recorded.
    expect((await revoke()).json()).toEqual({ revoked: 0 });
    expect(await audit(u.user.id, 'session.revoked_others')).toHaveLength(1);
  });
});

/** The session's row id, from its token (`rs_<32 hex of the id><secret>`). */
function sessionIdOf(token: string): string {
  const hex = token.slice(3, 35);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Second factors, part one (SPEC §2 "Accounts"): an authenticator app (TOTP, RFC 6238) set up and
 * confirmed through the API, its codes computed here with `otpauth` as a phone would; the second step
 * of a sign-in; recovery codes. A code is accepted within one 30-second step and never twice; a
 * challenge takes five wrong answers, is used once and expires; a recovery code works once.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { Secret, TOTP } from 'otpauth';
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
} from './helpers.ts';
import {
  codeFor,
  details,
  enrolTotp,
  PASSWORD,
  passwordStep,
  secondStep,
  signIn,
  stepNow,
} from './mfa-helpers.ts';

const SECRETS_KEY = Buffer.alloc(32, 7);

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ secretsKey: SECRETS_KEY });
});
afterAll(() => t.close());

async function person(label = 'totp'): Promise<SignedUp> {
  return signUp(t.app, uniqueEmail(label), 'Tess Totp');
}

function mfaState(token: string) {
  return t.app.inject({ url: '/v1/me/mfa', headers: bearer(token) });
}

async function auditActions(userId: string): Promise<string[]> {
  const rows = await t.database.db
    .selectFrom('audit_log')
    .select('action')
    .where('actor_id', '=', userId)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.action);
}

async function sessionsOf(userId: string) {
  return t.database.db
    .selectFrom('sessions')
    .select(['id', 'auth_methods'])
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .execute();
}

describe('setting up an authenticator app', () => {
  it('starts with nothing; a set-up gives a secret and an otpauth:// URL naming the account', async () => {
    const u = await person();
    const before = await mfaState(u.token);
    expect(before.statusCode).toBe(200);
    expect(before.json()).toEqual({ totp: null, passkeys: [], recoveryCodes: { remaining: 0 } });

    const start = await t.app.inject({ method: 'POST', url: '/v1/me/mfa/totp', headers: bearer(u.token) });
    expect(start.statusCode).toBe(201);
    const { secret, otpauthUrl } = start.json();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/); // 160 bits, base32
    const url = new URL(otpauthUrl);
    expect(url.protocol).toBe('otpauth:');
    expect(url.host).toBe('totp');
    expect(url.searchParams.get('secret')).toBe(secret);
    expect(url.searchParams.get('issuer')).toBe('roster.test'); // PUBLIC_URL's host name
    expect(decodeURIComponent(url.pathname)).toBe(`/roster.test:${u.user.email}`);
    expect(url.searchParams.get('digits')).toBe('6');
    expect(url.searchParams.get('period')).toBe('30');

    // Pending: not in force yet.
    expect((await mfaState(u.token)).json().totp).toEqual({ enabled: false, confirmedAt: null });
    // A sign-in is not asked for a code meanwhile.
    expect((await signIn(t.app, u.user.email)).statusCode).toBe(200);
  });

  it('stores the secret sealed with SECRETS_KEY, never as it is', async () => {
    const u = await person();
    const start = await t.app.inject({ method: 'POST', url: '/v1/me/mfa/totp', headers: bearer(u.token) });
    const { secret } = start.json();
    const row = await t.database.db
      .selectFrom('totp_factors')
      .select('secret')
      .where('user_id', '=', u.user.id)
      .executeTakeFirstOrThrow();
    expect(row.secret.startsWith('gcm1:')).toBe(true);
    expect(row.secret).not.toContain(secret);
  });

  it('a new set-up replaces one not yet confirmed: the old secret’s codes no longer confirm', async () => {
    const u = await person();
    const first = await t.app.inject({ method: 'POST', url: '/v1/me/mfa/totp', headers: bearer(u.token) });
    const second = await t.app.inject({ method: 'POST', url: '/v1/me/mfa/totp', headers: bearer(u.token) });
    expect(second.statusCode).toBe(201);
    expect(second.json().secret).not.toBe(first.json().secret);
    const old = new TOTP({ secret: Secret.fromBase32(first.json().secret) });
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/v1/me/mfa/totp/confirm',
      headers: bearer(u.token),
      payload: { code: codeFor(old, stepNow()) },
    });
    expect(wrong.statusCode).toBe(400);
    expect(errorCode(wrong)).toBe('INVALID_CODE');
    const fresh = new TOTP({ secret: Secret.fromBase32(second.json().secret) });
    const right = await t.app.inject({
      method: 'POST',
      url: '/v1/me/mfa/totp/confirm',
      headers: bearer(u.token),
      payload: { code: codeFor(fresh, stepNow()) },
    });
    expect(right.statusCode, right.body).toBe(200);
  });

  it('a right code confirms it: ten recovery codes (≥ 50 bits each, stored hashed), audited and emailed', async () => {
    const u = await person();
    const a = await enrolTotp(t.app, u.token);
    expect(a.recoveryCodes).toHaveLength(10);
    expect(new Set(a.recoveryCodes).size).toBe(10);
    for (const code of a.recoveryCodes)
      expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$/);
    // 12 characters of a 32-letter alphabet: 60 bits.
    const stored = await t.database.db
      .selectFrom('recovery_codes')
      .select('code_hash')
      .where('user_id', '=', u.user.id)
      .execute();
    expect(stored).toHaveLength(10);
    const sha = (c: string) => createHash('sha256').update(c.replaceAll('-', '')).digest('hex');
    expect(stored.map((r) => Buffer.from(r.code_hash).toString('hex')).sort()).toEqual(
      a.recoveryCodes.map(sha).sort(),
    );

    const state = (await mfaState(u.token)).json();
    expect(state.totp.enabled).toBe(true);
    expect(new Date(state.totp.confirmedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(state.recoveryCodes).toEqual({ remaining: 10 });
    expect(await auditActions(u.user.id)).toEqual(
      expect.arrayContaining(['user.mfa_enrolment_started', 'user.mfa_enabled']),
    );
    const mails = await emailsTo(t, u.user.email);
    expect(mails.map((m) => m.subject)).toContain('Two-factor authentication is on');

    // Once confirmed, a new set-up is refused until this one is removed.
    const again = await t.app.inject({ method: 'POST', url: '/v1/me/mfa/totp', headers: bearer(u.token) });
    expect(again.statusCode).toBe(409);
    expect(errorCode(again)).toBe('TOTP_ALREADY_ENABLED');
  });

  it('a wrong code is 400 INVALID_CODE; confirming with nothing started is 404', async () => {
    const u = await person();
    const none = await t.app.inject({
      method: 'POST',
      url: '/v1/me/mfa/totp/confirm',
      headers: bearer(u.token),
      payload: { code: '123456' },
    });
    expect(none.statusCode).toBe(404);
    expect(errorCode(none)).toBe('TOTP_ENROLMENT_NOT_FOUND');
    await t.app.inject({ method: 'POST', url: '/v1/me/mfa/totp', headers: bearer(u.token) });
    for (const code of ['000000', 'abcdef', '12345']) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/me/mfa/totp/confirm',
        headers: bearer(u.token),
        payload: { code },
      });
      expect(res.statusCode, code).toBe(400);
      expect(errorCode(res)).toBe('INVALID_CODE');
    }
    expect((await mfaState(u.token)).json().totp.enabled).toBe(false);
  });

  it('needs a signed-in person', async () => {
    expect((await t.app.inject({ url: '/v1/me/mfa' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'POST', url: '/v1/me/mfa/totp' })).statusCode).toBe(401);
  });
});

describe('signing in with an authenticator app', () => {
  it('the password alone gives no session: 401 MFA_REQUIRED with a challenge; a code gives the session', async () => {
    const u = await person();
    const a = await enrolTotp(t.app, u.token);
    const sessionsBefore = (await sessionsOf(u.user.id)).length;

    const step1 = await signIn(t.app, u.user.email);
    expect(step1.statusCode).toBe(401);
    expect(step1.headers['set-cookie']).toBeUndefined();
    const body = step1.json();
    expect(body.error.code).toBe('MFA_REQUIRED');
    expect(body.error.details.challenge).toMatch(/^rm_[0-9a-f]{32}[A-Za-z0-9_-]{43}$/);
    expect(body.error.details.methods).toEqual(['totp', 'recovery_code']);
    expect(new Date(body.error.details.expiresAt).getTime()).toBeGreaterThan(Date.now() + 4 * 60_000);
    expect(await sessionsOf(u.user.id)).toHaveLength(sessionsBefore);
    // The challenge is stored hashed.
    const row = await t.database.db
      .selectFrom('auth_challenges')
      .selectAll()
      .where('user_id', '=', u.user.id)
      .where('purpose', '=', 'mfa')
      .executeTakeFirstOrThrow();
    expect(Buffer.from(row.secret_hash as Uint8Array).toString('hex')).toBe(
      createHash('sha256').update(body.error.details.challenge.slice(35)).digest('hex'),
    );

    // The code of the next step (within the one-step window; the confirming code's step is spent).
    const res = await secondStep(t.app, {
      challenge: body.error.details.challenge,
      code: codeFor(a.totp, a.confirmedStep + 1),
    });
    expect(res.statusCode, res.body).toBe(200);
    const signedIn = res.json();
    expect(signedIn.user).toMatchObject({ id: u.user.id, email: u.user.email });
    expect(signedIn.session.token).toMatch(/^rs_/);
    expect(String(res.headers['set-cookie'])).toContain('roster_session=');
    const me = await t.app.inject({ url: '/v1/me', headers: bearer(signedIn.session.token) });
    expect(me.statusCode).toBe(200);
    const sessions = await sessionsOf(u.user.id);
    expect(sessions.at(-1)?.auth_methods).toEqual(['pwd', 'otp']);

    // The challenge is used once.
    const reuse = await secondStep(t.app, {
      challenge: body.error.details.challenge,
      code: codeFor(a.totp, stepNow()),
    });
    expect(reuse.statusCode).toBe(410);
    expect(errorCode(reuse)).toBe('MFA_CHALLENGE_USED');
  });

  it('refuses the same code twice, and any code of an earlier step', async () => {
    const u = await person();
    const a = await enrolTotp(t.app, u.token);
    const code = codeFor(a.totp, a.confirmedStep + 1);
    const first = await passwordStep(t.app, u.user.email);
    expect((await secondStep(t.app, { challenge: first.challenge, code })).statusCode).toBe(200);

    const second = await passwordStep(t.app, u.user.email);
    const replay = await secondStep(t.app, { challenge: second.challenge, code });
    expect(replay.statusCode).toBe(400);
    expect(errorCode(replay)).toBe('CODE_ALREADY_USED');
    // The code that confirmed the set-up is spent as well.
    const confirming = await secondStep(t.app, {
      challenge: second.challenge,
      code: codeFor(a.totp, a.confirmedStep),
    });
    expect(confirming.statusCode).toBe(400);
    expect(errorCode(confirming)).toBe('CODE_ALREADY_USED');
  });

  it('accepts a code one step either side of now, not two', async () => {
    const u = await person();
    const a = await enrolTotp(t.app, u.token);
    const c = await passwordStep(t.app, u.user.email);
    const far = await secondStep(t.app, { challenge: c.challenge, code: codeFor(a.totp, stepNow() + 3) });
    expect(far.statusCode).toBe(400);
    expect(errorCode(far)).toBe('INVALID_CODE');
    const near = await secondStep(t.app, {
      challenge: c.challenge,
      code: codeFor(a.totp, a.confirmedStep + 1),
    });
    expect(near.statusCode, near.body).toBe(200);
  });

  it('five wrong codes end the challenge: even the right one is then refused (429)', async () => {
    const u = await person();
    const a = await enrolTotp(t.app, u.token);
    const c = await passwordStep(t.app, u.user.email);
    const right = codeFor(a.totp, a.confirmedStep + 1);
    const wrong = right === '000000' ? '111111' : '000000';
    for (let i = 1; i <= 5; i++) {
      const res = await secondStep(t.app, { challenge: c.challenge, code: wrong });
      expect(res.statusCode).toBe(400);
      expect(errorCode(res)).toBe('INVALID_CODE');
      expect(details(res).attemptsLeft).toBe(5 - i);
    }
    const dead = await secondStep(t.app, { challenge: c.challenge, code: right });
    expect(dead.statusCode).toBe(429);
    expect(errorCode(dead)).toBe('MFA_TOO_MANY_ATTEMPTS');
    // Someone has the password but not the second factor: the person is told, once.
    const subjects = (await emailsTo(t, u.user.email)).map((m) => m.subject);
    expect(subjects.filter((s) => s.startsWith('Someone signed in with your password'))).toHaveLength(1);
    expect((await auditActions(u.user.id)).filter((a) => a === 'user.mfa_challenge_failed')).toHaveLength(1);
    // A new sign-in starts a new challenge, which the right code answers.
    const fresh = await passwordStep(t.app, u.user.email);
    expect((await secondStep(t.app, { challenge: fresh.challenge, code: right })).statusCode).toBe(200);
  });

  it('wrong answers are limited per account over all its challenges (20 an hour), the right code too past it', async () => {
    const u = await person();
    const a = await enrolTotp(t.app, u.token);
    const right = codeFor(a.totp, a.confirmedStep + 1);
    const wrong = right === '000000' ? '111111' : '000000';
    for (let round = 0; round < 4; round++) {
      const c = await passwordStep(t.app, u.user.email);
      for (let i = 0; i < 5; i++) {
        expect(errorCode(await secondStep(t.app, { challenge: c.challenge, code: wrong }))).toBe(
          'INVALID_CODE',
        );
      }
    }
    const c = await passwordStep(t.app, u.user.email);
    const limited = await secondStep(t.app, { challenge: c.challenge, code: right });
    expect(limited.statusCode).toBe(429);
    expect(errorCode(limited)).toBe('RATE_LIMITED');
    expect(limited.headers['retry-after']).toBeDefined();
  });

  it('a malformed code is refused without using up a try', async () => {
    const u = await person();
    const a = await enrolTotp(t.app, u.token);
    const c = await passwordStep(t.app, u.user.email);
    for (const code of ['12345', 'abcdef', '1234567']) {
      const res = await secondStep(t.app, { challenge: c.challenge, code });
      expect(res.statusCode).toBe(400);
      expect(errorCode(res)).toBe('INVALID_CODE');
    }
    const row = await t.database.db
      .selectFrom('auth_challenges')
      .select('attempts')
      .where('user_id', '=', u.user.id)
      .where('purpose', '=', 'mfa')
      .executeTakeFirstOrThrow();
    expect(row.attempts).toBe(0);
    const ok = await secondStep(t.app, {
      challenge: c.challenge,
      code: codeFor(a.totp, a.confirmedStep + 1).replace(/^(\d{3})/, '$1 '),
    });
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it('an expired challenge is 410 MFA_CHALLENGE_EXPIRED', async () => {
    const u = await person();
    const a = await enrolTotp(t.app, u.token);
    const c = await passwordStep(t.app, u.user.email);
    await t.database.db
      .updateTable('auth_challenges')
      .set({ expires_at: sql<Date>`now() - interval '1 second'` })
      .where('user_id', '=', u.user.id)
      .where('purpose', '=', 'mfa')
      .execute();
    const res = await secondStep(t.app, {
      challenge: c.challenge,
      code: codeFor(a.totp, a.confirmedStep + 1),
    });
    expect(res.statusCode).toBe(410);
    expect(errorCode(res)).toBe('MFA_CHALLENGE_EXPIRED');
  });

  it('a forged, tampered or foreign token is 401 MFA_CHALLENGE_INVALID', async () => {
    const u = await person();
    const a = await enrolTotp(t.app, u.token);
    const c = await passwordStep(t.app, u.user.email);
    const tampered = `${c.challenge.slice(0, -1)}${c.challenge.endsWith('A') ? 'B' : 'A'}`;
    for (const challenge of [tampered, 'rm_nope', u.token, c.challenge.replace(/^rm_/, 'rs_')]) {
      const res = await secondStep(t.app, { challenge, code: codeFor(a.totp, a.confirmedStep + 1) });
      expect(res.statusCode, challenge).toBe(401);
      expect(errorCode(res)).toBe('MFA_CHALLENGE_INVALID');
    }
  });

  it('takes exactly one answer', async () => {
    const u = await person();
    const a = await enrolTotp(t.app, u.token);
    const c = await passwordStep(t.app, u.user.email);
    for (const payload of [
      { challenge: c.challenge },
      { challenge: c.challenge, code: codeFor(a.totp, stepNow()), recoveryCode: a.recoveryCodes[0] },
    ]) {
      const res = await secondStep(t.app, payload);
      expect(res.statusCode).toBe(400);
      expect(errorCode(res)).toBe('VALIDATION_FAILED');
    }
    // A passkey answer from an account with none: not a method it has.
    const noPasskeyOptions = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in/mfa/passkey-options',
      payload: { challenge: c.challenge },
    });
    expect(noPasskeyOptions.statusCode).toBe(400);
    expect(errorCode(noPasskeyOptions)).toBe('MFA_METHOD_UNAVAILABLE');
  });

  it.skipIf(!onPostgres)('two requests with one code at once: one session', async () => {
    const u = await person();
    const a = await enrolTotp(t.app, u.token);
    const code = codeFor(a.totp, a.confirmedStep + 1);
    const challenges = [await passwordStep(t.app, u.user.email), await passwordStep(t.app, u.user.email)];
    const results = await Promise.all(
      challenges.map((c) => secondStep(t.app, { challenge: c.challenge, code })),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 400]);
    expect(results.map(errorCode).filter(Boolean)).toEqual(['CODE_ALREADY_USED']);
  });
});

describe('when SECRETS_KEY changes', () => {
  it('the authenticator cannot be checked (503 TOTP_UNAVAILABLE, no try used); a recovery code still signs in', async () => {
    const u = await person('rekeyed');
    const a = await enrolTotp(t.app, u.token);
    const rekeyed = await createTestApp({ secretsKey: Buffer.alloc(32, 8) }, t.database);
    try {
      const c = await passwordStep(rekeyed.app, u.user.email);
      const res = await secondStep(rekeyed.app, {
        challenge: c.challenge,
        code: codeFor(a.totp, a.confirmedStep + 1),
      });
      expect(res.statusCode).toBe(503);
      expect(errorCode(res)).toBe('TOTP_UNAVAILABLE');
      const ok = await secondStep(rekeyed.app, { challenge: c.challenge, recoveryCode: a.recoveryCodes[0] });
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json().user.id).toBe(u.user.id);
    } finally {
      await rekeyed.close();
    }
  });
});

describe('recovery codes', () => {
  it('each signs in once (auth method recovery_code), counts down, and tells the person by email', async () => {
    const u = await person('recovery');
    const a = await enrolTotp(t.app, u.token);
    const [first, second] = a.recoveryCodes as [string, string];
    const c = await passwordStep(t.app, u.user.email);
    // Typed loosely: upper case, no dashes, spaces.
    const loose = first.toUpperCase().replaceAll('-', ' ');
    const ok = await secondStep(t.app, { challenge: c.challenge, recoveryCode: loose });
    expect(ok.statusCode, ok.body).toBe(200);
    expect((await sessionsOf(u.user.id)).at(-1)?.auth_methods).toEqual(['pwd', 'recovery_code']);
    expect((await mfaState(u.token)).json().recoveryCodes).toEqual({ remaining: 9 });
    const mails = await emailsTo(t, u.user.email);
    const notice = mails.find((m) => m.subject === 'A recovery code was used to sign in');
    expect(notice?.text).toContain('9 unused codes remain');
    expect(await auditActions(u.user.id)).toContain('user.recovery_code_used');

    const c2 = await passwordStep(t.app, u.user.email);
    const again = await secondStep(t.app, { challenge: c2.challenge, recoveryCode: first });
    expect(again.statusCode).toBe(400);
    expect(errorCode(again)).toBe('INVALID_CODE');
    expect(details(again)).toEqual({ field: 'recoveryCode', attemptsLeft: 4 });
    const other = await secondStep(t.app, { challenge: c2.challenge, recoveryCode: second });
    expect(other.statusCode).toBe(200);
  });

  it.skipIf(!onPostgres)('two uses of one code at once: exactly one signs in', async () => {
    const u = await person('recovery-race');
    const a = await enrolTotp(t.app, u.token);
    const code = a.recoveryCodes[3] as string;
    const challenges = await Promise.all([1, 2, 3, 4].map(() => passwordStep(t.app, u.user.email)));
    const results = await Promise.all(
      challenges.map((c) => secondStep(t.app, { challenge: c.challenge, recoveryCode: code })),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 400, 400, 400]);
    const used = await t.database.db
      .selectFrom('recovery_codes')
      .select('id')
      .where('user_id', '=', u.user.id)
      .where('used_at', 'is not', null)
      .execute();
    expect(used).toHaveLength(1);
  });

  it('new codes need the password; the old ones stop working, the new ones work', async () => {
    const u = await person('recovery-new');
    const a = await enrolTotp(t.app, u.token);
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/v1/me/mfa/recovery-codes',
      headers: bearer(u.token),
      payload: { password: 'not the password' },
    });
    expect(wrong.statusCode).toBe(403);
    expect(errorCode(wrong)).toBe('INVALID_PASSWORD');
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/me/mfa/recovery-codes',
      headers: bearer(u.token),
      payload: { password: PASSWORD },
    });
    expect(res.statusCode, res.body).toBe(200);
    const fresh = res.json().recoveryCodes as string[];
    expect(fresh).toHaveLength(10);
    expect(fresh.filter((c) => a.recoveryCodes.includes(c))).toEqual([]);
    expect(await auditActions(u.user.id)).toContain('user.recovery_codes_regenerated');
    expect((await emailsTo(t, u.user.email)).map((m) => m.subject)).toContain('New recovery codes were made');

    const c = await passwordStep(t.app, u.user.email);
    const old = await secondStep(t.app, { challenge: c.challenge, recoveryCode: a.recoveryCodes[0] });
    expect(old.statusCode).toBe(400);
    expect(errorCode(old)).toBe('INVALID_CODE');
    const ok = await secondStep(t.app, { challenge: c.challenge, recoveryCode: fresh[0] });
    expect(ok.statusCode).toBe(200);
  });

  it('without a second factor there are none to make: 409 MFA_NOT_ENABLED', async () => {
    const u = await person('recovery-none');
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/me/mfa/recovery-codes',
      headers: bearer(u.token),
      payload: { password: PASSWORD },
    });
    expect(res.statusCode).toBe(409);
    expect(errorCode(res)).toBe('MFA_NOT_ENABLED');
  });
});

describe('removing the authenticator app', () => {
  it('needs the password; then sign-in asks for nothing more and the recovery codes are gone', async () => {
    const u = await person('disable');
    const a = await enrolTotp(t.app, u.token);
    const remove = (password: string) =>
      t.app.inject({
        method: 'DELETE',
        url: '/v1/me/mfa/totp',
        headers: bearer(u.token),
        payload: { password },
      });
    const wrong = await remove('wrong password!');
    expect(wrong.statusCode).toBe(403);
    expect(errorCode(wrong)).toBe('INVALID_PASSWORD');
    const noBody = await t.app.inject({ method: 'DELETE', url: '/v1/me/mfa/totp', headers: bearer(u.token) });
    expect(noBody.statusCode).toBe(400);
    expect((await mfaState(u.token)).json().totp.enabled).toBe(true);

    const ok = await remove(PASSWORD);
    expect(ok.statusCode).toBe(204);
    expect((await mfaState(u.token)).json()).toEqual({
      totp: null,
      passkeys: [],
      recoveryCodes: { remaining: 0 },
    });
    expect(await auditActions(u.user.id)).toContain('user.mfa_disabled');
    expect((await emailsTo(t, u.user.email)).map((m) => m.subject)).toContain(
      'Your authenticator app was removed',
    );

    const res = await signIn(t.app, u.user.email);
    expect(res.statusCode).toBe(200);
    expect(res.json().session.token).toMatch(/^rs_/);
    // A code of the removed app, or an old recovery code, means nothing now.
    expect(a.recoveryCodes).toHaveLength(10);
    expect((await remove(PASSWORD)).statusCode).toBe(404);
  });

  it('a wrong password counts as a failed sign-in: past the limit, 429 here (and at sign-in)', async () => {
    const u = await person('disable-limit');
    await enrolTotp(t.app, u.token);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const res = await t.app.inject({
        method: 'DELETE',
        url: '/v1/me/mfa/totp',
        headers: bearer(u.token),
        payload: { password: `wrong ${i}` },
      });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([...Array(10).fill(403), 429]);
    expect((await signIn(t.app, u.user.email)).statusCode).toBe(429);
  });
});

/**
 * Accounts and sessions (SPEC §2 "Users and sessions", §5 auth and /v1/me): sign-up, sign-in,
 * sign-out, "me" by bearer token or cookie, email verification, and how secrets are stored.
 */
import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/features/api-keys/api-key.service.ts';
import { bearer, createTestApp, errorCode, onPostgres, type TestApp, uniqueEmail } from './helpers.ts';

const PASSWORD = 'correct horse battery';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

function signUpRequest(body: Record<string, unknown>) {
  return t.app.inject({ method: 'POST', url: '/v1/auth/sign-up', payload: body });
}

function signInRequest(email: string, password: string) {
  return t.app.inject({ method: 'POST', url: '/v1/auth/sign-in', payload: { email, password } });
}

async function signUpOk(email = uniqueEmail('auth'), name = 'Ada Lovelace') {
  const res = await signUpRequest({ email, password: PASSWORD, name });
  expect(res.statusCode).toBe(201);
  const body = res.json() as {
    user: { id: string; email: string; name: string; emailVerified: boolean };
    session: { token: string; expiresAt: string };
  };
  return { res, ...body, token: body.session.token };
}

function me(headers: Record<string, string>) {
  return t.app.inject({ url: '/v1/me', headers });
}

/** A token is `<prefix>_<32 hex of the row id><43 chars of secret>`. */
function splitToken(token: string) {
  const m = /^(r[a-z])_([0-9a-f]{32})([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) throw new Error(`not a Roster token: ${token}`);
  const hex = m[2] as string;
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { prefix: m[1] as string, id, secret: m[3] as string };
}

/** Changes one character of the token's secret, keeping its shape. */
function tamper(token: string): string {
  const last = token.at(-1) === 'A' ? 'B' : 'A';
  return `${token.slice(0, -1)}${last}`;
}

/** The links of the verification emails sent to `email`, oldest first, read from the outbox rows. */
async function verificationLinks(email: string): Promise<string[]> {
  const rows = await t.database.db
    .selectFrom('outbox')
    .select(['payload', 'created_at'])
    .where(sql<string>`payload->>'to'`, '=', email)
    .where(sql<string>`payload->>'subject'`, 'like', '%erify%')
    .orderBy('created_at')
    .execute();
  return rows.map((r) => {
    const links = (r.payload as { links?: string[] }).links ?? [];
    expect(links[0]).toContain('?token=');
    return links[0] as string;
  });
}

function tokenOf(link: string): string {
  const token = new URL(link).searchParams.get('token');
  if (!token) throw new Error(`no token in ${link}`);
  return token;
}

function verify(token: string) {
  return t.app.inject({ method: 'POST', url: '/v1/auth/verify-email', payload: { token } });
}

function fields(res: LightMyRequestResponse): string[] {
  const details = (res.json() as { error: { details?: Array<{ field: string }> } }).error.details ?? [];
  return details.map((d) => d.field);
}

/** The whole row as PostgreSQL prints it: every column, bytea as hex. */
async function rowText(table: 'sessions' | 'email_verifications' | 'users', id: string): Promise<string> {
  const res = await sql<{
    row: string;
  }>`select t::text as row from ${sql.table(table)} t where t.id = ${id}`.execute(t.database.db);
  expect(res.rows).toHaveLength(1);
  return (res.rows[0] as { row: string }).row;
}

const sha256Hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('sign-up', () => {
  it('stores the email trimmed and lowercased and answers 201 with the user and a session', async () => {
    const raw = `  Grace.HOPPER-${Date.now()}@Example.COM `;
    const { res, user, session } = await signUpOk(raw, '  Grace Hopper ');
    const normalized = raw.trim().toLowerCase();
    expect(user.email).toBe(normalized);
    expect(user.name).toBe('Grace Hopper');
    expect(user.emailVerified).toBe(false);
    expect(session.token).toMatch(/^rs_/);
    expect(new Date(session.expiresAt).getTime()).toBeGreaterThan(Date.now());
    const row = await t.database.db
      .selectFrom('users')
      .select(['email'])
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(row.email).toBe(normalized);
    // The session works at once.
    const who = await me(bearer(session.token));
    expect(who.statusCode).toBe(200);
    expect(who.json().id).toBe(user.id);
    expect(res.cookies.find((c) => c.name === 'roster_session')?.value).toBe(session.token);
  });

  it('refuses an email already registered in another case: 409 EMAIL_TAKEN naming email', async () => {
    const email = uniqueEmail('dup');
    await signUpOk(email);
    const res = await signUpRequest({ email: ` ${email.toUpperCase()}`, password: PASSWORD, name: 'Other' });
    expect(res.statusCode).toBe(409);
    expect(errorCode(res)).toBe('EMAIL_TAKEN');
    expect(fields(res)).toEqual(['email']);
    const count = await t.database.db
      .selectFrom('users')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    expect(count.n).toBe(1);
  });

  it('refuses a weak password: 400 naming password, and creates nothing', async () => {
    const email = uniqueEmail('weak');
    for (const password of ['', 'short', '1234567']) {
      const res = await signUpRequest({ email, password, name: 'Weak' });
      expect(res.statusCode).toBe(400);
      expect(fields(res)).toEqual(['password']);
    }
    const weak = await signUpRequest({ email, password: '1234567', name: 'Weak' });
    expect(errorCode(weak)).toBe('WEAK_PASSWORD');
    const row = await t.database.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', email)
      .executeTakeFirst();
    expect(row).toBeUndefined();
  });

  it('refuses an invalid email: 400 naming email', async () => {
    for (const email of [
      'not-an-email',
      'a@b',
      'a b@example.com',
      '<a@example.com>',
      '@example.com',
      'a@@example.com',
    ]) {
      const res = await signUpRequest({ email, password: PASSWORD, name: 'Bad Email' });
      expect(res.statusCode, email).toBe(400);
      expect(fields(res), email).toEqual(['email']);
    }
    const res = await signUpRequest({ email: 'not-an-email', password: PASSWORD, name: 'Bad Email' });
    expect(errorCode(res)).toBe('INVALID_EMAIL');
  });

  it('names a missing or blank field', async () => {
    const missing = await signUpRequest({ email: uniqueEmail(), password: PASSWORD });
    expect(missing.statusCode).toBe(400);
    expect(errorCode(missing)).toBe('VALIDATION_FAILED');
    expect(fields(missing)).toEqual(['name']);
    const blank = await signUpRequest({ email: uniqueEmail(), password: PASSWORD, name: '   ' });
    expect(blank.statusCode).toBe(400);
    expect(fields(blank)).toEqual(['name']);
  });

  it('keeps a memory-hard hash (scrypt$…) of the password and never the password itself', async () => {
    const password = `Plaintext-${Date.now()}-secret`;
    const res = await signUpRequest({ email: uniqueEmail('hash'), password, name: 'Hashed' });
    expect(res.statusCode).toBe(201);
    const id = res.json().user.id as string;
    const row = await t.database.db
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^scrypt\$/);
    expect(await rowText('users', id)).not.toContain(password);
    expect(res.body).not.toContain(password);
    expect(JSON.stringify(t.logs)).not.toContain(password);
  });
});

describe('sign-in', () => {
  it('signs in with the email in any case and opens a new session', async () => {
    const email = uniqueEmail('signin');
    const first = await signUpOk(email);
    const res = await signInRequest(`  ${email.toUpperCase()}  `, PASSWORD);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.user.id).toBe(first.user.id);
    expect(body.session.token).not.toBe(first.token);
    expect((await me(bearer(body.session.token))).json().id).toBe(first.user.id);
    expect(res.cookies.find((c) => c.name === 'roster_session')?.value).toBe(body.session.token);
  });

  it('answers 401 INVALID_CREDENTIALS alike for a wrong password and an unknown email', async () => {
    const email = uniqueEmail('creds');
    await signUpOk(email);
    const wrong = await signInRequest(email, 'not the password');
    const unknown = await signInRequest(uniqueEmail('nobody'), PASSWORD);
    for (const res of [wrong, unknown]) {
      expect(res.statusCode).toBe(401);
      expect(errorCode(res)).toBe('INVALID_CREDENTIALS');
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    // Nothing in the answer tells an existing account from an unknown one.
    expect(wrong.body).toBe(unknown.body);
  });
});

describe('sessions', () => {
  it('sign-out ends that session: its token then gets 401 on /v1/me, other sessions live on', async () => {
    const email = uniqueEmail('out');
    const a = await signUpOk(email);
    const other = (await signInRequest(email, PASSWORD)).json().session.token as string;
    const out = await t.app.inject({ method: 'POST', url: '/v1/auth/sign-out', headers: bearer(a.token) });
    expect(out.statusCode).toBe(204);
    const cleared = out.cookies.find((c) => c.name === 'roster_session');
    expect(cleared?.value).toBe('');
    const after = await me(bearer(a.token));
    expect(after.statusCode).toBe(401);
    expect(errorCode(after)).toBe('UNAUTHENTICATED');
    expect((await me(bearer(other))).statusCode).toBe(200);
    const again = await t.app.inject({ method: 'POST', url: '/v1/auth/sign-out', headers: bearer(a.token) });
    expect(again.statusCode).toBe(401);
  });

  it('sets the session cookie HttpOnly, SameSite=Lax, Path=/ and accepts it on /v1/me', async () => {
    const { res, user, token } = await signUpOk();
    const header = [res.headers['set-cookie']].flat().find((h) => h?.startsWith('roster_session='));
    expect(header).toBeDefined();
    expect(header).toMatch(/;\s*HttpOnly/i);
    expect(header).toMatch(/;\s*SameSite=Lax/i);
    expect(header).toMatch(/;\s*Path=\/(;|$)/);
    // PUBLIC_URL is http:// in tests, so not Secure (see the next test for https).
    expect(header).not.toMatch(/;\s*Secure/i);
    const who = await me({ cookie: `roster_session=${token}` });
    expect(who.statusCode).toBe(200);
    expect(who.json()).toMatchObject({ id: user.id, email: user.email, emailVerified: false });
    // Signing out through the cookie ends the session too.
    const out = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-out',
      headers: { cookie: `roster_session=${token}` },
    });
    expect(out.statusCode).toBe(204);
    expect((await me({ cookie: `roster_session=${token}` })).statusCode).toBe(401);
  });

  it('marks the cookie Secure in production (https PUBLIC_URL)', async () => {
    const secure = await createTestApp({ cookieSecure: true }, t.database);
    try {
      const res = await secure.app.inject({
        method: 'POST',
        url: '/v1/auth/sign-up',
        payload: { email: uniqueEmail('secure'), password: PASSWORD, name: 'Secure' },
      });
      expect(res.statusCode).toBe(201);
      const header = [res.headers['set-cookie']].flat().find((h) => h?.startsWith('roster_session='));
      expect(header).toMatch(/;\s*Secure/i);
      expect(header).toMatch(/;\s*HttpOnly/i);
    } finally {
      await secure.close();
    }
  });

  it('ignores a stale cookie (the caller is anonymous) but refuses a bad bearer token with 401', async () => {
    const stale = await me({ cookie: 'roster_session=rs_garbage' });
    expect(stale.statusCode).toBe(401);
    expect(errorCode(stale)).toBe('UNAUTHENTICATED');
    const { token } = await signUpOk();
    const unknownId = `rs_${'0'.repeat(32)}${splitToken(token).secret}`;
    for (const value of ['garbage', 'rs_garbage', tamper(token), unknownId, `rk_${token.slice(3)}`]) {
      const res = await me({ authorization: `Bearer ${value}` });
      expect(res.statusCode, value).toBe(401);
      expect(errorCode(res), value).toBe('UNAUTHENTICATED');
    }
    // A bad bearer token is refused even on a route anyone may call.
    const verifyWithBadBearer = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/verify-email',
      headers: { authorization: 'Bearer garbage' },
      payload: { token: 'rv_x' },
    });
    expect(verifyWithBadBearer.statusCode).toBe(401);
  });

  it('refuses an expired session with 401', async () => {
    const { token } = await signUpOk();
    await t.database.db
      .updateTable('sessions')
      .set({ expires_at: sql<Date>`now() - interval '1 second'` })
      .where('id', '=', splitToken(token).id)
      .execute();
    const res = await me(bearer(token));
    expect(res.statusCode).toBe(401);
  });

  it('does not let an API key act as a user: 403 on /v1/me and /v1/me/organizations', async () => {
    const key = await createApiKey(t.database.db, 'host app', ['org:read', 'member:read']);
    for (const url of ['/v1/me', '/v1/me/organizations']) {
      const res = await t.app.inject({ url, headers: bearer(key.token) });
      expect(res.statusCode, url).toBe(403);
      expect(errorCode(res)).toBe('FORBIDDEN');
    }
    const out = await t.app.inject({ method: 'POST', url: '/v1/auth/sign-out', headers: bearer(key.token) });
    expect(out.statusCode).toBe(403);
  });

  it('answers 401 on /v1/me without credentials', async () => {
    const res = await me({});
    expect(res.statusCode).toBe(401);
    expect(errorCode(res)).toBe('UNAUTHENTICATED');
  });

  it('stores only a hash of the session token: the row holds neither the token nor its secret', async () => {
    const { token } = await signUpOk();
    const { id, secret } = splitToken(token);
    const text = await rowText('sessions', id);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(token);
    expect(text).not.toContain(Buffer.from(secret, 'utf8').toString('hex'));
    // What is there is SHA-256(secret).
    expect(text).toContain(`\\\\x${sha256Hex(secret)}`);
    // The token never reaches the logs either.
    expect(JSON.stringify(t.logs)).not.toContain(secret);
  });
});

describe('email verification', () => {
  it('emails a link at sign-up; the token verifies once, then /v1/me shows emailVerified', async () => {
    const email = uniqueEmail('verify');
    const { user, token } = await signUpOk(email);
    const links = await verificationLinks(email);
    expect(links).toHaveLength(1);
    expect(links[0]).toMatch(/^http:\/\/roster\.test\/verify-email\?token=rv_/);
    const vtoken = tokenOf(links[0] as string);

    const first = await verify(vtoken);
    expect(first.statusCode).toBe(200);
    expect(first.json().user).toMatchObject({ id: user.id, emailVerified: true });
    expect(first.json().user.emailVerifiedAt).toEqual(expect.any(String));

    const second = await verify(vtoken);
    expect(second.statusCode).toBe(400);
    expect(errorCode(second)).toBe('VERIFICATION_TOKEN_INVALID');

    const who = await me(bearer(token));
    expect(who.json()).toMatchObject({ id: user.id, emailVerified: true });
    const audit = await t.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('target_id', '=', user.id)
      .where('action', '=', 'user.email_verified')
      .execute();
    expect(audit).toHaveLength(1);
  });

  it('refuses a tampered, malformed or expired token with 400 and leaves the email unverified', async () => {
    const email = uniqueEmail('tamper');
    const { token } = await signUpOk(email);
    const vtoken = tokenOf((await verificationLinks(email))[0] as string);
    const { id, secret } = splitToken(vtoken);
    for (const bad of [
      tamper(vtoken),
      `rs_${vtoken.slice(3)}`,
      `rv_${'0'.repeat(32)}${secret}`,
      'rv_short',
      vtoken.slice(0, -1),
    ]) {
      const res = await verify(bad);
      expect(res.statusCode, bad).toBe(400);
      expect(errorCode(res), bad).toBe('VERIFICATION_TOKEN_INVALID');
      expect(fields(res)).toEqual(['token']);
    }
    expect((await me(bearer(token))).json().emailVerified).toBe(false);

    await t.database.db
      .updateTable('email_verifications')
      .set({ expires_at: sql<Date>`now() - interval '1 second'` })
      .where('id', '=', id)
      .execute();
    const expired = await verify(vtoken);
    expect(expired.statusCode).toBe(400);
    expect(errorCode(expired)).toBe('VERIFICATION_TOKEN_INVALID');
    expect((await me(bearer(token))).json().emailVerified).toBe(false);
  });

  it('stores only a hash of the verification token', async () => {
    const email = uniqueEmail('vhash');
    await signUpOk(email);
    const vtoken = tokenOf((await verificationLinks(email))[0] as string);
    const { id, secret } = splitToken(vtoken);
    const text = await rowText('email_verifications', id);
    expect(text).not.toContain(secret);
    expect(text).toContain(`\\\\x${sha256Hex(secret)}`);
  });

  it('resends a fresh link while unverified (202) that replaces the old one, and answers 409 once verified', async () => {
    const email = uniqueEmail('resend');
    const { token } = await signUpOk(email);
    const resend = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/verify-email/resend',
      headers: bearer(token),
    });
    expect(resend.statusCode).toBe(202);
    const links = await verificationLinks(email);
    expect(links).toHaveLength(2);
    const [oldToken, newToken] = links.map(tokenOf) as [string, string];
    expect(newToken).not.toBe(oldToken);
    const old = await verify(oldToken);
    expect(old.statusCode).toBe(400);
    expect(errorCode(old)).toBe('VERIFICATION_TOKEN_INVALID');
    expect((await verify(newToken)).statusCode).toBe(200);

    const again = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/verify-email/resend',
      headers: bearer(token),
    });
    expect(again.statusCode).toBe(409);
    expect(errorCode(again)).toBe('EMAIL_ALREADY_VERIFIED');
    expect(await verificationLinks(email)).toHaveLength(2);
  });

  it('asks for a session to resend (401 anonymous)', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/auth/verify-email/resend' });
    expect(res.statusCode).toBe(401);
  });
});

describe.skipIf(!onPostgres)('races (PostgreSQL, parallel requests)', () => {
  it('concurrent sign-ups with one email in different cases: exactly one 201, the rest 409', async () => {
    const rounds = 5;
    const parallel = 8;
    for (let round = 0; round < rounds; round++) {
      const email = uniqueEmail('race');
      const results = await Promise.all(
        Array.from({ length: parallel }, (_, i) =>
          signUpRequest({
            email: i % 2 ? email.toUpperCase() : email,
            password: PASSWORD,
            name: `Racer ${i}`,
          }),
        ),
      );
      const codes = results.map((r) => r.statusCode).sort();
      expect(codes).toEqual([201, ...Array(parallel - 1).fill(409)]);
      const n = await t.database.db
        .selectFrom('users')
        .select(sql<number>`count(*)::int`.as('n'))
        .where('email', '=', email)
        .executeTakeFirstOrThrow();
      expect(n.n).toBe(1);
    }
  });

  it('concurrent uses of one verification token: exactly one 200', async () => {
    const rounds = 10;
    const parallel = 10;
    let verifiedEntries = 0;
    for (let round = 0; round < rounds; round++) {
      const email = uniqueEmail('vrace');
      const { user } = await signUpOk(email);
      const vtoken = tokenOf((await verificationLinks(email))[0] as string);
      const results = await Promise.all(Array.from({ length: parallel }, () => verify(vtoken)));
      const codes = results.map((r) => r.statusCode).sort();
      expect(codes).toEqual([200, ...Array(parallel - 1).fill(400)]);
      const audit = await t.database.db
        .selectFrom('audit_log')
        .select('id')
        .where('target_id', '=', user.id)
        .where('action', '=', 'user.email_verified')
        .execute();
      verifiedEntries += audit.length;
    }
    expect(verifiedEntries).toBe(rounds);
  });
});

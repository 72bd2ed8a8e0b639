/**
 * Bad input (SPEC §3: errors are `{ error: { code, message, details } }` with stable codes, and
 * validation errors name the field). Whatever a client sends, the answer is a 4xx in that envelope:
 * never a 500, never a stack trace, never a value silently coerced into another type.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addActiveMember,
  bearer,
  createOrg,
  createTestApp,
  type SignedUp,
  signUp,
  type TestApp,
} from './helpers.ts';

let t: TestApp;
let owner: SignedUp;
let member: SignedUp;
let org: { id: string; slug: string; name: string };
let orgUrl: string;

beforeAll(async () => {
  t = await createTestApp();
  [owner, member] = await Promise.all([signUp(t.app), signUp(t.app)]);
  org = await createOrg(t.app, owner.token, 'Bad Input Corp');
  orgUrl = `/v1/organizations/${org.id}`;
  await addActiveMember(t.database, org.id, member.user.id, 'member');
});
afterAll(() => t.close());

const JSON_HEADERS = { 'content-type': 'application/json' };
const auth = () => bearer(owner.token);

/**
 * Asserts the error envelope: the status, a stable UPPER_SNAKE code, a message, `details` naming
 * `field` when given, nothing else in the body, and no trace of the server's internals.
 */
function expectError(res: LightMyRequestResponse, status: number, code: string, field?: string) {
  const label = `${res.statusCode} ${res.body.slice(0, 300)}`;
  expect(res.statusCode, label).toBe(status);
  expect(res.headers['content-type'], label).toMatch(/^application\/json/);
  const body = res.json() as { error: { code: string; message: string; details?: unknown } };
  expect(Object.keys(body), label).toEqual(['error']);
  expect(
    Object.keys(body.error).every((k) => ['code', 'message', 'details'].includes(k)),
    label,
  ).toBe(true);
  expect(body.error.code, label).toBe(code);
  expect(body.error.code).toMatch(/^[A-Z][A-Z0-9_]*$/);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  if (field !== undefined) {
    const details = body.error.details as Array<{ field: string; message: string }>;
    expect(Array.isArray(details), label).toBe(true);
    expect(
      details.map((d) => d.field),
      label,
    ).toContain(field);
    for (const d of details) expect(typeof d.message).toBe('string');
  }
  expectNoInternals(res);
}

function expectNoInternals(res: LightMyRequestResponse) {
  expect(res.statusCode).toBeLessThan(500);
  expect(res.body).not.toMatch(/\bat\s+\S+\s+\(?[^)\s]*:\d+:\d+\)?/); // a stack frame
  expect(res.body).not.toMatch(/\n\s+at /);
  expect(res.body).not.toContain('node_modules');
  expect(res.body).not.toContain('/work/');
  expect(res.body).not.toMatch(/FST_ERR|SyntaxError|TypeError|DatabaseError/);
}

async function currentOrg() {
  const res = await t.app.inject({ url: orgUrl, headers: auth() });
  expect(res.statusCode).toBe(200);
  return res.json();
}

describe('malformed bodies', () => {
  it('answers 400 INVALID_JSON naming body for a body that is not JSON', async () => {
    const bodies = [
      '{"name":',
      '{name: "x"}',
      "{'name': 'x'}",
      '{"name": "x",}',
      '[',
      'nul',
      '{"name": "x"} trailing',
      Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
    ];
    for (const payload of bodies) {
      const res = await t.app.inject({
        method: 'PATCH',
        url: orgUrl,
        headers: { ...auth(), ...JSON_HEADERS },
        payload,
      });
      expectError(res, 400, 'INVALID_JSON', 'body');
    }
    // Also before authentication: an anonymous sign-up with broken JSON.
    const signUpRes = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-up',
      headers: JSON_HEADERS,
      payload: '{"email": "a@example.com", "password": ',
    });
    expectError(signUpRes, 400, 'INVALID_JSON', 'body');
  });

  it('answers 400 INVALID_JSON for an empty body declared as JSON', async () => {
    const res = await t.app.inject({
      method: 'PATCH',
      url: orgUrl,
      headers: { ...auth(), ...JSON_HEADERS },
      payload: '',
    });
    expectError(res, 400, 'INVALID_JSON');
  });

  it('refuses prototype-polluting keys (__proto__, constructor.prototype) with 400', async () => {
    for (const payload of [
      '{"name": "Polluted", "__proto__": {"isAdmin": true}}',
      '{"name": "Polluted", "constructor": {"prototype": {"isAdmin": true}}}',
    ]) {
      const res = await t.app.inject({
        method: 'PATCH',
        url: orgUrl,
        headers: { ...auth(), ...JSON_HEADERS },
        payload,
      });
      expectError(res, 400, 'INVALID_JSON');
    }
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect((await currentOrg()).name).toBe(org.name);
  });

  it('answers 400 (not 500) to deeply nested JSON', async () => {
    const depth = 100_000;
    const res = await t.app.inject({
      method: 'PATCH',
      url: orgUrl,
      headers: { ...auth(), ...JSON_HEADERS },
      payload: `{"name":${'['.repeat(depth)}${']'.repeat(depth)}}`,
    });
    expectError(res, 400, 'VALIDATION_FAILED', 'name');
  });

  it('answers 400 VALIDATION_FAILED naming body when the JSON is not an object', async () => {
    for (const payload of ['[]', '"a string"', '42', 'null', 'true']) {
      const res = await t.app.inject({
        method: 'PATCH',
        url: orgUrl,
        headers: { ...auth(), ...JSON_HEADERS },
        payload,
      });
      expectError(res, 400, 'VALIDATION_FAILED', 'body');
    }
  });

  it('answers 413 PAYLOAD_TOO_LARGE past 1 MiB', async () => {
    const big = { name: 'x'.repeat(1_100_000) };
    const patched = await t.app.inject({ method: 'PATCH', url: orgUrl, headers: auth(), payload: big });
    expectError(patched, 413, 'PAYLOAD_TOO_LARGE');
    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-up',
      payload: { email: 'big@example.com', password: 'x'.repeat(1_100_000), name: 'Big' },
    });
    expectError(anonymous, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers 415 UNSUPPORTED_MEDIA_TYPE to a body that is not application/json', async () => {
    const cases: Array<[string | undefined, string]> = [
      ['text/plain', '{"name": "Plain"}'],
      ['application/x-www-form-urlencoded', 'name=Form'],
      ['application/xml', '<name>Xml</name>'],
      ['multipart/form-data; boundary=x', '--x\r\n\r\nname\r\n--x--'],
      ['application/jsonx', '{"name": "Almost"}'],
    ];
    for (const [type, payload] of cases) {
      const res = await t.app.inject({
        method: 'PATCH',
        url: orgUrl,
        headers: { ...auth(), 'content-type': type },
        payload,
      });
      expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
    const signIn = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in',
      headers: { 'content-type': 'text/plain' },
      payload: 'email=a@example.com',
    });
    expectError(signIn, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect((await currentOrg()).name).toBe(org.name);
  });

  it('accepts application/json with a charset', async () => {
    const res = await t.app.inject({
      method: 'PATCH',
      url: orgUrl,
      headers: { ...auth(), 'content-type': 'application/json; charset=utf-8' },
      payload: JSON.stringify({ inviteExpiryDays: 8 }),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().inviteExpiryDays).toBe(8);
  });
});

describe('wrong types are refused, never coerced', () => {
  it('answers 400 VALIDATION_FAILED naming the field and leaves the data as it was', async () => {
    const before = await currentOrg();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: 5 }, 'name'],
      [{ name: ['Array Name'] }, 'name'],
      [{ name: { first: 'x' } }, 'name'],
      [{ memberLimit: '10' }, 'memberLimit'],
      [{ memberLimit: true }, 'memberLimit'],
      [{ memberLimit: [10] }, 'memberLimit'],
      [{ joinRequestsEnabled: 'true' }, 'joinRequestsEnabled'],
      [{ joinRequestsEnabled: 1 }, 'joinRequestsEnabled'],
      [{ ssoEnforced: 'false' }, 'ssoEnforced'],
      [{ inviteExpiryDays: '7' }, 'inviteExpiryDays'],
      [{ slug: 42 }, 'slug'],
    ];
    for (const [payload, field] of cases) {
      const res = await t.app.inject({ method: 'PATCH', url: orgUrl, headers: auth(), payload });
      expectError(res, 400, 'VALIDATION_FAILED', field);
    }
    const after = await currentOrg();
    expect(after).toEqual(before);
  });

  it('names the field on sign-up, sign-in, verify-email, create-org and change-role', async () => {
    const cases: Array<[string, string, Record<string, unknown>, string]> = [
      ['POST', '/v1/auth/sign-up', { email: 5, password: 'long enough', name: 'N' }, 'email'],
      ['POST', '/v1/auth/sign-up', { email: 'n@example.com', password: 12345678, name: 'N' }, 'password'],
      ['POST', '/v1/auth/sign-up', { email: 'n@example.com', password: 'long enough', name: null }, 'name'],
      ['POST', '/v1/auth/sign-in', { email: 'n@example.com', password: true }, 'password'],
      ['POST', '/v1/auth/sign-in', { email: ['n@example.com'], password: 'x' }, 'email'],
      ['POST', '/v1/auth/verify-email', { token: 5 }, 'token'],
      ['POST', '/v1/auth/verify-email', {}, 'token'],
      ['POST', '/v1/organizations', { name: 5 }, 'name'],
      ['POST', '/v1/organizations', {}, 'name'],
      ['PATCH', `${orgUrl}/members/${member.user.id}`, { role: 1 }, 'role'],
      ['PATCH', `${orgUrl}/members/${member.user.id}`, { role: null }, 'role'],
    ];
    for (const [method, url, payload, field] of cases) {
      const res = await t.app.inject({ method: method as 'POST', url, headers: auth(), payload });
      expectError(res, 400, 'VALIDATION_FAILED', field);
    }
  });

  it('refuses a role with a trailing space or in another case on PATCH member (400 naming role)', async () => {
    for (const role of ['owner ', ' admin', 'OWNER', 'Admin', 'superadmin', '']) {
      const res = await t.app.inject({
        method: 'PATCH',
        url: `${orgUrl}/members/${member.user.id}`,
        headers: auth(),
        payload: { role },
      });
      expectError(res, 400, 'VALIDATION_FAILED', 'role');
      // A well-formed key the organization has not defined is named as such.
      expect(res.json().error.details[0].message).toMatch(
        role === 'superadmin' ? /'superadmin' is not a role of this organization/ : /must match pattern/,
      );
    }
    const row = await t.database.db
      .selectFrom('memberships')
      .select('role')
      .where('organization_id', '=', org.id)
      .where('user_id', '=', member.user.id)
      .executeTakeFirstOrThrow();
    expect(row.role).toBe('member');
  });
});

describe('unknown fields are refused by name', () => {
  it('answers 400 naming orgId, role, status and friends instead of ignoring them', async () => {
    const cases: Array<[string, string, Record<string, unknown>, string]> = [
      ['POST', '/v1/organizations', { name: 'Sneaky', orgId: org.id }, 'orgId'],
      ['POST', '/v1/organizations', { name: 'Sneaky', id: org.id }, 'id'],
      ['PATCH', orgUrl, { name: 'Sneaky', role: 'owner' }, 'role'],
      ['PATCH', orgUrl, { createdAt: '2020-01-01T00:00:00Z' }, 'createdAt'],
      ['PATCH', `${orgUrl}/members/${member.user.id}`, { role: 'admin', status: 'active' }, 'status'],
      ['PATCH', `${orgUrl}/members/${member.user.id}`, { role: 'admin', orgId: org.id }, 'orgId'],
      [
        'POST',
        '/v1/auth/sign-up',
        { email: 'sneaky@example.com', password: 'long enough', name: 'S', role: 'admin' },
        'role',
      ],
      [
        'POST',
        '/v1/auth/sign-up',
        { email: 'sneaky@example.com', password: 'long enough', name: 'S', emailVerified: true },
        'emailVerified',
      ],
    ];
    for (const [method, url, payload, field] of cases) {
      const res = await t.app.inject({ method: method as 'POST', url, headers: auth(), payload });
      expectError(res, 400, 'VALIDATION_FAILED', field);
      expect(res.json().error.details).toEqual([{ field, message: 'is not a known field' }]);
    }
    const sneaky = await t.database.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', 'sneaky@example.com')
      .executeTakeFirst();
    expect(sneaky).toBeUndefined();
    const role = await t.database.db
      .selectFrom('memberships')
      .select('role')
      .where('organization_id', '=', org.id)
      .where('user_id', '=', member.user.id)
      .executeTakeFirstOrThrow();
    expect(role.role).toBe('member');
  });

  it('refuses an empty PATCH (nothing to change) with 400 naming body', async () => {
    const res = await t.app.inject({ method: 'PATCH', url: orgUrl, headers: auth(), payload: {} });
    expectError(res, 400, 'VALIDATION_FAILED', 'body');
  });
});

describe('query strings and paths', () => {
  const membersUrl = () => `${orgUrl}/members`;

  it('pages the members list with a valid limit and cursor (query values are read as numbers)', async () => {
    const first = await t.app.inject({ url: `${membersUrl()}?limit=1`, headers: auth() });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().data).toHaveLength(1);
    const cursor = first.json().nextCursor as string;
    expect(cursor).toEqual(expect.any(String));
    const second = await t.app.inject({
      url: `${membersUrl()}?limit=1&cursor=${encodeURIComponent(cursor)}`,
      headers: auth(),
    });
    expect(second.statusCode).toBe(200);
    expect(second.json().data).toHaveLength(1);
    expect(second.json().data[0].userId).not.toBe(first.json().data[0].userId);
  });

  it('refuses limit=0, 101, abc and other non-integers with 400 naming limit', async () => {
    for (const limit of ['0', '101', 'abc', '-1', '1.5', '', '10&limit=20']) {
      const res = await t.app.inject({ url: `${membersUrl()}?limit=${limit}`, headers: auth() });
      expect(res.statusCode, `limit=${limit}`).toBe(400);
      expectError(res, 400, 'VALIDATION_FAILED', 'limit');
    }
  });

  it('refuses a cursor this list did not return: 400 INVALID_CURSOR naming cursor', async () => {
    const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
    for (const cursor of [
      'zzz',
      'not a cursor!',
      b64('m:not-a-uuid'),
      b64('x:01234567-89ab-7def-8123-456789abcdef'),
      b64('m:'),
      b64("m:' OR 1=1 --"),
    ]) {
      const res = await t.app.inject({
        url: `${membersUrl()}?cursor=${encodeURIComponent(cursor)}`,
        headers: auth(),
      });
      expectError(res, 400, 'INVALID_CURSOR', 'cursor');
    }
    const long = await t.app.inject({ url: `${membersUrl()}?cursor=${'a'.repeat(300)}`, headers: auth() });
    expect(long.statusCode).toBe(400);
    expectError(long, 400, long.json().error.code, 'cursor');
  });

  it('refuses an unknown query parameter or filter value by name', async () => {
    expectError(
      await t.app.inject({ url: `${membersUrl()}?orgId=${org.id}`, headers: auth() }),
      400,
      'VALIDATION_FAILED',
      'orgId',
    );
    expectError(
      await t.app.inject({ url: `${membersUrl()}?role=owner%20`, headers: auth() }),
      400,
      'VALIDATION_FAILED',
      'role',
    );
    expectError(
      await t.app.inject({ url: `${membersUrl()}?status=gone`, headers: auth() }),
      400,
      'VALIDATION_FAILED',
      'status',
    );
  });

  it('refuses an invalid UUID in /members/{userId} with 400 naming userId', async () => {
    for (const userId of ['not-a-uuid', '123', `${member.user.id}x`, "1' OR '1'='1"]) {
      const url = `${membersUrl()}/${encodeURIComponent(userId)}`;
      for (const res of [
        await t.app.inject({ url, headers: auth() }),
        await t.app.inject({ url: `${url}/permissions`, headers: auth() }),
        await t.app.inject({ method: 'PATCH', url, headers: auth(), payload: { role: 'admin' } }),
        await t.app.inject({ method: 'DELETE', url, headers: auth() }),
      ]) {
        expectError(res, 400, 'VALIDATION_FAILED', 'userId');
      }
    }
  });

  it('answers 404 ORGANIZATION_NOT_FOUND for an unknown org, by id or slug', async () => {
    for (const ref of ['00000000-0000-7000-8000-000000000000', 'no-such-org', "x'; drop table users; --"]) {
      const url = `/v1/organizations/${encodeURIComponent(ref)}`;
      for (const res of [
        await t.app.inject({ url, headers: auth() }),
        await t.app.inject({ method: 'PATCH', url, headers: auth(), payload: { name: 'Ghost' } }),
        await t.app.inject({ method: 'DELETE', url, headers: auth() }),
        await t.app.inject({ url: `${url}/members`, headers: auth() }),
      ]) {
        expectError(res, 404, 'ORGANIZATION_NOT_FOUND');
      }
    }
    const users = await t.database.db.selectFrom('users').select('id').execute();
    expect(users.length).toBeGreaterThanOrEqual(2);
  });

  it('answers 404 NOT_FOUND in the envelope for an unknown route or method', async () => {
    for (const [method, url] of [
      ['GET', '/v1/nope'],
      ['GET', '/nope'],
      ['POST', '/v1/me'],
      ['PUT', orgUrl],
      ['GET', '/v1/organizations/a/b/c/d'],
    ] as const) {
      const res = await t.app.inject({ method, url, headers: auth() });
      expectError(res, 404, 'NOT_FOUND');
    }
  });

  it('refuses a NUL character anywhere (body, query, path) with 400 naming the field', async () => {
    const cases: Array<[string, string, Record<string, unknown> | undefined, string]> = [
      ['PATCH', orgUrl, { name: 'Nul\u0000Name' }, 'name'],
      ['POST', '/v1/organizations', { name: 'Nul\u0000Org' }, 'name'],
      ['POST', '/v1/auth/sign-in', { email: 'a\u0000@example.com', password: 'whatever1' }, 'email'],
      [
        'POST',
        '/v1/auth/sign-up',
        { email: 'nul@example.com', password: 'long enough', name: 'A\u0000' },
        'name',
      ],
      ['GET', `${membersUrl()}?q=a%00b`, undefined, 'q'],
      ['GET', '/v1/organizations/a%00b', undefined, 'org'],
    ];
    for (const [method, url, payload, field] of cases) {
      const res = await t.app.inject({ method: method as 'GET', url, headers: auth(), payload });
      expectError(res, 400, 'VALIDATION_FAILED', field);
    }
  });

  // The router answers these before any hook runs; app.ts routes them through `frameworkErrors`.
  it('answers a badly encoded URL or an over-long path segment in the envelope', async () => {
    const badUrl = await t.app.inject({ url: '/v1/organizations/%E0%A4%A', headers: auth() });
    expectError(badUrl, 400, 'INVALID_URL');
    const longSegment = await t.app.inject({ url: `/v1/organizations/${'a'.repeat(300)}`, headers: auth() });
    expectError(longSegment, 414, 'URI_TOO_LONG');
  });
});

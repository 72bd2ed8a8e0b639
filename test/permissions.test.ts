/**
 * The host application's permission check (SPEC §3, §5):
 * GET /v1/organizations/{org}/members/{userId}/permissions answers membership status, role and scopes,
 * for a member holding member:read or an API key holding it, in one round trip to the database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../src/db/database.ts';
import type { MembershipSource, MembershipStatus } from '../src/db/schema.ts';
import { type Role, scopesForRole } from '../src/features/access/scopes.ts';
import { createApiKey, revokeApiKey } from '../src/features/api-keys/api-key.service.ts';
import { uuidv7 } from '../src/lib/ids.ts';
import {
  bearer,
  createOrg,
  createTestApp,
  errorCode,
  freshDatabase,
  QueryCounter,
  type SignedUp,
  signUp,
  signUpEach,
  type TestApp,
  uniqueEmail,
} from './helpers.ts';

async function seedMember(
  database: DatabaseHandle,
  orgId: string,
  userId: string,
  role: Role,
  opts: { status?: MembershipStatus; source?: MembershipSource } = {},
) {
  const status = opts.status ?? 'active';
  await database.db
    .insertInto('memberships')
    .values({
      id: uuidv7(),
      organization_id: orgId,
      user_id: userId,
      role,
      status,
      source: opts.source ?? (status === 'active' ? 'invitation' : 'owner_add'),
      added_by: null,
      joined_at: status === 'active' ? new Date() : null,
    })
    .execute();
}

describe('GET /v1/organizations/{org}/members/{userId}/permissions', () => {
  let t: TestApp;
  let database: DatabaseHandle;
  const counter = new QueryCounter();
  let owner: SignedUp;
  let admin: SignedUp;
  let member: SignedUp;
  let pending: SignedUp;
  let outsider: SignedUp;
  let org: { id: string; slug: string };

  beforeAll(async () => {
    database = await freshDatabase();
    t = await createTestApp({}, { ...database, db: database.db.withPlugin(counter) });
    [owner, admin, member, pending, outsider] = await signUpEach(t.app, [
      'owner',
      'admin',
      'member',
      'pending',
      'outsider',
    ]);
    org = await createOrg(t.app, owner.token);
    await seedMember(database, org.id, admin.user.id, 'admin');
    await seedMember(database, org.id, member.user.id, 'member');
    await seedMember(database, org.id, pending.user.id, 'admin', { status: 'pending', source: 'owner_add' });
  });
  afterAll(async () => {
    await t.close();
    await database.close();
  });

  const check = (orgRef: string, userId: string, headers: Record<string, string> = {}) =>
    t.app.inject({ url: `/v1/organizations/${orgRef}/members/${userId}/permissions`, headers });

  describe('with a session: the caller needs member:read in the organization', () => {
    it('a member reads another member’s status, role and scopes (scopes from the one roles→scopes table)', async () => {
      for (const [target, role] of [
        [owner, 'owner'],
        [admin, 'admin'],
        [member, 'member'],
      ] as const) {
        const res = await check(org.id, target.user.id, bearer(member.token));
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json()).toEqual({ status: 'active', role, scopes: [...scopesForRole(role)] });
      }
      expect(scopesForRole('member')).toContain('member:read');
      expect(scopesForRole('owner')).toContain('org:delete');
      expect(scopesForRole('admin')).not.toContain('org:delete');
    });

    it('the organization may be named by id (any case) or by slug', async () => {
      const expected = { status: 'active', role: 'admin', scopes: [...scopesForRole('admin')] };
      for (const ref of [org.id, org.id.toUpperCase(), org.slug]) {
        const res = await check(ref, admin.user.id, bearer(owner.token));
        expect(res.statusCode, ref).toBe(200);
        expect(res.json()).toEqual(expected);
      }
    });

    it('the session cookie works as well as the bearer header', async () => {
      const res = await check(org.slug, member.user.id, { cookie: `roster_session=${owner.token}` });
      expect(res.statusCode).toBe(200);
      expect(res.json().role).toBe('member');
    });

    it('a pending membership answers status pending with empty scopes', async () => {
      const res = await check(org.slug, pending.user.id, bearer(member.token));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'pending', role: 'admin', scopes: [] });
    });

    it('a target who is not a member is 404 MEMBER_NOT_FOUND', async () => {
      for (const userId of [outsider.user.id, uuidv7()]) {
        const res = await check(org.slug, userId, bearer(member.token));
        expect(res.statusCode).toBe(404);
        expect(errorCode(res)).toBe('MEMBER_NOT_FOUND');
      }
    });

    it('a caller who is not a member, or only a pending one, gets 404 ORGANIZATION_NOT_FOUND', async () => {
      for (const caller of [outsider, pending]) {
        for (const target of [member.user.id, outsider.user.id]) {
          const res = await check(org.slug, target, bearer(caller.token));
          expect(res.statusCode).toBe(404);
          expect(errorCode(res)).toBe('ORGANIZATION_NOT_FOUND');
        }
      }
    });

    it('an unknown organization is 404 ORGANIZATION_NOT_FOUND', async () => {
      for (const ref of [uuidv7(), 'no-such-org']) {
        const res = await check(ref, member.user.id, bearer(owner.token));
        expect(res.statusCode).toBe(404);
        expect(errorCode(res)).toBe('ORGANIZATION_NOT_FOUND');
      }
    });

    it('follows role changes and removals at once (nothing is cached)', async () => {
      const o = await createOrg(t.app, owner.token);
      await seedMember(database, o.id, member.user.id, 'member');
      const before = await check(o.id, member.user.id, bearer(owner.token));
      expect(before.json().role).toBe('member');
      const patched = await t.app.inject({
        method: 'PATCH',
        url: `/v1/organizations/${o.id}/members/${member.user.id}`,
        headers: bearer(owner.token),
        payload: { role: 'admin' },
      });
      expect(patched.statusCode).toBe(200);
      expect((await check(o.id, member.user.id, bearer(owner.token))).json()).toEqual({
        status: 'active',
        role: 'admin',
        scopes: [...scopesForRole('admin')],
      });
      const removed = await t.app.inject({
        method: 'DELETE',
        url: `/v1/organizations/${o.id}/members/${member.user.id}`,
        headers: bearer(owner.token),
      });
      expect(removed.statusCode).toBe(204);
      expect(errorCode(await check(o.id, member.user.id, bearer(owner.token)))).toBe('MEMBER_NOT_FOUND');
      // And the removed user can no longer ask.
      expect(errorCode(await check(o.id, owner.user.id, bearer(member.token)))).toBe(
        'ORGANIZATION_NOT_FOUND',
      );
    });
  });

  describe('with an API key: the key needs member:read', () => {
    it('a key with member:read answers for any organization', async () => {
      const key = await createApiKey(database.db, 'host app', ['member:read']);
      const res = await check(org.slug, admin.user.id, bearer(key.token));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'active', role: 'admin', scopes: [...scopesForRole('admin')] });
      const pendingRes = await check(org.id, pending.user.id, bearer(key.token));
      expect(pendingRes.json()).toEqual({ status: 'pending', role: 'admin', scopes: [] });
      const missing = await check(org.id, outsider.user.id, bearer(key.token));
      expect(missing.statusCode).toBe(404);
      expect(errorCode(missing)).toBe('MEMBER_NOT_FOUND');
      const unknownOrg = await check('no-such-org', admin.user.id, bearer(key.token));
      expect(unknownOrg.statusCode).toBe(404);
      expect(errorCode(unknownOrg)).toBe('ORGANIZATION_NOT_FOUND');
    });

    it('a key without member:read is 403 FORBIDDEN', async () => {
      const key = await createApiKey(database.db, 'narrow', ['org:read', 'member:invite']);
      const res = await check(org.slug, admin.user.id, bearer(key.token));
      expect(res.statusCode).toBe(403);
      expect(errorCode(res)).toBe('FORBIDDEN');
    });

    it('a revoked key is 401', async () => {
      const key = await createApiKey(database.db, 'soon revoked', ['member:read']);
      expect((await check(org.slug, admin.user.id, bearer(key.token))).statusCode).toBe(200);
      expect(await revokeApiKey(database.db, key.id)).toBe(true);
      const res = await check(org.slug, admin.user.id, bearer(key.token));
      expect(res.statusCode).toBe(401);
      expect(errorCode(res)).toBe('UNAUTHENTICATED');
    });

    it('a key whose secret or id was tampered with is 401', async () => {
      const key = await createApiKey(database.db, 'tampered', ['member:read']);
      const last = key.token.at(-1) === 'A' ? 'B' : 'A';
      const badSecret = `${key.token.slice(0, -1)}${last}`;
      // Same length and alphabet as a real secret; the id part points at the real key.
      expect(badSecret).toHaveLength(key.token.length);
      const badId = `rk_${uuidv7().replaceAll('-', '')}${key.token.slice(3 + 32)}`;
      for (const token of [badSecret, badId, `${key.token}x`, key.token.slice(0, -1)]) {
        const res = await check(org.slug, admin.user.id, bearer(token));
        expect(res.statusCode, token).toBe(401);
        expect(errorCode(res)).toBe('UNAUTHENTICATED');
      }
    });
  });

  describe('without valid credentials: 401', () => {
    it('no credentials, a malformed header, an unknown token', async () => {
      const cases: Array<Record<string, string>> = [
        {},
        { authorization: 'Basic dXNlcjpwYXNz' },
        { authorization: 'Bearer nonsense' },
        bearer(`rs_${uuidv7().replaceAll('-', '')}${'A'.repeat(43)}`),
      ];
      for (const headers of cases) {
        const res = await check(org.slug, admin.user.id, headers);
        expect(res.statusCode, JSON.stringify(headers)).toBe(401);
        expect(errorCode(res)).toBe('UNAUTHENTICATED');
      }
    });

    it('a signed-out or expired session', async () => {
      const a = await signUp(t.app, uniqueEmail('expiring'));
      const b = await signUp(t.app, uniqueEmail('signing-out'));
      await seedMember(database, org.id, a.user.id, 'member');
      await seedMember(database, org.id, b.user.id, 'member');
      expect((await check(org.slug, admin.user.id, bearer(a.token))).statusCode).toBe(200);
      await database.db
        .updateTable('sessions')
        .set({ expires_at: new Date(Date.now() - 1000) })
        .where('user_id', '=', a.user.id)
        .execute();
      expect((await check(org.slug, admin.user.id, bearer(a.token))).statusCode).toBe(401);
      const out = await t.app.inject({ method: 'POST', url: '/v1/auth/sign-out', headers: bearer(b.token) });
      expect(out.statusCode).toBeLessThan(300);
      expect((await check(org.slug, admin.user.id, bearer(b.token))).statusCode).toBe(401);
    });

    it('a malformed userId is 400 naming the field', async () => {
      const res = await check(org.slug, 'not-a-uuid', bearer(owner.token));
      expect(res.statusCode).toBe(400);
      expect(JSON.stringify(res.json().error)).toContain('userId');
    });
  });

  it('answers in one round trip to the database, by session or by API key, whatever the outcome', async () => {
    const key = await createApiKey(database.db, 'hot path', ['member:read']);
    const cases: Array<[string, string, Record<string, string>, number]> = [
      [org.slug, admin.user.id, bearer(member.token), 200],
      [org.id, pending.user.id, bearer(key.token), 200],
      [org.slug, outsider.user.id, bearer(key.token), 404],
      ['no-such-org', admin.user.id, bearer(member.token), 404],
      [org.slug, admin.user.id, bearer(outsider.token), 404],
      [
        org.slug,
        admin.user.id,
        bearer(`${key.token.slice(0, -1)}${key.token.at(-1) === 'A' ? 'B' : 'A'}`),
        401,
      ],
    ];
    for (const [ref, userId, headers, status] of cases) {
      const before = counter.count;
      const res = await check(ref, userId, headers);
      expect(res.statusCode).toBe(status);
      expect(counter.count - before, `${ref} ${status}`).toBe(1);
    }
    // The counter does see every statement: a members list costs more than one.
    const before = counter.count;
    await t.app.inject({ url: `/v1/organizations/${org.slug}/members`, headers: bearer(owner.token) });
    expect(counter.count - before).toBeGreaterThan(1);
  });

  it("an organization's route reads a session, the organization and the caller's membership in one statement", async () => {
    const key = await createApiKey(database.db, 'members', ['member:read']);
    const statements = async (ref: string, headers: Record<string, string>, status: number) => {
      const before = counter.count;
      const res = await t.app.inject({ url: `/v1/organizations/${ref}/members?limit=2`, headers });
      expect(res.statusCode, `${ref}: ${res.body}`).toBe(status);
      return counter.count - before;
    };
    // By session: the credential with the organization, then the page.
    expect(await statements(org.slug, bearer(owner.token), 200)).toBe(2);
    expect(await statements(org.id, bearer(member.token), 200)).toBe(2);
    // Not a member, or no such organization: the first statement says so.
    expect(await statements(org.slug, bearer(outsider.token), 404)).toBe(1);
    expect(await statements('no-such-org', bearer(owner.token), 404)).toBe(1);
    // By API key, the key is read on its own: one statement more.
    expect(await statements(org.slug, bearer(key.token), 200)).toBe(3);
  });
});

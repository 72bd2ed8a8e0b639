/**
 * Memberships through the API (SPEC §2 "Roles and permissions", "Memberships"; §5 members routes):
 * listing with cursor pagination and filters, role changes under the role ceiling and last-owner rules,
 * removal and leave.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../src/db/database.ts';
import type { MembershipSource, MembershipStatus } from '../src/db/schema.ts';
import type { Role } from '../src/features/access/scopes.ts';
import { createApiKey } from '../src/features/api-keys/api-key.service.ts';
import { uuidv7 } from '../src/lib/ids.ts';
import {
  bearer,
  createOrg,
  createTestApp,
  errorCode,
  type SignedUp,
  signUpEach,
  type TestApp,
} from './helpers.ts';

/**
 * Seeds a membership directly, with a UUIDv7 id taken at `at` (ms) so that join order is the order the
 * test chose, even for rows inserted within one millisecond.
 */
async function seedMember(
  database: DatabaseHandle,
  orgId: string,
  userId: string,
  role: Role,
  opts: { status?: MembershipStatus; source?: MembershipSource; at?: number } = {},
) {
  const status = opts.status ?? 'active';
  const at = opts.at ?? Date.now();
  const row = await database.db
    .insertInto('memberships')
    .values({
      id: uuidv7(at),
      organization_id: orgId,
      user_id: userId,
      role,
      status,
      source: opts.source ?? (status === 'active' ? 'invitation' : 'owner_add'),
      added_by: null,
      created_at: new Date(at),
      joined_at: status === 'active' ? new Date(at) : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Inserts users directly (signing up costs a memory-hard hash each). */
async function seedUsers(database: DatabaseHandle, people: Array<{ email: string; name: string }>) {
  return database.db
    .insertInto('users')
    .values(people.map((p) => ({ email: p.email.toLowerCase(), name: p.name })))
    .returning(['id', 'email', 'name'])
    .execute();
}

interface MemberJson {
  id: string;
  userId: string;
  email: string;
  name: string;
  role: Role;
  status: MembershipStatus;
  source: MembershipSource;
}

describe('members', () => {
  let t: TestApp;
  let owner: SignedUp;
  let owner2: SignedUp;
  let admin: SignedUp;
  let admin2: SignedUp;
  let member: SignedUp;
  let member2: SignedUp;
  let outsider: SignedUp;

  beforeAll(async () => {
    t = await createTestApp();
    [owner, owner2, admin, admin2, member, member2, outsider] = await signUpEach(t.app, [
      'owner',
      'owner2',
      'admin',
      'admin2',
      'member',
      'member2',
      'outsider',
    ]);
  });
  afterAll(() => t.close());

  /** A fresh organization created by `owner`, with the other people seeded as active members. */
  async function orgWith(people: Array<[SignedUp, Role]>) {
    const org = await createOrg(t.app, owner.token);
    let at = Date.now() + 1;
    for (const [p, role] of people) await seedMember(t.database, org.id, p.user.id, role, { at: at++ });
    return org;
  }

  const list = (org: string, token: string, query = '') =>
    t.app.inject({ url: `/v1/organizations/${org}/members${query}`, headers: bearer(token) });
  const patch = (org: string, token: string, userId: string, payload: unknown) =>
    t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org}/members/${userId}`,
      headers: bearer(token),
      payload: payload as object,
    });
  const remove = (org: string, token: string, userId: string) =>
    t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org}/members/${userId}`,
      headers: bearer(token),
    });
  const roleOf = async (orgId: string, userId: string) =>
    (
      await t.database.db
        .selectFrom('memberships')
        .select(['role', 'status'])
        .where('organization_id', '=', orgId)
        .where('user_id', '=', userId)
        .executeTakeFirst()
    )?.role ?? null;

  describe('GET /v1/organizations/{org}/members: cursor-paginated in join order (member:read)', () => {
    let org: { id: string; slug: string };
    /** Every membership of the org, in the order people joined. */
    let everyone: Array<{ userId: string; role: Role; status: MembershipStatus; source: MembershipSource }>;

    beforeAll(async () => {
      org = await createOrg(t.app, owner.token);
      const people = Array.from({ length: 250 }, (_, i) => ({
        email: `Seed-${String(i).padStart(3, '0')}-${org.id.slice(-6)}@List.Example`,
        name: `Seed ${String(i).padStart(3, '0')}`,
      }));
      const users = await seedUsers(t.database, people);
      const byEmail = new Map(users.map((u) => [u.email, u.id]));
      const base = Date.now() + 1000;
      everyone = [{ userId: owner.user.id, role: 'owner', status: 'active', source: 'created_org' }];
      // Inserted in shuffled order: the list must follow join order (the id's time), not insertion order.
      const rows = people.map((p, i) => {
        const role: Role = i % 50 === 0 ? 'owner' : i % 5 === 0 ? 'admin' : 'member';
        const pending = i % 7 === 3;
        const source: MembershipSource = pending
          ? i % 2 === 0
            ? 'join_request'
            : 'owner_add'
          : i % 3 === 0
            ? 'owner_add'
            : 'invitation';
        const status: MembershipStatus = pending ? 'pending' : 'active';
        return { userId: byEmail.get(p.email.toLowerCase()) as string, role, status, source, at: base + i };
      });
      everyone.push(...rows.map(({ at: _, ...r }) => r));
      const shuffled = [...rows].sort((a, b) => ((a.at * 7919) % 251) - ((b.at * 7919) % 251));
      await t.database.db
        .insertInto('memberships')
        .values(
          shuffled.map((r) => ({
            id: uuidv7(r.at),
            organization_id: org.id,
            user_id: r.userId,
            role: r.role,
            status: r.status,
            source: r.source,
            added_by: null,
            joined_at: r.status === 'active' ? new Date(r.at) : null,
          })),
        )
        .execute();
    });

    async function walk(token: string, query: string, limit: number) {
      const seen: MemberJson[] = [];
      const pageSizes: number[] = [];
      let cursor: string | null = null;
      for (let guard = 0; guard < 1000; guard++) {
        const sep = query ? '&' : '';
        const c: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const res = await list(org.slug, token, `?limit=${limit}${sep}${query}${c}`);
        expect(res.statusCode, res.body).toBe(200);
        const body = res.json() as { data: MemberJson[]; nextCursor: string | null };
        seen.push(...body.data);
        pageSizes.push(body.data.length);
        cursor = body.nextCursor;
        if (cursor === null) return { seen, pageSizes };
        expect(body.data).toHaveLength(limit);
      }
      throw new Error('pagination did not end');
    }

    it('walks every one of 251 members exactly once, in join order, nextCursor null on the last page', async () => {
      const { seen, pageSizes } = await walk(owner.token, '', 100);
      expect(pageSizes).toEqual([100, 100, 51]);
      expect(seen.map((m) => m.userId)).toEqual(everyone.map((m) => m.userId));
      expect(new Set(seen.map((m) => m.id)).size).toBe(251);
      const ids = seen.map((m) => m.id);
      expect([...ids].sort()).toEqual(ids);
    });

    it('a page that ends exactly on the last match has nextCursor null (no empty extra page)', async () => {
      const admins = everyone.filter((m) => m.role === 'admin').map((m) => m.userId);
      const { seen, pageSizes } = await walk(owner.token, 'role=admin', admins.length);
      expect(pageSizes).toEqual([admins.length]);
      expect(seen.map((m) => m.userId)).toEqual(admins);
    });

    it('filters by role, status and source, alone and combined, across pages', async () => {
      const cases: Array<[string, (m: (typeof everyone)[number]) => boolean]> = [
        ['role=owner', (m) => m.role === 'owner'],
        ['role=admin', (m) => m.role === 'admin'],
        ['status=pending', (m) => m.status === 'pending'],
        ['source=owner_add', (m) => m.source === 'owner_add'],
        ['status=active&source=owner_add', (m) => m.status === 'active' && m.source === 'owner_add'],
        [
          'role=member&status=pending&source=join_request',
          (m) => m.role === 'member' && m.status === 'pending' && m.source === 'join_request',
        ],
      ];
      for (const [query, keep] of cases) {
        const expected = everyone.filter(keep).map((m) => m.userId);
        expect(expected.length, query).toBeGreaterThan(0);
        const { seen } = await walk(owner.token, query, 7);
        expect(
          seen.map((m) => m.userId),
          query,
        ).toEqual(expected);
      }
    });

    it('q matches an email or name prefix, case-insensitively', async () => {
      const seed007 = everyone[8]?.userId;
      const byEmail = await list(org.slug, owner.token, '?q=seed-007-');
      expect(byEmail.json().data.map((m: MemberJson) => m.userId)).toEqual([seed007]);
      // Emails are stored lowercased: an uppercase prefix still finds them.
      const upper = await list(org.slug, owner.token, '?q=SEED-007-');
      expect(upper.json().data.map((m: MemberJson) => m.userId)).toEqual([seed007]);
      const byName = await list(org.slug, owner.token, `?q=${encodeURIComponent('seed 01')}&limit=100`);
      expect(byName.json().data.map((m: MemberJson) => m.name)).toEqual(
        Array.from({ length: 10 }, (_, i) => `Seed 01${i}`),
      );
      // A prefix, not a substring.
      const middle = await list(org.slug, owner.token, '?q=007');
      expect(middle.json().data).toEqual([]);
    });

    it('q treats % and _ literally', async () => {
      const o = await createOrg(t.app, owner.token);
      const tag = o.id.slice(-8);
      const [pct, x, under, y] = await seedUsers(t.database, [
        { email: `pct-${tag}@example.com`, name: `100% Sure ${tag}` },
        { email: `x-${tag}@example.com`, name: `100x Sure ${tag}` },
        { email: `a_b-${tag}@example.com`, name: `Under ${tag}` },
        { email: `axb-${tag}@example.com`, name: `Other ${tag}` },
      ]);
      let at = Date.now() + 1;
      for (const u of [pct, x, under, y])
        await seedMember(t.database, o.id, u?.id as string, 'member', { at: at++ });
      const names = async (q: string) =>
        (await list(o.slug, owner.token, `?q=${encodeURIComponent(q)}`))
          .json()
          .data.map((m: MemberJson) => m.userId);
      expect(await names('100%')).toEqual([pct?.id]);
      expect(await names('100')).toEqual([pct?.id, x?.id]);
      expect(await names('a_b')).toEqual([under?.id]);
      expect(await names('a')).toEqual([under?.id, y?.id]);
      expect(await names('%')).toEqual([]);
      expect(await names('_')).toEqual([]);
    });

    it('the page is the JSON JSON.stringify would write: names with quotes, backslashes, control characters and emoji come back as stored', async () => {
      const o = await createOrg(t.app, owner.token);
      const tag = o.id.slice(-8);
      const names = [
        `Quote " and \\ backslash ${tag}`,
        `Line\nbreak\ttab\u0001\u001f ${tag}`,
        `Émoji 👩🏽‍💻 </script> \u2028 ${tag}`,
      ];
      const seeded = await seedUsers(
        t.database,
        names.map((name, i) => ({ email: `json-${i}-${tag}@example.com`, name })),
      );
      let at = Date.now() + 1;
      for (const u of seeded) await seedMember(t.database, o.id, u.id, 'member', { at: at++ });
      const res = await list(o.slug, owner.token, '?limit=2');
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      // Byte for byte what JSON.stringify writes: no spaces, the same escapes.
      expect(res.body).toBe(JSON.stringify(res.json()));
      const first = res.json();
      expect(first.data.map((m: MemberJson) => m.name)).toEqual([owner.user.name, names[0]]);
      const rest = await list(o.slug, owner.token, `?limit=2&cursor=${first.nextCursor}`);
      expect(rest.body).toBe(JSON.stringify(rest.json()));
      expect(rest.json().data.map((m: MemberJson) => m.name)).toEqual(names.slice(1));
      expect(rest.json().nextCursor).toBeNull();
      // An empty page is an empty array.
      const none = await list(o.slug, owner.token, '?q=nobody-by-this-name');
      expect(none.body).toBe('{"data":[],"nextCursor":null}');
    });

    it('a member (member:read) may list; a cursor this list did not return is 400 INVALID_CURSOR', async () => {
      const o = await orgWith([[member, 'member']]);
      expect((await list(o.id, member.token)).statusCode).toBe(200);
      for (const cursor of ['nope', Buffer.from('a:123').toString('base64url'), 'bTpub3QtYS11dWlk']) {
        const res = await list(o.id, member.token, `?cursor=${cursor}`);
        expect(res.statusCode).toBe(400);
        expect(errorCode(res)).toBe('INVALID_CURSOR');
      }
    });

    it('a pending member, an outsider and an anonymous caller cannot see the list', async () => {
      const o = await createOrg(t.app, owner.token);
      await seedMember(t.database, o.id, member.user.id, 'admin', { status: 'pending', source: 'owner_add' });
      for (const token of [member.token, outsider.token]) {
        const res = await list(o.slug, token);
        expect(res.statusCode).toBe(404);
        expect(errorCode(res)).toBe('ORGANIZATION_NOT_FOUND');
      }
      const anon = await t.app.inject({ url: `/v1/organizations/${o.slug}/members` });
      expect(anon.statusCode).toBe(401);
    });

    it('rejects unknown filters and values naming the field', async () => {
      const res = await list(org.slug, owner.token, '?role=superuser');
      expect(res.statusCode).toBe(400);
      expect(JSON.stringify(res.json().error)).toContain('role');
      expect((await list(org.slug, owner.token, '?limit=101')).statusCode).toBe(400);
    });
  });

  describe('PATCH /v1/organizations/{org}/members/{userId}: change role', () => {
    it('an owner may promote a member to owner', async () => {
      const org = await orgWith([[member, 'member']]);
      const res = await patch(org.slug, owner.token, member.user.id, { role: 'owner' });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ userId: member.user.id, role: 'owner', status: 'active' });
      expect(await roleOf(org.id, member.user.id)).toBe('owner');
    });

    it('an admin cannot grant owner (403 ROLE_CEILING)', async () => {
      const org = await orgWith([
        [admin, 'admin'],
        [member, 'member'],
      ]);
      const res = await patch(org.slug, admin.token, member.user.id, { role: 'owner' });
      expect(res.statusCode).toBe(403);
      expect(errorCode(res)).toBe('ROLE_CEILING');
      expect(await roleOf(org.id, member.user.id)).toBe('member');
      // Nor promote themself.
      const self = await patch(org.slug, admin.token, admin.user.id, { role: 'owner' });
      expect(errorCode(self)).toBe('ROLE_CEILING');
      expect(await roleOf(org.id, admin.user.id)).toBe('admin');
    });

    it('an admin cannot modify an owner (403 ROLE_CEILING)', async () => {
      const org = await orgWith([
        [owner2, 'owner'],
        [admin, 'admin'],
      ]);
      for (const role of ['admin', 'member'] as const) {
        const res = await patch(org.slug, admin.token, owner2.user.id, { role });
        expect(res.statusCode).toBe(403);
        expect(errorCode(res)).toBe('ROLE_CEILING');
      }
      expect(await roleOf(org.id, owner2.user.id)).toBe('owner');
    });

    it('an admin may change member ↔ admin, at or below their own role', async () => {
      const org = await orgWith([
        [admin, 'admin'],
        [member, 'member'],
        [admin2, 'admin'],
      ]);
      const up = await patch(org.slug, admin.token, member.user.id, { role: 'admin' });
      expect(up.statusCode).toBe(200);
      expect(up.json().role).toBe('admin');
      const down = await patch(org.id, admin.token, admin2.user.id, { role: 'member' });
      expect(down.statusCode).toBe(200);
      expect(await roleOf(org.id, member.user.id)).toBe('admin');
      expect(await roleOf(org.id, admin2.user.id)).toBe('member');
    });

    it('a member has no member:admin (403 FORBIDDEN)', async () => {
      const org = await orgWith([
        [member, 'member'],
        [member2, 'member'],
      ]);
      const res = await patch(org.slug, member.token, member2.user.id, { role: 'admin' });
      expect(res.statusCode).toBe(403);
      expect(errorCode(res)).toBe('FORBIDDEN');
      expect((await patch(org.slug, member.token, member.user.id, { role: 'admin' })).statusCode).toBe(403);
      expect(await roleOf(org.id, member2.user.id)).toBe('member');
    });

    it('an unknown member is 404 MEMBER_NOT_FOUND; an invalid role or userId is 400', async () => {
      const org = await orgWith([]);
      for (const userId of [outsider.user.id, uuidv7()]) {
        const res = await patch(org.slug, owner.token, userId, { role: 'admin' });
        expect(res.statusCode).toBe(404);
        expect(errorCode(res)).toBe('MEMBER_NOT_FOUND');
      }
      const bad = await patch(org.slug, owner.token, owner.user.id, { role: 'king' });
      expect(bad.statusCode).toBe(400);
      expect(errorCode(bad)).toBe('VALIDATION_FAILED');
      const extra = await patch(org.slug, owner.token, owner.user.id, { role: 'owner', status: 'active' });
      expect(extra.statusCode).toBe(400);
      expect((await patch(org.slug, owner.token, 'not-a-uuid', { role: 'admin' })).statusCode).toBe(400);
    });

    it('demoting the last active owner is 409 LAST_OWNER (a pending owner does not count)', async () => {
      const org = await orgWith([[admin, 'admin']]);
      await seedMember(t.database, org.id, owner2.user.id, 'owner', {
        status: 'pending',
        source: 'owner_add',
      });
      for (const role of ['admin', 'member'] as const) {
        const res = await patch(org.slug, owner.token, owner.user.id, { role });
        expect(res.statusCode).toBe(409);
        expect(errorCode(res)).toBe('LAST_OWNER');
      }
      expect(await roleOf(org.id, owner.user.id)).toBe('owner');
    });

    it('an API key with member:admin is held to the last-owner rule too', async () => {
      const org = await orgWith([[member, 'member']]);
      const key = await createApiKey(t.database.db, 'host app', ['member:admin', 'member:read']);
      const res = await patch(org.slug, key.token, owner.user.id, { role: 'member' });
      expect(res.statusCode).toBe(409);
      expect(errorCode(res)).toBe('LAST_OWNER');
      const promote = await patch(org.slug, key.token, member.user.id, { role: 'owner' });
      expect(promote.statusCode).toBe(200);
    });

    it('transfer of ownership: promote another member to owner, then step down', async () => {
      const org = await orgWith([[member, 'member']]);
      expect((await patch(org.slug, owner.token, member.user.id, { role: 'owner' })).statusCode).toBe(200);
      const stepDown = await patch(org.slug, owner.token, owner.user.id, { role: 'member' });
      expect(stepDown.statusCode, stepDown.body).toBe(200);
      expect(stepDown.json().role).toBe('member');
      expect(await roleOf(org.id, owner.user.id)).toBe('member');
      expect(await roleOf(org.id, member.user.id)).toBe('owner');
      // The former owner now has a member's scopes; the new owner is the last one and cannot step down.
      expect((await patch(org.slug, owner.token, member.user.id, { role: 'member' })).statusCode).toBe(403);
      const last = await patch(org.slug, member.token, member.user.id, { role: 'admin' });
      expect(errorCode(last)).toBe('LAST_OWNER');
    });

    it('a role change never activates a pending membership (consent invariant)', async () => {
      const org = await orgWith([]);
      await seedMember(t.database, org.id, member.user.id, 'member', {
        status: 'pending',
        source: 'owner_add',
      });
      const res = await patch(org.slug, owner.token, member.user.id, { role: 'admin' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ role: 'admin', status: 'pending', joinedAt: null });
      const row = await t.database.db
        .selectFrom('memberships')
        .select(['status', 'joined_at'])
        .where('organization_id', '=', org.id)
        .where('user_id', '=', member.user.id)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ status: 'pending', joined_at: null });
      // The pending user still cannot see the organization.
      expect((await list(org.slug, member.token)).statusCode).toBe(404);
    });
  });

  describe('DELETE /v1/organizations/{org}/members/{userId}: remove, or leave on oneself', () => {
    const orgVisible = async (org: string, token: string) =>
      (await t.app.inject({ url: `/v1/organizations/${org}`, headers: bearer(token) })).statusCode;

    it('an admin removes a member, who then gets 404 on the organization', async () => {
      const org = await orgWith([
        [admin, 'admin'],
        [member, 'member'],
      ]);
      expect(await orgVisible(org.slug, member.token)).toBe(200);
      const res = await remove(org.slug, admin.token, member.user.id);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect(await roleOf(org.id, member.user.id)).toBeNull();
      expect(await orgVisible(org.slug, member.token)).toBe(404);
      expect((await list(org.slug, member.token)).statusCode).toBe(404);
      const again = await remove(org.slug, admin.token, member.user.id);
      expect(again.statusCode).toBe(404);
      expect(errorCode(again)).toBe('MEMBER_NOT_FOUND');
    });

    it('an admin removes another admin (at or below their own role) but not an owner', async () => {
      const org = await orgWith([
        [admin, 'admin'],
        [admin2, 'admin'],
      ]);
      expect((await remove(org.slug, admin.token, admin2.user.id)).statusCode).toBe(204);
      const res = await remove(org.slug, admin.token, owner.user.id);
      expect(res.statusCode).toBe(403);
      expect(errorCode(res)).toBe('ROLE_CEILING');
      expect(await roleOf(org.id, owner.user.id)).toBe('owner');
    });

    it('a member cannot remove anyone else (403 FORBIDDEN)', async () => {
      const org = await orgWith([
        [member, 'member'],
        [member2, 'member'],
      ]);
      const res = await remove(org.slug, member.token, member2.user.id);
      expect(res.statusCode).toBe(403);
      expect(errorCode(res)).toBe('FORBIDDEN');
      expect(await roleOf(org.id, member2.user.id)).toBe('member');
    });

    it('removing the last active owner is 409 LAST_OWNER; with a second owner it succeeds', async () => {
      const org = await orgWith([[admin, 'admin']]);
      const key = await createApiKey(t.database.db, 'host app', ['member:admin']);
      const res = await remove(org.slug, key.token, owner.user.id);
      expect(res.statusCode).toBe(409);
      expect(errorCode(res)).toBe('LAST_OWNER');
      expect(await roleOf(org.id, owner.user.id)).toBe('owner');
      await seedMember(t.database, org.id, owner2.user.id, 'owner');
      expect((await remove(org.slug, owner2.token, owner.user.id)).statusCode).toBe(204);
      expect(await orgVisible(org.slug, owner.token)).toBe(404);
    });

    it('a member without member:admin may leave; then the organization is invisible to them', async () => {
      const org = await orgWith([[member, 'member']]);
      const res = await remove(org.slug, member.token, member.user.id);
      expect(res.statusCode).toBe(204);
      expect(await roleOf(org.id, member.user.id)).toBeNull();
      expect(await orgVisible(org.slug, member.token)).toBe(404);
      const again = await remove(org.slug, member.token, member.user.id);
      expect(again.statusCode).toBe(404);
      expect(errorCode(again)).toBe('ORGANIZATION_NOT_FOUND');
    });

    it('the last owner cannot leave (409 LAST_OWNER); an owner with a co-owner can', async () => {
      const org = await orgWith([[admin, 'admin']]);
      const res = await remove(org.slug, owner.token, owner.user.id);
      expect(res.statusCode).toBe(409);
      expect(errorCode(res)).toBe('LAST_OWNER');
      expect(await roleOf(org.id, owner.user.id)).toBe('owner');
      await seedMember(t.database, org.id, owner2.user.id, 'owner');
      expect((await remove(org.slug, owner.token, owner.user.id)).statusCode).toBe(204);
      const left = await remove(org.slug, owner2.token, owner2.user.id);
      expect(errorCode(left)).toBe('LAST_OWNER');
    });

    it('an unknown member is 404 MEMBER_NOT_FOUND', async () => {
      const org = await orgWith([]);
      const res = await remove(org.slug, owner.token, outsider.user.id);
      expect(res.statusCode).toBe(404);
      expect(errorCode(res)).toBe('MEMBER_NOT_FOUND');
    });
  });
});

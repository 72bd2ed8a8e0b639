/**
 * The audit log (SPEC §2 "Events, audit, notifications"; §5 GET …/audit-log): every membership change
 * writes exactly one entry in the transaction of the change — a refused change writes none — and
 * holders of audit:read page through them newest first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../src/db/database.ts';
import type { Role } from '../src/features/access/scopes.ts';
import { createApiKey } from '../src/features/api-keys/api-key.service.ts';
import { uuidv7 } from '../src/lib/ids.ts';
import {
  bearer,
  createOrg,
  createTestApp,
  errorCode,
  type SignedUp,
  signUp,
  signUpEach,
  type TestApp,
  uniqueEmail,
} from './helpers.ts';

async function seedMember(database: DatabaseHandle, orgId: string, userId: string, role: Role) {
  await database.db
    .insertInto('memberships')
    .values({
      id: uuidv7(),
      organization_id: orgId,
      user_id: userId,
      role,
      status: 'active',
      source: 'invitation',
      added_by: null,
      joined_at: new Date(),
    })
    .execute();
}

interface Entry {
  id: string;
  actor: { type: string; id: string | null };
  action: string;
  target: { type: string; id: string | null } | null;
  ip: string | null;
  data: Record<string, unknown>;
  createdAt: string;
}

describe('GET /v1/organizations/{org}/audit-log', () => {
  let t: TestApp;
  let owner: SignedUp;
  let owner2: SignedUp;
  let admin: SignedUp;
  let member: SignedUp;
  let member2: SignedUp;
  let outsider: SignedUp;

  beforeAll(async () => {
    t = await createTestApp();
    [owner, owner2, admin, member, member2, outsider] = await signUpEach(t.app, [
      'owner',
      'owner2',
      'admin',
      'member',
      'member2',
      'outsider',
    ]);
  });
  afterAll(() => t.close());

  async function orgWith(people: Array<[SignedUp, Role]>) {
    const org = await createOrg(t.app, owner.token);
    for (const [p, role] of people) await seedMember(t.database, org.id, p.user.id, role);
    return org;
  }

  const auditLog = (org: string, token: string, query = '') =>
    t.app.inject({ url: `/v1/organizations/${org}/audit-log${query}`, headers: bearer(token) });

  /** Every entry of the organization, straight from the table, newest first. */
  const allRows = (orgId: string) =>
    t.database.db
      .selectFrom('audit_log')
      .select(['id', 'action', 'actor_id', 'target_id'])
      .where('organization_id', '=', orgId)
      .orderBy('id', 'desc')
      .execute();

  const patch = (org: string, token: string, userId: string, role: Role) =>
    t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org}/members/${userId}`,
      headers: bearer(token),
      payload: { role },
    });
  const remove = (org: string, token: string, userId: string) =>
    t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org}/members/${userId}`,
      headers: bearer(token),
    });

  it('names each actor as they are now: a person by name and email, an API key by name, a deleted account as deleted', async () => {
    const leaver = await signUp(t.app, uniqueEmail('leaver'), 'Lea Ver');
    const org = await orgWith([
      [member, 'member'],
      [leaver, 'admin'],
    ]);
    expect((await patch(org.slug, leaver.token, member.user.id, 'admin')).statusCode).toBe(200);
    expect((await patch(org.slug, owner.token, member.user.id, 'member')).statusCode).toBe(200);
    // The leaver's account goes (straight from the table: how it is deleted is not the point here).
    await t.database.db.deleteFrom('users').where('id', '=', leaver.user.id).execute();
    const res = await auditLog(org.slug, owner.token);
    expect(res.statusCode).toBe(200);
    const entries = res.json().data as Array<
      Entry & { actor: { name: string | null; email: string | null; deleted: boolean } }
    >;
    const byOwner = entries.find((e) => e.actor.id === owner.user.id);
    expect(byOwner?.actor).toEqual({
      type: 'user',
      id: owner.user.id,
      name: owner.user.name,
      email: owner.user.email,
      deleted: false,
    });
    const byLeaver = entries.filter((e) => e.actor.id === leaver.user.id);
    expect(byLeaver.length).toBeGreaterThan(0);
    for (const e of byLeaver) {
      expect(e.actor).toEqual({ type: 'user', id: leaver.user.id, name: null, email: null, deleted: true });
    }
  });

  describe('each membership change writes exactly one entry, with actor, target, IP and data', () => {
    it('a role change: member.role_changed {from, to}', async () => {
      const org = await orgWith([[member, 'member']]);
      const before = await allRows(org.id);
      expect((await patch(org.slug, owner.token, member.user.id, 'admin')).statusCode).toBe(200);
      const after = await allRows(org.id);
      expect(after).toHaveLength(before.length + 1);
      const res = await auditLog(org.slug, owner.token, '?limit=1');
      expect(res.statusCode).toBe(200);
      const [entry] = res.json().data as Entry[];
      expect(entry).toMatchObject({
        action: 'member.role_changed',
        actor: { type: 'user', id: owner.user.id },
        target: { type: 'user', id: member.user.id },
        ip: '127.0.0.1',
        data: { from: 'member', to: 'admin' },
      });
      expect(Number.isNaN(Date.parse(entry?.createdAt ?? ''))).toBe(false);
    });

    it('setting the role a member already has changes nothing and writes nothing', async () => {
      const org = await orgWith([[member, 'member']]);
      const before = await allRows(org.id);
      expect((await patch(org.slug, owner.token, member.user.id, 'member')).statusCode).toBe(200);
      expect(await allRows(org.id)).toEqual(before);
    });

    it('a removal: member.removed; a leave: member.left', async () => {
      const org = await orgWith([
        [admin, 'admin'],
        [member, 'member'],
        [member2, 'member'],
      ]);
      const before = await allRows(org.id);
      expect((await remove(org.slug, admin.token, member.user.id)).statusCode).toBe(204);
      expect((await remove(org.slug, member2.token, member2.user.id)).statusCode).toBe(204);
      const after = await allRows(org.id);
      expect(after).toHaveLength(before.length + 2);
      const entries = (await auditLog(org.slug, owner.token, '?limit=2')).json().data as Entry[];
      expect(entries).toMatchObject([
        {
          action: 'member.left',
          actor: { type: 'user', id: member2.user.id },
          target: { type: 'user', id: member2.user.id },
          data: { role: 'member', status: 'active' },
        },
        {
          action: 'member.removed',
          actor: { type: 'user', id: admin.user.id },
          target: { type: 'user', id: member.user.id },
          data: { role: 'member', status: 'active' },
        },
      ]);
    });

    it('an API key acting is the actor', async () => {
      const org = await orgWith([[member, 'member']]);
      const key = await createApiKey(t.database.db, 'host app', ['member:admin', 'audit:read']);
      expect((await patch(org.slug, key.token, member.user.id, 'admin')).statusCode).toBe(200);
      const [entry] = (await auditLog(org.slug, key.token, '?limit=1')).json().data as Entry[];
      expect(entry).toMatchObject({
        action: 'member.role_changed',
        actor: { type: 'api_key', id: key.id, name: 'host app', email: null, deleted: false },
      });
    });

    it('a refused change writes no entry (403, 404 and 409 alike)', async () => {
      const org = await orgWith([
        [admin, 'admin'],
        [member, 'member'],
      ]);
      const before = await allRows(org.id);
      const refused = [
        await patch(org.slug, admin.token, member.user.id, 'owner'), // 403 ROLE_CEILING
        await patch(org.slug, admin.token, owner.user.id, 'member'), // 403 ROLE_CEILING
        await patch(org.slug, member.token, admin.user.id, 'member'), // 403 FORBIDDEN
        await patch(org.slug, owner.token, owner.user.id, 'admin'), // 409 LAST_OWNER (written, then rolled back)
        await remove(org.slug, owner.token, owner.user.id), // 409 LAST_OWNER on leave
        await remove(org.slug, admin.token, owner.user.id), // 403 ROLE_CEILING
        await remove(org.slug, owner.token, outsider.user.id), // 404 MEMBER_NOT_FOUND
      ];
      expect(refused.map((r) => r.statusCode)).toEqual([403, 403, 403, 409, 409, 403, 404]);
      expect(await allRows(org.id)).toEqual(before);
      // And the refused writes themselves were rolled back with their entry.
      const roles = await t.database.db
        .selectFrom('memberships')
        .select(['user_id', 'role'])
        .where('organization_id', '=', org.id)
        .execute();
      expect(Object.fromEntries(roles.map((r) => [r.user_id, r.role]))).toEqual({
        [owner.user.id]: 'owner',
        [admin.user.id]: 'admin',
        [member.user.id]: 'member',
      });
    });
  });

  describe('reading the log (audit:read)', () => {
    let org: { id: string; slug: string };

    beforeAll(async () => {
      org = await orgWith([
        [owner2, 'owner'],
        [admin, 'admin'],
        [member, 'member'],
      ]);
      // 30 role changes, alternating actors.
      for (let i = 0; i < 30; i++) {
        const res = await patch(
          org.slug,
          i % 2 ? owner.token : owner2.token,
          member.user.id,
          i % 2 ? 'member' : 'admin',
        );
        expect(res.statusCode).toBe(200);
      }
      // Another organization's entries never show here.
      const other = await orgWith([[member2, 'member']]);
      await patch(other.slug, owner.token, member2.user.id, 'admin');
    });

    it('pages newest first with a cursor: every entry exactly once, nextCursor null on the last page', async () => {
      const expected = await allRows(org.id);
      expect(expected.length).toBe(32); // organization.created, member.added, 30 role changes
      const seen: Entry[] = [];
      const sizes: number[] = [];
      let cursor: string | null = null;
      do {
        const q: string = cursor ? `?limit=7&cursor=${encodeURIComponent(cursor)}` : '?limit=7';
        const res = await auditLog(org.id, admin.token, q);
        expect(res.statusCode, res.body).toBe(200);
        const body = res.json() as { data: Entry[]; nextCursor: string | null };
        seen.push(...body.data);
        sizes.push(body.data.length);
        cursor = body.nextCursor;
      } while (cursor !== null && sizes.length < 20);
      expect(sizes).toEqual([7, 7, 7, 7, 4]);
      expect(seen.map((e) => e.id)).toEqual(expected.map((r) => String(r.id)));
      const ids = seen.map((e) => BigInt(e.id));
      for (let i = 1; i < ids.length; i++) expect(ids[i] as bigint).toBeLessThan(ids[i - 1] as bigint);
      expect(seen.at(-1)?.action).toBe('organization.created');
      expect(seen[0]).toMatchObject({ action: 'member.role_changed', data: { from: 'admin', to: 'member' } });
    });

    it('filters by action (and by actor), across pages', async () => {
      const changes = (await allRows(org.id)).filter((r) => r.action === 'member.role_changed');
      expect(changes).toHaveLength(30);
      const seen: Entry[] = [];
      let cursor: string | null = null;
      do {
        const c: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const body = (
          await auditLog(org.slug, owner.token, `?action=member.role_changed&limit=8${c}`)
        ).json();
        seen.push(...body.data);
        cursor = body.nextCursor;
      } while (cursor);
      expect(seen.map((e) => e.id)).toEqual(changes.map((r) => String(r.id)));
      expect(new Set(seen.map((e) => e.action))).toEqual(new Set(['member.role_changed']));
      const created = (await auditLog(org.slug, owner.token, '?action=organization.created')).json();
      expect(created.data).toHaveLength(1);
      expect(created.nextCursor).toBeNull();
      const none = (await auditLog(org.slug, owner.token, '?action=no.such.action')).json();
      expect(none).toEqual({ data: [], nextCursor: null });
      const byOwner2 = (await auditLog(org.slug, owner.token, `?actorId=${owner2.user.id}&limit=100`)).json();
      expect(byOwner2.data).toHaveLength(15);
      expect(byOwner2.data.every((e: Entry) => e.actor.id === owner2.user.id)).toBe(true);
    });

    it('a member (no audit:read) gets 403; an outsider 404; no credentials 401', async () => {
      const asMember = await auditLog(org.slug, member.token);
      expect(asMember.statusCode).toBe(403);
      expect(errorCode(asMember)).toBe('FORBIDDEN');
      const asOutsider = await auditLog(org.slug, outsider.token);
      expect(asOutsider.statusCode).toBe(404);
      expect(errorCode(asOutsider)).toBe('ORGANIZATION_NOT_FOUND');
      expect((await t.app.inject({ url: `/v1/organizations/${org.slug}/audit-log` })).statusCode).toBe(401);
      const key = await createApiKey(t.database.db, 'no audit', ['member:read']);
      expect((await auditLog(org.slug, key.token)).statusCode).toBe(403);
    });

    it('a cursor the log did not return is 400 INVALID_CURSOR, even one past the id range', async () => {
      const cursors = [
        'garbage!',
        Buffer.from('a:abc').toString('base64url'),
        Buffer.from(`m:${uuidv7()}`).toString('base64url'),
        Buffer.from('a:9999999999999999999').toString('base64url'),
        Buffer.from('a:0').toString('base64url'),
      ];
      for (const cursor of cursors) {
        const res = await auditLog(org.slug, owner.token, `?cursor=${cursor}`);
        expect(res.statusCode, cursor).toBe(400);
        expect(errorCode(res)).toBe('INVALID_CURSOR');
      }
    });
  });
});

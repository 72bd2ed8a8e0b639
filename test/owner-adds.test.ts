/**
 * Owner adds an existing user (SPEC "Owner adds an existing user"): exact-email search, a pending
 * membership only that user can accept or decline, nothing an admin does activates it, seats.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addActiveMember,
  bearer,
  createOrg,
  createTestApp,
  emailsTo,
  errorCode,
  onPostgres,
  type SignedUp,
  signUp,
  type TestApp,
} from './helpers.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

async function orgWithAdmin() {
  const owner = await signUp(t.app);
  const org = await createOrg(t.app, owner.token);
  const admin = await signUp(t.app);
  await addActiveMember(t.database, org.id, admin.user.id, 'admin');
  const member = await signUp(t.app);
  await addActiveMember(t.database, org.id, member.user.id, 'member');
  return { owner, org, admin, member };
}

function search(token: string, org: string, email: string) {
  return t.app.inject({
    url: `/v1/organizations/${org}/members/search?email=${encodeURIComponent(email)}`,
    headers: bearer(token),
  });
}

function add(token: string, org: string, body: Record<string, unknown>) {
  return t.app.inject({
    method: 'POST',
    url: `/v1/organizations/${org}/members`,
    headers: bearer(token),
    payload: body,
  });
}

function answer(token: string, membershipId: string, verb: 'accept' | 'decline') {
  return t.app.inject({
    method: 'POST',
    url: `/v1/me/memberships/${membershipId}/${verb}`,
    headers: bearer(token),
  });
}

async function membershipOf(orgId: string, userId: string) {
  return t.database.db
    .selectFrom('memberships')
    .select(['id', 'role', 'status', 'source', 'added_by'])
    .where('organization_id', '=', orgId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

async function auditActions(orgId: string, targetId: string) {
  const rows = await t.database.db
    .selectFrom('audit_log')
    .select(['action', 'actor_type', 'actor_id', 'data'])
    .where('organization_id', '=', orgId)
    .where('target_id', '=', targetId)
    .orderBy('id')
    .execute();
  return rows;
}

describe('GET /v1/organizations/{org}/members/search', () => {
  it('finds a user by exact email after normalization, with their membership here (if any)', async () => {
    const { org, admin, member } = await orgWithAdmin();
    const outsider = await signUp(t.app);
    const res = await search(admin.token, org.slug, `  ${outsider.user.email.toUpperCase()} `);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      id: outsider.user.id,
      email: outsider.user.email,
      name: outsider.user.name,
      membership: null,
    });
    const known = await search(admin.token, org.id, member.user.email);
    expect(known.json().membership).toEqual({ status: 'active', role: 'member', source: 'invitation' });
  });

  it('matches nothing on a prefix, a LIKE wildcard or a non-email: 404 USER_NOT_FOUND', async () => {
    const { org, admin } = await orgWithAdmin();
    const outsider = await signUp(t.app);
    const [local, domain] = outsider.user.email.split('@') as [string, string];
    for (const probe of [
      local,
      `${local}@`,
      `${local.slice(0, -1)}_@${domain}`,
      `${local.slice(0, 3)}%@${domain}`,
      '%',
      '_@_._',
      outsider.user.email.slice(0, -1),
    ]) {
      const res = await search(admin.token, org.id, probe);
      expect(res.statusCode, probe).toBe(404);
      expect(errorCode(res)).toBe('USER_NOT_FOUND');
    }
  });

  it('is for admins: a member gets 403, a non-member 404, no email 400 naming the field', async () => {
    const { org, admin, member } = await orgWithAdmin();
    const outsider = await signUp(t.app);
    const asMember = await search(member.token, org.id, outsider.user.email);
    expect(asMember.statusCode).toBe(403);
    const asOutsider = await search(outsider.token, org.id, admin.user.email);
    expect(asOutsider.statusCode).toBe(404);
    expect(errorCode(asOutsider)).toBe('ORGANIZATION_NOT_FOUND');
    const missing = await t.app.inject({
      url: `/v1/organizations/${org.id}/members/search`,
      headers: bearer(admin.token),
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.details).toEqual([expect.objectContaining({ field: 'email' })]);
  });
});

describe('POST /v1/organizations/{org}/members (owner-add)', () => {
  it('creates a pending owner_add membership that grants nothing, emails the user, and audits it', async () => {
    const { org, admin } = await orgWithAdmin();
    const user = await signUp(t.app, undefined, 'Grace Hopper');
    const res = await add(admin.token, org.id, { email: user.user.email.toUpperCase(), role: 'member' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      userId: user.user.id,
      email: user.user.email,
      role: 'member',
      status: 'pending',
      source: 'owner_add',
      addedBy: admin.user.id,
      joinedAt: null,
    });
    // Pending is not membership: the organization stays invisible, and the permission check says so.
    expect(
      (await t.app.inject({ url: `/v1/organizations/${org.id}`, headers: bearer(user.token) })).statusCode,
    ).toBe(404);
    const perm = await t.app.inject({
      url: `/v1/organizations/${org.id}/members/${user.user.id}/permissions`,
      headers: bearer(admin.token),
    });
    expect(perm.json()).toEqual({ status: 'pending', role: 'member', scopes: [] });

    const mails = await emailsTo(t.database, user.user.email);
    const notice = mails.find((m) => m.subject.includes(org.name));
    expect(notice?.text).toContain(`as member`);
    expect(notice?.links).toEqual(['http://roster.test/me/invitations']);
    const audit = await auditActions(org.id, user.user.id);
    expect(audit).toEqual([
      expect.objectContaining({ action: 'member.add_proposed', actor_type: 'user', actor_id: admin.user.id }),
    ]);
  });

  it('adds by userId too; exactly one of userId or email, naming the field', async () => {
    const { org, admin } = await orgWithAdmin();
    const user = await signUp(t.app);
    const both = await add(admin.token, org.id, {
      userId: user.user.id,
      email: user.user.email,
      role: 'member',
    });
    expect(both.statusCode).toBe(400);
    expect(both.json().error.details).toEqual([expect.objectContaining({ field: 'userId' })]);
    const neither = await add(admin.token, org.id, { role: 'member' });
    expect(neither.statusCode).toBe(400);
    expect(await membershipOf(org.id, user.user.id)).toBeUndefined();
    const ok = await add(admin.token, org.id, { userId: user.user.id, role: 'admin' });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({ status: 'pending', role: 'admin', source: 'owner_add' });
  });

  it('refuses unknown users (404), existing memberships of any kind (409), and odd bodies (400)', async () => {
    const { org, admin, member } = await orgWithAdmin();
    const unknown = await add(admin.token, org.id, { email: 'nobody-here@example.com', role: 'member' });
    expect(unknown.statusCode).toBe(404);
    expect(errorCode(unknown)).toBe('USER_NOT_FOUND');
    const active = await add(admin.token, org.id, { userId: member.user.id, role: 'member' });
    expect(active.statusCode).toBe(409);
    expect(errorCode(active)).toBe('MEMBERSHIP_EXISTS');
    const user = await signUp(t.app);
    expect((await add(admin.token, org.id, { userId: user.user.id, role: 'member' })).statusCode).toBe(201);
    const again = await add(admin.token, org.id, { email: user.user.email, role: 'admin' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.details).toEqual({ status: 'pending', source: 'owner_add' });
    for (const body of [
      { userId: user.user.id, role: 'owner ' },
      { userId: user.user.id, role: ['member'] },
      { userId: user.user.id, role: 'member', status: 'active' },
      { userId: user.user.id, role: 'member', source: 'invitation' },
      { userId: 'not-a-uuid', role: 'member' },
    ]) {
      const res = await add(admin.token, org.id, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
    }
    expect((await membershipOf(org.id, user.user.id))?.status).toBe('pending');
  });

  it('holds the role ceiling and the scope: an admin cannot add an owner, a member cannot add', async () => {
    const { owner, org, admin, member } = await orgWithAdmin();
    const user = await signUp(t.app);
    const ceiling = await add(admin.token, org.id, { userId: user.user.id, role: 'owner' });
    expect(ceiling.statusCode).toBe(403);
    expect(errorCode(ceiling)).toBe('ROLE_CEILING');
    const noScope = await add(member.token, org.id, { userId: user.user.id, role: 'member' });
    expect(noScope.statusCode).toBe(403);
    expect(errorCode(noScope)).toBe('FORBIDDEN');
    expect(await membershipOf(org.id, user.user.id)).toBeUndefined();
    const byOwner = await add(owner.token, org.id, { userId: user.user.id, role: 'owner' });
    expect(byOwner.statusCode).toBe(201);
  });

  it('needs a free seat', async () => {
    const { owner, org, admin } = await orgWithAdmin();
    await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org.id}`,
      headers: bearer(owner.token),
      payload: { memberLimit: 3 },
    });
    const user = await signUp(t.app);
    const res = await add(admin.token, org.id, { userId: user.user.id, role: 'member' });
    expect(res.statusCode).toBe(409);
    expect(errorCode(res)).toBe('SEAT_LIMIT_REACHED');
    expect(res.json().error.details).toEqual({ memberLimit: 3, seatsInUse: 3 });
  });
});

describe('answering an owner-add: POST /v1/me/memberships/{id}/accept | decline', () => {
  async function pendingAdd(role: 'member' | 'admin' = 'member') {
    const setup = await orgWithAdmin();
    const user = await signUp(t.app);
    const res = await add(setup.admin.token, setup.org.id, { userId: user.user.id, role });
    expect(res.statusCode).toBe(201);
    return { ...setup, user, membershipId: res.json().id as string };
  }

  it('only the added user can accept: anyone else gets 404 and nothing changes', async () => {
    const { org, owner, admin, user, membershipId } = await pendingAdd();
    const stranger = await signUp(t.app);
    for (const who of [stranger, admin, owner] as SignedUp[]) {
      for (const verb of ['accept', 'decline'] as const) {
        const res = await answer(who.token, membershipId, verb);
        expect(res.statusCode).toBe(404);
        expect(errorCode(res)).toBe('PENDING_ADD_NOT_FOUND');
      }
    }
    expect((await membershipOf(org.id, user.user.id))?.status).toBe('pending');
    const unauth = await t.app.inject({ method: 'POST', url: `/v1/me/memberships/${membershipId}/accept` });
    expect(unauth.statusCode).toBe(401);
  });

  it('accept makes the membership active with the proposed role, once, and audits it', async () => {
    const { org, user, membershipId, admin } = await pendingAdd('admin');
    const res = await answer(user.token, membershipId, 'accept');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      id: membershipId,
      role: 'admin',
      status: 'active',
      source: 'owner_add',
      organization: { id: org.id, slug: org.slug, name: org.name },
    });
    const orgRes = await t.app.inject({ url: `/v1/organizations/${org.id}`, headers: bearer(user.token) });
    expect(orgRes.json().viewer.role).toBe('admin');
    const again = await answer(user.token, membershipId, 'accept');
    expect(again.statusCode).toBe(404);
    const audit = await auditActions(org.id, user.user.id);
    expect(audit.map((a) => a.action)).toEqual(['member.add_proposed', 'member.added']);
    expect(audit[1]).toMatchObject({
      actor_type: 'user',
      actor_id: user.user.id,
      data: { role: 'admin', source: 'owner_add', addedBy: admin.user.id },
    });
  });

  it('decline deletes it; the user can be added again later', async () => {
    const { org, admin, user, membershipId } = await pendingAdd();
    const res = await answer(user.token, membershipId, 'decline');
    expect(res.statusCode).toBe(204);
    expect(await membershipOf(org.id, user.user.id)).toBeUndefined();
    expect((await auditActions(org.id, user.user.id)).map((a) => a.action)).toEqual([
      'member.add_proposed',
      'member.add_declined',
    ]);
    expect((await add(admin.token, org.id, { userId: user.user.id, role: 'member' })).statusCode).toBe(201);
  });

  it('no admin action activates it: role change keeps it pending, it is not in the approval queue', async () => {
    const { org, owner, admin, user, membershipId } = await pendingAdd();
    const patch = await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org.id}/members/${user.user.id}`,
      headers: bearer(owner.token),
      payload: { role: 'admin' },
    });
    expect(patch.statusCode).toBe(200);
    expect(patch.json()).toMatchObject({ status: 'pending', role: 'admin' });
    const approve = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.id}/join-requests/${membershipId}/approve`,
      headers: bearer(admin.token),
    });
    expect(approve.statusCode).toBe(404);
    expect(errorCode(approve)).toBe('JOIN_REQUEST_NOT_FOUND');
    const queue = await t.app.inject({
      url: `/v1/organizations/${org.id}/join-requests`,
      headers: bearer(owner.token),
    });
    expect(queue.json().data).toEqual([]);
    expect((await membershipOf(org.id, user.user.id))?.status).toBe('pending');
  });

  it('an admin cancels it by removing the membership; the user then has nothing to accept', async () => {
    const { org, admin, user, membershipId } = await pendingAdd();
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org.id}/members/${user.user.id}`,
      headers: bearer(admin.token),
    });
    expect(del.statusCode).toBe(204);
    expect((await answer(user.token, membershipId, 'accept')).statusCode).toBe(404);
    expect(await membershipOf(org.id, user.user.id)).toBeUndefined();
  });

  it('re-checks seats on accept: a full organization answers 409 and the add stays pending', async () => {
    const { org, owner, user, membershipId } = await pendingAdd();
    const other = await signUp(t.app);
    await addActiveMember(t.database, org.id, other.user.id, 'member');
    const limit = await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org.id}`,
      headers: bearer(owner.token),
      payload: { memberLimit: 4 },
    });
    expect(limit.statusCode, limit.body).toBe(200);
    const res = await answer(user.token, membershipId, 'accept');
    expect(res.statusCode).toBe(409);
    expect(errorCode(res)).toBe('SEAT_LIMIT_REACHED');
    expect((await membershipOf(org.id, user.user.id))?.status).toBe('pending');
  });
});

describe.runIf(onPostgres)('owner-add races (PostgreSQL, parallel requests)', () => {
  it('accept racing an admin cancel, and parallel accepts, always end consistent', async () => {
    for (let round = 0; round < 10; round++) {
      const { org, admin, user, membershipId } = await (async () => {
        const setup = await orgWithAdmin();
        const u = await signUp(t.app);
        const r = await add(setup.admin.token, setup.org.id, { userId: u.user.id, role: 'member' });
        return { ...setup, user: u, membershipId: r.json().id as string };
      })();
      const results = await Promise.all([
        ...Array.from({ length: 4 }, () => answer(user.token, membershipId, 'accept')),
        t.app.inject({
          method: 'DELETE',
          url: `/v1/organizations/${org.id}/members/${user.user.id}`,
          headers: bearer(admin.token),
        }),
      ]);
      const accepts = results.slice(0, 4).map((r) => r.statusCode);
      const cancel = results[4]?.statusCode;
      expect(cancel).toBe(204);
      expect(accepts.filter((s) => s === 200).length).toBeLessThanOrEqual(1);
      expect(accepts.every((s) => s === 200 || s === 404)).toBe(true);
      // Whatever the order, the cancel came through and nothing half-written remains.
      expect(await membershipOf(org.id, user.user.id)).toBeUndefined();
      const actions = (await auditActions(org.id, user.user.id)).map((a) => a.action);
      const accepted = accepts.includes(200);
      expect(actions).toEqual(
        accepted
          ? ['member.add_proposed', 'member.added', 'member.removed']
          : ['member.add_proposed', 'member.removed'],
      );
    }
  });
});

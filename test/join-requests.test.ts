/**
 * Requests to join by signed-in users (SPEC "Join requests"): a pending `join_request` membership in
 * the admins' queue, approved (→ active) or rejected (→ deleted), withdrawn by the requester.
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
  signUp,
  type TestApp,
  verifiedUser,
} from './helpers.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

async function openOrg(settings: Record<string, unknown> = { joinRequestsEnabled: true }) {
  const owner = await signUp(t.app);
  const org = await createOrg(t.app, owner.token);
  const admin = await signUp(t.app);
  await addActiveMember(t.database, org.id, admin.user.id, 'admin');
  const member = await signUp(t.app);
  await addActiveMember(t.database, org.id, member.user.id, 'member');
  const res = await t.app.inject({
    method: 'PATCH',
    url: `/v1/organizations/${org.id}`,
    headers: bearer(owner.token),
    payload: settings,
  });
  expect(res.statusCode, res.body).toBe(200);
  return { owner, org, admin, member };
}

const ask = (token: string, org: string) =>
  t.app.inject({ method: 'POST', url: `/v1/organizations/${org}/join-requests`, headers: bearer(token) });
const queue = (token: string, org: string, qs = '') =>
  t.app.inject({ url: `/v1/organizations/${org}/join-requests${qs}`, headers: bearer(token) });
const decide = (token: string, org: string, id: string, verb: 'approve' | 'reject', payload?: object) =>
  t.app.inject({
    method: 'POST',
    url: `/v1/organizations/${org}/join-requests/${id}/${verb}`,
    headers: bearer(token),
    ...(payload && { payload }),
  });

async function membershipOf(orgId: string, userId: string) {
  return t.database.db
    .selectFrom('memberships')
    .select(['id', 'role', 'status', 'source'])
    .where('organization_id', '=', orgId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

async function actions(orgId: string, targetId: string) {
  const rows = await t.database.db
    .selectFrom('audit_log')
    .select('action')
    .where('organization_id', '=', orgId)
    .where('target_id', '=', targetId)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.action);
}

describe('POST /v1/organizations/{org}/join-requests, signed in', () => {
  it('creates a pending join_request membership, emails every owner and admin, and audits it', async () => {
    const { owner, org, admin, member } = await openOrg();
    const user = await verifiedUser(t, undefined, 'Katherine Johnson');
    const res = await ask(user.token, org.slug);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      userId: user.user.id,
      role: 'member',
      status: 'pending',
      source: 'join_request',
      addedBy: null,
    });
    for (const who of [owner, admin]) {
      const mail = (await emailsTo(t, who.user.email)).find((m) => m.subject.includes('asks to join'));
      expect(mail?.text).toContain('Katherine Johnson');
      expect(mail?.links).toEqual([`http://roster.test/orgs/${org.slug}/join-requests`]);
    }
    expect((await emailsTo(t, member.user.email)).some((m) => m.subject.includes('asks to join'))).toBe(
      false,
    );
    expect(await actions(org.id, user.user.id)).toEqual(['join_request.created']);
    // Pending grants nothing.
    expect(
      (await t.app.inject({ url: `/v1/organizations/${org.id}`, headers: bearer(user.token) })).statusCode,
    ).toBe(404);
  });

  it('refuses: unverified email 403, requests off 403, SSO enforced 403, unknown org 404, twice 409', async () => {
    const unverified = await signUp(t.app);
    const { org } = await openOrg();
    const r1 = await ask(unverified.token, org.id);
    expect([r1.statusCode, errorCode(r1)]).toEqual([403, 'EMAIL_NOT_VERIFIED']);

    const user = await verifiedUser(t);
    const closed = await openOrg({ joinRequestsEnabled: false });
    const r2 = await ask(user.token, closed.org.id);
    expect([r2.statusCode, errorCode(r2)]).toEqual([403, 'JOIN_REQUESTS_DISABLED']);
    const sso = await openOrg({ joinRequestsEnabled: true, ssoEnforced: true });
    const r3 = await ask(user.token, sso.org.id);
    expect([r3.statusCode, errorCode(r3)]).toEqual([403, 'SSO_REQUIRED']);
    const r4 = await ask(user.token, 'no-such-org-here');
    expect([r4.statusCode, errorCode(r4)]).toEqual([404, 'ORGANIZATION_NOT_FOUND']);

    expect((await ask(user.token, org.id)).statusCode).toBe(201);
    const twice = await ask(user.token, org.id);
    expect([twice.statusCode, errorCode(twice)]).toEqual([409, 'ALREADY_MEMBER']);
    for (const o of [closed.org, sso.org]) expect(await membershipOf(o.id, user.user.id)).toBeUndefined();
  });
});

describe('the approval queue', () => {
  it('lists pending requests oldest first, paginated, for admins only; owner-adds never appear', async () => {
    const { owner, org, admin, member } = await openOrg();
    const users = [];
    for (let i = 0; i < 3; i++) {
      const u = await verifiedUser(t);
      expect((await ask(u.token, org.id)).statusCode).toBe(201);
      users.push(u);
    }
    const added = await signUp(t.app);
    const add = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.id}/members`,
      headers: bearer(owner.token),
      payload: { userId: added.user.id, role: 'member' },
    });
    expect(add.statusCode).toBe(201);

    const first = await queue(admin.token, org.id, '?limit=2');
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().data.map((r: { userId: string }) => r.userId)).toEqual([
      users[0]?.user.id,
      users[1]?.user.id,
    ]);
    expect(first.json().data[0]).toMatchObject({ kind: 'user', email: users[0]?.user.email });
    const second = await queue(admin.token, org.id, `?limit=2&cursor=${first.json().nextCursor}`);
    expect(second.json()).toEqual({
      data: [expect.objectContaining({ userId: users[2]?.user.id })],
      nextCursor: null,
    });

    const denied = await queue(member.token, org.id);
    expect(denied.statusCode).toBe(403);
    const bad = await queue(admin.token, org.id, '?cursor=nonsense');
    expect([bad.statusCode, errorCode(bad)]).toEqual([400, 'INVALID_CURSOR']);
  });

  it('approve makes the member active (role at or below the approver), emails them, audits it', async () => {
    const { org, admin } = await openOrg();
    const user = await verifiedUser(t);
    const id = (await ask(user.token, org.id)).json().id as string;
    const tooHigh = await decide(admin.token, org.id, id, 'approve', { role: 'owner' });
    expect([tooHigh.statusCode, errorCode(tooHigh)]).toEqual([403, 'ROLE_CEILING']);
    const odd = await decide(admin.token, org.id, id, 'approve', { role: 'member', status: 'active' });
    expect(odd.statusCode).toBe(400);
    expect((await membershipOf(org.id, user.user.id))?.status).toBe('pending');

    const res = await decide(admin.token, org.id, id, 'approve', { role: 'admin' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id, userId: user.user.id, status: 'active', role: 'admin' });
    expect(res.json().joinedAt).not.toBeNull();
    const orgRes = await t.app.inject({ url: `/v1/organizations/${org.id}`, headers: bearer(user.token) });
    expect(orgRes.json().viewer.role).toBe('admin');
    const mail = (await emailsTo(t, user.user.email)).at(-1);
    expect(mail?.subject).toBe(`You joined ${org.name}`);
    expect(await actions(org.id, user.user.id)).toEqual([
      'join_request.created',
      'join_request.approved',
      'member.added',
    ]);
    const again = await decide(admin.token, org.id, id, 'approve');
    expect([again.statusCode, errorCode(again)]).toEqual([409, 'JOIN_REQUEST_ANSWERED']);
  });

  it('approve with no body admits as member; a full organization answers 409 and keeps it pending', async () => {
    const { owner, org, admin } = await openOrg();
    const a = await verifiedUser(t);
    const b = await verifiedUser(t);
    const idA = (await ask(a.token, org.id)).json().id as string;
    const idB = (await ask(b.token, org.id)).json().id as string;
    await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org.id}`,
      headers: bearer(owner.token),
      payload: { memberLimit: 4 },
    });
    const okA = await decide(admin.token, org.id, idA, 'approve');
    expect(okA.statusCode, okA.body).toBe(200);
    expect(okA.json().role).toBe('member');
    const full = await decide(admin.token, org.id, idB, 'approve');
    expect([full.statusCode, errorCode(full)]).toEqual([409, 'MEMBER_LIMIT_REACHED']);
    expect((await membershipOf(org.id, b.user.id))?.status).toBe('pending');
  });

  it('reject deletes the request and tells the user, who may ask again', async () => {
    const { org, admin } = await openOrg();
    const user = await verifiedUser(t);
    const id = (await ask(user.token, org.id)).json().id as string;
    const res = await decide(admin.token, org.id, id, 'reject');
    expect(res.statusCode).toBe(204);
    expect(await membershipOf(org.id, user.user.id)).toBeUndefined();
    expect((await emailsTo(t, user.user.email)).at(-1)?.subject).toBe(`Your request to join ${org.name}`);
    expect((await decide(admin.token, org.id, id, 'reject')).statusCode).toBe(404);
    expect((await ask(user.token, org.id)).statusCode).toBe(201);
  });

  it('an id from another organization, or of an active member, is not a join request here', async () => {
    const one = await openOrg();
    const two = await openOrg();
    const user = await verifiedUser(t);
    const id = (await ask(user.token, one.org.id)).json().id as string;
    const cross = await decide(two.admin.token, two.org.id, id, 'approve');
    expect([cross.statusCode, errorCode(cross)]).toEqual([404, 'JOIN_REQUEST_NOT_FOUND']);
    const memberId = (await membershipOf(one.org.id, one.member.user.id))?.id as string;
    expect((await decide(one.admin.token, one.org.id, memberId, 'reject')).statusCode).toBe(404);
    expect((await membershipOf(one.org.id, one.member.user.id))?.status).toBe('active');
  });
});

describe('DELETE /v1/me/memberships/{id}: the requester withdraws', () => {
  it('only the requester can withdraw; it leaves the queue', async () => {
    const { org, admin } = await openOrg();
    const user = await verifiedUser(t);
    const id = (await ask(user.token, org.id)).json().id as string;
    const other = await signUp(t.app);
    for (const who of [other, admin]) {
      const res = await t.app.inject({
        method: 'DELETE',
        url: `/v1/me/memberships/${id}`,
        headers: bearer(who.token),
      });
      expect([res.statusCode, errorCode(res)]).toEqual([404, 'JOIN_REQUEST_NOT_FOUND']);
    }
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/v1/me/memberships/${id}`,
      headers: bearer(user.token),
    });
    expect(res.statusCode).toBe(204);
    expect((await queue(admin.token, org.id)).json().data).toEqual([]);
    expect(await actions(org.id, user.user.id)).toEqual(['join_request.created', 'join_request.cancelled']);
  });
});

describe.runIf(onPostgres)('join-request races (PostgreSQL, parallel requests)', () => {
  it('two admins approving one request at once: one membership, one 200, one 409, one member.added', async () => {
    for (let round = 0; round < 10; round++) {
      const { owner, org, admin } = await openOrg();
      const user = await verifiedUser(t);
      const id = (await ask(user.token, org.id)).json().id as string;
      const results = await Promise.all([
        decide(owner.token, org.id, id, 'approve'),
        decide(admin.token, org.id, id, 'approve', { role: 'admin' }),
      ]);
      const codes = results.map((r) => r.statusCode).sort();
      expect(codes).toEqual([200, 409]);
      const winner = results.find((r) => r.statusCode === 200)?.json();
      const m = await membershipOf(org.id, user.user.id);
      expect(m).toMatchObject({ status: 'active', role: winner.role });
      expect((await actions(org.id, user.user.id)).filter((a) => a === 'member.added')).toHaveLength(1);
    }
  });

  it('approve racing reject: exactly one wins and the end state matches it', async () => {
    for (let round = 0; round < 10; round++) {
      const { org, owner, admin } = await openOrg();
      const user = await verifiedUser(t);
      const id = (await ask(user.token, org.id)).json().id as string;
      const [approve, reject] = await Promise.all([
        decide(owner.token, org.id, id, 'approve'),
        decide(admin.token, org.id, id, 'reject'),
      ]);
      const m = await membershipOf(org.id, user.user.id);
      // The requester is told the one answer that was given.
      const told = await t.database.db
        .selectFrom('join_request_answers')
        .select('answer')
        .where('membership_id', '=', id)
        .execute();
      if (approve.statusCode === 200) {
        expect(reject.statusCode).toBe(409);
        expect(m?.status).toBe('active');
        expect(told).toEqual([{ answer: 'approved' }]);
      } else {
        expect([approve.statusCode, reject.statusCode]).toEqual([404, 204]);
        expect(m).toBeUndefined();
        expect(told).toEqual([{ answer: 'rejected' }]);
      }
    }
  });
});

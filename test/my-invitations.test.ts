/**
 * The invitee's inbox (SPEC §5 `GET /v1/me/invitations`): pending invitations to the user's verified
 * email and pending owner-adds, answered from there — only by that user.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addActiveMember,
  bearer,
  createOrg,
  createTestApp,
  errorCode,
  signUp,
  type TestApp,
  uniqueEmail,
  verifiedUser,
} from './helpers.ts';
import { invited } from './invitation-helpers.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const inbox = (token: string) => t.app.inject({ url: '/v1/me/invitations', headers: bearer(token) });
const answer = (token: string, id: string, verb: 'accept' | 'decline') =>
  t.app.inject({ method: 'POST', url: `/v1/me/invitations/${id}/${verb}`, headers: bearer(token) });

async function setting() {
  const owner = await signUp(t.app, undefined, 'Olive Owner');
  const org = await createOrg(t.app, owner.token);
  return { owner, org };
}

describe('GET /v1/me/invitations', () => {
  it('lists invitations to the verified email and owner-adds, oldest first, never the inviter email', async () => {
    const user = await verifiedUser(t, uniqueEmail('invitee'), 'Ivy Invitee');
    const a = await setting();
    const b = await setting();
    const inv = await invited(t.app, a.owner, a.org.id, user.user.email.toUpperCase(), 'admin');
    const add = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${b.org.id}/members`,
      headers: bearer(b.owner.token),
      payload: { userId: user.user.id, role: 'member' },
    });
    expect(add.statusCode).toBe(201);

    const res = await inbox(user.token);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toEqual([
      expect.objectContaining({
        kind: 'invitation',
        id: inv.invitation.id,
        organization: { id: a.org.id, slug: a.org.slug, name: a.org.name },
        role: 'admin',
        invitedBy: 'Olive Owner',
      }),
      expect.objectContaining({
        kind: 'owner_add',
        id: add.json().id,
        organization: { id: b.org.id, slug: b.org.slug, name: b.org.name },
        role: 'member',
        invitedBy: 'Olive Owner',
        expiresAt: null,
      }),
    ]);
    expect(res.body).not.toContain(a.owner.user.email);
    expect((await t.app.inject({ url: '/v1/me/invitations' })).statusCode).toBe(401);
  });

  it('an unverified address sees no invitations yet; other people see none of them', async () => {
    const email = uniqueEmail('unverified');
    const unverified = await signUp(t.app, email);
    const { owner, org } = await setting();
    await invited(t.app, owner, org.id, email);
    expect((await inbox(unverified.token)).json().data).toEqual([]);
    const stranger = await verifiedUser(t);
    expect((await inbox(stranger.token)).json().data).toEqual([]);
  });

  it('leaves out revoked, accepted, expired and unapproved invitations', async () => {
    const user = await verifiedUser(t);
    const { owner, org } = await setting();
    const member = await signUp(t.app);
    await addActiveMember(t.database, org.id, member.user.id, 'member');
    const inv = await invited(t.app, owner, org.id, user.user.email);
    await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org.id}/invitations/${inv.invitation.id}`,
      headers: bearer(owner.token),
    });
    const request = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.id}/invitations/requests`,
      headers: bearer(member.token),
      payload: { email: user.user.email },
    });
    expect(request.statusCode, request.body).toBe(201);
    expect((await inbox(user.token)).json().data).toEqual([]);
  });
});

describe('POST /v1/me/invitations/{id}/accept | decline', () => {
  it('accept joins with the invited role, without the link; the same rules as the link', async () => {
    const user = await verifiedUser(t);
    const { owner, org } = await setting();
    const inv = await invited(t.app, owner, org.id, user.user.email, 'admin');
    const res = await answer(user.token, inv.invitation.id, 'accept');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().membership).toMatchObject({ role: 'admin', status: 'active' });
    const again = await answer(user.token, inv.invitation.id, 'accept');
    expect([again.statusCode, errorCode(again)]).toEqual([409, 'INVITATION_ALREADY_ACCEPTED']);
    // The emailed link is spent too.
    const link = await t.app.inject({
      method: 'POST',
      url: '/v1/invitations/accept',
      headers: bearer(user.token),
      payload: { token: inv.token },
    });
    expect(link.statusCode).toBe(409);
  });

  it('publishes invitation.created, invitation.accepted and member.added once each (analytics)', async () => {
    const user = await verifiedUser(t);
    const { owner, org } = await setting();
    const inv = await invited(t.app, owner, org.id, user.user.email);
    expect((await answer(user.token, inv.invitation.id, 'accept')).statusCode).toBe(200);
    const events = await t.database.db
      .selectFrom('analytics_events')
      .select(['type', 'data'])
      .where('organization_id', '=', org.id)
      .where('type', 'in', ['invitation.created', 'invitation.accepted', 'member.added'])
      .orderBy('created_at')
      .execute();
    const mine = events.filter(
      (e) =>
        (e.data as { invitationId?: string }).invitationId === inv.invitation.id ||
        (e.data as { userId?: string }).userId === user.user.id,
    );
    expect(mine.map((e) => e.type).sort()).toEqual([
      'invitation.accepted',
      'invitation.created',
      'member.added',
    ]);
  });

  it("someone else's invitation is not found, and stays pending and usable", async () => {
    const user = await verifiedUser(t);
    const other = await verifiedUser(t);
    const { owner, org } = await setting();
    const inv = await invited(t.app, owner, org.id, user.user.email);
    for (const verb of ['accept', 'decline'] as const) {
      const res = await answer(other.token, inv.invitation.id, verb);
      expect([res.statusCode, errorCode(res)]).toEqual([404, 'INVITATION_NOT_FOUND']);
    }
    const res = await answer(owner.token, inv.invitation.id, 'accept');
    expect(res.statusCode).toBe(404);
    expect((await answer(user.token, inv.invitation.id, 'accept')).statusCode).toBe(200);
  });

  it('an unverified invitee must verify first (403), then can accept', async () => {
    const email = uniqueEmail('later');
    const user = await signUp(t.app, email);
    const { owner, org } = await setting();
    const inv = await invited(t.app, owner, org.id, email);
    const res = await answer(user.token, inv.invitation.id, 'accept');
    expect([res.statusCode, errorCode(res)]).toEqual([403, 'EMAIL_NOT_VERIFIED']);
  });

  it('decline revokes it by the invitee, audited; it leaves the inbox and the link stops working', async () => {
    const user = await verifiedUser(t);
    const { owner, org } = await setting();
    const inv = await invited(t.app, owner, org.id, user.user.email);
    const res = await answer(user.token, inv.invitation.id, 'decline');
    expect(res.statusCode).toBe(204);
    expect((await inbox(user.token)).json().data).toEqual([]);
    const row = await t.database.db
      .selectFrom('invitations')
      .select(['status', 'revoked_by'])
      .where('id', '=', inv.invitation.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'revoked', revoked_by: user.user.id });
    const audit = await t.database.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id'])
      .where('target_id', '=', inv.invitation.id)
      .where('action', '=', 'invitation.declined')
      .execute();
    expect(audit).toEqual([{ action: 'invitation.declined', actor_id: user.user.id }]);
    const link = await t.app.inject({
      method: 'POST',
      url: '/v1/invitations/accept',
      headers: bearer(user.token),
      payload: { token: inv.token },
    });
    expect([link.statusCode, errorCode(link)]).toEqual([410, 'INVITATION_REVOKED']);
  });
});

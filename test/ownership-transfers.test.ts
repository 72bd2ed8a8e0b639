/**
 * Ownership transfers the new owner accepts: an owner proposes, the member accepts or declines within
 * 7 days, an owner may withdraw it, one waits per organization; accepting makes the member an owner
 * and the proposer an admin (or keeps them an owner). Under concurrency (PostgreSQL), an accept racing
 * the proposer's leaving, or the member's removal, never leaves the organization without an owner.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addActiveMember,
  addMember,
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

async function orgOf() {
  const owner = await signUp(t.app, undefined, 'Ada Owner');
  const org = await createOrg(t.app, owner.token);
  const member = await signUp(t.app, undefined, 'Grace Member');
  await addActiveMember(t.database, org.id, member.user.id, 'member');
  return { owner, org, member };
}

const propose = (actor: SignedUp, org: string, payload: object) =>
  t.app.inject({
    method: 'POST',
    url: `/v1/organizations/${org}/ownership-transfers`,
    headers: bearer(actor.token),
    payload,
  });

const answer = (actor: SignedUp, id: string, verb: 'accept' | 'decline') =>
  t.app.inject({
    method: 'POST',
    url: `/v1/me/ownership-transfers/${id}/${verb}`,
    headers: bearer(actor.token),
  });

async function roleOf(orgId: string, userId: string) {
  const row = await t.database.db
    .selectFrom('memberships')
    .select('role')
    .where('organization_id', '=', orgId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row?.role ?? null;
}

async function actions(orgId: string) {
  const rows = await t.database.db
    .selectFrom('audit_log')
    .select(['action', 'target_id', 'data'])
    .where('organization_id', '=', orgId)
    .where((eb) =>
      eb.or([eb('action', 'like', 'ownership_transfer.%'), eb('action', '=', 'member.role_changed')]),
    )
    .orderBy('id')
    .execute();
  return rows;
}

describe('ownership transfers', () => {
  it('the member is emailed, accepts, and becomes owner while the proposer becomes admin', async () => {
    const { owner, org, member } = await orgOf();
    const res = await propose(owner, org.slug, { userId: member.user.id });
    expect(res.statusCode, res.body).toBe(201);
    const transfer = res.json();
    expect(transfer).toMatchObject({
      organization: { id: org.id },
      from: { userId: owner.user.id },
      to: { userId: member.user.id },
      keepOwner: false,
      status: 'pending',
      answeredAt: null,
    });
    const days =
      (new Date(transfer.expiresAt).getTime() - new Date(transfer.createdAt).getTime()) / 86_400_000;
    expect(days).toBeCloseTo(7, 3);
    const mails = await emailsTo(t, member.user.email);
    expect(mails.map((m) => m.subject)).toContain(`Ada Owner wants to make you an owner of ${org.name}`);
    // Nothing changes before the answer.
    expect(await roleOf(org.id, member.user.id)).toBe('member');

    const mine = await t.app.inject({ url: '/v1/me/ownership-transfers', headers: bearer(member.token) });
    expect(mine.json().data.map((x: { id: string }) => x.id)).toEqual([transfer.id]);

    const ok = await answer(member, transfer.id, 'accept');
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'accepted' });
    expect(await roleOf(org.id, member.user.id)).toBe('owner');
    expect(await roleOf(org.id, owner.user.id)).toBe('admin');
    const log = await actions(org.id);
    expect(log.map((r) => r.action)).toEqual([
      'ownership_transfer.proposed',
      'ownership_transfer.accepted',
      'member.role_changed',
      'member.role_changed',
    ]);
    expect(log[2]).toMatchObject({ target_id: member.user.id, data: { from: 'member', to: 'owner' } });
    expect(log[3]).toMatchObject({ target_id: owner.user.id, data: { from: 'owner', to: 'admin' } });
    const told = await emailsTo(t, owner.user.email);
    expect(told.map((m) => m.subject)).toContain(`Grace Member accepted ownership of ${org.name}`);
    const again = await answer(member, transfer.id, 'accept');
    expect([again.statusCode, errorCode(again)]).toEqual([409, 'OWNERSHIP_TRANSFER_ANSWERED']);
  });

  it('keepOwner: both are owners afterwards', async () => {
    const { owner, org, member } = await orgOf();
    const res = await propose(owner, org.slug, { userId: member.user.id, keepOwner: true });
    expect((await answer(member, res.json().id, 'accept')).statusCode).toBe(200);
    expect(await roleOf(org.id, member.user.id)).toBe('owner');
    expect(await roleOf(org.id, owner.user.id)).toBe('owner');
  });

  it('declining changes nothing and tells the proposer; only the member may answer', async () => {
    const { owner, org, member } = await orgOf();
    const id = (await propose(owner, org.slug, { userId: member.user.id })).json().id;
    const stranger = await signUp(t.app);
    const notYours = await answer(stranger, id, 'accept');
    expect([notYours.statusCode, errorCode(notYours)]).toEqual([404, 'OWNERSHIP_TRANSFER_NOT_FOUND']);
    const byOwner = await answer(owner, id, 'accept');
    expect(byOwner.statusCode).toBe(404);
    const no = await answer(member, id, 'decline');
    expect(no.statusCode, no.body).toBe(200);
    expect(no.json().status).toBe('declined');
    expect(await roleOf(org.id, member.user.id)).toBe('member');
    expect(await roleOf(org.id, owner.user.id)).toBe('owner');
    expect((await emailsTo(t, owner.user.email)).map((m) => m.subject)).toContain(
      `Grace Member declined ownership of ${org.name}`,
    );
  });

  it('refuses a proposal by an admin, to oneself, to an owner, to a pending member or to a non-member', async () => {
    const { owner, org, member } = await orgOf();
    const admin = await signUp(t.app);
    await addActiveMember(t.database, org.id, admin.user.id, 'admin');
    const byAdmin = await propose(admin, org.slug, { userId: member.user.id });
    expect([byAdmin.statusCode, errorCode(byAdmin)]).toEqual([403, 'OWNERSHIP_TRANSFER_OWNER_ONLY']);
    const self = await propose(owner, org.slug, { userId: owner.user.id });
    expect([self.statusCode, errorCode(self)]).toEqual([400, 'VALIDATION_FAILED']);
    const coOwner = await signUp(t.app);
    await addActiveMember(t.database, org.id, coOwner.user.id, 'owner');
    const toOwner = await propose(owner, org.slug, { userId: coOwner.user.id });
    expect([toOwner.statusCode, errorCode(toOwner)]).toEqual([409, 'ALREADY_OWNER']);
    const pending = await signUp(t.app);
    await addMember(t.database, org.id, pending.user.id, 'member', 'pending');
    const toPending = await propose(owner, org.slug, { userId: pending.user.id });
    expect([toPending.statusCode, errorCode(toPending)]).toEqual([404, 'MEMBER_NOT_FOUND']);
    const outsider = await signUp(t.app);
    const toOutsider = await propose(owner, org.slug, { userId: outsider.user.id });
    expect([toOutsider.statusCode, errorCode(toOutsider)]).toEqual([404, 'MEMBER_NOT_FOUND']);
  });

  it('one pending per organization; an owner withdraws it; an expired one neither blocks nor can be accepted', async () => {
    const { owner, org, member } = await orgOf();
    const other = await signUp(t.app);
    await addActiveMember(t.database, org.id, other.user.id, 'member');
    const first = (await propose(owner, org.slug, { userId: member.user.id })).json();
    const second = await propose(owner, org.slug, { userId: other.user.id });
    expect([second.statusCode, errorCode(second)]).toEqual([409, 'OWNERSHIP_TRANSFER_PENDING']);
    expect(second.json().error.details).toEqual({ transferId: first.id });

    const cancel = await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org.slug}/ownership-transfers/${first.id}`,
      headers: bearer(owner.token),
    });
    expect(cancel.statusCode, cancel.body).toBe(204);
    const late = await answer(member, first.id, 'accept');
    expect([late.statusCode, errorCode(late)]).toEqual([409, 'OWNERSHIP_TRANSFER_ANSWERED']);

    const third = (await propose(owner, org.slug, { userId: other.user.id })).json();
    await t.database.db
      .updateTable('ownership_transfers')
      .set({ expires_at: sql<Date>`now() - interval '1 second'` })
      .where('id', '=', third.id)
      .execute();
    const expired = await answer(other, third.id, 'accept');
    expect([expired.statusCode, errorCode(expired)]).toEqual([410, 'OWNERSHIP_TRANSFER_EXPIRED']);
    expect(await roleOf(org.id, other.user.id)).toBe('member');
    const mine = await t.app.inject({ url: '/v1/me/ownership-transfers', headers: bearer(other.token) });
    expect(mine.json().data).toEqual([]);
    // A new proposal stores the expired one as expired and goes ahead.
    const fourth = await propose(owner, org.slug, { userId: member.user.id });
    expect(fourth.statusCode, fourth.body).toBe(201);
    const list = await t.app.inject({
      url: `/v1/organizations/${org.slug}/ownership-transfers`,
      headers: bearer(owner.token),
    });
    expect(list.json().data.map((x: { status: string }) => x.status)).toEqual([
      'pending',
      'expired',
      'cancelled',
    ]);
    expect((await actions(org.id)).map((r) => r.action)).toContain('ownership_transfer.expired');
  });

  it('no longer holds when the proposer stopped being an owner or the member left', async () => {
    const { owner, org, member } = await orgOf();
    const coOwner = await signUp(t.app);
    await addActiveMember(t.database, org.id, coOwner.user.id, 'owner');
    const id = (await propose(owner, org.slug, { userId: member.user.id })).json().id;
    const demote = await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org.id}/members/${owner.user.id}`,
      headers: bearer(coOwner.token),
      payload: { role: 'admin' },
    });
    expect(demote.statusCode, demote.body).toBe(200);
    const res = await answer(member, id, 'accept');
    expect([res.statusCode, errorCode(res)]).toEqual([409, 'OWNERSHIP_TRANSFER_INVALID']);
    expect(await roleOf(org.id, member.user.id)).toBe('member');
  });
});

describe.skipIf(!onPostgres)('ownership transfers under concurrency (PostgreSQL)', () => {
  it("an accept racing the proposer's leaving, and one racing the member's removal, always leave an owner", async () => {
    for (let round = 0; round < 8; round++) {
      const { owner, org, member } = await orgOf();
      const id = (await propose(owner, org.slug, { userId: member.user.id })).json().id;
      const race =
        round % 2 === 0
          ? t.app.inject({
              method: 'DELETE',
              url: `/v1/organizations/${org.id}/members/${owner.user.id}`,
              headers: bearer(owner.token),
            })
          : t.app.inject({
              method: 'DELETE',
              url: `/v1/organizations/${org.id}/members/${member.user.id}`,
              headers: bearer(owner.token),
            });
      const [accepted, other] = await Promise.all([answer(member, id, 'accept'), race]);
      const owners = await t.database.db
        .selectFrom('memberships')
        .select('user_id')
        .where('organization_id', '=', org.id)
        .where('role', '=', 'owner')
        .where('status', '=', 'active')
        .execute();
      expect(owners.length, `round ${round}`).toBeGreaterThanOrEqual(1);
      if (round % 2 === 0) {
        // Leaving first is refused (last owner) and the accept then goes through; accepting first
        // makes the proposer an admin, who may then leave.
        expect(accepted.statusCode, accepted.body).toBe(200);
        expect(owners.map((o) => o.user_id)).toEqual([member.user.id]);
        expect([204, 409]).toContain(other.statusCode);
      } else if (accepted.statusCode === 200) {
        // The member was an owner before the removal ran: the proposer, now an admin, cannot remove
        // them (the last-owner rule answers first).
        expect(['LAST_OWNER', 'ROLE_CEILING']).toContain(errorCode(other));
        expect(owners.map((o) => o.user_id)).toEqual([member.user.id]);
      } else {
        expect(errorCode(accepted)).toBe('OWNERSHIP_TRANSFER_INVALID');
        expect(other.statusCode).toBe(204);
        expect(owners.map((o) => o.user_id)).toEqual([owner.user.id]);
      }
    }
  });

  it('two owners proposing at once: one proposal, one 409', async () => {
    const { owner, org, member } = await orgOf();
    const coOwner = await signUp(t.app);
    await addActiveMember(t.database, org.id, coOwner.user.id, 'owner');
    const [a, b] = await Promise.all([
      propose(owner, org.slug, { userId: member.user.id }),
      propose(coOwner, org.slug, { userId: member.user.id }),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([201, 409]);
    const rows = await t.database.db
      .selectFrom('ownership_transfers')
      .select('id')
      .where('organization_id', '=', org.id)
      .execute();
    expect(rows).toHaveLength(1);
  });
});

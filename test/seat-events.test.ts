/**
 * `seat.changed`: whenever the count `memberLimit` applies to moves (active members plus pending
 * approved invitations), the organization's webhook endpoints and the analytics sink hear the new
 * count, the previous one and the limit — enqueued by the database in the transaction of the write,
 * published by the outbox worker once per new count.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportSeats } from '../src/features/organizations/seat-events.ts';
import {
  addActiveMember,
  bearer,
  createOrg,
  createTestApp,
  seatChecksDueNow,
  signUp,
  type TestApp,
  verifiedUser,
} from './helpers.ts';
import { accept, invited } from './invitation-helpers.ts';
import { startReceiver, type TestReceiver } from './webhook-receiver.ts';

let t: TestApp;
let rx: TestReceiver;
beforeAll(async () => {
  t = await createTestApp({ webhookAllowPrivate: true });
  rx = await startReceiver();
});
afterAll(async () => {
  await t?.close();
  await rx?.close();
});

/**
 * Lets the second a seat check waits (to gather a burst of writes) pass, then runs the outbox until
 * nothing is left due (a seat check publishes webhooks the next pass sends).
 */
async function settle() {
  await seatChecksDueNow(t.database);
  while ((await t.app.outbox.drain()) > 0) {
    // another pass
  }
}

async function seatEvents(orgId: string) {
  const rows = await t.database.db
    .selectFrom('analytics_events')
    .select(['data'])
    .where('organization_id', '=', orgId)
    .where('type', '=', 'seat.changed')
    .orderBy('id')
    .execute();
  return rows.map((r) => r.data as { seats: number; previous: number; memberLimit: number | null });
}

describe('seat.changed', () => {
  it('follows the seat count through creation, invitations, an accept, a revoke and a removal', async () => {
    const owner = await signUp(t.app);
    const org = await createOrg(t.app, owner.token);
    await settle();
    expect(await seatEvents(org.id)).toEqual([{ seats: 1, previous: 0, memberLimit: null }]);

    // Two invitations in one request: one check, one event for both seats.
    const bulk = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.id}/invitations/bulk`,
      headers: bearer(owner.token),
      payload: { emails: ['seat-a@example.com', 'seat-b@example.com'] },
    });
    expect(bulk.statusCode, bulk.body).toBe(200);
    await settle();
    expect((await seatEvents(org.id)).at(-1)).toEqual({ seats: 3, previous: 1, memberLimit: null });

    // An accept turns an invitation's seat into a member's: the count does not move, nothing is published.
    const grace = await verifiedUser(t);
    const inv = await invited(t.app, owner, org.id, grace.user.email);
    await settle();
    expect((await seatEvents(org.id)).at(-1)).toMatchObject({ seats: 4, previous: 3 });
    const accepted = await accept(t.app, grace.token, inv.token);
    expect(accepted.statusCode, accepted.body).toBe(200);
    await settle();
    expect(await seatEvents(org.id)).toHaveLength(3);

    const list = await t.app.inject({
      url: `/v1/organizations/${org.id}/invitations?status=pending`,
      headers: bearer(owner.token),
    });
    const pendingId = list.json().data[0].id as string;
    const revoke = await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org.id}/invitations/${pendingId}`,
      headers: bearer(owner.token),
    });
    expect(revoke.statusCode, revoke.body).toBeLessThan(300);
    await settle();
    expect((await seatEvents(org.id)).at(-1)).toEqual({ seats: 3, previous: 4, memberLimit: null });

    const removed = await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org.id}/members/${grace.user.id}`,
      headers: bearer(owner.token),
    });
    expect(removed.statusCode, removed.body).toBe(204);
    await settle();
    expect((await seatEvents(org.id)).at(-1)).toEqual({ seats: 2, previous: 3, memberLimit: null });
  });

  it('reaches subscribed webhook endpoints with the limit, and a check run twice publishes once', async () => {
    const owner = await signUp(t.app);
    const org = await createOrg(t.app, owner.token);
    const limit = await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org.id}`,
      headers: bearer(owner.token),
      payload: { memberLimit: 10 },
    });
    expect(limit.statusCode, limit.body).toBe(200);
    const endpoint = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.slug}/webhooks`,
      headers: bearer(owner.token),
      payload: { url: `${rx.url}/seats/${org.id}`, events: ['seat.changed'] },
    });
    expect(endpoint.statusCode, endpoint.body).toBe(201);
    await settle();
    const member = await signUp(t.app);
    // A write the API does not make (seeded directly) is still seen: the database enqueues the check.
    await addActiveMember(t.database, org.id, member.user.id, 'member');
    await settle();
    await rx.waitFor((all) => all.some((w) => w.path === `/seats/${org.id}` && w.json.data.seats === 2));
    const got = rx.to(`/seats/${org.id}`).map((w) => ({ type: w.json.type, data: w.json.data }));
    expect(got).toContainEqual({ type: 'seat.changed', data: { seats: 2, previous: 1, memberLimit: 10 } });

    const before = (await seatEvents(org.id)).length;
    expect(await reportSeats(t.app.ctx, { organizationId: org.id })).toBeNull();
    expect(await reportSeats(t.app.ctx, { organizationId: org.id })).toBeNull();
    expect(await seatEvents(org.id)).toHaveLength(before);
  });

  it('a burst of writes waits as one check, reported as one change', async () => {
    const owner = await signUp(t.app);
    const org = await createOrg(t.app, owner.token);
    await settle();
    for (const n of [1, 2, 3])
      await invited(t.app, owner, org.id, `burst-${n}-${org.id.slice(-6)}@example.com`);
    const waiting = await t.database.db
      .selectFrom('outbox')
      .select(['next_attempt_at', 'created_at'])
      .where('organization_id', '=', org.id)
      .where('kind', '=', 'seat_check')
      .where('status', '=', 'pending')
      .execute();
    expect(waiting).toHaveLength(1);
    await settle();
    expect(await seatEvents(org.id)).toEqual([
      { seats: 1, previous: 0, memberLimit: null },
      { seats: 4, previous: 1, memberLimit: null },
    ]);
  });

  it('a change that rolls back enqueues nothing, and a write that moves no seat enqueues no check', async () => {
    const owner = await signUp(t.app);
    const org = await createOrg(t.app, owner.token);
    const other = await signUp(t.app);
    await addActiveMember(t.database, org.id, other.user.id, 'member');
    await settle();
    const checks = () =>
      t.database.db
        .selectFrom('outbox')
        .select('id')
        .where('organization_id', '=', org.id)
        .where('kind', '=', 'seat_check')
        .execute();
    const seen = (await checks()).length;
    // A role change keeps the count.
    const promote = await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org.id}/members/${other.user.id}`,
      headers: bearer(owner.token),
      payload: { role: 'admin' },
    });
    expect(promote.statusCode, promote.body).toBe(200);
    expect(await checks()).toHaveLength(seen);
    // A rolled-back insert leaves no check behind.
    await t.database.db
      .transaction()
      .execute(async (trx) => {
        await trx
          .updateTable('memberships')
          .set({ status: 'pending', joined_at: null, source: 'owner_add' })
          .where('organization_id', '=', org.id)
          .where('user_id', '=', other.user.id)
          .execute();
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect(await checks()).toHaveLength(seen);
  });

  it('an organization deleted before its check ran publishes nothing', async () => {
    const owner = await signUp(t.app);
    const org = await createOrg(t.app, owner.token);
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org.id}`,
      headers: bearer(owner.token),
      payload: { confirm: org.slug },
    });
    expect(del.statusCode, del.body).toBeLessThan(300);
    await settle();
    expect(await seatEvents(org.id)).toEqual([]);
    expect(await reportSeats(t.app.ctx, { organizationId: org.id })).toBeNull();
  });
});

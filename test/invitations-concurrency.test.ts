/**
 * Invitations under real concurrency (SPEC §2 "Invitations"): one pending invitation per email,
 * exactly one successful accept per token, revoke racing accept, and seats never over the member
 * limit. PostgreSQL only for the races (parallel requests on an app whose pool holds 20 connections);
 * the partial unique index itself is checked on both engines.
 */
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../src/lib/ids.ts';
import {
  addActiveMember,
  bearer,
  createOrg,
  createTestApp,
  errorCode,
  onPostgres,
  type SignedUp,
  type TestApp,
  uniqueEmail,
} from './helpers.ts';
import { accept, backdateExpiry, invite, invited, verifiedUser } from './invitation-helpers.ts';

let t: TestApp;
let owner: SignedUp;
/** What each scenario observed, printed at the end for the report. */
const figures: Record<string, Record<string, number | string>> = {};

beforeAll(async () => {
  t = await createTestApp({ invitationSweepMs: 0, inviteLimitPerOrg: 0, inviteLimitPerInviter: 0 });
  owner = await verifiedUser(t, uniqueEmail('owner'), 'Owner');
});
afterAll(async () => {
  if (Object.keys(figures).length > 0) {
    console.log(`invitation concurrency figures:\n${JSON.stringify(figures, null, 2)}`);
  }
  await t?.close();
});

/** `{ "201": 1, "409 INVITATION_EXISTS": 49 }` */
function tally(responses: LightMyRequestResponse[]) {
  const out: Record<string, number> = {};
  for (const r of responses) {
    const key = r.statusCode < 300 ? String(r.statusCode) : `${r.statusCode} ${errorCode(r)}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

const pendingRows = (orgId: string, email: string) =>
  t.database.db
    .selectFrom('invitations')
    .select(['id', 'status'])
    .where('organization_id', '=', orgId)
    .where(sql`lower(email)`, '=', email.toLowerCase())
    .where('status', '=', 'pending')
    .execute();

describe('the one-pending index (both engines)', () => {
  it('the database refuses a second pending invitation for one (org, email), in any case, but not a second expired one', async () => {
    const org = await createOrg(t.app, owner.token, 'Index Corp');
    const email = uniqueEmail('index');
    const row = (e: string, status: 'pending' | 'expired') => ({
      id: uuidv7(),
      organization_id: org.id,
      email: e,
      role: 'member' as const,
      approval: 'requested_to_be_invited' as const,
      status,
    });
    await t.database.db.insertInto('invitations').values(row(email, 'pending')).execute();
    await expect(
      t.database.db.insertInto('invitations').values(row(email, 'pending')).execute(),
    ).rejects.toMatchObject({ code: '23505' });
    await t.database.db.insertInto('invitations').values(row(email, 'expired')).execute();
    await t.database.db.insertInto('invitations').values(row(email, 'expired')).execute();
    // The email column only takes normalized addresses.
    await expect(
      t.database.db.insertInto('invitations').values(row(email.toUpperCase(), 'pending')).execute(),
    ).rejects.toMatchObject({ code: '23514' });
  });
});

describe.skipIf(!onPostgres)('invitations under concurrency (PostgreSQL)', () => {
  const N = 50;

  it('50 concurrent creates of one email (in mixed case) → exactly one row, one 201, the rest 409 INVITATION_EXISTS; five rounds', async () => {
    const org = await createOrg(t.app, owner.token, 'Dup Corp');
    const totals: Record<string, number> = {};
    for (let round = 0; round < 5; round++) {
      const email = uniqueEmail(`dup${round}`);
      // From round 3 on, an expired-but-unswept invitation sits there: it must not block, nor double.
      if (round >= 3) {
        const old = await invited(t.app, owner, org.id, email);
        await backdateExpiry(t, old.invitation.id);
      }
      const responses = await Promise.all(
        Array.from({ length: N }, (_, i) =>
          invite(t.app, owner, org.id, { email: i % 2 ? email.toUpperCase() : email, role: 'member' }),
        ),
      );
      const counts = tally(responses);
      expect(counts, JSON.stringify(counts)).toEqual({ '201': 1, '409 INVITATION_EXISTS': N - 1 });
      expect(await pendingRows(org.id, email)).toHaveLength(1);
      for (const [k, v] of Object.entries(counts)) totals[k] = (totals[k] ?? 0) + v;
    }
    const rows = await t.database.db
      .selectFrom('invitations')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('organization_id', '=', org.id)
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow();
    figures['concurrent creates (5 rounds x 50)'] = { ...totals, pendingRows: rows.n };
  });

  it('50 concurrent accepts of one token → exactly one 200 and one membership, the rest 409 INVITATION_ALREADY_ACCEPTED', async () => {
    const org = await createOrg(t.app, owner.token, 'Accept Corp');
    const joiner = await verifiedUser(t, uniqueEmail('joiner'));
    // Several sessions of the same person, as from several tabs and devices.
    const sessions = [joiner.token];
    for (let i = 0; i < 4; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/sign-in',
        payload: { email: joiner.user.email, password: 'correct horse battery' },
      });
      sessions.push(res.json().session.token);
    }
    const inv = await invited(t.app, owner, org.id, joiner.user.email);
    const responses = await Promise.all(
      Array.from({ length: N }, (_, i) => accept(t.app, sessions[i % sessions.length] as string, inv.token)),
    );
    const counts = tally(responses);
    expect(counts).toEqual({ '200': 1, '409 INVITATION_ALREADY_ACCEPTED': N - 1 });
    const memberships = await t.database.db
      .selectFrom('memberships')
      .selectAll()
      .where('organization_id', '=', org.id)
      .where('user_id', '=', joiner.user.id)
      .execute();
    expect(memberships).toHaveLength(1);
    expect(memberships[0]).toMatchObject({ status: 'active', source: 'invitation' });
    const accepted = await t.database.db
      .selectFrom('audit_log')
      .select('id')
      .where('organization_id', '=', org.id)
      .where('action', 'in', ['invitation.accepted', 'member.added'])
      .where('target_id', 'in', [inv.invitation.id, joiner.user.id])
      .execute();
    expect(accepted).toHaveLength(2);
    figures['concurrent accepts of one token (50)'] = { ...counts, memberships: memberships.length };
  });

  it('revoke racing accept never ends half-way: (revoked, no member) or (accepted, active member); 30 rounds', async () => {
    const org = await createOrg(t.app, owner.token, 'Race Corp');
    const outcomes: Record<string, number> = {};
    for (let round = 0; round < 30; round++) {
      const joiner = await verifiedUser(t, uniqueEmail(`race${round}`));
      const inv = await invited(t.app, owner, org.id, joiner.user.email);
      const revoke = () =>
        t.app.inject({
          method: 'DELETE',
          url: `/v1/organizations/${org.id}/invitations/${inv.invitation.id}`,
          headers: bearer(owner.token),
        });
      // Alternate which request starts first.
      const [r, a] =
        round % 2
          ? await Promise.all([revoke(), accept(t.app, joiner.token, inv.token)])
          : await Promise.all([accept(t.app, joiner.token, inv.token), revoke()]).then(
              ([x, y]) => [y, x] as const,
            );
      const row = await t.database.db
        .selectFrom('invitations')
        .select(['status'])
        .where('id', '=', inv.invitation.id)
        .executeTakeFirstOrThrow();
      const member = await t.database.db
        .selectFrom('memberships')
        .select(['status'])
        .where('organization_id', '=', org.id)
        .where('user_id', '=', joiner.user.id)
        .executeTakeFirst();
      const state = `${row.status}/${member ? member.status : 'no member'}`;
      expect(['revoked/no member', 'accepted/active']).toContain(state);
      // The answers agree with the state: exactly one of the two succeeded.
      if (state === 'accepted/active') {
        expect([a.statusCode, r.statusCode, errorCode(r)]).toEqual([200, 409, 'INVITATION_NOT_PENDING']);
      } else {
        expect([r.statusCode, a.statusCode, errorCode(a)]).toEqual([200, 410, 'INVITATION_REVOKED']);
      }
      outcomes[state] = (outcomes[state] ?? 0) + 1;
    }
    figures['revoke racing accept (30 rounds)'] = outcomes;
  });

  it('an owner demoted to admin while inviting owners: none made after the demotion carries the lost role; 5 rounds', async () => {
    // Invitations share the organization's lock; the demotion takes it exclusively. An admin may still
    // invite, but not owners: whatever waited for the demotion must see the new role (ROLE_CEILING),
    // so every owner invitation that succeeded was written before the demotion — its audit entry first.
    const outcome: Record<string, number> = {};
    for (let round = 0; round < 5; round++) {
      const org = await createOrg(t.app, owner.token, `Demote Corp ${round}`);
      const second = await verifiedUser(t, uniqueEmail(`second${round}`), 'Second Owner');
      await addActiveMember(t.database, org.id, second.user.id, 'owner');
      const invites = Array.from({ length: 20 }, (_, i) =>
        invite(t.app, second, org.id, { email: uniqueEmail(`d${round}-${i}`), role: 'owner' }),
      );
      const demotion = t.app.inject({
        method: 'PATCH',
        url: `/v1/organizations/${org.id}/members/${second.user.id}`,
        headers: bearer(owner.token),
        payload: { role: 'admin' },
      });
      const [demoted, ...responses] = await Promise.all([demotion, ...invites]);
      expect(demoted.statusCode, demoted.body).toBe(200);
      for (const r of responses) {
        const key = r.statusCode === 201 ? '201' : `${r.statusCode} ${errorCode(r)}`;
        expect(['201', '403 ROLE_CEILING']).toContain(key);
        outcome[key] = (outcome[key] ?? 0) + 1;
      }
      const entries = await t.database.db
        .selectFrom('audit_log')
        .select(['id', 'action'])
        .where('organization_id', '=', org.id)
        .where('action', 'in', ['invitation.created', 'member.role_changed'])
        .orderBy('id')
        .execute();
      const changedAt = entries.findIndex((e) => e.action === 'member.role_changed');
      expect(changedAt).toBeGreaterThanOrEqual(0);
      // Every invitation.created precedes the role change, and there are as many as 201s.
      expect(entries.slice(changedAt + 1).map((e) => e.action)).toEqual([]);
      expect(changedAt).toBe(responses.filter((r) => r.statusCode === 201).length);
    }
    figures['demotion racing owner invitations (5 rounds x 20)'] = outcome;
  });

  it('invitations keep flowing without starving a role change: it waits its turn, not for the stream to end', async () => {
    // Shared lock holders arriving after an exclusive writer started waiting queue behind it (the
    // organization's gate). Keep a stream of invitations running and change a role in the middle: the
    // change must land while invitations are still being made after it.
    const org = await createOrg(t.app, owner.token, 'Stream Corp');
    const member = await verifiedUser(t, uniqueEmail('stream-member'), 'Member');
    await addActiveMember(t.database, org.id, member.user.id, 'member');
    let stop = false;
    let made = 0;
    const lanes = Array.from({ length: 8 }, async (_, lane) => {
      for (let i = 0; !stop; i++) {
        const r = await invite(t.app, owner, org.id, { email: uniqueEmail(`s${lane}-${i}`), role: 'member' });
        expect(r.statusCode, r.body).toBe(201);
        made += 1;
      }
    });
    // Wait until the stream is under way, change the role, then let the stream run on a little.
    while (made < 20) await new Promise((r) => setTimeout(r, 10));
    const madeWhenAsked = made;
    const changed = await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org.id}/members/${member.user.id}`,
      headers: bearer(owner.token),
      payload: { role: 'admin' },
    });
    const madeWhenChanged = made;
    while (made < madeWhenChanged + 20) await new Promise((r) => setTimeout(r, 10));
    stop = true;
    await Promise.all(lanes);
    expect(changed.statusCode, changed.body).toBe(200);
    const entries = await t.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('organization_id', '=', org.id)
      .where('action', 'in', ['invitation.created', 'member.role_changed'])
      .orderBy('id')
      .execute();
    const at = entries.findIndex((e) => e.action === 'member.role_changed');
    // It went in ahead of the invitations asked for after it: before it, only those counted when it was
    // asked, and those in flight then (answered but not yet counted, or under way: one per lane each).
    expect(at).toBeLessThanOrEqual(madeWhenAsked + 2 * 8);
    // And invitations were made after it: it did not wait for the stream to stop.
    expect(entries.length - 1 - at).toBeGreaterThanOrEqual(20);
    figures['role change inside a stream of invitations'] = {
      countedWhenAsked: madeWhenAsked,
      before: at,
      after: entries.length - 1 - at,
    };
  });

  it('seats: 30 concurrent invitations into 4 free seats → exactly 4 created; accepts and more invitations racing never exceed the limit', async () => {
    const org = await createOrg(t.app, owner.token, 'Seat Corp');
    await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org.id}`,
      headers: bearer(owner.token),
      payload: { memberLimit: 5 },
    });
    const people = await Promise.all(
      Array.from({ length: 30 }, (_, i) => verifiedUser(t, uniqueEmail(`seat${i}`))),
    );
    const first = await Promise.all(
      people.map((p) => invite(t.app, owner, org.id, { email: p.user.email, role: 'member' })),
    );
    const firstCounts = tally(first);
    expect(firstCounts).toEqual({ '201': 4, '409 MEMBER_LIMIT_REACHED': 26 });

    // The four accept while the owner revokes one and invites everyone else again, all at once.
    const created = first
      .map((r, i) => ({ r, p: people[i] as SignedUp }))
      .filter((x) => x.r.statusCode === 201);
    const tokenOfRes = (r: LightMyRequestResponse) =>
      new URL(r.json().acceptUrl).searchParams.get('token') as string;
    const [revoked, ...others] = created;
    const racing = await Promise.all([
      ...others.map((x) => accept(t.app, x.p.token, tokenOfRes(x.r))),
      t.app.inject({
        method: 'DELETE',
        url: `/v1/organizations/${org.id}/invitations/${revoked?.r.json().invitation.id}`,
        headers: bearer(owner.token),
      }),
      ...people
        .filter((p) => !created.some((x) => x.p === p))
        .map((p) => invite(t.app, owner, org.id, { email: p.user.email, role: 'member' })),
    ]);
    const raceCounts = tally(racing);
    const seats = await t.database.db
      .selectFrom('organizations')
      .select(
        sql<number>`(SELECT count(*) FROM memberships WHERE organization_id = ${org.id} AND status = 'active')::int`.as(
          'active',
        ),
      )
      .select(
        sql<number>`(SELECT count(*) FROM invitations WHERE organization_id = ${org.id} AND status = 'pending' AND approval = 'approved' AND expires_at > now())::int`.as(
          'pending',
        ),
      )
      .where('id', '=', org.id)
      .executeTakeFirstOrThrow();
    expect(seats.active + seats.pending).toBeLessThanOrEqual(5);
    // The three accepts and the revoke all went through. The freed seat went to at most one
    // re-invitation: to none when every re-invitation took the lock before the revoke did.
    expect(seats.active).toBe(4);
    expect(raceCounts['200']).toBe(4); // three accepts + the revoke
    expect(seats.pending).toBeLessThanOrEqual(1);
    expect(raceCounts['201'] ?? 0).toBe(seats.pending);
    figures['seats (limit 5, owner + 30 invitees)'] = {
      firstWave: JSON.stringify(firstCounts),
      race: JSON.stringify(raceCounts),
      active: seats.active,
      pendingApproved: seats.pending,
    };
  });
});

/**
 * Deleting one's own account (`DELETE /v1/me {password}`): refused while the person is the last active
 * owner of an organization (409 LAST_OWNER naming every such organization), checked under the
 * organizations' locks in the deleting transaction, so no race leaves an organization without an
 * owner (SPEC §2 "Last owner"). The account's memberships, sessions and links go with it; audit
 * entries stay, read as by a deleted account; invitations the person sent stay valid.
 */
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../src/features/access/scopes.ts';
import { uuidv7 } from '../src/lib/ids.ts';
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
  signUpEach,
  type TestApp,
  uniqueEmail,
  waitUntil,
} from './helpers.ts';
import { invited } from './invitation-helpers.ts';

const PASSWORD = 'correct horse battery';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

function deleteMe(who: SignedUp, password: unknown = PASSWORD) {
  return t.app.inject({
    method: 'DELETE',
    url: '/v1/me',
    headers: bearer(who.token),
    payload: { password } as Record<string, unknown>,
  });
}

const userExists = async (id: string) =>
  (await t.database.db.selectFrom('users').select('id').where('id', '=', id).executeTakeFirst()) !==
  undefined;

async function activeOwners(orgId: string) {
  const rows = await t.database.db
    .selectFrom('memberships')
    .select('user_id')
    .where('organization_id', '=', orgId)
    .where('role', '=', 'owner')
    .where('status', '=', 'active')
    .execute();
  return rows.map((r) => r.user_id);
}

async function seedPending(orgId: string, userId: string, source: 'owner_add' | 'join_request', role: Role) {
  await t.database.db
    .insertInto('memberships')
    .values({
      id: uuidv7(),
      organization_id: orgId,
      user_id: userId,
      role,
      status: 'pending',
      source,
      added_by: null,
      joined_at: null,
    })
    .execute();
}

describe('DELETE /v1/me', () => {
  it('refuses a wrong or missing password (403 INVALID_PASSWORD, 400) and deletes nothing', async () => {
    const u = await signUp(t.app);
    const wrong = await deleteMe(u, 'not my password');
    expect([wrong.statusCode, errorCode(wrong)]).toEqual([403, 'INVALID_PASSWORD']);
    expect(wrong.json().error.details).toEqual([expect.objectContaining({ field: 'password' })]);
    const missing = await t.app.inject({
      method: 'DELETE',
      url: '/v1/me',
      headers: bearer(u.token),
      payload: {},
    });
    expect(missing.statusCode).toBe(400);
    const anon = await t.app.inject({ method: 'DELETE', url: '/v1/me', payload: { password: PASSWORD } });
    expect(anon.statusCode).toBe(401);
    expect(await userExists(u.user.id)).toBe(true);
    expect((await t.app.inject({ url: '/v1/me', headers: bearer(u.token) })).statusCode).toBe(200);
  });

  it('refuses with 409 LAST_OWNER naming every organization it would leave ownerless; allowed once each has another owner', async () => {
    const [u, co, other] = await signUpEach(t.app, ['leaving', 'co-owner', 'other']);
    const solo1 = await createOrg(t.app, u.token, 'Solo One');
    const solo2 = await createOrg(t.app, u.token, 'Solo Two');
    const shared = await createOrg(t.app, u.token, 'Shared');
    await addActiveMember(t.database, shared.id, co.user.id, 'owner');
    // Where the person is only a member, or another owner runs it, nothing stands in the way.
    const elsewhere = await createOrg(t.app, other.token, 'Elsewhere');
    await addActiveMember(t.database, elsewhere.id, u.user.id, 'admin');
    // A pending owner-add with role owner is not ownership.
    const offered = await createOrg(t.app, other.token, 'Offered');
    await seedPending(offered.id, u.user.id, 'owner_add', 'owner');

    const res = await deleteMe(u);
    expect([res.statusCode, errorCode(res)]).toEqual([409, 'LAST_OWNER']);
    const named = res.json().error.details.organizations as Array<{ id: string; slug: string; name: string }>;
    expect([...named].sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      [solo1, solo2]
        .map((o) => ({ id: o.id, slug: o.slug, name: o.name }))
        .sort((a, b) => a.id.localeCompare(b.id)),
    );
    expect(res.json().error.message).toContain('Solo One');
    expect(await userExists(u.user.id)).toBe(true);

    // Another owner in one of them: the other is still named.
    await addActiveMember(t.database, solo1.id, other.user.id, 'owner');
    const still = await deleteMe(u);
    expect(still.statusCode).toBe(409);
    expect(still.json().error.details.organizations).toEqual([
      { id: solo2.id, slug: solo2.slug, name: solo2.name },
    ]);

    await addActiveMember(t.database, solo2.id, co.user.id, 'owner');
    const done = await deleteMe(u);
    expect(done.statusCode, done.body).toBe(204);
    expect(done.cookies.find((c) => c.name === 'roster_session')?.value).toBe('');
    expect(await userExists(u.user.id)).toBe(false);
    for (const org of [solo1, solo2, shared]) expect((await activeOwners(org.id)).length).toBeGreaterThan(0);
  });

  it('removes memberships (pending ones too), sessions and links, records each end in its organization, publishes member.removed', async () => {
    const [u, owner] = await signUpEach(t.app, ['gone', 'stays']);
    const active = await createOrg(t.app, owner.token, 'Active Here');
    await addActiveMember(t.database, active.id, u.user.id, 'admin');
    const addedTo = await createOrg(t.app, owner.token, 'Added To');
    await seedPending(addedTo.id, u.user.id, 'owner_add', 'member');
    const askedTo = await createOrg(t.app, owner.token, 'Asked To');
    await seedPending(askedTo.id, u.user.id, 'join_request', 'member');
    const second = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in',
      payload: { email: u.user.email, password: PASSWORD },
    });
    await t.app.inject({ method: 'POST', url: '/v1/auth/password-reset', payload: { email: u.user.email } });
    await t.app.outbox.drain();

    expect((await deleteMe(u)).statusCode).toBe(204);

    for (const table of ['memberships', 'sessions', 'password_resets', 'email_verifications'] as const) {
      const rows = await t.database.db
        .selectFrom(table)
        .select('id')
        .where('user_id', '=', u.user.id)
        .execute();
      expect(rows, table).toHaveLength(0);
    }
    for (const token of [u.token, second.json().session.token as string]) {
      expect((await t.app.inject({ url: '/v1/me', headers: bearer(token) })).statusCode).toBe(401);
    }
    const signIn = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in',
      payload: { email: u.user.email, password: PASSWORD },
    });
    expect(signIn.statusCode).toBe(401);

    const entries = await t.database.db
      .selectFrom('audit_log')
      .select(['organization_id', 'action', 'actor_id', 'target_id', 'data'])
      .where('actor_id', '=', u.user.id)
      .where('action', 'in', ['member.removed', 'user.deleted'])
      .execute();
    expect(
      entries
        .filter((e) => e.action === 'member.removed')
        .map((e) => e.organization_id)
        .sort(),
    ).toEqual([active.id, addedTo.id, askedTo.id].sort());
    expect(entries.find((e) => e.organization_id === active.id)?.data).toEqual({
      role: 'admin',
      status: 'active',
      source: 'invitation',
      reason: 'account_deleted',
    });
    expect(entries.filter((e) => e.action === 'user.deleted')).toEqual([
      expect.objectContaining({ organization_id: null, target_id: u.user.id }),
    ]);
    // The event is published for the active membership only.
    const events = await t.database.db
      .selectFrom('analytics_events')
      .select(['organization_id', 'data'])
      .where('type', '=', 'member.removed')
      .where(sql<string>`data->>'userId'`, '=', u.user.id)
      .execute();
    expect(events).toEqual([
      { organization_id: active.id, data: { userId: u.user.id, role: 'admin', reason: 'account_deleted' } },
    ]);
    // The organization's audit log reads the entries as by a deleted account.
    const log = await t.app.inject({
      url: `/v1/organizations/${active.slug}/audit-log?actorId=${u.user.id}`,
      headers: bearer(owner.token),
    });
    expect(log.statusCode).toBe(200);
    const byGone = log.json().data as Array<{ actor: Record<string, unknown>; action: string }>;
    expect(byGone.map((e) => e.action)).toContain('member.removed');
    for (const e of byGone) expect(e.actor).toMatchObject({ id: u.user.id, deleted: true });
    // A goodbye goes to the address.
    expect((await emailsTo(t, u.user.email)).map((m) => m.subject)).toContain('Your account was deleted');
  });

  it('keeps the invitations the person sent valid: invited_by becomes null, and the invitee can still join', async () => {
    const [u, owner] = await signUpEach(t.app, ['inviter', 'owner']);
    const org = await createOrg(t.app, owner.token);
    await addActiveMember(t.database, org.id, u.user.id, 'admin');
    const invitee = uniqueEmail('invitee');
    const { invitation, token } = await invited(t.app, u, org.id, invitee);

    expect((await deleteMe(u)).statusCode).toBe(204);

    const row = await t.database.db
      .selectFrom('invitations')
      .select(['invited_by', 'status', 'email'])
      .where('id', '=', invitation.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ invited_by: null, status: 'pending', email: invitee });
    const check = await t.app.inject({ url: `/v1/invitations/${token}` });
    expect(check.json()).toMatchObject({ valid: true, inviter: null });
    const joined = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-up',
      payload: { email: invitee, password: PASSWORD, name: 'Invitee', invitationToken: token },
    });
    expect(joined.statusCode, joined.body).toBe(201);
    const membership = await t.database.db
      .selectFrom('memberships')
      .select(['status'])
      .where('organization_id', '=', org.id)
      .where('user_id', '=', joined.json().user.id)
      .executeTakeFirstOrThrow();
    expect(membership.status).toBe('active');
  });
});

describe.skipIf(!onPostgres)('account deletion under concurrency (PostgreSQL)', () => {
  const ROUNDS = 30;

  /** Waits until `n` backends of this database wait on a lock; fails at once if a request ended. */
  async function lockWaiters(n: number, noneEnded: () => boolean) {
    await waitUntil(
      async () => {
        const { rows } = await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(t.database.db);
        return (rows[0]?.n ?? 0) >= n;
      },
      { alive: noneEnded, what: `${n} requests waiting on the organization lock`, everyMs: 2 },
    );
  }

  /**
   * Holds the organization's row lock while the requests are fired one by one, each queued on the
   * lock before the next is sent; then lets them go, in that order, one right after the other.
   */
  async function underLock(orgId: string, starts: Array<() => Promise<LightMyRequestResponse>>) {
    const pending: Array<Promise<LightMyRequestResponse>> = [];
    let ended = 0;
    await t.database.db.transaction().execute(async (trx) => {
      await sql`SELECT 1 FROM organizations WHERE id = ${orgId} FOR UPDATE`.execute(trx);
      for (const [i, start] of starts.entries()) {
        const request = start();
        request.then(
          () => ended++,
          () => ended++,
        );
        pending.push(request);
        await lockWaiters(i + 1, () => ended === 0);
      }
    });
    return Promise.all(pending);
  }

  const stepDown = (org: string, who: SignedUp) =>
    t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org}/members/${who.user.id}`,
      headers: bearer(who.token),
      payload: { role: 'admin' },
    });

  it('queued on the organization lock behind or ahead of the other owner stepping down: the first wins, the second is LAST_OWNER', async () => {
    for (const deletionFirst of [true, false]) {
      const [a, b] = await signUpEach(t.app, ['queued-a', 'queued-b']);
      const org = await createOrg(t.app, a.token);
      await addActiveMember(t.database, org.id, b.user.id, 'owner');
      const starts = [() => deleteMe(a), () => stepDown(org.id, b)];
      const [deleted, demoted] = deletionFirst
        ? await underLock(org.id, starts)
        : await underLock(org.id, [...starts].reverse()).then(([x, y]) => [y, x] as const);
      if (deletionFirst) {
        expect(deleted?.statusCode, deleted?.body).toBe(204);
        expect([demoted?.statusCode, demoted && errorCode(demoted)]).toEqual([409, 'LAST_OWNER']);
        expect(await activeOwners(org.id)).toEqual([b.user.id]);
      } else {
        expect(demoted?.statusCode, demoted?.body).toBe(200);
        expect([deleted?.statusCode, deleted && errorCode(deleted)]).toEqual([409, 'LAST_OWNER']);
        expect(await activeOwners(org.id)).toEqual([a.user.id]);
      }
    }
  });

  it('two owners deleting their accounts, queued on the organization lock: the first goes, the second is the last owner', async () => {
    const [a, b] = await signUpEach(t.app, ['both-a', 'both-b']);
    const org = await createOrg(t.app, a.token);
    await addActiveMember(t.database, org.id, b.user.id, 'owner');
    const [first, second] = await underLock(org.id, [() => deleteMe(a), () => deleteMe(b)]);
    expect(first?.statusCode, first?.body).toBe(204);
    expect([second?.statusCode, second && errorCode(second)]).toEqual([409, 'LAST_OWNER']);
    expect(await activeOwners(org.id)).toEqual([b.user.id]);
  });

  it('racing the other owner stepping down: never an organization without an owner, exactly one wins', async () => {
    const outcomes = { deleted: 0, demoted: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const [a, b] = await signUpEach(t.app, [`a${round}`, `b${round}`]);
      const org = await createOrg(t.app, a.token);
      await addActiveMember(t.database, org.id, b.user.id, 'owner');
      // The deletion checks the password (a memory-hard hash) before it writes: the demotion starts
      // a little later each round, so the two transactions meet in either order, and at times at once.
      const delayMs = (round % 10) * 15;
      const [deleted, demoted] = await Promise.all([
        deleteMe(a),
        new Promise((r) => setTimeout(r, delayMs)).then(() =>
          t.app.inject({
            method: 'PATCH',
            url: `/v1/organizations/${org.id}/members/${b.user.id}`,
            headers: bearer(b.token),
            payload: { role: 'admin' },
          }),
        ),
      ]);
      const owners = await activeOwners(org.id);
      expect(owners.length, `round ${round}`).toBeGreaterThanOrEqual(1);
      if (deleted.statusCode === 204) {
        outcomes.deleted += 1;
        expect([demoted.statusCode, errorCode(demoted)]).toEqual([409, 'LAST_OWNER']);
        expect(owners).toEqual([b.user.id]);
      } else {
        outcomes.demoted += 1;
        expect([deleted.statusCode, errorCode(deleted)]).toEqual([409, 'LAST_OWNER']);
        expect(demoted.statusCode).toBe(200);
        expect(owners).toEqual([a.user.id]);
      }
    }
    console.log(`deletion vs demotion: ${JSON.stringify(outcomes)}`);
    expect(outcomes.deleted + outcomes.demoted).toBe(ROUNDS);
  });

  it('two owners deleting their accounts at once: one goes, the other is the last owner', async () => {
    for (let round = 0; round < ROUNDS / 2; round++) {
      const [a, b] = await signUpEach(t.app, [`x${round}`, `y${round}`]);
      const org = await createOrg(t.app, a.token);
      await addActiveMember(t.database, org.id, b.user.id, 'owner');
      // A second organization both own, created by the other: the locks are taken in id order.
      const org2 = await createOrg(t.app, b.token);
      await addActiveMember(t.database, org2.id, a.user.id, 'owner');
      // Staggered by a few milliseconds: the two transactions overlap in every way.
      const answers = await Promise.all([
        deleteMe(a),
        new Promise((r) => setTimeout(r, (round % 5) * 4)).then(() => deleteMe(b)),
      ]);
      expect(answers.map((r) => r.statusCode).sort(), answers.map((r) => r.body).join(' / ')).toEqual([
        204, 409,
      ]);
      const refused = answers.filter((r) => r.statusCode !== 204);
      expect(refused.map(errorCode)).toEqual(['LAST_OWNER']);
      expect(await activeOwners(org.id)).toHaveLength(1);
      expect(await activeOwners(org2.id)).toHaveLength(1);
    }
  });
});

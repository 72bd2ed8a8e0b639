/**
 * Last owner under real concurrency (SPEC §2 "Roles and permissions"): "no removal, demotion or leave
 * may leave an organization without an active owner (checked inside the same transaction as the
 * write, so two concurrent demotions cannot both pass)". PostgreSQL only: parallel requests on an app
 * whose pool holds 20 connections, many rounds, each on a fresh organization.
 */
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../src/db/database.ts';
import type { Role } from '../src/features/access/scopes.ts';
import { uuidv7 } from '../src/lib/ids.ts';
import {
  bearer,
  createOrg,
  createTestApp,
  errorCode,
  onPostgres,
  type SignedUp,
  signUpEach,
  type TestApp,
  waitUntil,
} from './helpers.ts';

const ROUNDS = 40;
const QUEUED_ROUNDS = 10;

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

describe.skipIf(!onPostgres)('last owner under concurrency (PostgreSQL)', () => {
  let t: TestApp;
  let a: SignedUp;
  let b: SignedUp;
  let c: SignedUp;
  let crowd: SignedUp[];
  /** What each scenario observed, printed at the end for the report. */
  const figures: Record<string, Record<string, number>> = {};

  beforeAll(async () => {
    t = await createTestApp();
    [a, b, c] = await signUpEach(t.app, ['a', 'b', 'c']);
    crowd = await signUpEach(
      t.app,
      Array.from({ length: 9 }, (_, i) => `crowd-${i}`),
    );
  });
  afterAll(async () => {
    console.log(`last-owner concurrency figures:\n${JSON.stringify(figures, null, 2)}`);
    await t?.close();
  });

  const patch = (org: string, actor: SignedUp, target: SignedUp, role: Role) =>
    t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org}/members/${target.user.id}`,
      headers: bearer(actor.token),
      payload: { role },
    });
  const remove = (org: string, actor: SignedUp, target: SignedUp) =>
    t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org}/members/${target.user.id}`,
      headers: bearer(actor.token),
    });

  const activeOwners = async (orgId: string) =>
    (
      await t.database.db
        .selectFrom('memberships')
        .select('user_id')
        .where('organization_id', '=', orgId)
        .where('role', '=', 'owner')
        .where('status', '=', 'active')
        .execute()
    ).map((r) => r.user_id);

  const memberEntries = async (orgId: string) =>
    t.database.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id', 'target_id'])
      .where('organization_id', '=', orgId)
      .where('action', 'in', ['member.role_changed', 'member.removed', 'member.left'])
      .orderBy('id')
      .execute();

  /**
   * Waits until `n` backends of this database wait on a lock (the requests queued on the org row),
   * however long that takes on a busy machine; fails at once if one of the requests ended instead,
   * since a request that finished while the lock was held never queued on it.
   */
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
   * Holds the organization's row lock while `start()` fires requests one by one (each waiting on the
   * lock before the next is sent), then releases it: every request has passed its access check, and
   * they run in the order sent.
   */
  async function underLock(orgId: string, starts: Array<() => Promise<LightMyRequestResponse>>) {
    const pending: Array<Promise<LightMyRequestResponse>> = [];
    let ended = 0;
    const noneEnded = () => ended === 0;
    await t.database.db.transaction().execute(async (trx) => {
      await sql`SELECT 1 FROM organizations WHERE id = ${orgId} FOR UPDATE`.execute(trx);
      for (const [i, start] of starts.entries()) {
        const request = start();
        request.then(
          () => ended++,
          () => ended++,
        );
        pending.push(request);
        await lockWaiters(i + 1, noneEnded);
      }
    });
    return Promise.all(pending);
  }

  type Starts = Array<() => Promise<LightMyRequestResponse>>;
  interface Race {
    name: string;
    make: (org: string) => Starts;
    /** Who keeps ownership: the one whose write passed, or (when both leave) the one who stayed. */
    survivor: 'winner' | 'loser';
    /**
     * What the loser may get instead of 409 when its request started only after the winner's had
     * committed: by then it had lost the authority it needed (no race left to arbitrate).
     */
    lapsed: string[];
  }
  const races: Race[] = [
    {
      name: 'A demotes B while B demotes A',
      make: (org) => [() => patch(org, a, b, 'admin'), () => patch(org, b, a, 'admin')],
      survivor: 'winner',
      lapsed: ['403 ROLE_CEILING'],
    },
    {
      name: 'A and B both leave',
      make: (org) => [() => remove(org, a, a), () => remove(org, b, b)],
      survivor: 'loser',
      lapsed: [],
    },
    {
      name: 'A removes B while B removes A',
      make: (org) => [() => remove(org, a, b), () => remove(org, b, a)],
      survivor: 'winner',
      lapsed: ['404 ORGANIZATION_NOT_FOUND'],
    },
    {
      name: 'A demotes B to member while B removes A',
      make: (org) => [() => patch(org, a, b, 'member'), () => remove(org, b, a)],
      survivor: 'winner',
      lapsed: ['403 FORBIDDEN', '404 ORGANIZATION_NOT_FOUND'],
    },
  ];

  /** One round on a fresh organization whose only active owners are A and B (C is a plain member). */
  async function round(label: string, mode: 'parallel' | 'queued', race: Race) {
    const org = await createOrg(t.app, a.token);
    await seedMember(t.database, org.id, b.user.id, 'owner');
    await seedMember(t.database, org.id, c.user.id, 'member');
    const starts = race.make(org.slug);
    const [ra, rb] =
      mode === 'queued' ? await underLock(org.id, starts) : await Promise.all(starts.map((s) => s()));
    if (!ra || !rb) throw new Error('two responses expected');
    const outcome = [ra, rb].map((r) => (r.statusCode < 300 ? 'ok' : `${r.statusCode} ${errorCode(r)}`));
    const message = `${label}: A ${outcome[0]} / B ${outcome[1]}`;
    // Exactly one succeeds.
    expect(
      outcome.filter((o) => o === 'ok'),
      message,
    ).toHaveLength(1);
    const [winner, loser] = outcome[0] === 'ok' ? [a, b] : [b, a];
    const refusal = outcome[0] === 'ok' ? outcome[1] : outcome[0];
    figures[label] ??= {};
    const tally = figures[label];
    const key = `${winner === a ? 'A' : 'B'} succeeded, ${loser === a ? 'A' : 'B'} got ${refusal}`;
    tally[key] = (tally[key] ?? 0) + 1;
    // The other is refused by the last-owner rule — or, only when it came after the winner's commit,
    // for lack of the authority it had lost.
    expect(['409 LAST_OWNER', ...(mode === 'parallel' ? race.lapsed : [])], message).toContain(refusal);
    // The organization keeps exactly one active owner, and exactly one entry records the change.
    expect(await activeOwners(org.id)).toEqual([(race.survivor === 'winner' ? winner : loser).user.id]);
    const entries = await memberEntries(org.id);
    expect(entries.map((e) => e.actor_id)).toEqual([winner.user.id]);
  }

  for (const race of races) {
    it(`${race.name}, in parallel over ${ROUNDS} fresh organizations: exactly one succeeds, ≥ 1 owner remains`, async () => {
      for (let i = 0; i < ROUNDS; i++) await round(race.name, 'parallel', race);
    });

    it(`${race.name}, both authorized before either writes (${QUEUED_ROUNDS} rounds): one succeeds, the other gets 409 LAST_OWNER`, async () => {
      const label = `${race.name} (both queued on the org lock)`;
      for (let i = 0; i < QUEUED_ROUNDS; i++) await round(label, 'queued', race);
      // Queued in the order sent, A's request runs first every time.
      expect(figures[label]).toEqual({ 'A succeeded, B got 409 LAST_OWNER': QUEUED_ROUNDS });
    });
  }

  it('ten owners all leave at once: nine leave, one is refused with 409 LAST_OWNER', async () => {
    const owners = [a, ...crowd];
    const tally: Record<string, number> = {};
    for (let i = 0; i < 10; i++) {
      const org = await createOrg(t.app, a.token);
      for (const p of crowd) await seedMember(t.database, org.id, p.user.id, 'owner');
      const results = await Promise.all(owners.map((p) => remove(org.slug, p, p)));
      const codes = results.map((r) => (r.statusCode < 300 ? 'ok' : `${r.statusCode} ${errorCode(r)}`));
      for (const code of codes) tally[code] = (tally[code] ?? 0) + 1;
      expect(codes.filter((x) => x === 'ok')).toHaveLength(9);
      expect(codes.filter((x) => x === '409 LAST_OWNER')).toHaveLength(1);
      const remaining = await activeOwners(org.id);
      expect(remaining).toHaveLength(1);
      expect(remaining[0]).toBe(owners[codes.indexOf('409 LAST_OWNER')]?.user.id);
      expect(await memberEntries(org.id)).toHaveLength(9);
    }
    figures['ten owners leave at once (10 rounds, responses)'] = tally;
  });

  describe('authority is re-checked under the lock: a caller demoted or removed while waiting cannot act', () => {
    it('B, demoted to member by A while B’s removal of owner C waited, is refused (403) and C stays', async () => {
      for (let i = 0; i < 5; i++) {
        const org = await createOrg(t.app, a.token);
        await seedMember(t.database, org.id, b.user.id, 'owner');
        await seedMember(t.database, org.id, c.user.id, 'owner');
        const [demote, stale] = await underLock(org.id, [
          () => patch(org.slug, a, b, 'member'),
          () => remove(org.slug, b, c),
        ]);
        expect(demote?.statusCode).toBe(200);
        expect(stale?.statusCode).toBe(403);
        expect(errorCode(stale as LightMyRequestResponse)).toBe('FORBIDDEN');
        expect((await activeOwners(org.id)).sort()).toEqual([a.user.id, c.user.id].sort());
        expect((await memberEntries(org.id)).map((e) => e.action)).toEqual(['member.role_changed']);
      }
    });

    it('B, removed by A while B’s demotion of owner C waited, gets 404 and C stays owner', async () => {
      const org = await createOrg(t.app, a.token);
      await seedMember(t.database, org.id, b.user.id, 'owner');
      await seedMember(t.database, org.id, c.user.id, 'owner');
      const [removed, stale] = await underLock(org.id, [
        () => remove(org.slug, a, b),
        () => patch(org.slug, b, c, 'member'),
      ]);
      expect(removed?.statusCode).toBe(204);
      expect(stale?.statusCode).toBe(404);
      expect(errorCode(stale as LightMyRequestResponse)).toBe('ORGANIZATION_NOT_FOUND');
      expect((await activeOwners(org.id)).sort()).toEqual([a.user.id, c.user.id].sort());
      expect((await memberEntries(org.id)).map((e) => e.action)).toEqual(['member.removed']);
    });

    it('B, demoted to admin while B’s deletion of the organization waited, is refused (403); it stays', async () => {
      const org = await createOrg(t.app, a.token);
      await seedMember(t.database, org.id, b.user.id, 'owner');
      const [demote, stale] = await underLock(org.id, [
        () => patch(org.slug, a, b, 'admin'),
        () =>
          t.app.inject({ method: 'DELETE', url: `/v1/organizations/${org.id}`, headers: bearer(b.token) }),
      ]);
      expect(demote?.statusCode).toBe(200);
      expect([stale?.statusCode, errorCode(stale as LightMyRequestResponse)]).toEqual([403, 'FORBIDDEN']);
      const still = await t.app.inject({ url: `/v1/organizations/${org.id}`, headers: bearer(a.token) });
      expect(still.statusCode).toBe(200);
    });

    it('an admin demoted to member while changing the settings is refused (403); nothing changes', async () => {
      const org = await createOrg(t.app, a.token);
      await seedMember(t.database, org.id, b.user.id, 'admin');
      const [demote, stale] = await underLock(org.id, [
        () => patch(org.slug, a, b, 'member'),
        () =>
          t.app.inject({
            method: 'PATCH',
            url: `/v1/organizations/${org.id}`,
            headers: bearer(b.token),
            payload: { joinRequestsEnabled: true },
          }),
      ]);
      expect(demote?.statusCode).toBe(200);
      expect([stale?.statusCode, errorCode(stale as LightMyRequestResponse)]).toEqual([403, 'FORBIDDEN']);
      const after = await t.app.inject({ url: `/v1/organizations/${org.id}`, headers: bearer(a.token) });
      expect(after.json().joinRequestsEnabled).toBe(false);
    });

    it('an admin demoted to member while promoting someone to admin is refused (403)', async () => {
      const org = await createOrg(t.app, a.token);
      await seedMember(t.database, org.id, b.user.id, 'admin');
      await seedMember(t.database, org.id, c.user.id, 'member');
      const [demote, stale] = await underLock(org.id, [
        () => patch(org.slug, a, b, 'member'),
        () => patch(org.slug, b, c, 'admin'),
      ]);
      expect(demote?.statusCode).toBe(200);
      expect(stale?.statusCode).toBe(403);
      const roles = await t.database.db
        .selectFrom('memberships')
        .select(['user_id', 'role'])
        .where('organization_id', '=', org.id)
        .execute();
      expect(roles.find((r) => r.user_id === c.user.id)?.role).toBe('member');
    });
  });
});

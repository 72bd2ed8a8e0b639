/**
 * A requester is told the answer in the app (issue 13, item 6): approving or rejecting a signed-in
 * user's request records the answer (`join_request_answers`) in the transaction of the answer;
 * `GET /v1/me/join-requests` lists the person's own requests — waiting, and answered in the last 30
 * days —, `POST /v1/me/join-requests/{id}/dismiss` marks an answer read. And the public join page's
 * `GET /v1/organizations/{org}/public` (item 10): the name only of an organization that takes requests.
 */
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as answersMigration from '../src/db/migrations/0013-join-request-answers.ts';
import { createApiKey } from '../src/features/api-keys/api-key.service.ts';
import {
  addActiveMember,
  bearer,
  createOrg,
  createTestApp,
  errorCode,
  type SignedUp,
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
  const res = await t.app.inject({
    method: 'PATCH',
    url: `/v1/organizations/${org.id}`,
    headers: bearer(owner.token),
    payload: settings,
  });
  expect(res.statusCode, res.body).toBe(200);
  return { owner, org, admin };
}

async function ask(user: SignedUp, org: string): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: `/v1/organizations/${org}/join-requests`,
    headers: bearer(user.token),
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

const decide = (token: string, org: string, id: string, verb: 'approve' | 'reject') =>
  t.app.inject({
    method: 'POST',
    url: `/v1/organizations/${org}/join-requests/${id}/${verb}`,
    headers: bearer(token),
  });

const mine = (token: string) => t.app.inject({ url: '/v1/me/join-requests', headers: bearer(token) });

const dismiss = (token: string, id: string) =>
  t.app.inject({ method: 'POST', url: `/v1/me/join-requests/${id}/dismiss`, headers: bearer(token) });

const joinPage = (org: string, headers: Record<string, string> = {}) =>
  t.app.inject({ url: `/v1/organizations/${org}/public`, headers });

interface Listed {
  id: string;
  organization: { id: string; slug: string; name: string };
  status: string;
  requestedAt: string;
  answeredAt: string | null;
  dismissedAt: string | null;
}

async function listed(token: string): Promise<Listed[]> {
  const res = await mine(token);
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { data: Listed[] }).data;
}

function answerRow(membershipId: string) {
  return t.database.db
    .selectFrom('join_request_answers')
    .selectAll()
    .where('membership_id', '=', membershipId)
    .executeTakeFirst();
}

function membershipRow(membershipId: string) {
  return t.database.db
    .selectFrom('memberships')
    .select(['status', 'created_at'])
    .where('id', '=', membershipId)
    .executeTakeFirst();
}

describe('answering a request records the answer for the requester, in the same transaction', () => {
  it('approve: the membership active and an `approved` answer, with when it was asked', async () => {
    const { org, admin } = await openOrg();
    const user = await verifiedUser(t);
    const id = await ask(user, org.id);
    const asked = await membershipRow(id);
    expect(await answerRow(id)).toBeUndefined();

    const res = await decide(admin.token, org.id, id, 'approve');
    expect(res.statusCode, res.body).toBe(200);
    const row = await answerRow(id);
    expect(row).toMatchObject({
      organization_id: org.id,
      user_id: user.user.id,
      answer: 'approved',
      requested_at: asked?.created_at,
      dismissed_at: null,
    });
    expect((await membershipRow(id))?.status).toBe('active');
  });

  it('reject: the membership gone and a `rejected` answer left in its place', async () => {
    const { org, admin } = await openOrg();
    const user = await verifiedUser(t);
    const id = await ask(user, org.id);
    const res = await decide(admin.token, org.id, id, 'reject');
    expect(res.statusCode, res.body).toBe(204);
    expect(await membershipRow(id)).toBeUndefined();
    expect(await answerRow(id)).toMatchObject({ user_id: user.user.id, answer: 'rejected' });
  });

  it('an admin removing a waiting request answers it: the requester reads a refusal; leaving does not', async () => {
    const { org, admin } = await openOrg();
    const user = await verifiedUser(t);
    const id = await ask(user, org.id);
    const removed = await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org.id}/members/${user.user.id}`,
      headers: bearer(admin.token),
    });
    expect(removed.statusCode, removed.body).toBe(204);
    expect(await answerRow(id)).toMatchObject({ user_id: user.user.id, answer: 'rejected' });
    expect((await listed(user.token)).find((r) => r.id === id)?.status).toBe('rejected');

    // The requester withdrawing their own request answers nothing.
    const again = await ask(user, org.id);
    const withdrawn = await t.app.inject({
      method: 'DELETE',
      url: `/v1/me/memberships/${again}`,
      headers: bearer(user.token),
    });
    expect(withdrawn.statusCode, withdrawn.body).toBe(204);
    expect(await answerRow(again)).toBeUndefined();
  });

  it('an answer that fails after the answer row is written leaves neither the change nor the row', async () => {
    const { org, admin } = await openOrg();
    const user = await verifiedUser(t);
    const approveId = await ask(user, org.id);
    const other = await verifiedUser(t);
    const rejectId = await ask(other, org.id);
    // The audit entry is written after the answer row: refusing it fails the whole answer.
    await sql`
      CREATE FUNCTION refuse_join_answer_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit refused'; END $$;
      CREATE TRIGGER refuse_join_answer_audit BEFORE INSERT ON audit_log FOR EACH ROW
        WHEN (NEW.action IN ('join_request.approved', 'join_request.rejected'))
        EXECUTE FUNCTION refuse_join_answer_audit();
    `.execute(t.database.db);
    try {
      expect((await decide(admin.token, org.id, approveId, 'approve')).statusCode).toBe(500);
      expect((await decide(admin.token, org.id, rejectId, 'reject')).statusCode).toBe(500);
    } finally {
      await sql`
        DROP TRIGGER refuse_join_answer_audit ON audit_log;
        DROP FUNCTION refuse_join_answer_audit();
      `.execute(t.database.db);
    }
    expect((await membershipRow(approveId))?.status).toBe('pending');
    expect((await membershipRow(rejectId))?.status).toBe('pending');
    expect(await answerRow(approveId)).toBeUndefined();
    expect(await answerRow(rejectId)).toBeUndefined();
    expect((await listed(user.token)).map((r) => r.status)).toEqual(['pending']);

    // Answered again once the audit works, each is recorded once.
    expect((await decide(admin.token, org.id, approveId, 'approve')).statusCode).toBe(200);
    expect((await decide(admin.token, org.id, rejectId, 'reject')).statusCode).toBe(204);
    expect((await answerRow(approveId))?.answer).toBe('approved');
    expect((await answerRow(rejectId))?.answer).toBe('rejected');
  });

  it('a refused answer (a full organization) records nothing', async () => {
    const { owner, org, admin } = await openOrg();
    const user = await verifiedUser(t);
    const id = await ask(user, org.id);
    await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org.id}`,
      headers: bearer(owner.token),
      payload: { memberLimit: 2 },
    });
    const res = await decide(admin.token, org.id, id, 'approve');
    expect(res.statusCode, res.body).toBe(409);
    expect(await answerRow(id)).toBeUndefined();
    expect((await listed(user.token)).map((r) => [r.id, r.status])).toEqual([[id, 'pending']]);
  });
});

describe('GET /v1/me/join-requests', () => {
  it("lists the person's own requests: waiting first, then answered, newest answer first", async () => {
    const user = await verifiedUser(t);
    const a = await openOrg();
    const b = await openOrg();
    const c = await openOrg();
    const d = await openOrg();
    const idA = await ask(user, a.org.id);
    const idB = await ask(user, b.org.id);
    const idC = await ask(user, c.org.id);
    const idD = await ask(user, d.org.id);
    expect((await decide(a.admin.token, a.org.id, idA, 'reject')).statusCode).toBe(204);
    expect((await decide(b.admin.token, b.org.id, idB, 'approve')).statusCode).toBe(200);
    // Withdrawn by the person: they know; not listed.
    const withdrawn = await t.app.inject({
      method: 'DELETE',
      url: `/v1/me/memberships/${idD}`,
      headers: bearer(user.token),
    });
    expect(withdrawn.statusCode).toBe(204);

    const list = await listed(user.token);
    expect(list.map((r) => [r.id, r.status])).toEqual([
      [idC, 'pending'],
      [idB, 'approved'],
      [idA, 'rejected'],
    ]);
    const [waiting, approved] = list as [Listed, Listed, Listed];
    expect(waiting).toEqual({
      id: idC,
      organization: { id: c.org.id, slug: c.org.slug, name: c.org.name },
      status: 'pending',
      requestedAt: expect.any(String),
      answeredAt: null,
      dismissedAt: null,
    });
    expect(approved.organization).toEqual({ id: b.org.id, slug: b.org.slug, name: b.org.name });
    expect(Date.parse(approved.answeredAt ?? '')).toBeGreaterThanOrEqual(Date.parse(approved.requestedAt));

    // Asked again after the rejection: the new request waits, the old answer stays listed.
    const again = await ask(user, a.org.id);
    expect((await listed(user.token)).map((r) => [r.id, r.status])).toEqual([
      [again, 'pending'],
      [idC, 'pending'],
      [idB, 'approved'],
      [idA, 'rejected'],
    ]);
  });

  it('shows answers of the last 30 days only', async () => {
    const user = await verifiedUser(t);
    const old = await openOrg();
    const recent = await openOrg();
    const idOld = await ask(user, old.org.id);
    const idRecent = await ask(user, recent.org.id);
    await decide(old.admin.token, old.org.id, idOld, 'reject');
    await decide(recent.admin.token, recent.org.id, idRecent, 'reject');
    const move = (id: string, days: number) =>
      t.database.db
        .updateTable('join_request_answers')
        .set({ answered_at: sql`now() - make_interval(days => ${days})` })
        .where('membership_id', '=', id)
        .execute();
    await move(idOld, 31);
    await move(idRecent, 29);
    expect((await listed(user.token)).map((r) => r.id)).toEqual([idRecent]);
    // Nor can an answer past the window be dismissed.
    expect(errorCode(await dismiss(user.token, idOld))).toBe('JOIN_REQUEST_ANSWER_NOT_FOUND');
  });

  it("never shows another person's requests, nor lets them dismiss one", async () => {
    const { org, admin } = await openOrg();
    const asker = await verifiedUser(t);
    const other = await verifiedUser(t);
    const waiting = await ask(asker, org.id);
    const second = await openOrg();
    const rejected = await ask(asker, second.org.id);
    await decide(second.admin.token, second.org.id, rejected, 'reject');

    expect(await listed(other.token)).toEqual([]);
    // The organization's admin sees the queue, not the person's list.
    expect(await listed(admin.token)).toEqual([]);
    const theirs = await dismiss(other.token, rejected);
    expect([theirs.statusCode, errorCode(theirs)]).toEqual([404, 'JOIN_REQUEST_ANSWER_NOT_FOUND']);
    expect((await answerRow(rejected))?.dismissed_at).toBeNull();
    expect((await listed(asker.token)).map((r) => r.id)).toEqual([waiting, rejected]);
  });

  it('needs a signed-in person: 401 without a credential, 403 for an API key', async () => {
    expect((await t.app.inject({ url: '/v1/me/join-requests' })).statusCode).toBe(401);
    const key = await createApiKey(t.database.db, 'answers', ['org:read']);
    const res = await t.app.inject({ url: '/v1/me/join-requests', headers: bearer(key.token) });
    expect([res.statusCode, errorCode(res)]).toEqual([403, 'FORBIDDEN']);
  });
});

describe('POST /v1/me/join-requests/{id}/dismiss', () => {
  it('marks an answer read, once; a waiting request or an unknown id is 404', async () => {
    const { org, admin } = await openOrg();
    const user = await verifiedUser(t);
    const id = await ask(user, org.id);
    const early = await dismiss(user.token, id);
    expect([early.statusCode, errorCode(early)]).toEqual([404, 'JOIN_REQUEST_ANSWER_NOT_FOUND']);

    await decide(admin.token, org.id, id, 'reject');
    expect((await dismiss(user.token, id)).statusCode).toBe(204);
    const first = (await listed(user.token))[0]?.dismissedAt;
    expect(first).toEqual(expect.any(String));
    // Again: changes nothing, the first time is kept.
    expect((await dismiss(user.token, id)).statusCode).toBe(204);
    expect((await listed(user.token))[0]).toMatchObject({ id, status: 'rejected', dismissedAt: first });

    const unknown = await dismiss(user.token, '0190a0a0-0000-7000-8000-000000000000');
    expect(unknown.statusCode).toBe(404);
    expect((await dismiss(user.token, 'not-a-uuid')).statusCode).toBe(400);
  });
});

describe('answers given before the table existed', () => {
  it('are taken from the audit entries of the last 30 days', async () => {
    const { org, admin } = await openOrg();
    const [a, b, c, d] = [
      await verifiedUser(t),
      await verifiedUser(t),
      await verifiedUser(t),
      await verifiedUser(t),
    ];
    const idA = await ask(a, org.id);
    const idB = await ask(b, org.id);
    const idC = await ask(c, org.id);
    await ask(d, org.id); // still waiting: no answer
    await decide(admin.token, org.id, idA, 'approve');
    await decide(admin.token, org.id, idB, 'reject');
    await decide(admin.token, org.id, idC, 'reject');
    const before = await t.database.db
      .selectFrom('join_request_answers')
      .select(['membership_id', 'user_id', 'answer', 'requested_at', 'answered_at'])
      .where('organization_id', '=', org.id)
      .orderBy('membership_id')
      .execute();
    expect(before).toHaveLength(3);
    // C's answer was given long ago.
    await t.database.db
      .updateTable('audit_log')
      .set({ created_at: sql`now() - interval '40 days'` })
      .where('action', '=', 'join_request.rejected')
      .where('target_id', '=', c.user.id)
      .execute();

    const db = t.database.db as unknown as Kysely<unknown>;
    await answersMigration.down(db);
    await answersMigration.up(db);
    const after = await t.database.db
      .selectFrom('join_request_answers')
      .select(['membership_id', 'user_id', 'answer', 'requested_at', 'answered_at'])
      .where('organization_id', '=', org.id)
      .orderBy('membership_id')
      .execute();
    const [rowA, rowB] = before.filter((r) => r.membership_id !== idC);
    expect(after).toHaveLength(2);
    // The answer's time is its audit entry's: the same transaction, so the same now().
    expect(after).toEqual([rowA, rowB]);
  });
});

describe('GET /v1/organizations/{org}/public', () => {
  it('to anyone: the slug, that it takes requests, and the name; nothing else', async () => {
    const { org } = await openOrg();
    for (const ref of [org.slug, org.id, org.slug.toUpperCase()]) {
      const res = await joinPage(ref);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ slug: org.slug, name: org.name, acceptsJoinRequests: true });
    }
    // Signed in, the same.
    const someone = await signUp(t.app);
    expect((await joinPage(org.slug, bearer(someone.token))).json()).toEqual({
      slug: org.slug,
      name: org.name,
      acceptsJoinRequests: true,
    });
  });

  it('requests off, or SSO enforced: does not take requests, and the name is not given', async () => {
    for (const settings of [
      { joinRequestsEnabled: false },
      { joinRequestsEnabled: true, ssoEnforced: true },
    ]) {
      const { org } = await openOrg(settings);
      const res = await joinPage(org.slug);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ slug: org.slug, name: null, acceptsJoinRequests: false });
    }
  });

  it('404 for an unknown organization; an invalid credential is still 401', async () => {
    for (const ref of ['no-such-org-anywhere', '0190a0a0-0000-7000-8000-000000000000']) {
      const res = await joinPage(ref);
      expect([res.statusCode, errorCode(res)]).toEqual([404, 'ORGANIZATION_NOT_FOUND']);
    }
    const { org } = await openOrg();
    expect((await joinPage(org.slug, bearer('rs_not-a-session'))).statusCode).toBe(401);
  });

  it('walking through addresses is bounded: 429 past 60 a minute from one client IP', async () => {
    let status = 0;
    for (let i = 0; i < 70 && status !== 429; i++) {
      status = (await joinPage(`probe-${i}`)).statusCode;
    }
    expect(status).toBe(429);
  });
});

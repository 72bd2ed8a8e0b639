/**
 * Bulk invitations (SPEC §2: "up to 1,000 emails in one request, each validated on its own, one
 * result per email"): one transaction, one outbox round, per-email reasons, seats and permissions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addActiveMember,
  bearer,
  createOrg,
  createTestApp,
  errorCode,
  inParallel,
  type SignedUp,
  signUp,
  type TestApp,
  uniqueEmail,
} from './helpers.ts';
import { invited, verifiedUser } from './invitation-helpers.ts';

let t: TestApp;
let owner: SignedUp;
let admin: SignedUp;

beforeAll(async () => {
  t = await createTestApp({ invitationSweepMs: 0, inviteLimitPerOrg: 0, inviteLimitPerInviter: 0 });
  [owner, admin] = await inParallel(
    [() => verifiedUser(t, uniqueEmail('owner'), 'Bulk Owner'), () => signUp(t.app, uniqueEmail('admin'))],
    (step) => step(),
  );
});
afterAll(() => t?.close());

const bulk = (who: SignedUp, orgId: string, payload: unknown) =>
  t.app.inject({
    method: 'POST',
    url: `/v1/organizations/${orgId}/invitations/bulk`,
    headers: bearer(who.token),
    payload: payload as Record<string, unknown>,
  });

/** The organization's emails waiting in the outbox (not its seat checks: test/seat-events.test.ts). */
const outboxFor = (orgId: string) =>
  t.database.db
    .selectFrom('outbox')
    .select(['payload', 'created_at'])
    .where('organization_id', '=', orgId)
    .where('kind', '=', 'email')
    .execute();

describe('bulk invitations', () => {
  it('judges each email on its own and answers one result per email, in order', async () => {
    const org = await createOrg(t.app, owner.token, 'Bulk Corp');
    const member = await signUp(t.app, uniqueEmail('member'));
    await addActiveMember(t.database, org.id, member.user.id, 'member');
    const pending = uniqueEmail('pending');
    await invited(t.app, owner, org.id, pending);
    const fresh = [uniqueEmail('a'), uniqueEmail('b')];
    const res = await bulk(owner, org.id, {
      emails: [
        fresh[0],
        'not an email',
        ` ${fresh[0]?.toUpperCase()} `,
        pending,
        member.user.email,
        fresh[1],
      ],
      role: 'admin',
      message: 'Welcome all',
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.created).toBe(2);
    expect(body.failed).toBe(4);
    expect(
      body.results.map((r: { status: string; error?: { code: string } }) => r.error?.code ?? r.status),
    ).toEqual([
      'created',
      'INVALID_EMAIL',
      'DUPLICATE_EMAIL',
      'INVITATION_EXISTS',
      'ALREADY_MEMBER',
      'created',
    ]);
    expect(body.results[1]).toMatchObject({ input: 'not an email', email: null });
    expect(body.results[2].email).toBe(fresh[0]);
    for (const r of body.results.filter((x: { status: string }) => x.status === 'created')) {
      expect(r.acceptUrl).toMatch(/^http:\/\/roster\.test\/invitations\/accept\?token=ri_/);
      expect(r.invitationId).toBeDefined();
    }
    const rows = await t.database.db
      .selectFrom('invitations')
      .select(['email', 'role', 'message'])
      .where('organization_id', '=', org.id)
      .where('email', 'in', fresh as string[])
      .execute();
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.role === 'admin' && r.message === 'Welcome all')).toBe(true);
    const mails = (await outboxFor(org.id)).filter((m) => fresh.includes((m.payload as { to: string }).to));
    expect(mails).toHaveLength(2);
    const audits = await t.database.db
      .selectFrom('audit_log')
      .select('target_id')
      .where('organization_id', '=', org.id)
      .where('action', '=', 'invitation.created')
      .execute();
    expect(audits).toHaveLength(3); // the earlier single one + 2
  });

  it('fills the free seats in list order; the rest get MEMBER_LIMIT_REACHED', async () => {
    const org = await createOrg(t.app, owner.token, 'Bulk Seats');
    await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org.id}`,
      headers: bearer(owner.token),
      payload: { memberLimit: 3 },
    });
    const emails = Array.from({ length: 5 }, (_, i) => uniqueEmail(`seat${i}`));
    const res = await bulk(owner, org.id, { emails });
    expect(
      res.json().results.map((r: { status: string; error?: { code: string } }) => r.error?.code ?? r.status),
    ).toEqual(['created', 'created', 'MEMBER_LIMIT_REACHED', 'MEMBER_LIMIT_REACHED', 'MEMBER_LIMIT_REACHED']);
  });

  it('1,000 emails: 1,000 invitations, audit entries and emails, written by one transaction (one outbox round)', async () => {
    const org = await createOrg(t.app, owner.token, 'Thousand Corp');
    const emails = Array.from({ length: 1000 }, (_, i) => `person-${i}-${org.id.slice(-6)}@example.com`);
    const started = performance.now();
    const res = await bulk(owner, org.id, { emails, role: 'member' });
    const ms = Math.round(performance.now() - started);
    console.log(
      `bulk of 1,000 invitations on ${process.env.ROSTER_TEST_DATABASE_URL ? 'PostgreSQL' : 'PGlite'}: ${ms} ms`,
    );
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(res.json().created).toBe(1000);
    const outbox = await outboxFor(org.id);
    expect(outbox).toHaveLength(1000);
    // now() is the transaction's start: one timestamp means one transaction.
    expect(new Set(outbox.map((o) => new Date(o.created_at).getTime())).size).toBe(1);
    const audits = await t.database.db
      .selectFrom('audit_log')
      .select('id')
      .where('organization_id', '=', org.id)
      .where('action', '=', 'invitation.created')
      .execute();
    expect(audits).toHaveLength(1000);
    const tokens = new Set(res.json().results.map((r: { acceptUrl: string }) => r.acceptUrl));
    expect(tokens.size).toBe(1000);
  });

  it('refuses 1,001 emails, an empty list, a non-string entry or an unknown field with 400 naming it; nothing is created', async () => {
    const org = await createOrg(t.app, owner.token, 'Bulk Bad');
    const cases: Array<[unknown, string]> = [
      [{ emails: Array.from({ length: 1001 }, (_, i) => `x${i}@example.com`) }, 'emails'],
      [{ emails: [] }, 'emails'],
      [{ emails: ['a@example.com', 42] }, 'emails.1'],
      [{ emails: 'a@example.com' }, 'emails'],
      [{ emails: ['a@example.com'], role: 'owner ' }, 'role'],
      [{ emails: ['a@example.com'], orgId: 'x' }, 'orgId'],
    ];
    for (const [payload, field] of cases) {
      const res = await bulk(owner, org.id, payload);
      expect(res.statusCode, field).toBe(400);
      expect(res.json().error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    const rows = await t.database.db
      .selectFrom('invitations')
      .select('id')
      .where('organization_id', '=', org.id)
      .execute();
    expect(rows).toHaveLength(0);
  });

  it('role ceiling and scope hold for the whole request: an admin bulk-inviting owners gets 403 ROLE_CEILING, a member 403', async () => {
    const org = await createOrg(t.app, owner.token, 'Bulk Roles');
    await addActiveMember(t.database, org.id, admin.user.id, 'admin');
    const member = await signUp(t.app, uniqueEmail('m'));
    await addActiveMember(t.database, org.id, member.user.id, 'member');
    const res = await bulk(admin, org.id, { emails: [uniqueEmail()], role: 'owner' });
    expect([res.statusCode, errorCode(res)]).toEqual([403, 'ROLE_CEILING']);
    expect((await bulk(member, org.id, { emails: [uniqueEmail()] })).statusCode).toBe(403);
  });
});

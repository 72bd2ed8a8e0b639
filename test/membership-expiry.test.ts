/**
 * Access that ends on its own: an admin gives a membership an expiry (never an owner's); once it has
 * passed, the permission check answers `expired` and the person's own requests see no membership —
 * before any sweep; the sweep then removes it (audited, `member.removed` with `reason: expired`), and
 * the person is emailed a week before, once per expiry.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/features/api-keys/api-key.service.ts';
import { sweepMembershipExpiry } from '../src/features/members/membership-expiry.ts';
import {
  addActiveMember,
  bearer,
  createOrg,
  createTestApp,
  emailsTo,
  errorCode,
  type SignedUp,
  signUp,
  type TestApp,
  verifiedUser,
} from './helpers.ts';
import { accept, invited } from './invitation-helpers.ts';

let t: TestApp;
let key: string;
beforeAll(async () => {
  t = await createTestApp();
  key = (await createApiKey(t.database.db, 'expiry', ['member:read'])).token;
});
afterAll(() => t.close());

async function orgOf() {
  const owner = await signUp(t.app);
  const org = await createOrg(t.app, owner.token, `Expiry ${Math.random().toString(36).slice(2, 8)}`);
  const guest = await signUp(t.app, undefined, 'Guest');
  await addActiveMember(t.database, org.id, guest.user.id, 'member');
  return { owner, org, guest };
}

const patch = (actor: SignedUp, org: string, userId: string, payload: object) =>
  t.app.inject({
    method: 'PATCH',
    url: `/v1/organizations/${org}/members/${userId}`,
    headers: bearer(actor.token),
    payload,
  });

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

/** Moves the membership's expiry into the past, as time passing would. */
async function expire(orgId: string, userId: string) {
  await t.database.db
    .updateTable('memberships')
    .set({ expires_at: sql<Date>`now() - interval '1 second'` })
    .where('organization_id', '=', orgId)
    .where('user_id', '=', userId)
    .execute();
}

describe('membership expiry', () => {
  it('an admin sets, moves and removes an expiry; each change is audited and shown on the member', async () => {
    const { owner, org, guest } = await orgOf();
    const at = inDays(30);
    const res = await patch(owner, org.slug, guest.user.id, { expiresAt: at });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ userId: guest.user.id, role: 'member', expiresAt: at });
    const page = await t.app.inject({
      url: `/v1/organizations/${org.slug}/members`,
      headers: bearer(owner.token),
    });
    expect(page.json().data.find((m: { userId: string }) => m.userId === guest.user.id).expiresAt).toBe(at);
    const cleared = await patch(owner, org.slug, guest.user.id, { expiresAt: null });
    expect(cleared.json().expiresAt).toBeNull();
    const audit = await t.database.db
      .selectFrom('audit_log')
      .select('data')
      .where('organization_id', '=', org.id)
      .where('action', '=', 'member.expiry_changed')
      .orderBy('id')
      .execute();
    expect(audit.map((a) => (a.data as { to: string | null }).to)).toEqual([at, null]);
  });

  it("refuses a past expiry, an owner's expiry, and clears an expiry when the member becomes owner", async () => {
    const { owner, org, guest } = await orgOf();
    const past = await patch(owner, org.slug, guest.user.id, {
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    });
    expect([past.statusCode, errorCode(past)]).toEqual([400, 'VALIDATION_FAILED']);
    const onOwner = await patch(owner, org.slug, owner.user.id, { expiresAt: inDays(3) });
    expect([onOwner.statusCode, errorCode(onOwner)]).toEqual([400, 'VALIDATION_FAILED']);
    expect(onOwner.json().error.details).toEqual([
      { field: 'expiresAt', message: "an owner's membership does not expire" },
    ]);
    const both = await patch(owner, org.slug, guest.user.id, { role: 'owner', expiresAt: inDays(3) });
    expect(both.statusCode).toBe(400);
    const empty = await patch(owner, org.slug, guest.user.id, {});
    expect(empty.statusCode).toBe(400);
    expect((await patch(owner, org.slug, guest.user.id, { expiresAt: inDays(3) })).statusCode).toBe(200);
    const promoted = await patch(owner, org.slug, guest.user.id, { role: 'owner' });
    expect(promoted.statusCode, promoted.body).toBe(200);
    expect(promoted.json()).toMatchObject({ role: 'owner', expiresAt: null });
    // And the database says so too, whoever writes.
    await expect(
      t.database.db
        .updateTable('memberships')
        .set({ expires_at: new Date(Date.now() + 60_000) })
        .where('organization_id', '=', org.id)
        .where('user_id', '=', owner.user.id)
        .execute(),
    ).rejects.toThrow(/memberships_owner_never_expires/);
  });

  it('once past, the permission check answers expired and the person no longer reaches the organization — before any sweep', async () => {
    const { owner, org, guest } = await orgOf();
    expect((await patch(owner, org.slug, guest.user.id, { expiresAt: inDays(1) })).statusCode).toBe(200);
    const check = () =>
      t.app.inject({
        url: `/v1/organizations/${org.slug}/members/${guest.user.id}/permissions`,
        headers: bearer(key),
      });
    expect((await check()).json()).toMatchObject({ status: 'active', scopes: ['org:read', 'member:read'] });
    await expire(org.id, guest.user.id);
    expect((await check()).json()).toEqual({ status: 'expired', role: 'member', scopes: [] });
    const batch = await t.app.inject({
      method: 'POST',
      url: '/v1/permissions/check',
      headers: bearer(key),
      payload: {
        checks: [{ organization: org.slug, user: guest.user.id, scope: 'org:read' }],
        explain: true,
      },
    });
    expect(batch.json().results[0]).toMatchObject({
      allowed: false,
      explanation: { reason: 'expired', status: 'expired', role: 'member' },
    });
    const own = await t.app.inject({ url: `/v1/organizations/${org.slug}`, headers: bearer(guest.token) });
    expect([own.statusCode, errorCode(own)]).toEqual([404, 'ORGANIZATION_NOT_FOUND']);
    const mine = await t.app.inject({ url: '/v1/me/organizations', headers: bearer(guest.token) });
    expect(mine.json().data.map((m: { organization: { id: string } }) => m.organization.id)).not.toContain(
      org.id,
    );
    // The session-scoped permission check of the person themselves sees no membership either.
    const self = await t.app.inject({
      url: `/v1/organizations/${org.slug}/members/${owner.user.id}/permissions`,
      headers: bearer(guest.token),
    });
    expect(self.statusCode).toBe(404);
  });

  it('the sweep removes expired memberships with an audit entry and a member.removed event', async () => {
    const { owner, org, guest } = await orgOf();
    expect((await patch(owner, org.slug, guest.user.id, { expiresAt: inDays(1) })).statusCode).toBe(200);
    await expire(org.id, guest.user.id);
    expect(await sweepMembershipExpiry(t.app.ctx)).toBeGreaterThanOrEqual(1);
    const left = await t.database.db
      .selectFrom('memberships')
      .select('id')
      .where('organization_id', '=', org.id)
      .where('user_id', '=', guest.user.id)
      .execute();
    expect(left).toEqual([]);
    const audit = await t.database.db
      .selectFrom('audit_log')
      .select(['actor_type', 'target_id'])
      .where('organization_id', '=', org.id)
      .where('action', '=', 'member.expired')
      .execute();
    expect(audit).toEqual([{ actor_type: 'system', target_id: guest.user.id }]);
    const events = await t.database.db
      .selectFrom('analytics_events')
      .select('data')
      .where('organization_id', '=', org.id)
      .where('type', '=', 'member.removed')
      .execute();
    expect(events.map((e) => e.data)).toEqual([{ userId: guest.user.id, role: 'member', reason: 'expired' }]);
  });

  it("an invitation may carry the expiry of the membership it becomes (never an owner's)", async () => {
    const { owner, org } = await orgOf();
    const contractor = await verifiedUser(t);
    const at = inDays(90);
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.slug}/invitations`,
      headers: bearer(owner.token),
      payload: { email: contractor.user.email, membershipExpiresAt: at },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().invitation.membershipExpiresAt).toBe(at);
    const token = new URL(res.json().acceptUrl).searchParams.get('token') ?? '';
    const ok = await accept(t.app, contractor.token, token);
    expect(ok.statusCode, ok.body).toBe(200);
    const page = await t.app.inject({
      url: `/v1/organizations/${org.slug}/members`,
      headers: bearer(owner.token),
    });
    expect(page.json().data.find((m: { userId: string }) => m.userId === contractor.user.id).expiresAt).toBe(
      at,
    );

    const asOwner = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.slug}/invitations`,
      headers: bearer(owner.token),
      payload: { email: 'future-owner@example.com', role: 'owner', membershipExpiresAt: at },
    });
    expect([asOwner.statusCode, errorCode(asOwner)]).toEqual([400, 'VALIDATION_FAILED']);

    // Accepted after the access it offered had already ended: nothing to accept.
    const late = await verifiedUser(t);
    const inv = await invited(t.app, owner, org.id, late.user.email);
    await t.database.db
      .updateTable('invitations')
      .set({ membership_expires_at: sql<Date>`now() - interval '1 second'` })
      .where('id', '=', inv.invitation.id)
      .execute();
    const refused = await accept(t.app, late.token, inv.token);
    expect([refused.statusCode, errorCode(refused)]).toEqual([410, 'INVITATION_EXPIRED']);
  });

  it('emails the person a week before, once per expiry; a new expiry is reminded again', async () => {
    const { owner, org, guest } = await orgOf();
    const reminders = async () =>
      (await emailsTo(t, guest.user.email)).filter((m) => m.subject.startsWith(`Your access to ${org.name}`));
    expect((await patch(owner, org.slug, guest.user.id, { expiresAt: inDays(30) })).statusCode).toBe(200);
    await sweepMembershipExpiry(t.app.ctx);
    expect(await reminders()).toHaveLength(0);
    expect((await patch(owner, org.slug, guest.user.id, { expiresAt: inDays(3) })).statusCode).toBe(200);
    await sweepMembershipExpiry(t.app.ctx);
    await sweepMembershipExpiry(t.app.ctx);
    expect(await reminders()).toHaveLength(1);
    expect((await patch(owner, org.slug, guest.user.id, { expiresAt: inDays(5) })).statusCode).toBe(200);
    await sweepMembershipExpiry(t.app.ctx);
    expect(await reminders()).toHaveLength(2);
  });
});

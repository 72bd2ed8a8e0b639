/**
 * Email invitations, end to end through HTTP (SPEC §2 "Invitations", §5): create, list, get, revoke,
 * resend, copy-link, validate, accept, sign-up by invitation, invite requests and their approval,
 * expiry (derived and swept), seats, role ceiling, and the tokens' storage.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/features/api-keys/api-key.service.ts';
import { sweepExpiredInvitations } from '../src/features/invitations/invitation.service.ts';
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
  waitUntil,
} from './helpers.ts';
import {
  accept,
  backdateExpiry,
  emailsTo,
  invite,
  invited,
  tokenOf,
  validate,
  verifiedUser,
} from './invitation-helpers.ts';

let t: TestApp;
let owner: SignedUp;
let admin: SignedUp;
let member: SignedUp;
let org: { id: string; slug: string; name: string };

beforeAll(async () => {
  t = await createTestApp({ invitationSweepMs: 0, inviteLimitPerOrg: 0, inviteLimitPerInviter: 0 });
  [owner, admin, member] = await inParallel(
    [
      () => verifiedUser(t, uniqueEmail('owner'), 'Olivia Owner'),
      () => signUp(t.app, uniqueEmail('admin'), 'Adam Admin'),
      () => signUp(t.app, uniqueEmail('member'), 'Mia Member'),
    ],
    (step) => step(),
  );
  org = await createOrg(t.app, owner.token, 'Invite Corp');
  await addActiveMember(t.database, org.id, admin.user.id, 'admin');
  await addActiveMember(t.database, org.id, member.user.id, 'member');
});
afterAll(() => t?.close());

const membership = (orgId: string, userId: string) =>
  t.database.db
    .selectFrom('memberships')
    .selectAll()
    .where('organization_id', '=', orgId)
    .where('user_id', '=', userId)
    .executeTakeFirst();

const invitationRow = (id: string) =>
  t.database.db.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

const linkRows = (invitationId: string) =>
  t.database.db
    .selectFrom('invitation_links')
    .selectAll()
    .where('invitation_id', '=', invitationId)
    .orderBy('created_at')
    .execute();

const audit = (orgId: string, action: string) =>
  t.database.db
    .selectFrom('audit_log')
    .selectAll()
    .where('organization_id', '=', orgId)
    .where('action', '=', action)
    .orderBy('id')
    .execute();

describe('creating an invitation', () => {
  it('answers 201 with the invitation and a copy-link, and emails the invitee (text and HTML) with org, inviter, role, message, expiry and link', async () => {
    const email = uniqueEmail('new');
    const res = await invite(t.app, owner, org.slug, {
      email: `  ${email.toUpperCase()} `,
      role: 'admin',
      message: 'Welcome <aboard>!',
    });
    expect(res.statusCode, res.body).toBe(201);
    const { invitation, acceptUrl } = res.json();
    expect(invitation).toMatchObject({
      organizationId: org.id,
      email,
      role: 'admin',
      message: 'Welcome <aboard>!',
      status: 'pending',
      approval: 'approved',
      invitedBy: owner.user.id,
      inviterName: 'Olivia Owner',
      sendCount: 1,
    });
    expect(JSON.stringify(invitation)).not.toMatch(/token|secret/i);
    expect(acceptUrl).toMatch(
      /^http:\/\/roster\.test\/invitations\/accept\?token=ri_[0-9a-f]{32}[A-Za-z0-9_-]{43}$/,
    );
    // Expires in the org's inviteExpiryDays (7 by default).
    const days = (new Date(invitation.expiresAt).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThan(7.01);

    const [mail, ...more] = await emailsTo(t, email);
    expect(more).toHaveLength(0);
    expect(mail?.organizationId).toBe(org.id);
    expect(mail?.subject).toBe('Olivia Owner invited you to join Invite Corp');
    for (const part of [mail?.text ?? '', mail?.html ?? '']) {
      expect(part).toContain('Invite Corp');
      expect(part).toContain('Olivia Owner');
      expect(part).toContain('an admin');
      expect(part).toContain(invitation.expiresAt.slice(0, 10));
    }
    expect(mail?.text).toContain('Welcome <aboard>!');
    expect(mail?.html).toContain('Welcome &lt;aboard&gt;!');
    expect(mail?.links).toEqual([acceptUrl]);
    expect(mail?.text).toContain(acceptUrl);
    expect((await audit(org.id, 'invitation.created')).map((a) => a.target_id)).toContain(invitation.id);
  });

  it('stores only a SHA-256 of the token, in a link row whose id (distinct from the invitation id) the token names', async () => {
    const { invitation, token } = await invited(t.app, owner, org.id, uniqueEmail('hash'));
    const [link, ...more] = await linkRows(invitation.id);
    expect(more).toHaveLength(0);
    const secret = token.slice(3 + 32);
    expect(secret).toHaveLength(43); // 256 random bits
    expect(Buffer.from(link?.secret_hash as Uint8Array)).toEqual(
      createHash('sha256').update(secret).digest(),
    );
    expect(link).toMatchObject({ kind: 'email', created_by: owner.user.id, organization_id: org.id });
    expect(link?.id).not.toBe(invitation.id);
    expect(token.slice(3, 35)).toBe(String(link?.id).replaceAll('-', ''));
    for (const table of ['invitations', 'invitation_links'] as const) {
      const everything = JSON.stringify(await t.database.db.selectFrom(table).selectAll().execute());
      expect(everything).not.toContain(secret);
    }
  });

  it('refuses a malformed email (400 INVALID_EMAIL naming email) and an unknown role (400 naming role)', async () => {
    const bad = await invite(t.app, owner, org.id, { email: 'not-an-email', role: 'member' });
    expect(bad.statusCode).toBe(400);
    expect(errorCode(bad)).toBe('INVALID_EMAIL');
    expect(bad.json().error.details[0].field).toBe('email');
    const role = await invite(t.app, owner, org.id, { email: uniqueEmail(), role: 'superuser' });
    expect(role.statusCode).toBe(400);
    expect(role.json().error.details[0].field).toBe('role');
  });

  it('refuses an email that already has a pending invitation (409 INVITATION_EXISTS), in any case', async () => {
    const email = uniqueEmail('dup');
    await invited(t.app, owner, org.id, email);
    const again = await invite(t.app, admin, org.id, { email: email.toUpperCase(), role: 'member' });
    expect(again.statusCode).toBe(409);
    expect(errorCode(again)).toBe('INVITATION_EXISTS');
  });

  it('refuses to invite an existing member: 409 ALREADY_MEMBER', async () => {
    const res = await invite(t.app, owner, org.id, { email: member.user.email, role: 'member' });
    expect(res.statusCode).toBe(409);
    expect(errorCode(res)).toBe('ALREADY_MEMBER');
  });

  it('role ceiling: an admin cannot invite an owner (403 ROLE_CEILING); an owner can', async () => {
    const byAdmin = await invite(t.app, admin, org.id, { email: uniqueEmail(), role: 'owner' });
    expect(byAdmin.statusCode).toBe(403);
    expect(errorCode(byAdmin)).toBe('ROLE_CEILING');
    const byOwner = await invite(t.app, owner, org.id, { email: uniqueEmail(), role: 'owner' });
    expect(byOwner.statusCode).toBe(201);
  });

  it('needs member:invite: a member gets 403, a non-member 404, anonymous 401', async () => {
    const stranger = await signUp(t.app);
    const payload = { email: uniqueEmail(), role: 'member' };
    expect((await invite(t.app, member, org.id, payload)).statusCode).toBe(403);
    expect((await invite(t.app, stranger, org.id, payload)).statusCode).toBe(404);
    const anon = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.id}/invitations`,
      payload,
    });
    expect(anon.statusCode).toBe(401);
  });

  it('lets an API key with member:invite invite; the email names the organization as inviter', async () => {
    const key = await createApiKey(t.database.db, 'host', ['member:invite', 'member:read']);
    const email = uniqueEmail('bykey');
    const res = await invite(t.app, key.token, org.id, { email, role: 'member' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().invitation).toMatchObject({ invitedBy: null, invitedByApiKey: key.id });
    const [mail] = await emailsTo(t, email);
    expect(mail?.subject).toBe('Invite Corp invited you to join Invite Corp');
  });

  it('extra or mistyped fields (orgId, status, expiresAt, role arrays, "owner ", token) are refused with 400 and create nothing', async () => {
    const email = uniqueEmail('extra');
    const other = await createOrg(t.app, owner.token, 'Other Corp');
    const bodies: Array<[Record<string, unknown>, string]> = [
      [{ email, role: 'member', orgId: other.id }, 'orgId'],
      [{ email, role: 'member', organizationId: other.id }, 'organizationId'],
      [{ email, role: 'member', status: 'accepted' }, 'status'],
      [{ email, role: 'member', approval: 'approved' }, 'approval'],
      [{ email, role: 'member', expiresAt: '2099-01-01T00:00:00Z' }, 'expiresAt'],
      [{ email, role: 'member', token: 'ri_x' }, 'token'],
      [{ email, role: ['owner'] }, 'role'],
      [{ email, role: 'owner ' }, 'role'],
      [{ email, role: 'OWNER' }, 'role'],
      [{ email: [email], role: 'member' }, 'email'],
      [{ email, role: 'member', message: 42 }, 'message'],
      [{ email, role: 'member', message: 'x'.repeat(1001) }, 'message'],
    ];
    for (const [payload, field] of bodies) {
      const res = await invite(t.app, admin, org.id, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(errorCode(res)).toBe('VALIDATION_FAILED');
      expect(res.json().error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    const rows = await t.database.db
      .selectFrom('invitations')
      .select('id')
      .where('email', '=', email)
      .execute();
    expect(rows).toHaveLength(0);
  });

  it('defaults the role to member when none is given', async () => {
    const res = await invite(t.app, admin, org.id, { email: uniqueEmail('norole') });
    expect(res.statusCode).toBe(201);
    expect(res.json().invitation.role).toBe('member');
  });

  it('a rolled-back invitation sends no email: the outbox row goes with the transaction', async () => {
    // Fails after the insert and the outbox row: the seat check over a full org.
    const small = await createOrg(t.app, owner.token, 'Rollback Corp');
    await t.database.db
      .updateTable('organizations')
      .set({ member_limit: 1 })
      .where('id', '=', small.id)
      .execute();
    const outboxOf = () =>
      t.database.db.selectFrom('outbox').select('id').where('organization_id', '=', small.id).execute();
    // Creating the organization enqueued its first seat check; the invitation must add nothing.
    const before = await outboxOf();
    const email = uniqueEmail('rollback');
    const res = await invite(t.app, owner, small.id, { email, role: 'member' });
    expect(res.statusCode).toBe(409);
    expect(errorCode(res)).toBe('MEMBER_LIMIT_REACHED');
    expect(await emailsTo(t, email)).toHaveLength(0);
    const rows = await t.database.db
      .selectFrom('invitations')
      .select('id')
      .where('email', '=', email)
      .execute();
    expect(rows).toHaveLength(0);
    // Nothing reached the outbox for this organization either.
    expect(await outboxOf()).toEqual(before);
  });
});

describe('listing and reading', () => {
  let listOrg: { id: string; slug: string };
  let ids: { a: string; b: string; c: string; d: string };
  beforeAll(async () => {
    listOrg = await createOrg(t.app, owner.token, 'List Corp');
    await addActiveMember(t.database, listOrg.id, admin.user.id, 'admin');
    await addActiveMember(t.database, listOrg.id, member.user.id, 'member');
    const a = await invited(t.app, owner, listOrg.id, uniqueEmail('la'));
    const b = await invited(t.app, admin, listOrg.id, uniqueEmail('lb'));
    const c = await invited(t.app, admin, listOrg.id, uniqueEmail('lc'));
    const d = await invited(t.app, owner, listOrg.id, uniqueEmail('ld'));
    await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${listOrg.id}/invitations/${c.invitation.id}`,
      headers: bearer(owner.token),
    });
    await backdateExpiry(t, d.invitation.id); // expired, not yet swept
    ids = { a: a.invitation.id, b: b.invitation.id, c: c.invitation.id, d: d.invitation.id };
  });

  const list = (query = '', who: SignedUp = owner) =>
    t.app.inject({
      method: 'GET',
      url: `/v1/organizations/${listOrg.id}/invitations${query}`,
      headers: bearer(who.token),
    });

  it('lists newest first with counts per status; an expired-but-unswept one reads as expired', async () => {
    const res = await list();
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.data.map((i: { id: string }) => i.id)).toEqual([ids.d, ids.c, ids.b, ids.a]);
    expect(body.counts).toEqual({ pending: 2, accepted: 0, expired: 1, revoked: 1 });
    expect(body.data[0].status).toBe('expired');
    expect(JSON.stringify(body)).not.toMatch(/ri_[0-9a-f]{32}|acceptUrl|secret/);
  });

  it('filters by status (derived), email and invitedBy; members (member:read) may read', async () => {
    const pending = (await list('?status=pending')).json();
    expect(pending.data.map((i: { id: string }) => i.id).sort()).toEqual([ids.a, ids.b].sort());
    const expired = (await list('?status=expired')).json();
    expect(expired.data.map((i: { id: string }) => i.id)).toEqual([ids.d]);
    const byAdmin = (await list(`?invitedBy=${admin.user.id}`)).json();
    expect(byAdmin.data.map((i: { id: string }) => i.id).sort()).toEqual([ids.b, ids.c].sort());
    expect(byAdmin.counts).toEqual({ pending: 1, accepted: 0, expired: 0, revoked: 1 });
    const one = (
      await list(`?email=${encodeURIComponent((await invitationRow(ids.a)).email.toUpperCase())}`)
    ).json();
    expect(one.data.map((i: { id: string }) => i.id)).toEqual([ids.a]);
    expect((await list('', member)).statusCode).toBe(200);
  });

  it('pages with limit and cursor', async () => {
    const first = (await list('?limit=3')).json();
    expect(first.data).toHaveLength(3);
    const second = (await list(`?limit=3&cursor=${first.nextCursor}`)).json();
    expect(second.data.map((i: { id: string }) => i.id)).toEqual([ids.a]);
    expect(second.nextCursor).toBeNull();
    const bad = await list('?cursor=nonsense');
    expect(errorCode(bad)).toBe('INVALID_CURSOR');
  });

  it('refuses bad filters with 400 naming the field (a repeated status is not an array)', async () => {
    for (const [q, field] of [
      ['?status=pending&status=accepted', 'status'],
      ['?status=PENDING', 'status'],
      ['?invitedBy=nope', 'invitedBy'],
      ['?limit=0', 'limit'],
      ['?orgId=x', 'orgId'],
    ] as const) {
      const res = await list(q);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
  });

  it("gets one by id, never with its token; 404 for an unknown id or another org's", async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/v1/organizations/${listOrg.id}/invitations/${ids.a}`,
      headers: bearer(member.token),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().id).toBe(ids.a);
    expect(res.body).not.toMatch(/ri_|secret|token/i);
    const foreign = await t.app.inject({
      method: 'GET',
      url: `/v1/organizations/${org.id}/invitations/${ids.a}`,
      headers: bearer(owner.token),
    });
    expect(foreign.statusCode).toBe(404);
    expect(errorCode(foreign)).toBe('INVITATION_NOT_FOUND');
  });
});

describe('validating a token (no sign-in)', () => {
  it('shows org name, inviter name (never email), role, expiry, message and the invited email', async () => {
    const email = uniqueEmail('val');
    const res = await invite(t.app, owner, org.id, { email, role: 'member', message: 'Hi!' });
    const token = tokenOf(res.json().acceptUrl);
    const v = await validate(t.app, token);
    expect(v.statusCode).toBe(200);
    expect(v.json()).toEqual({
      valid: true,
      organization: { name: 'Invite Corp', slug: org.slug },
      inviter: { name: 'Olivia Owner' },
      email,
      role: 'member',
      expiresAt: res.json().invitation.expiresAt,
      message: 'Hi!',
    });
    expect(v.body).not.toContain(owner.user.email);
  });

  it('answers only the reason for an expired, revoked, accepted, unknown, tampered or malformed token', async () => {
    const expired = await invited(t.app, owner, org.id, uniqueEmail('vexp'));
    await backdateExpiry(t, expired.invitation.id);
    const revoked = await invited(t.app, owner, org.id, uniqueEmail('vrev'));
    await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org.id}/invitations/${revoked.invitation.id}`,
      headers: bearer(owner.token),
    });
    const joiner = await verifiedUser(t, uniqueEmail('vacc'));
    const accepted = await invited(t.app, owner, org.id, joiner.user.email);
    expect((await accept(t.app, joiner.token, accepted.token)).statusCode).toBe(200);
    const tampered = `${accepted.token.slice(0, -4)}AAAA`;
    const cases: Array<[string, string]> = [
      [expired.token, 'expired'],
      [revoked.token, 'revoked'],
      [accepted.token, 'accepted'],
      [tampered, 'not_found'],
      [`ri_${'0'.repeat(32)}${'A'.repeat(43)}`, 'not_found'],
      ['garbage', 'not_found'],
    ];
    for (const [token, reason] of cases) {
      const v = await validate(t.app, token);
      expect(v.statusCode).toBe(200);
      expect(v.json(), reason).toEqual({ valid: false, reason });
    }
  });
});

describe('accepting', () => {
  it('the invited, verified user joins with the invited role: membership active (source invitation), invitation accepted, audit and a notice to the inviter', async () => {
    const joiner = await verifiedUser(t, uniqueEmail('join'), 'Jo Joiner');
    const inv = await invited(t.app, owner, org.id, joiner.user.email.toUpperCase(), 'admin');
    const res = await accept(t.app, joiner.token, inv.token);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      organization: { id: org.id, slug: org.slug, name: 'Invite Corp' },
      membership: { role: 'admin', status: 'active' },
      invitationId: inv.invitation.id,
    });
    const m = await membership(org.id, joiner.user.id);
    expect(m).toMatchObject({
      role: 'admin',
      status: 'active',
      source: 'invitation',
      added_by: owner.user.id,
    });
    const row = await invitationRow(inv.invitation.id);
    expect(row).toMatchObject({ status: 'accepted', accepted_by: joiner.user.id });
    expect((await audit(org.id, 'invitation.accepted')).map((a) => a.target_id)).toContain(inv.invitation.id);
    const added = (await audit(org.id, 'member.added')).filter((a) => a.target_id === joiner.user.id);
    expect(added).toHaveLength(1);
    expect(added[0]?.data).toMatchObject({ role: 'admin', source: 'invitation' });
    const notices = (await emailsTo(t, owner.user.email)).filter(
      (e) => e.subject === 'Jo Joiner joined Invite Corp',
    );
    expect(notices).toHaveLength(1);
    // Now a member: the org is visible with the invited role.
    const me = await t.app.inject({
      method: 'GET',
      url: `/v1/organizations/${org.id}`,
      headers: bearer(joiner.token),
    });
    expect(me.json().viewer.role).toBe('admin');
  });

  it('takes the token in the body too (POST /v1/invitations/accept)', async () => {
    const joiner = await verifiedUser(t, uniqueEmail('body'));
    const inv = await invited(t.app, owner, org.id, joiner.user.email);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/invitations/accept',
      headers: bearer(joiner.token),
      payload: { token: inv.token },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect((await membership(org.id, joiner.user.id))?.status).toBe('active');
  });

  it('another signed-in user presenting the token gets 403; the invitation stays pending and usable', async () => {
    const intended = await verifiedUser(t, uniqueEmail('intended'));
    const thief = await verifiedUser(t, uniqueEmail('thief'));
    const inv = await invited(t.app, owner, org.id, intended.user.email);
    const res = await accept(t.app, thief.token, inv.token);
    expect(res.statusCode).toBe(403);
    expect(errorCode(res)).toBe('INVITATION_EMAIL_MISMATCH');
    expect(await membership(org.id, thief.user.id)).toBeUndefined();
    expect((await invitationRow(inv.invitation.id)).status).toBe('pending');
    expect((await accept(t.app, intended.token, inv.token)).statusCode).toBe(200);
  });

  it('an account with an unverified email cannot accept by session alone (403 EMAIL_NOT_VERIFIED); after verifying it can', async () => {
    const email = uniqueEmail('unverified');
    const u = await signUp(t.app, email);
    const inv = await invited(t.app, owner, org.id, email);
    const res = await accept(t.app, u.token, inv.token);
    expect(res.statusCode).toBe(403);
    expect(errorCode(res)).toBe('EMAIL_NOT_VERIFIED');
    expect(await membership(org.id, u.user.id)).toBeUndefined();
    expect((await invitationRow(inv.invitation.id)).status).toBe('pending');
    const [verification] = await emailsTo(t, email);
    await t.app.inject({
      method: 'POST',
      url: '/v1/auth/verify-email',
      payload: { token: tokenOf(verification?.links[0] as string) },
    });
    expect((await accept(t.app, u.token, inv.token)).statusCode).toBe(200);
  });

  it('needs a signed-in user: 401 anonymous, 403 for an API key', async () => {
    const inv = await invited(t.app, owner, org.id, uniqueEmail('anon'));
    const anon = await t.app.inject({ method: 'POST', url: `/v1/invitations/${inv.token}/accept` });
    expect(anon.statusCode).toBe(401);
    const key = await createApiKey(t.database.db, 'k', ['member:read']);
    expect((await accept(t.app, key.token, inv.token)).statusCode).toBe(403);
    expect((await invitationRow(inv.invitation.id)).status).toBe('pending');
  });

  it('refuses an accepted (409), revoked (410), expired (410), resent-away (404) or unknown (404) token', async () => {
    const u = await verifiedUser(t, uniqueEmail('states'));
    const other = await verifiedUser(t, uniqueEmail('states2'));

    const once = await invited(t.app, owner, org.id, u.user.email);
    expect((await accept(t.app, u.token, once.token)).statusCode).toBe(200);
    const twice = await accept(t.app, u.token, once.token);
    expect([twice.statusCode, errorCode(twice)]).toEqual([409, 'INVITATION_ALREADY_ACCEPTED']);

    const rev = await invited(t.app, owner, org.id, other.user.email);
    await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org.id}/invitations/${rev.invitation.id}`,
      headers: bearer(owner.token),
    });
    const revoked = await accept(t.app, other.token, rev.token);
    expect([revoked.statusCode, errorCode(revoked)]).toEqual([410, 'INVITATION_REVOKED']);

    const exp = await invited(t.app, owner, org.id, other.user.email);
    await backdateExpiry(t, exp.invitation.id);
    const expired = await accept(t.app, other.token, exp.token);
    expect([expired.statusCode, errorCode(expired)]).toEqual([410, 'INVITATION_EXPIRED']);
    expect(await membership(org.id, other.user.id)).toBeUndefined();

    const fresh = await invited(t.app, owner, org.id, other.user.email);
    const resent = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.id}/invitations/${fresh.invitation.id}/resend`,
      headers: bearer(owner.token),
    });
    expect(resent.statusCode).toBe(200);
    const old = await accept(t.app, other.token, fresh.token);
    expect([old.statusCode, errorCode(old)]).toEqual([404, 'INVITATION_NOT_FOUND']);
    expect((await accept(t.app, other.token, 'ri_nothing')).statusCode).toBe(404);
    expect((await accept(t.app, other.token, tokenOf(resent.json().acceptUrl))).statusCode).toBe(200);
  });

  it('refuses when the user is already a member (409 ALREADY_MEMBER) and when no seat is left (409 MEMBER_LIMIT_REACHED)', async () => {
    const o = await createOrg(t.app, owner.token, 'Seats Corp');
    const a = await verifiedUser(t, uniqueEmail('seat-a'));
    const b = await verifiedUser(t, uniqueEmail('seat-b'));
    const inv = await invited(t.app, owner, o.id, a.user.email);
    // Joined meanwhile by another path.
    await addActiveMember(t.database, o.id, a.user.id, 'member');
    const dup = await accept(t.app, a.token, inv.token);
    expect([dup.statusCode, errorCode(dup)]).toEqual([409, 'ALREADY_MEMBER']);

    // memberLimit 3: owner + a + the pending invitation for b = 3 seats; the 4th invitation is refused.
    const invB = await invited(t.app, owner, o.id, b.user.email);
    await t.database.db
      .updateTable('organizations')
      .set({ member_limit: 3 })
      .where('id', '=', o.id)
      .execute();
    const full = await invite(t.app, owner, o.id, { email: uniqueEmail('seat-c'), role: 'member' });
    expect([full.statusCode, errorCode(full)]).toEqual([409, 'MEMBER_LIMIT_REACHED']);
    // A seat freed by another path is taken before b accepts: b's acceptance would exceed the limit.
    await t.database.db
      .updateTable('invitations')
      .set({ status: 'revoked', revoked_at: new Date() })
      .where('id', '=', inv.invitation.id)
      .execute();
    const c = await signUp(t.app);
    await addActiveMember(t.database, o.id, c.user.id, 'member');
    await addActiveMember(t.database, o.id, (await signUp(t.app)).user.id, 'member');
    const over = await accept(t.app, b.token, invB.token);
    expect([over.statusCode, errorCode(over)]).toEqual([409, 'MEMBER_LIMIT_REACHED']);
    expect(await membership(o.id, b.user.id)).toBeUndefined();
    expect((await invitationRow(invB.invitation.id)).status).toBe('pending');
  });

  it('PATCH memberLimit counts pending invitations as seats', async () => {
    const o = await createOrg(t.app, owner.token, 'Limit Corp');
    await invited(t.app, owner, o.id, uniqueEmail('l1'));
    await invited(t.app, owner, o.id, uniqueEmail('l2'));
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${o.id}`,
      headers: bearer(owner.token),
      payload: { memberLimit: 2 },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.details[0].seatsInUse).toBe(3);
  });
});

describe('signing up with an invitation', () => {
  const signUpWith = (payload: Record<string, unknown>) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-up',
      payload: { password: 'correct horse battery', name: 'New Person', ...payload },
    });

  it('creates the account verified with the invited email and accepts, in one transaction (no verification email)', async () => {
    const email = uniqueEmail('signup');
    const inv = await invited(t.app, owner, org.id, email, 'admin');
    const res = await signUpWith({ email: email.toUpperCase(), invitationToken: inv.token });
    expect(res.statusCode, res.body).toBe(201);
    const { user, session } = res.json();
    expect(user).toMatchObject({ email, emailVerified: true });
    expect(await membership(org.id, user.id)).toMatchObject({
      status: 'active',
      role: 'admin',
      source: 'invitation',
    });
    expect((await invitationRow(inv.invitation.id)).status).toBe('accepted');
    const mails = await emailsTo(t, email);
    expect(mails.map((m) => m.subject)).not.toContain('Verify your email address');
    const orgs = await t.app.inject({
      method: 'GET',
      url: '/v1/me/organizations',
      headers: bearer(session.token),
    });
    expect(orgs.json().data.map((d: { organization: { id: string } }) => d.organization.id)).toContain(
      org.id,
    );
  });

  it('with a token for another email, or a bad/expired token, creates no account and changes nothing', async () => {
    const email = uniqueEmail('signup-x');
    const inv = await invited(t.app, owner, org.id, email);
    const exp = await invited(t.app, owner, org.id, uniqueEmail('signup-exp'));
    await backdateExpiry(t, exp.invitation.id);
    const intruder = uniqueEmail('intruder');
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ email: intruder, invitationToken: inv.token }, 403, 'INVITATION_EMAIL_MISMATCH'],
      [{ email: intruder, invitationToken: 'ri_bogus' }, 404, 'INVITATION_NOT_FOUND'],
      [{ email: intruder, invitationToken: exp.token }, 410, 'INVITATION_EXPIRED'],
      [{ email: intruder, invitationToken: ['x'] }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [payload, status, code] of cases) {
      const res = await signUpWith(payload);
      expect([res.statusCode, errorCode(res)], code).toEqual([status, code]);
    }
    const users = await t.database.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', intruder)
      .execute();
    expect(users).toHaveLength(0);
    expect((await invitationRow(inv.invitation.id)).status).toBe('pending');
    expect(await emailsTo(t, intruder)).toHaveLength(0);
  });
});

describe('revoke, resend, copy-link', () => {
  it('revoke: pending only (then 409 INVITATION_NOT_PENDING), audited, within the role ceiling', async () => {
    const ownerInv = await invited(t.app, owner, org.id, uniqueEmail('rv-owner'), 'owner');
    const byAdmin = await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org.id}/invitations/${ownerInv.invitation.id}`,
      headers: bearer(admin.token),
    });
    expect([byAdmin.statusCode, errorCode(byAdmin)]).toEqual([403, 'ROLE_CEILING']);
    const inv = await invited(t.app, owner, org.id, uniqueEmail('rv'));
    const url = `/v1/organizations/${org.id}/invitations/${inv.invitation.id}`;
    const res = await t.app.inject({ method: 'DELETE', url, headers: bearer(admin.token) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'revoked', revokedBy: admin.user.id });
    const again = await t.app.inject({ method: 'DELETE', url, headers: bearer(admin.token) });
    expect([again.statusCode, errorCode(again)]).toEqual([409, 'INVITATION_NOT_PENDING']);
    expect((await audit(org.id, 'invitation.revoked')).map((a) => a.target_id)).toContain(inv.invitation.id);
    const byMember = await t.app.inject({ method: 'DELETE', url, headers: bearer(member.token) });
    expect(byMember.statusCode).toBe(403);
  });

  it('resend: a new token (the old stops working, and the answer says so), expiry extended, a second email, audited', async () => {
    const email = uniqueEmail('resend');
    const inv = await invited(t.app, owner, org.id, email);
    await t.database.db
      .updateTable('invitations')
      .set({ expires_at: sql<Date>`now() + interval '1 day'` })
      .where('id', '=', inv.invitation.id)
      .execute();
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.id}/invitations/${inv.invitation.id}/resend`,
      headers: bearer(admin.token),
    });
    expect(res.statusCode, res.body).toBe(200);
    const { invitation, acceptUrl, revokedLinks } = res.json();
    expect(revokedLinks).toBe(1);
    const newToken = tokenOf(acceptUrl);
    expect(newToken).not.toBe(inv.token);
    expect(invitation.sendCount).toBe(2);
    expect(new Date(invitation.expiresAt).getTime() - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    expect((await validate(t.app, inv.token)).json()).toEqual({ valid: false, reason: 'not_found' });
    expect((await validate(t.app, newToken)).json().valid).toBe(true);
    const mails = await emailsTo(t, email);
    expect(mails.map((m) => m.links[0])).toEqual([inv.acceptUrl, acceptUrl]);
    expect((await audit(org.id, 'invitation.resent')).map((a) => a.target_id)).toContain(inv.invitation.id);
  });

  it('resend of an expired invitation: 400 CANNOT_RESEND_EXPIRED, and it is stored as expired; of a revoked one 409', async () => {
    const inv = await invited(t.app, owner, org.id, uniqueEmail('resend-exp'));
    await backdateExpiry(t, inv.invitation.id);
    const url = `/v1/organizations/${org.id}/invitations/${inv.invitation.id}/resend`;
    const res = await t.app.inject({ method: 'POST', url, headers: bearer(owner.token) });
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'CANNOT_RESEND_EXPIRED']);
    expect((await invitationRow(inv.invitation.id)).status).toBe('expired');
    await t.app.inject({ method: 'DELETE', url: url.replace('/resend', ''), headers: bearer(owner.token) });
    const gone = await t.app.inject({ method: 'POST', url, headers: bearer(owner.token) });
    expect([gone.statusCode, errorCode(gone)]).toEqual([409, 'INVITATION_NOT_PENDING']);
  });

  it('a copy-link is one more working link, without an email: the emailed one keeps working', async () => {
    const email = uniqueEmail('link');
    const inv = await invited(t.app, owner, org.id, email);
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.id}/invitations/${inv.invitation.id}/link`,
      headers: bearer(owner.token),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ liveLinks: 2, link: { kind: 'copy', live: true } });
    expect((await validate(t.app, inv.token)).json().valid).toBe(true);
    expect((await validate(t.app, tokenOf(res.json().acceptUrl))).json().valid).toBe(true);
    expect(await emailsTo(t, email)).toHaveLength(1);
  });
});

describe('expiry', () => {
  it('an expired-but-unswept invitation does not block a new one: it is marked expired in the same transaction', async () => {
    const email = uniqueEmail('stale');
    const old = await invited(t.app, owner, org.id, email);
    await backdateExpiry(t, old.invitation.id);
    expect((await invitationRow(old.invitation.id)).status).toBe('pending'); // stored, not swept
    const res = await invite(t.app, owner, org.id, { email, role: 'member' });
    expect(res.statusCode, res.body).toBe(201);
    expect((await invitationRow(old.invitation.id)).status).toBe('expired');
    expect((await audit(org.id, 'invitation.expired')).map((a) => a.target_id)).toContain(old.invitation.id);
  });

  it('the sweep persists expired (audited as the system), leaving unexpired ones pending', async () => {
    const o = await createOrg(t.app, owner.token, 'Sweep Corp');
    const a = await invited(t.app, owner, o.id, uniqueEmail('sw-a'));
    const b = await invited(t.app, owner, o.id, uniqueEmail('sw-b'));
    await backdateExpiry(t, a.invitation.id);
    expect(await sweepExpiredInvitations({ db: t.database.db })).toBeGreaterThanOrEqual(1);
    expect((await invitationRow(a.invitation.id)).status).toBe('expired');
    expect((await invitationRow(b.invitation.id)).status).toBe('pending');
    const [entry] = await audit(o.id, 'invitation.expired');
    expect(entry).toMatchObject({ actor_type: 'system', target_id: a.invitation.id });
  });

  it('the app runs the sweep on its own timer (INVITATION_SWEEP_MS) and stops it on close', async () => {
    const t2 = await createTestApp({ invitationSweepMs: 50 }, t.database);
    try {
      const o = await createOrg(t2.app, owner.token, 'Timer Corp');
      const inv = await invited(t2.app, owner, o.id, uniqueEmail('timer'));
      await backdateExpiry(t2, inv.invitation.id);
      await waitUntil(async () => (await invitationRow(inv.invitation.id)).status !== 'pending', {
        everyMs: 25,
      });
      expect((await invitationRow(inv.invitation.id)).status).toBe('expired');
    } finally {
      await t2.close();
    }
    // Closed: a newly expired invitation stays stored as pending.
    const o = await createOrg(t.app, owner.token, 'After Close Corp');
    const inv = await invited(t.app, owner, o.id, uniqueEmail('after'));
    await backdateExpiry(t, inv.invitation.id);
    await new Promise((r) => setTimeout(r, 200));
    expect((await invitationRow(inv.invitation.id)).status).toBe('pending');
  });
});

describe('invite requests and approval', () => {
  const post = (who: SignedUp, path: string, payload?: Record<string, unknown>) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.id}/invitations${path}`,
      headers: bearer(who.token),
      ...(payload ? { payload } : {}),
    });

  it('a member without member:invite requests: no token, no email to the invitee, approvers notified', async () => {
    const email = uniqueEmail('req');
    const res = await post(member, '/requests', { email, role: 'member' });
    expect(res.statusCode, res.body).toBe(201);
    const { invitation } = res.json();
    expect(invitation).toMatchObject({
      approval: 'requested_to_be_invited',
      status: 'pending',
      invitedBy: member.user.id,
      expiresAt: null,
    });
    expect(res.json().acceptUrl).toBeUndefined();
    expect(await linkRows(invitation.id)).toEqual([]);
    expect(await emailsTo(t, email)).toHaveLength(0);
    for (const approver of [owner, admin]) {
      const notes = (await emailsTo(t, approver.user.email)).filter((m) => m.subject.includes(email));
      expect(notes.map((n) => n.subject)).toEqual([`Mia Member asks to invite ${email} to Invite Corp`]);
    }
    expect((await audit(org.id, 'invitation.requested')).map((a) => a.target_id)).toContain(invitation.id);
    // A member may not ask for a role above their own.
    const above = await post(member, '/requests', { email: uniqueEmail(), role: 'admin' });
    expect([above.statusCode, errorCode(above)]).toEqual([403, 'ROLE_CEILING']);
  });

  it('an unapproved invitation cannot be resent or linked (400 INVITATION_NOT_APPROVED); a member cannot approve (403)', async () => {
    const req = (await post(member, '/requests', { email: uniqueEmail('unapproved') })).json().invitation;
    for (const action of ['resend', 'link']) {
      const res = await post(owner, `/${req.id}/${action}`);
      expect([res.statusCode, errorCode(res)], action).toEqual([400, 'INVITATION_NOT_APPROVED']);
    }
    expect((await post(member, `/${req.id}/approve`)).statusCode).toBe(403);
    expect((await invitationRow(req.id)).approval).toBe('requested_to_be_invited');
  });

  it('an admin approves: token generated, email sent, then the invitee accepts', async () => {
    const invitee = await verifiedUser(t, uniqueEmail('approved'));
    const req = (await post(member, '/requests', { email: invitee.user.email, message: 'my friend' })).json()
      .invitation;
    const res = await post(admin, `/${req.id}/approve`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().invitation).toMatchObject({
      approval: 'approved',
      approvedBy: admin.user.id,
      status: 'pending',
    });
    const [mail] = await emailsTo(t, invitee.user.email).then((m) =>
      m.filter((x) => x.subject.includes('invited you')),
    );
    expect(mail?.subject).toBe('Mia Member invited you to join Invite Corp');
    const token = tokenOf(mail?.links[0] as string);
    expect((await accept(t.app, invitee.token, token)).statusCode).toBe(200);
    const again = await post(admin, `/${req.id}/approve`);
    expect([again.statusCode, errorCode(again)]).toEqual([409, 'INVITATION_NOT_PENDING']);
    expect((await audit(org.id, 'invitation.approved')).map((a) => a.target_id)).toContain(req.id);
  });

  it('an admin rejects: revoked, audited; an approved invitation cannot be rejected (409)', async () => {
    const req = (await post(member, '/requests', { email: uniqueEmail('rejected') })).json().invitation;
    const res = await post(admin, `/${req.id}/reject`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'revoked', approval: 'requested_to_be_invited' });
    expect((await audit(org.id, 'invitation.rejected')).map((a) => a.target_id)).toContain(req.id);
    const inv = await invited(t.app, owner, org.id, uniqueEmail('approved-already'));
    const rej = await post(admin, `/${inv.invitation.id}/reject`);
    expect([rej.statusCode, errorCode(rej)]).toEqual([409, 'INVITATION_ALREADY_APPROVED']);
  });

  it('a pending request blocks a second invitation for the email (409 INVITATION_EXISTS)', async () => {
    const email = uniqueEmail('req-dup');
    await post(member, '/requests', { email });
    const res = await invite(t.app, owner, org.id, { email, role: 'member' });
    expect([res.statusCode, errorCode(res)]).toEqual([409, 'INVITATION_EXISTS']);
  });
});

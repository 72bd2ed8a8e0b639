/**
 * Shareable join links: made by an admin (role at or below theirs, expiry, cap on uses, email
 * domains, approval), used by signed-in people with a verified email, revoked and rotated; every use
 * audited with the link's id. The race of many uses against a cap runs on PostgreSQL.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../src/lib/ids.ts';
import {
  addActiveMember,
  bearer,
  createOrg,
  createTestApp,
  emailsTo,
  errorCode,
  inParallel,
  onPostgres,
  type SignedUp,
  signUp,
  type TestApp,
  uniqueEmail,
  verifiedUser,
} from './helpers.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

interface Issued {
  link: { id: string; role: string; state: string; uses: number; maxUses: number | null };
  url: string;
  token: string;
}

async function orgWithAdmin() {
  const owner = await signUp(t.app);
  const org = await createOrg(t.app, owner.token);
  const admin = await signUp(t.app);
  await addActiveMember(t.database, org.id, admin.user.id, 'admin');
  return { owner, org, admin };
}

async function makeLink(token: string, org: string, payload: object = {}): Promise<Issued> {
  const res = await t.app.inject({
    method: 'POST',
    url: `/v1/organizations/${org}/join-links`,
    headers: bearer(token),
    payload,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

const use = (token: string | null, linkToken: string) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/join-links/use',
    ...(token && { headers: bearer(token) }),
    payload: { token: linkToken },
  });

const preview = (linkToken: string) =>
  t.app.inject({ method: 'POST', url: '/v1/join-links/preview', payload: { token: linkToken } });

/** A person with a verified email at `domain`, verified directly (the verify flow has its own tests). */
async function personAt(domain = 'example.com'): Promise<SignedUp> {
  const u = await signUp(t.app, uniqueEmail('joiner').replace('@example.com', `@${domain}`));
  await t.database.db
    .updateTable('users')
    .set({ email_verified_at: new Date() })
    .where('id', '=', u.user.id)
    .execute();
  return u;
}

function membershipOf(orgId: string, userId: string) {
  return t.database.db
    .selectFrom('memberships')
    .select(['id', 'role', 'status', 'source'])
    .where('organization_id', '=', orgId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

async function auditOf(orgId: string, action: string) {
  return t.database.db
    .selectFrom('audit_log')
    .select(['actor_id', 'target_id', 'data'])
    .where('organization_id', '=', orgId)
    .where('action', '=', action)
    .orderBy('id')
    .execute();
}

describe('making join links', () => {
  it('returns the link, a URL with the token after #, and stores only a hash of the secret', async () => {
    const { org, admin } = await orgWithAdmin();
    const issued = await makeLink(admin.token, org.slug, { label: 'Conference', maxUses: 5 });
    expect(issued.token).toMatch(/^rj_[0-9a-f]{32}[A-Za-z0-9_-]{43}$/);
    expect(issued.url).toBe(`${t.config.publicUrl}/join-link#${issued.token}`);
    expect(issued.link).toMatchObject({ role: 'member', state: 'active', uses: 0, maxUses: 5 });
    const row = await t.database.db
      .selectFrom('join_links')
      .selectAll()
      .where('id', '=', issued.link.id)
      .executeTakeFirstOrThrow();
    const secret = issued.token.slice(3 + 32);
    expect(Buffer.from(row.secret_hash).toString('hex')).not.toContain(Buffer.from(secret).toString('hex'));
    expect(JSON.stringify(row)).not.toContain(secret);
    const [entry] = await auditOf(org.id, 'join_link.created');
    expect(entry).toMatchObject({ actor_id: admin.user.id, target_id: issued.link.id });
    expect(JSON.stringify(entry)).not.toContain(secret);
    // The audit log names the link by its label.
    const log = await t.app.inject({
      url: `/v1/organizations/${org.slug}/audit-log?action=join_link.created`,
      headers: bearer(admin.token),
    });
    expect(log.json().data[0].target).toMatchObject({
      type: 'join_link',
      id: issued.link.id,
      name: 'Conference',
      deleted: false,
    });
  });

  it('lists links newest first with their state, never the token', async () => {
    const { org, admin } = await orgWithAdmin();
    const first = await makeLink(admin.token, org.slug);
    const second = await makeLink(admin.token, org.slug, { role: 'admin', allowedDomains: ['Acme.COM'] });
    const res = await t.app.inject({
      url: `/v1/organizations/${org.slug}/join-links?limit=1`,
      headers: bearer(admin.token),
    });
    expect(res.statusCode, res.body).toBe(200);
    const page = res.json();
    expect(page.data).toHaveLength(1);
    expect(page.data[0]).toMatchObject({ id: second.link.id, role: 'admin', allowedDomains: ['acme.com'] });
    expect(res.body).not.toContain(second.token.slice(3));
    const next = await t.app.inject({
      url: `/v1/organizations/${org.slug}/join-links?limit=1&cursor=${page.nextCursor}`,
      headers: bearer(admin.token),
    });
    expect(next.json().data.map((l: { id: string }) => l.id)).toEqual([first.link.id]);
    expect(next.json().nextCursor).toBeNull();
  });

  it('refuses a member, an owner role, a role above the caller, a past expiry and a bad domain', async () => {
    const { owner, org, admin } = await orgWithAdmin();
    const member = await signUp(t.app);
    await addActiveMember(t.database, org.id, member.user.id, 'member');
    const post = (token: string, payload: object) =>
      t.app.inject({
        method: 'POST',
        url: `/v1/organizations/${org.slug}/join-links`,
        headers: bearer(token),
        payload,
      });
    const byMember = await post(member.token, {});
    expect([byMember.statusCode, errorCode(byMember)]).toEqual([403, 'FORBIDDEN']);
    const asOwner = await post(owner.token, { role: 'owner' });
    expect([asOwner.statusCode, errorCode(asOwner)]).toEqual([400, 'VALIDATION_FAILED']);
    const past = await post(admin.token, { expiresAt: new Date(Date.now() - 1000).toISOString() });
    expect([past.statusCode, errorCode(past)]).toEqual([400, 'VALIDATION_FAILED']);
    expect(past.json().error.details).toEqual([{ field: 'expiresAt', message: 'must be in the future' }]);
    const domain = await post(admin.token, { allowedDomains: ['example.com', 'not a domain'] });
    expect([domain.statusCode, errorCode(domain)]).toEqual([400, 'VALIDATION_FAILED']);
    expect(domain.json().error.details[0].field).toBe('allowedDomains.1');
    const zero = await post(admin.token, { maxUses: 0 });
    expect(zero.statusCode).toBe(400);
    // An admin may make admin links; an API key without member:admin may not make any.
    expect((await post(admin.token, { role: 'admin' })).statusCode).toBe(201);
  });

  it('caps the live links of an organization', async () => {
    const { org, admin } = await orgWithAdmin();
    const { MAX_LIVE_JOIN_LINKS } = await import('../src/features/join-links/join-link.repository.ts');
    await t.database.db
      .insertInto('join_links')
      .values(
        Array.from({ length: MAX_LIVE_JOIN_LINKS }, () => ({
          id: uuidv7(),
          organization_id: org.id,
          role: 'member' as const,
          secret_hash: new Uint8Array(32),
          label: null,
          max_uses: null,
          expires_at: null,
          created_by: null,
        })),
      )
      .execute();
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.slug}/join-links`,
      headers: bearer(admin.token),
      payload: {},
    });
    expect([res.statusCode, errorCode(res)]).toEqual([409, 'JOIN_LINK_LIMIT']);
    // A revoked link frees its place.
    const [some] = await t.database.db
      .selectFrom('join_links')
      .select('id')
      .where('organization_id', '=', org.id)
      .execute();
    await t.database.db
      .updateTable('join_links')
      .set({ revoked_at: new Date() })
      .where('id', '=', some?.id ?? '')
      .execute();
    await makeLink(admin.token, org.slug);
  });
});

describe('using a join link', () => {
  it('shows what it gives to anyone, and joins a verified person at once with the link role', async () => {
    const { org, admin } = await orgWithAdmin();
    const issued = await makeLink(admin.token, org.slug, { role: 'admin' });
    const shown = await preview(issued.token);
    expect(shown.statusCode, shown.body).toBe(200);
    expect(shown.json()).toEqual({
      valid: true,
      organization: { name: org.name, slug: org.slug },
      role: 'admin',
      requireApproval: false,
      expiresAt: null,
      allowedDomains: [],
    });
    const byGet = await t.app.inject({ url: `/v1/join-links/${issued.token}` });
    expect(byGet.json()).toEqual(shown.json());

    const person = await personAt();
    const res = await use(person.token, issued.token);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      organization: { id: org.id, slug: org.slug },
      membership: { userId: person.user.id, role: 'admin', status: 'active', source: 'join_link' },
      linkId: issued.link.id,
    });
    expect(await membershipOf(org.id, person.user.id)).toMatchObject({
      status: 'active',
      source: 'join_link',
    });
    const [used] = await auditOf(org.id, 'join_link.used');
    expect(used).toMatchObject({ actor_id: person.user.id, target_id: issued.link.id });
    expect(used?.data).toMatchObject({ linkId: issued.link.id, status: 'active', role: 'admin' });
    const added = await auditOf(org.id, 'member.added');
    expect(added.at(-1)?.data).toMatchObject({ source: 'join_link', linkId: issued.link.id });
    const events = await t.database.db
      .selectFrom('analytics_events')
      .select(['type', 'data'])
      .where('organization_id', '=', org.id)
      .where('type', '=', 'member.added')
      .execute();
    expect(events.map((e) => e.data)).toContainEqual(
      expect.objectContaining({ userId: person.user.id, source: 'join_link', linkId: issued.link.id }),
    );
    const after = await t.app.inject({
      url: `/v1/organizations/${org.slug}/join-links`,
      headers: bearer(admin.token),
    });
    expect(after.json().data[0]).toMatchObject({ uses: 1, state: 'active' });

    const again = await use(person.token, issued.token);
    expect([again.statusCode, errorCode(again)]).toEqual([409, 'ALREADY_MEMBER']);
  });

  it('needs a session and a verified email', async () => {
    const { org, admin } = await orgWithAdmin();
    const issued = await makeLink(admin.token, org.slug);
    const anonymous = await use(null, issued.token);
    expect([anonymous.statusCode, errorCode(anonymous)]).toEqual([401, 'UNAUTHENTICATED']);
    const unverified = await signUp(t.app);
    const res = await use(unverified.token, issued.token);
    expect([res.statusCode, errorCode(res)]).toEqual([403, 'EMAIL_NOT_VERIFIED']);
    expect(await membershipOf(org.id, unverified.user.id)).toBeUndefined();
    const verified = await verifiedUser(t);
    expect((await use(verified.token, issued.token)).statusCode).toBe(200);
  });

  it('admits only the allowed email domains', async () => {
    const { org, admin } = await orgWithAdmin();
    const issued = await makeLink(admin.token, org.slug, {
      allowedDomains: ['@acme.test', 'corp.acme.test'],
    });
    const outsider = await personAt('example.com');
    const refused = await use(outsider.token, issued.token);
    expect([refused.statusCode, errorCode(refused)]).toEqual([403, 'JOIN_LINK_DOMAIN_NOT_ALLOWED']);
    expect(refused.json().error.details).toEqual({ allowedDomains: ['acme.test', 'corp.acme.test'] });
    // A subdomain not listed is another domain.
    const sub = await personAt('eu.acme.test');
    expect(errorCode(await use(sub.token, issued.token))).toBe('JOIN_LINK_DOMAIN_NOT_ALLOWED');
    const insider = await personAt('corp.acme.test');
    expect((await use(insider.token, issued.token)).statusCode).toBe(200);
    const links = await t.database.db
      .selectFrom('join_links')
      .select('uses')
      .where('id', '=', issued.link.id)
      .executeTakeFirstOrThrow();
    expect(links.uses).toBe(1);
  });

  it('with approval: a pending request in the join-request queue, the admins emailed; a direct link then makes it active', async () => {
    const { owner, org, admin } = await orgWithAdmin();
    const issued = await makeLink(admin.token, org.slug, { requireApproval: true });
    const person = await personAt();
    const res = await use(person.token, issued.token);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().membership).toMatchObject({
      status: 'pending',
      source: 'join_request',
      role: 'member',
    });
    const queue = await t.app.inject({
      url: `/v1/organizations/${org.slug}/join-requests`,
      headers: bearer(admin.token),
    });
    expect(queue.json().data.map((r: { userId: string }) => r.userId)).toContain(person.user.id);
    for (const who of [owner, admin]) {
      const mails = await emailsTo(t, who.user.email);
      expect(mails.map((m) => m.subject).join('\n')).toContain(person.user.email);
    }
    const created = await auditOf(org.id, 'join_request.created');
    expect(created.at(-1)?.data).toMatchObject({ kind: 'user', linkId: issued.link.id });

    // A link that joins directly turns the waiting request into membership.
    const direct = await makeLink(admin.token, org.slug);
    const joined = await use(person.token, direct.token);
    expect(joined.statusCode, joined.body).toBe(200);
    expect(await membershipOf(org.id, person.user.id)).toMatchObject({
      status: 'active',
      source: 'join_link',
    });
  });

  it('refuses a revoked, an expired and a used-up link, and the landing page says why', async () => {
    const { org, admin } = await orgWithAdmin();
    const revoked = await makeLink(admin.token, org.slug);
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org.slug}/join-links/${revoked.link.id}`,
      headers: bearer(admin.token),
    });
    expect(del.statusCode).toBe(204);
    const twice = await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org.slug}/join-links/${revoked.link.id}`,
      headers: bearer(admin.token),
    });
    expect(twice.statusCode).toBe(204);
    expect(await auditOf(org.id, 'join_link.revoked')).toHaveLength(1);

    const expired = await makeLink(admin.token, org.slug, {
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    await t.database.db
      .updateTable('join_links')
      .set({ expires_at: sql<Date>`now() - interval '1 second'` })
      .where('id', '=', expired.link.id)
      .execute();

    const once = await makeLink(admin.token, org.slug, { maxUses: 1 });
    const first = await personAt();
    expect((await use(first.token, once.token)).statusCode).toBe(200);

    const person = await personAt();
    for (const [issued, code, reason] of [
      [revoked, 'JOIN_LINK_REVOKED', 'revoked'],
      [expired, 'JOIN_LINK_EXPIRED', 'expired'],
      [once, 'JOIN_LINK_USED_UP', 'used_up'],
    ] as const) {
      const res = await use(person.token, issued.token);
      expect([res.statusCode, errorCode(res)]).toEqual([410, code]);
      expect((await preview(issued.token)).json()).toMatchObject({ valid: false, reason });
    }
    expect(await membershipOf(org.id, person.user.id)).toBeUndefined();
  });

  it('rotating gives a new token; the old one no longer names a link', async () => {
    const { org, admin } = await orgWithAdmin();
    const issued = await makeLink(admin.token, org.slug, { maxUses: 3 });
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.slug}/join-links/${issued.link.id}/rotate`,
      headers: bearer(admin.token),
    });
    expect(res.statusCode, res.body).toBe(200);
    const rotated = res.json() as Issued;
    expect(rotated.link.id).toBe(issued.link.id);
    expect(rotated.token).not.toBe(issued.token);
    expect((await preview(issued.token)).json()).toEqual({ valid: false, reason: 'not_found' });
    const person = await personAt();
    const old = await use(person.token, issued.token);
    expect([old.statusCode, errorCode(old)]).toEqual([404, 'JOIN_LINK_NOT_FOUND']);
    expect((await use(person.token, rotated.token)).statusCode).toBe(200);
    expect(await auditOf(org.id, 'join_link.rotated')).toHaveLength(1);
    // A revoked link cannot be brought back by rotating it.
    await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org.slug}/join-links/${issued.link.id}`,
      headers: bearer(admin.token),
    });
    const again = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.slug}/join-links/${issued.link.id}/rotate`,
      headers: bearer(admin.token),
    });
    expect([again.statusCode, errorCode(again)]).toEqual([410, 'JOIN_LINK_REVOKED']);
  });

  it('only admins revoke links; an unknown link is not found', async () => {
    const { owner, org } = await orgWithAdmin();
    const issued = await makeLink(owner.token, org.slug, { role: 'admin' });
    const member = await signUp(t.app);
    await addActiveMember(t.database, org.id, member.user.id, 'member');
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org.slug}/join-links/${issued.link.id}`,
      headers: bearer(member.token),
    });
    expect([res.statusCode, errorCode(res)]).toEqual([403, 'FORBIDDEN']);
    const unknown = await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org.slug}/join-links/0190d7a0-0000-7000-8000-000000000000`,
      headers: bearer(owner.token),
    });
    expect([unknown.statusCode, errorCode(unknown)]).toEqual([404, 'JOIN_LINK_NOT_FOUND']);
  });

  it('a token that is not a link, or whose secret is wrong, is not found', async () => {
    const { org, admin } = await orgWithAdmin();
    const issued = await makeLink(admin.token, org.slug);
    const forged = `${issued.token.slice(0, -4)}AAAA`;
    for (const token of ['rj_nope', forged, issued.token.replace('rj_', 'ri_')]) {
      expect((await preview(token)).json()).toEqual({ valid: false, reason: 'not_found' });
    }
    const person = await personAt();
    const res = await use(person.token, forged);
    expect([res.statusCode, errorCode(res)]).toEqual([404, 'JOIN_LINK_NOT_FOUND']);
  });

  it('takes a seat: a full organization refuses a direct join, and the use is not counted', async () => {
    const { owner, org, admin } = await orgWithAdmin();
    const issued = await makeLink(admin.token, org.slug);
    const limit = await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org.id}`,
      headers: bearer(owner.token),
      payload: { memberLimit: 2 },
    });
    expect(limit.statusCode, limit.body).toBe(200);
    const person = await personAt();
    const res = await use(person.token, issued.token);
    expect([res.statusCode, errorCode(res)]).toEqual([409, 'MEMBER_LIMIT_REACHED']);
    const row = await t.database.db
      .selectFrom('join_links')
      .select('uses')
      .where('id', '=', issued.link.id)
      .executeTakeFirstOrThrow();
    expect(row.uses).toBe(0);
    expect(await auditOf(org.id, 'join_link.used')).toHaveLength(0);
    // A link asking for approval still takes the request: a seat is checked when it is approved.
    const asking = await makeLink(admin.token, org.slug, { requireApproval: true });
    expect((await use(person.token, asking.token)).statusCode).toBe(200);
  });

  it("ends the person's pending invitation to the organization, freeing its seat", async () => {
    const { owner, org, admin } = await orgWithAdmin();
    const person = await personAt();
    const invite = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.slug}/invitations`,
      headers: bearer(admin.token),
      payload: { email: person.user.email },
    });
    expect(invite.statusCode, invite.body).toBe(201);
    // Owner, admin and the invitation fill a limit of 3: the invitation's seat is the person's.
    const limit = await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org.id}`,
      headers: bearer(owner.token),
      payload: { memberLimit: 3 },
    });
    expect(limit.statusCode, limit.body).toBe(200);
    const issued = await makeLink(admin.token, org.slug);
    const res = await use(person.token, issued.token);
    expect(res.statusCode, res.body).toBe(200);
    const inv = await t.database.db
      .selectFrom('invitations')
      .select(['status'])
      .where('id', '=', invite.json().invitation.id)
      .executeTakeFirstOrThrow();
    expect(inv.status).toBe('revoked');
    const revoked = await auditOf(org.id, 'invitation.revoked');
    expect(revoked.at(-1)?.data).toMatchObject({ reason: 'joined_by_link', linkId: issued.link.id });
  });

  it('refuses in an organization that admits members through single sign-on only', async () => {
    const { org, admin } = await orgWithAdmin();
    const issued = await makeLink(admin.token, org.slug);
    await t.database.db
      .updateTable('organizations')
      .set({ sso_enforced: true })
      .where('id', '=', org.id)
      .execute();
    const person = await personAt();
    const res = await use(person.token, issued.token);
    expect([res.statusCode, errorCode(res)]).toEqual([403, 'SSO_REQUIRED']);
    expect((await preview(issued.token)).json()).toEqual({ valid: false, reason: 'sso_required' });
  });
});

describe.skipIf(!onPostgres)('join links under concurrency (PostgreSQL)', () => {
  it('50 parallel uses of a link with maxUses 10 make exactly 10 memberships and 40 clear refusals', async () => {
    const { org, admin } = await orgWithAdmin();
    const issued = await makeLink(admin.token, org.slug, { maxUses: 10 });
    const people = await inParallel(
      Array.from({ length: 50 }, (_, i) => i),
      () => personAt(),
    );
    const results = await Promise.all(people.map((p) => use(p.token, issued.token)));
    const codes = results.map((r) => (r.statusCode === 200 ? 'ok' : `${r.statusCode} ${errorCode(r)}`));
    expect(codes.filter((c) => c === 'ok')).toHaveLength(10);
    expect(codes.filter((c) => c === '410 JOIN_LINK_USED_UP')).toHaveLength(40);
    const joined = await t.database.db
      .selectFrom('memberships')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('organization_id', '=', org.id)
      .where('source', '=', 'join_link')
      .executeTakeFirstOrThrow();
    expect(Number(joined.n)).toBe(10);
    const row = await t.database.db
      .selectFrom('join_links')
      .select('uses')
      .where('id', '=', issued.link.id)
      .executeTakeFirstOrThrow();
    expect(row.uses).toBe(10);
    expect(await auditOf(org.id, 'join_link.used')).toHaveLength(10);
  });

  it('a revoke racing uses: no use counts after the revoke committed', async () => {
    const { org, admin } = await orgWithAdmin();
    const issued = await makeLink(admin.token, org.slug);
    const people = await inParallel(
      Array.from({ length: 12 }, (_, i) => i),
      () => personAt(),
    );
    const revoke = t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org.slug}/join-links/${issued.link.id}`,
      headers: bearer(admin.token),
    });
    const results = await Promise.all([revoke, ...people.map((p) => use(p.token, issued.token))]);
    expect(results[0]?.statusCode).toBe(204);
    const ok = results.slice(1).filter((r) => r.statusCode === 200).length;
    const refused = results.slice(1).filter((r) => errorCode(r) === 'JOIN_LINK_REVOKED').length;
    expect(ok + refused).toBe(12);
    const row = await t.database.db
      .selectFrom('join_links')
      .select(['uses'])
      .where('id', '=', issued.link.id)
      .executeTakeFirstOrThrow();
    expect(row.uses).toBe(ok);
    // Uses happened before the revoke, in the audit log's order.
    const entries = await t.database.db
      .selectFrom('audit_log')
      .select(['action'])
      .where('organization_id', '=', org.id)
      .where('action', 'in', ['join_link.used', 'join_link.revoked'])
      .orderBy('id')
      .execute();
    expect(entries.at(-1)?.action).toBe('join_link.revoked');
  });
});

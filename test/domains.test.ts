/**
 * Verified domains against a real DNS server on 127.0.0.1 (test/dns-server.ts, reached through
 * `DNS_SERVERS`): an organization adds a domain, publishes the TXT record it is given, and verifies it;
 * a missing record, a DNS failure and a second organization claiming a verified domain are refused;
 * `suggest` lists the organization to people with a verified address there and opens its request queue
 * to them; `auto_join` makes them members when their address is verified — and, switched on, takes in
 * those already verified — or, when the organization is full, records their request; the re-check flags
 * a domain whose record is gone and puts its policy on hold; an organization may invite only addresses
 * at its verified domains. On PostgreSQL, two organizations verifying one domain at once: one wins.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recheckDomains } from '../src/features/domains/domain.service.ts';
import { startDnsServer, type TestDnsServer } from './dns-server.ts';
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
  type TestApp,
  tokenOf,
  uniqueEmail,
  verifiedUser,
} from './helpers.ts';

let dns: TestDnsServer;
let t: TestApp;
beforeAll(async () => {
  dns = await startDnsServer();
  t = await createTestApp({ dnsServers: [dns.address], domainRecheckMs: 0 });
});
afterAll(async () => {
  await t?.close();
  await dns?.close();
});

let n = 0;
/** A fresh domain name for one test. */
const freshDomain = () => `corp${Date.now().toString(36)}${++n}.example`;

const req = (actor: SignedUp, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
  t.app.inject({ method, url, headers: bearer(actor.token), ...(payload && { payload }) });

async function orgWithOwner() {
  const owner = await signUp(t.app, undefined, 'Ada Owner');
  const org = await createOrg(t.app, owner.token);
  return { owner, org };
}

/** Adds `domain`, publishes its record and verifies it. */
async function verified(owner: SignedUp, org: string, domain: string) {
  const added = await req(owner, 'POST', `/v1/organizations/${org}/domains`, { domain });
  expect(added.statusCode, added.body).toBe(201);
  const { id, record } = added.json();
  dns.records.set(record.name, [record.value]);
  const res = await req(owner, 'POST', `/v1/organizations/${org}/domains/${id}/verify`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** Signs up at `email` and verifies it through the emailed link. */
async function verifyLater(email: string) {
  const person = await signUp(t.app, email, 'Dee Domain');
  const [mail] = await emailsTo(t, email);
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/auth/verify-email',
    payload: { token: tokenOf(mail?.links[0] as string) },
  });
  expect(res.statusCode, res.body).toBe(200);
  return person;
}

async function membershipOf(orgId: string, userId: string) {
  return t.database.db
    .selectFrom('memberships')
    .select(['role', 'status', 'source'])
    .where('organization_id', '=', orgId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

describe('verifying a domain', () => {
  it('gives a TXT record to publish, verifies once it is there, and audits it', async () => {
    const { owner, org } = await orgWithOwner();
    const domain = freshDomain();
    const added = await req(owner, 'POST', `/v1/organizations/${org.slug}/domains`, {
      domain: ` ${domain.toUpperCase()}. `,
    });
    expect(added.statusCode, added.body).toBe(201);
    const d = added.json();
    expect(d).toMatchObject({ domain, status: 'pending', policy: 'off', verifiedAt: null });
    expect(d.record).toEqual({
      type: 'TXT',
      name: `_roster-verification.${domain}`,
      value: expect.stringMatching(/^roster-verification=[0-9a-f]{32}$/),
    });

    // Nothing published yet: the answer repeats the record to publish.
    const early = await req(owner, 'POST', `/v1/organizations/${org.slug}/domains/${d.id}/verify`);
    expect(errorCode(early)).toBe('DOMAIN_RECORD_MISSING');
    expect(early.json().error.details.record).toEqual(d.record);
    // A wrong value is not the record.
    dns.records.set(d.record.name, ['roster-verification=somebody-elses']);
    const wrong = await req(owner, 'POST', `/v1/organizations/${org.slug}/domains/${d.id}/verify`);
    expect(errorCode(wrong)).toBe('DOMAIN_RECORD_MISSING');
    expect(wrong.json().error.details.found).toEqual(['roster-verification=somebody-elses']);
    // A DNS server that gives no answer proves nothing either way.
    dns.records.set(d.record.name, [d.record.value]);
    dns.failing = true;
    try {
      const down = await req(owner, 'POST', `/v1/organizations/${org.slug}/domains/${d.id}/verify`);
      expect(down.statusCode).toBe(503);
      expect(errorCode(down)).toBe('DNS_UNAVAILABLE');
    } finally {
      dns.failing = false;
    }
    const ok = await req(owner, 'POST', `/v1/organizations/${org.slug}/domains/${d.id}/verify`);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'verified', verifiedAt: expect.any(String) });

    const list = await req(owner, 'GET', `/v1/organizations/${org.slug}/domains`);
    expect(list.json().data.map((x: { domain: string }) => x.domain)).toEqual([domain]);
    const audit = await t.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('organization_id', '=', org.id)
      .where('action', 'like', 'domain.%')
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['domain.added', 'domain.verified']);
  });

  it('refuses a malformed domain, a repeat, a member without org:write, and a second organization’s claim', async () => {
    const { owner, org } = await orgWithOwner();
    const url = `/v1/organizations/${org.slug}/domains`;
    for (const domain of ['localhost', 'not a domain', '-bad.example', 'a..b', 'x@y.example']) {
      expect((await req(owner, 'POST', url, { domain })).statusCode, domain).toBe(400);
    }
    const domain = freshDomain();
    await verified(owner, org.slug, domain);
    expect(errorCode(await req(owner, 'POST', url, { domain }))).toBe('DOMAIN_EXISTS');
    const member = await signUp(t.app);
    await addActiveMember(t.database, org.id, member.user.id, 'member');
    expect((await req(member, 'POST', url, { domain: freshDomain() })).statusCode).toBe(403);

    // Another organization may claim it, and even publish its own record, but not verify it.
    const other = await orgWithOwner();
    const claim = await req(other.owner, 'POST', `/v1/organizations/${other.org.slug}/domains`, { domain });
    expect(claim.statusCode).toBe(201);
    dns.records.set(claim.json().record.name, [
      ...(dns.records.get(claim.json().record.name) ?? []),
      claim.json().record.value,
    ]);
    const taken = await req(
      other.owner,
      'POST',
      `/v1/organizations/${other.org.slug}/domains/${claim.json().id}/verify`,
    );
    expect(errorCode(taken)).toBe('DOMAIN_TAKEN');
    // Once the first organization removes it, the second can.
    const first = (await req(owner, 'GET', url)).json().data[0];
    expect((await req(owner, 'DELETE', `${url}/${first.id}`)).statusCode).toBe(204);
    const now = await req(
      other.owner,
      'POST',
      `/v1/organizations/${other.org.slug}/domains/${claim.json().id}/verify`,
    );
    expect(now.statusCode, now.body).toBe(200);
  });
});

describe('domain policies', () => {
  it('a policy needs a verified domain; auto_join takes a role within the admin’s reach, never owner', async () => {
    const { owner, org } = await orgWithOwner();
    const added = await req(owner, 'POST', `/v1/organizations/${org.slug}/domains`, {
      domain: freshDomain(),
    });
    const url = `/v1/organizations/${org.slug}/domains/${added.json().id}`;
    expect(errorCode(await req(owner, 'PATCH', url, { policy: 'suggest' }))).toBe('DOMAIN_NOT_VERIFIED');
    const d = await verified(owner, org.slug, freshDomain());
    const dUrl = `/v1/organizations/${org.slug}/domains/${d.id}`;
    expect((await req(owner, 'PATCH', dUrl, { policy: 'auto_join', role: 'owner' })).statusCode).toBe(400);
    expect((await req(owner, 'PATCH', dUrl, { policy: 'auto_join', role: 'nope' })).statusCode).toBe(400);
    // The role is stored with any policy: an undefined one is refused, not written.
    const unknown = await req(owner, 'PATCH', dUrl, { policy: 'suggest', role: 'nope' });
    expect(unknown.statusCode, unknown.body).toBe(400);
    expect(unknown.json().error.details).toEqual([
      { field: 'role', message: "'nope' is not a role of this organization" },
    ]);
    const admin = await signUp(t.app);
    await addActiveMember(t.database, org.id, admin.user.id, 'admin');
    const res = await req(admin, 'PATCH', dUrl, { policy: 'auto_join', role: 'admin' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      policy: 'auto_join',
      role: 'admin',
      applied: { joined: 0, requested: 0 },
    });

    // One of the organization's own roles given by a domain is held by it: deleting the role moves it.
    const role = await req(owner, 'POST', `/v1/organizations/${org.slug}/roles`, {
      key: 'staff',
      name: 'Staff',
      scopes: ['org:read', 'member:read'],
    });
    expect(role.statusCode, role.body).toBe(201);
    expect((await req(owner, 'PATCH', dUrl, { policy: 'auto_join', role: 'staff' })).json().role).toBe(
      'staff',
    );
    const held = await req(owner, 'DELETE', `/v1/organizations/${org.slug}/roles/staff`);
    expect(held.json().error).toMatchObject({ code: 'ROLE_IN_USE', details: { domains: 1 } });
    const moved = await req(owner, 'DELETE', `/v1/organizations/${org.slug}/roles/staff?replaceWith=member`);
    expect(moved.statusCode, moved.body).toBe(204);
    const after = (await req(owner, 'GET', `/v1/organizations/${org.slug}/domains`)).json().data;
    expect(after.find((x: { id: string }) => x.id === d.id)).toMatchObject({
      policy: 'auto_join',
      role: 'member',
    });
  });

  it('suggest: the organization is listed to people verified at the domain, who may ask to join', async () => {
    const { owner, org } = await orgWithOwner();
    const domain = freshDomain();
    const d = await verified(owner, org.slug, domain);
    const person = await verifiedUser(t, `sam@${domain}`, 'Sam');
    const elsewhere = await verifiedUser(t, uniqueEmail('elsewhere'));
    const suggested = (p: SignedUp) => req(p, 'GET', '/v1/me/suggested-organizations');
    expect((await suggested(person)).json().data).toEqual([]);
    // Join requests are off for everyone, but a suggesting domain opens the queue to its people.
    const closed = await req(person, 'POST', `/v1/organizations/${org.slug}/join-requests`);
    expect(errorCode(closed)).toBe('JOIN_REQUESTS_DISABLED');

    expect(
      (await req(owner, 'PATCH', `/v1/organizations/${org.slug}/domains/${d.id}`, { policy: 'suggest' }))
        .statusCode,
    ).toBe(200);
    expect((await suggested(person)).json().data).toEqual([
      { organization: { id: org.id, slug: org.slug, name: org.name }, domain },
    ]);
    expect((await suggested(elsewhere)).json().data).toEqual([]);
    const asked = await req(person, 'POST', `/v1/organizations/${org.slug}/join-requests`);
    expect(asked.statusCode, asked.body).toBe(201);
    expect(await membershipOf(org.id, person.user.id)).toEqual({
      role: 'member',
      status: 'pending',
      source: 'join_request',
    });
    // Asked already: no longer suggested.
    expect((await suggested(person)).json().data).toEqual([]);
    const refused = await req(elsewhere, 'POST', `/v1/organizations/${org.slug}/join-requests`);
    expect(errorCode(refused)).toBe('JOIN_REQUESTS_DISABLED');
  });

  it('auto_join: switched on, it takes in those already verified; then each newly verified address', async () => {
    const { owner, org } = await orgWithOwner();
    const domain = freshDomain();
    const d = await verified(owner, org.slug, domain);
    const early = await verifiedUser(t, `early@${domain}`, 'Early');
    const unverified = await signUp(t.app, `unverified@${domain}`, 'Not Yet');
    const res = await req(owner, 'PATCH', `/v1/organizations/${org.slug}/domains/${d.id}`, {
      policy: 'auto_join',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().applied).toEqual({ joined: 1, requested: 0 });
    expect(await membershipOf(org.id, early.user.id)).toEqual({
      role: 'member',
      status: 'active',
      source: 'domain',
    });
    expect(await membershipOf(org.id, unverified.user.id)).toBeUndefined();

    const late = await verifyLater(`late@${domain}`);
    expect(await membershipOf(org.id, late.user.id)).toEqual({
      role: 'member',
      status: 'active',
      source: 'domain',
    });
    const added = await t.database.db
      .selectFrom('audit_log')
      .select(['actor_id', 'data'])
      .where('organization_id', '=', org.id)
      .where('action', '=', 'member.added')
      .where('target_id', '=', late.user.id)
      .executeTakeFirstOrThrow();
    // Their own act (verifying their address) brought them in, through this domain.
    expect(added).toEqual({
      actor_id: late.user.id,
      data: { role: 'member', source: 'domain', domainId: d.id },
    });
  });

  it('auto_join in a full organization records a request to join instead', async () => {
    const { owner, org } = await orgWithOwner();
    expect((await req(owner, 'PATCH', `/v1/organizations/${org.slug}`, { memberLimit: 1 })).statusCode).toBe(
      200,
    );
    const domain = freshDomain();
    const d = await verified(owner, org.slug, domain);
    await req(owner, 'PATCH', `/v1/organizations/${org.slug}/domains/${d.id}`, { policy: 'auto_join' });
    const person = await verifyLater(`full@${domain}`);
    expect(await membershipOf(org.id, person.user.id)).toEqual({
      role: 'member',
      status: 'pending',
      source: 'join_request',
    });
  });

  it('the re-check flags a domain whose record is gone and holds its policy until it is back', async () => {
    const { owner, org } = await orgWithOwner();
    const domain = freshDomain();
    const d = await verified(owner, org.slug, domain);
    await req(owner, 'PATCH', `/v1/organizations/${org.slug}/domains/${d.id}`, { policy: 'auto_join' });
    dns.records.delete(d.record.name);
    expect(await recheckDomains(t.app.ctx, 0)).toBeGreaterThanOrEqual(1);
    const list = (await req(owner, 'GET', `/v1/organizations/${org.slug}/domains`)).json().data;
    expect(list[0]).toMatchObject({ status: 'record_missing', recordMissingSince: expect.any(String) });
    // On hold: a newly verified address there is not taken in.
    const person = await verifyLater(`held@${domain}`);
    expect(await membershipOf(org.id, person.user.id)).toBeUndefined();
    // Missing past the grace period: no longer verified, the policy off.
    await t.database.db
      .updateTable('org_domains')
      .set({ record_missing_since: sql<Date>`now() - interval '4 days'` })
      .where('id', '=', d.id)
      .execute();
    await recheckDomains(t.app.ctx, 0);
    const after = (await req(owner, 'GET', `/v1/organizations/${org.slug}/domains`)).json().data[0];
    expect(after).toMatchObject({ status: 'pending', policy: 'off', verifiedAt: null });
    const actions = await t.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('organization_id', '=', org.id)
      .where('action', 'in', ['domain.record_missing', 'domain.unverified'])
      .orderBy('id')
      .execute();
    expect(actions.map((a) => a.action)).toEqual(['domain.record_missing', 'domain.unverified']);
  });
});

describe('invitations only to verified domains', () => {
  it('refuses, address by address, invitations outside the verified domains once the organization says so', async () => {
    const { owner, org } = await orgWithOwner();
    const domain = freshDomain();
    await verified(owner, org.slug, domain);
    const invite = (email: string) =>
      req(owner, 'POST', `/v1/organizations/${org.slug}/invitations`, { email });
    // Off by default: any address.
    expect((await invite(`anyone@${freshDomain()}`)).statusCode).toBe(201);
    const on = await req(owner, 'PATCH', `/v1/organizations/${org.slug}`, {
      inviteVerifiedDomainsOnly: true,
    });
    expect(on.statusCode, on.body).toBe(200);
    expect(on.json().inviteVerifiedDomainsOnly).toBe(true);

    const outside = await invite(`someone@${freshDomain()}`);
    expect(outside.statusCode).toBe(403);
    expect(errorCode(outside)).toBe('INVITATION_DOMAIN_NOT_ALLOWED');
    expect((await invite(`colleague@${domain}`)).statusCode).toBe(201);
    const bulk = await req(owner, 'POST', `/v1/organizations/${org.slug}/invitations/bulk`, {
      emails: [`a@${domain}`, `b@${freshDomain()}`],
    });
    expect(bulk.statusCode, bulk.body).toBe(200);
    expect(
      bulk.json().results.map((r: { status: string; error?: { code: string } }) => r.error?.code ?? r.status),
    ).toEqual(['created', 'INVITATION_DOMAIN_NOT_ALLOWED']);
  });
});

describe.skipIf(!onPostgres)('verified domains under concurrency (PostgreSQL)', () => {
  it('two organizations verifying one domain at once: one holds it', async () => {
    for (let round = 0; round < 5; round++) {
      const domain = freshDomain();
      const [a, b] = [await orgWithOwner(), await orgWithOwner()];
      const claims: Array<{ id: string; record: { name: string; value: string } }> = [];
      for (const o of [a, b]) {
        const res = await req(o.owner, 'POST', `/v1/organizations/${o.org.slug}/domains`, { domain });
        claims.push(res.json());
      }
      // Both organizations' values published at once (several TXT records at one name).
      dns.records.set(
        `_roster-verification.${domain}`,
        claims.map((c) => c.record.value),
      );
      const results = await Promise.all(
        [a, b].map((o, i) =>
          req(o.owner, 'POST', `/v1/organizations/${o.org.slug}/domains/${claims[i]?.id}/verify`),
        ),
      );
      expect(results.map((r) => r.statusCode).sort(), results.map((r) => r.body).join(' ')).toEqual([
        200, 409,
      ]);
      const held = await t.database.db
        .selectFrom('org_domains')
        .select('organization_id')
        .where('domain', '=', domain)
        .where('verified_at', 'is not', null)
        .execute();
      expect(held).toHaveLength(1);
    }
  });
});

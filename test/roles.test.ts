/**
 * An organization's own roles under a permission ceiling: owners and admins (role:admin) define roles
 * as sets of scopes; a caller creates, changes, grants or removes a role only when its scopes are all
 * within their own, and never grants owner; the built-in roles cannot be changed or deleted; a role in
 * use is deleted only with a replacement its holders move to. A member's custom role gives its scopes
 * everywhere a role's scopes are read (the organization's viewer, the permission checks, the gate of
 * every route), and a change of the role's scopes holds at once. The database refuses a membership,
 * an invitation or a link naming a role the organization has not defined, and a deletion of a role
 * still held. Under concurrency (PostgreSQL), grants and invitations racing the role's deletion never
 * leave anything holding a deleted role.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOM_ROLE_SCOPES, type Scope, scopesForRole } from '../src/features/access/scopes.ts';
import { createApiKey } from '../src/features/api-keys/api-key.service.ts';
import {
  addActiveMember,
  bearer,
  createOrg,
  createTestApp,
  errorCode,
  onPostgres,
  type SignedUp,
  signUp,
  type TestApp,
  uniqueEmail,
} from './helpers.ts';
import { accept, invite, invited, verifiedUser } from './invitation-helpers.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const req = (
  actor: SignedUp | string,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: object,
) =>
  t.app.inject({
    method,
    url,
    headers: bearer(typeof actor === 'string' ? actor : actor.token),
    ...(payload && { payload }),
  });

const PEOPLE: Scope[] = ['org:read', 'member:read', 'member:invite', 'member:admin', 'role:admin'];
const BILLING: Scope[] = ['org:read', 'org:write'];

async function orgWithOwner() {
  const owner = await signUp(t.app, undefined, 'Ada Owner');
  const org = await createOrg(t.app, owner.token);
  return { owner, org };
}

async function defineRole(actor: SignedUp, org: string, key: string, scopes: Scope[], name = key) {
  const res = await req(actor, 'POST', `/v1/organizations/${org}/roles`, { key, name, scopes });
  if (res.statusCode !== 201) throw new Error(`create role failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

async function roleOf(orgId: string, userId: string) {
  const row = await t.database.db
    .selectFrom('memberships')
    .select('role')
    .where('organization_id', '=', orgId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row?.role ?? null;
}

async function audit(orgId: string, prefix: string) {
  return t.database.db
    .selectFrom('audit_log')
    .select(['action', 'target_id', 'data'])
    .where('organization_id', '=', orgId)
    .where('action', 'like', `${prefix}%`)
    .orderBy('id')
    .execute();
}

describe('defining roles', () => {
  it('lists the built-in roles, then the organization’s own with their scopes and member counts', async () => {
    const { owner, org } = await orgWithOwner();
    const created = await defineRole(owner, org.slug, 'billing', BILLING, 'Billing');
    expect(created).toMatchObject({
      key: 'billing',
      name: 'Billing',
      scopes: BILLING,
      builtIn: false,
      memberCount: 0,
    });
    const someone = await signUp(t.app);
    await addActiveMember(t.database, org.id, someone.user.id, 'billing');

    const res = await req(someone, 'GET', `/v1/organizations/${org.slug}/roles`);
    expect(res.statusCode, res.body).toBe(200);
    const roles = res.json().data;
    expect(roles.map((r: { key: string }) => r.key)).toEqual(['owner', 'admin', 'member', 'billing']);
    expect(roles[1]).toMatchObject({ builtIn: true, memberCount: null, scopes: [...scopesForRole('admin')] });
    expect(roles[3]).toMatchObject({ memberCount: 1, scopes: BILLING });
    expect(
      (await req(someone, 'GET', `/v1/organizations/${org.slug}/roles/billing`)).json().memberCount,
    ).toBe(1);
    expect((await req(someone, 'GET', `/v1/organizations/${org.slug}/roles/admin`)).json().builtIn).toBe(
      true,
    );
    const missing = await req(someone, 'GET', `/v1/organizations/${org.slug}/roles/nope`);
    expect(errorCode(missing)).toBe('ROLE_NOT_FOUND');

    const [entry] = await audit(org.id, 'role.');
    expect(entry).toMatchObject({ action: 'role.created', target_id: 'billing', data: { scopes: BILLING } });
  });

  it('refuses bad keys, built-in and taken keys, org:delete, and members without role:admin', async () => {
    const { owner, org } = await orgWithOwner();
    const url = `/v1/organizations/${org.slug}/roles`;
    const bad = [
      { key: 'Billing', name: 'x', scopes: BILLING },
      { key: 'b', name: 'x', scopes: BILLING },
      { key: 'billing', name: 'x', scopes: [] },
      { key: 'billing', name: 'x', scopes: ['org:delete'] },
      { key: 'billing', name: 'x', scopes: ['org:read', 'org:read'] },
      { key: 'billing', name: '', scopes: BILLING },
      { key: 'billing', name: '   ', scopes: BILLING },
    ];
    for (const payload of bad) {
      const res = await req(owner, 'POST', url, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
    }
    expect(errorCode(await req(owner, 'POST', url, { key: 'admin', name: 'x', scopes: BILLING }))).toBe(
      'ROLE_EXISTS',
    );
    await defineRole(owner, org.slug, 'billing', BILLING);
    expect(errorCode(await req(owner, 'POST', url, { key: 'billing', name: 'y', scopes: BILLING }))).toBe(
      'ROLE_EXISTS',
    );
    const member = await signUp(t.app);
    await addActiveMember(t.database, org.id, member.user.id, 'member');
    const res = await req(member, 'POST', url, { key: 'mine', name: 'x', scopes: ['org:read'] });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.details).toEqual({ requiredScope: 'role:admin' });
  });

  it('the built-in roles cannot be changed or deleted', async () => {
    const { owner, org } = await orgWithOwner();
    for (const key of ['owner', 'admin', 'member']) {
      const patch = await req(owner, 'PATCH', `/v1/organizations/${org.slug}/roles/${key}`, { name: 'x' });
      expect(errorCode(patch), key).toBe('ROLE_BUILT_IN');
      const del = await req(owner, 'DELETE', `/v1/organizations/${org.slug}/roles/${key}`);
      expect(errorCode(del), key).toBe('ROLE_BUILT_IN');
    }
  });

  it('caps the roles of an organization at 50', async () => {
    const { owner, org } = await orgWithOwner();
    await t.database.db
      .insertInto('org_roles')
      .values(
        Array.from({ length: 50 }, (_, i) => ({
          organization_id: org.id,
          key: `role-${i}`,
          name: `Role ${i}`,
          scopes: ['org:read' as const],
          created_by: null,
        })),
      )
      .execute();
    const res = await req(owner, 'POST', `/v1/organizations/${org.slug}/roles`, {
      key: 'one-more',
      name: 'x',
      scopes: ['org:read'],
    });
    expect(errorCode(res)).toBe('ROLE_LIMIT');
  });
});

describe('the ceiling is a set of scopes', () => {
  /** An organization with an owner, an admin, a people manager (custom role) and a plain member. */
  async function staffed() {
    const { owner, org } = await orgWithOwner();
    await defineRole(owner, org.slug, 'people', PEOPLE, 'People team');
    const [admin, manager, member] = [await signUp(t.app), await signUp(t.app), await signUp(t.app)];
    await addActiveMember(t.database, org.id, admin.user.id, 'admin');
    await addActiveMember(t.database, org.id, manager.user.id, 'people');
    await addActiveMember(t.database, org.id, member.user.id, 'member');
    return { owner, org, admin, manager, member };
  }

  it('a custom role gives exactly its scopes: the viewer, the gate of each route, the permission checks', async () => {
    const { org, manager, owner } = await staffed();
    const read = await req(manager, 'GET', `/v1/organizations/${org.slug}`);
    expect(read.json().viewer).toEqual({ role: 'people', scopes: PEOPLE });
    // audit:read is not among its scopes; member:read is.
    expect((await req(manager, 'GET', `/v1/organizations/${org.slug}/audit-log`)).statusCode).toBe(403);
    expect((await req(manager, 'GET', `/v1/organizations/${org.slug}/members`)).statusCode).toBe(200);

    const single = await req(
      owner,
      'GET',
      `/v1/organizations/${org.slug}/members/${manager.user.id}/permissions`,
    );
    expect(single.json()).toEqual({ status: 'active', role: 'people', scopes: PEOPLE });
    // The same with the manager's own session as the caller (their custom role holds member:read).
    const own = await req(
      manager,
      'GET',
      `/v1/organizations/${org.slug}/members/${manager.user.id}/permissions`,
    );
    expect(own.statusCode, own.body).toBe(200);

    const key = await createApiKey(t.database.db, 'host', ['member:read']);
    const batch = await req(key.token, 'POST', '/v1/permissions/check', {
      explain: true,
      checks: [
        { organization: org.id, user: manager.user.id, scope: 'member:admin' },
        { organization: org.id, user: manager.user.id, scope: 'audit:read' },
      ],
    });
    expect(batch.statusCode, batch.body).toBe(200);
    expect(batch.json().results.map((r: { allowed: boolean }) => r.allowed)).toEqual([true, false]);
    expect(batch.json().results[1].explanation).toEqual({
      reason: 'scope_not_granted',
      status: 'active',
      role: 'people',
    });
  });

  it('a holder defines and grants roles within their scopes only, and never admin or owner', async () => {
    const { org, manager, member, admin } = await staffed();
    const url = `/v1/organizations/${org.slug}/roles`;
    const beyond = await req(manager, 'POST', url, { key: 'auditor', name: 'x', scopes: ['audit:read'] });
    expect(errorCode(beyond)).toBe('ROLE_CEILING');
    await defineRole(manager, org.slug, 'reader', ['org:read', 'member:read']);

    const patchMember = (who: SignedUp, role: string) =>
      req(manager, 'PATCH', `/v1/organizations/${org.slug}/members/${who.user.id}`, { role });
    expect(errorCode(await patchMember(member, 'admin'))).toBe('ROLE_CEILING');
    expect(errorCode(await patchMember(member, 'owner'))).toBe('ROLE_CEILING');
    expect((await patchMember(member, 'reader')).statusCode).toBe(200);
    expect(await roleOf(org.id, member.user.id)).toBe('reader');
    expect((await patchMember(member, 'people')).statusCode).toBe(200);
    // An admin's scopes are not all within the manager's: the manager cannot touch an admin.
    expect(errorCode(await patchMember(admin, 'member'))).toBe('ROLE_CEILING');
    const remove = await req(manager, 'DELETE', `/v1/organizations/${org.slug}/members/${admin.user.id}`);
    expect(errorCode(remove)).toBe('ROLE_CEILING');
    // Nor grant a role beyond their own through an invitation or a join link.
    const inv = await invite(t.app, manager, org.slug, { email: 'x@example.com', role: 'admin' });
    expect(errorCode(inv)).toBe('ROLE_CEILING');
    const link = await req(manager, 'POST', `/v1/organizations/${org.slug}/join-links`, { role: 'admin' });
    expect(errorCode(link)).toBe('ROLE_CEILING');
    expect(
      (await req(manager, 'POST', `/v1/organizations/${org.slug}/join-links`, { role: 'reader' })).statusCode,
    ).toBe(201);
  });

  it('an admin manages custom roles within admin’s scopes; changing a role needs both sets within reach', async () => {
    const { owner, org, admin, manager } = await staffed();
    await defineRole(admin, org.slug, 'auditor', ['org:read', 'audit:read']);
    // The manager holds role:admin but not audit:read: the auditor role is beyond them, to change or delete.
    const change = await req(manager, 'PATCH', `/v1/organizations/${org.slug}/roles/auditor`, {
      scopes: ['org:read'],
    });
    expect(errorCode(change)).toBe('ROLE_CEILING');
    expect(errorCode(await req(manager, 'DELETE', `/v1/organizations/${org.slug}/roles/auditor`))).toBe(
      'ROLE_CEILING',
    );
    // Nor may they widen their own role.
    const widen = await req(manager, 'PATCH', `/v1/organizations/${org.slug}/roles/people`, {
      scopes: [...PEOPLE, 'audit:read'],
    });
    expect(errorCode(widen)).toBe('ROLE_CEILING');
    // The owner can; then the manager reads the audit log at once.
    const widened = await req(owner, 'PATCH', `/v1/organizations/${org.slug}/roles/people`, {
      scopes: [...PEOPLE, 'audit:read'],
      description: 'Runs hiring',
    });
    expect(widened.statusCode, widened.body).toBe(200);
    expect(widened.json()).toMatchObject({ description: 'Runs hiring', memberCount: 1 });
    expect((await req(manager, 'GET', `/v1/organizations/${org.slug}/audit-log`)).statusCode).toBe(200);
    const updates = await audit(org.id, 'role.updated');
    expect(updates.at(-1)?.data).toMatchObject({
      fields: ['description', 'scopes'],
      before: { scopes: PEOPLE },
      after: { scopes: [...PEOPLE, 'audit:read'] },
    });
  });

  it('an app never defines roles, and grants none beyond member’s scopes', async () => {
    expect(CUSTOM_ROLE_SCOPES).not.toContain('org:delete');
    const { owner, org } = await orgWithOwner();
    await defineRole(owner, org.slug, 'billing', BILLING);
    // An API key trusted up to owner may define a role; an operator's key with role:admin acts for the host.
    const key = await createApiKey(t.database.db, 'ops', ['role:admin', 'member:admin']);
    expect(
      (
        await req(key.token, 'POST', `/v1/organizations/${org.id}/roles`, {
          key: 'ops',
          name: 'Ops',
          scopes: ['org:read'],
        })
      ).statusCode,
    ).toBe(201);
  });
});

describe('roles held by members, invitations and links', () => {
  it('an invitation and a join link give a custom role; an unknown role is refused naming the field', async () => {
    const { owner, org } = await orgWithOwner();
    await defineRole(owner, org.slug, 'billing', BILLING);
    const unknown = await invite(t.app, owner, org.slug, { email: 'who@example.com', role: 'nope' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.details).toEqual([
      { field: 'role', message: "'nope' is not a role of this organization" },
    ]);
    const email = uniqueEmail('billing');
    const person = await verifiedUser(t, email);
    const { token } = await invited(t.app, owner, org.slug, email, 'billing');
    const res = await accept(t.app, person.token, token);
    expect(res.statusCode, res.body).toBe(200);
    expect(await roleOf(org.id, person.user.id)).toBe('billing');

    const filtered = await req(owner, 'GET', `/v1/organizations/${org.slug}/members?role=billing`);
    expect(filtered.json().data.map((m: { userId: string }) => m.userId)).toEqual([person.user.id]);
    // A status filter alone reads the custom roles' members too.
    const active = await req(owner, 'GET', `/v1/organizations/${org.slug}/members?status=active`);
    expect(
      active
        .json()
        .data.map((m: { userId: string }) => m.userId)
        .sort(),
    ).toEqual([owner.user.id, person.user.id].sort());
    expect((await req(owner, 'GET', `/v1/organizations/${org.slug}/members?role=nope`)).statusCode).toBe(400);
  });

  it('a role in use is deleted only with a replacement; its holders move, audited', async () => {
    const { owner, org } = await orgWithOwner();
    await defineRole(owner, org.slug, 'billing', BILLING);
    const holder = await signUp(t.app);
    await addActiveMember(t.database, org.id, holder.user.id, 'billing');
    await invited(t.app, owner, org.slug, 'later@example.com', 'billing');
    const link = await req(owner, 'POST', `/v1/organizations/${org.slug}/join-links`, { role: 'billing' });
    expect(link.statusCode, link.body).toBe(201);

    const url = `/v1/organizations/${org.slug}/roles/billing`;
    const refused = await req(owner, 'DELETE', url);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({
      code: 'ROLE_IN_USE',
      details: { members: 1, invitations: 1, joinLinks: 1, domains: 0 },
    });
    expect((await req(owner, 'DELETE', `${url}?replaceWith=owner`)).statusCode).toBe(400);
    expect((await req(owner, 'DELETE', `${url}?replaceWith=billing`)).statusCode).toBe(400);
    const unknown = await req(owner, 'DELETE', `${url}?replaceWith=nope`);
    expect(unknown.json().error.details).toEqual([
      { field: 'replaceWith', message: "'nope' is not a role of this organization" },
    ]);

    expect((await req(owner, 'DELETE', `${url}?replaceWith=member`)).statusCode).toBe(204);
    expect(await roleOf(org.id, holder.user.id)).toBe('member');
    const invitation = await t.database.db
      .selectFrom('invitations')
      .select('role')
      .where('organization_id', '=', org.id)
      .executeTakeFirstOrThrow();
    expect(invitation.role).toBe('member');
    const links = await t.database.db
      .selectFrom('join_links')
      .select('role')
      .where('organization_id', '=', org.id)
      .execute();
    expect(links.map((l) => l.role)).toEqual(['member']);
    expect((await req(owner, 'GET', url)).statusCode).toBe(404);

    const changed = await audit(org.id, 'member.role_changed');
    expect(changed).toEqual([
      {
        action: 'member.role_changed',
        target_id: holder.user.id,
        data: { from: 'billing', to: 'member', reason: 'role_deleted' },
      },
    ]);
    const [deleted] = await audit(org.id, 'role.deleted');
    expect(deleted?.data).toMatchObject({
      replaceWith: 'member',
      moved: { members: 1, invitations: 1, joinLinks: 1, domains: 0 },
    });
    // An unused role goes without a replacement.
    await defineRole(owner, org.slug, 'spare', ['org:read']);
    expect((await req(owner, 'DELETE', `/v1/organizations/${org.slug}/roles/spare`)).statusCode).toBe(204);
  });

  it('the database refuses a role the organization has not defined, and the deletion of a held role', async () => {
    const { owner, org } = await orgWithOwner();
    const other = await orgWithOwner();
    await defineRole(other.owner, other.org.slug, 'billing', BILLING);
    const person = await signUp(t.app);
    // The other organization's role is not this one's.
    await expect(addActiveMember(t.database, org.id, person.user.id, 'billing')).rejects.toThrow(
      /memberships_custom_role_fkey/,
    );
    await defineRole(owner, org.slug, 'billing', BILLING);
    await addActiveMember(t.database, org.id, person.user.id, 'billing');
    await expect(
      t.database.db.deleteFrom('org_roles').where('organization_id', '=', org.id).execute(),
    ).rejects.toThrow(/memberships_custom_role_fkey/);
    // Deleting the organization still takes its roles and memberships with it.
    expect((await req(owner, 'DELETE', `/v1/organizations/${org.slug}`)).statusCode).toBe(204);
    const left = await t.database.db
      .selectFrom('org_roles')
      .select('key')
      .where('organization_id', '=', org.id)
      .execute();
    expect(left).toEqual([]);
  });
});

describe.skipIf(!onPostgres)('custom roles under concurrency (PostgreSQL)', () => {
  it('grants, invitations and link uses racing the role’s deletion never leave a deleted role held', async () => {
    for (let round = 0; round < 6; round++) {
      const { owner, org } = await orgWithOwner();
      await defineRole(owner, org.slug, 'billing', BILLING);
      const member = await signUp(t.app);
      await addActiveMember(t.database, org.id, member.user.id, 'member');
      const [grant, inv, del] = await Promise.all([
        req(owner, 'PATCH', `/v1/organizations/${org.slug}/members/${member.user.id}`, { role: 'billing' }),
        invite(t.app, owner, org.slug, { email: `r${round}@example.com`, role: 'billing' }),
        req(owner, 'DELETE', `/v1/organizations/${org.slug}/roles/billing`),
      ]);
      for (const res of [grant, inv, del]) expect(res.statusCode, res.body).toBeLessThan(500);
      const role = await roleOf(org.id, member.user.id);
      if (del.statusCode === 204) {
        // Whatever ran first, nothing holds the role now.
        expect(role).toBe('member');
        if (grant.statusCode !== 200) expect(grant.statusCode).toBe(400);
      } else {
        expect(errorCode(del)).toBe('ROLE_IN_USE');
        expect(grant.statusCode === 200 || inv.statusCode === 201).toBe(true);
      }
      const held = await t.database.db
        .selectFrom('invitations')
        .select('role')
        .where('organization_id', '=', org.id)
        .where('status', '=', 'pending')
        .execute();
      const roles = await t.database.db
        .selectFrom('org_roles')
        .select('key')
        .where('organization_id', '=', org.id)
        .execute();
      for (const h of held) if (h.role === 'billing') expect(roles).toEqual([{ key: 'billing' }]);
    }
  });

  it('a holder granting while the owner narrows their role: the grant is judged by the scopes as they are', async () => {
    for (let round = 0; round < 6; round++) {
      const { owner, org } = await orgWithOwner();
      await defineRole(owner, org.slug, 'people', PEOPLE);
      const [manager, member] = [await signUp(t.app), await signUp(t.app)];
      await addActiveMember(t.database, org.id, manager.user.id, 'people');
      await addActiveMember(t.database, org.id, member.user.id, 'member');
      const [narrow, grant] = await Promise.all([
        req(owner, 'PATCH', `/v1/organizations/${org.slug}/roles/people`, {
          scopes: ['org:read', 'member:read'],
        }),
        req(manager, 'PATCH', `/v1/organizations/${org.slug}/members/${member.user.id}`, { role: 'people' }),
      ]);
      expect(narrow.statusCode, narrow.body).toBe(200);
      // Either the grant ran first (and the member holds the narrowed role now), or it ran after the
      // narrowing and was refused for want of member:admin.
      if (grant.statusCode === 200) expect(await roleOf(org.id, member.user.id)).toBe('people');
      else {
        expect(grant.statusCode).toBe(403);
        expect(await roleOf(org.id, member.user.id)).toBe('member');
      }
    }
  });
});

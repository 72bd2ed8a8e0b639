/**
 * An organization that requires a second factor (`mfaRequired`, SPEC §2 "Accounts"): a member without
 * one (no confirmed authenticator app, no passkey) gets 403 MFA_REQUIRED on the organization's routes —
 * but may still read the organization (told to enrol) and leave it; the permission check says so and
 * grants no scopes until they enrol, still in one round trip; whoever turns the setting on must have
 * a factor; API keys are not people and are not affected.
 */
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../src/db/database.ts';
import { scopesForRole } from '../src/features/access/scopes.ts';
import { createApiKey } from '../src/features/api-keys/api-key.service.ts';
import { uuidv7 } from '../src/lib/ids.ts';
import {
  addActiveMember,
  bearer,
  createOrg,
  createTestApp,
  errorCode,
  freshDatabase,
  type SignedUp,
  signUpEach,
  type TestApp,
} from './helpers.ts';
import { details, enrolTotp } from './mfa-helpers.ts';

/** Counts the statements the app sends to the database (a spy on the real database, not a mock). */
class QueryCounter implements KyselyPlugin {
  count = 0;
  transformQuery(args: PluginTransformQueryArgs) {
    this.count += 1;
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs) {
    return args.result;
  }
}

let t: TestApp;
let database: DatabaseHandle;
const counter = new QueryCounter();
let owner: SignedUp;
let admin: SignedUp;
let member: SignedUp;
let leaver: SignedUp;
let passkeyOnly: SignedUp;
let org: { id: string; slug: string; name: string };

beforeAll(async () => {
  database = await freshDatabase();
  t = await createTestApp({}, { ...database, db: database.db.withPlugin(counter) });
  [owner, admin, member, leaver, passkeyOnly] = await signUpEach(t.app, [
    'mfa-owner',
    'mfa-admin',
    'mfa-member',
    'mfa-leaver',
    'mfa-passkey',
  ]);
  org = await createOrg(t.app, owner.token, 'Strict Co');
  await addActiveMember(database, org.id, admin.user.id, 'admin');
  await addActiveMember(database, org.id, member.user.id, 'member');
  await addActiveMember(database, org.id, leaver.user.id, 'member');
  await addActiveMember(database, org.id, passkeyOnly.user.id, 'member');
  // A passkey is a second factor as much as an authenticator app (its ceremony is tested in passkeys.test.ts).
  await database.db
    .insertInto('webauthn_credentials')
    .values({
      id: uuidv7(),
      user_id: passkeyOnly.user.id,
      credential_id: `cred-${passkeyOnly.user.id}`,
      public_key: Buffer.from('not a real key'),
      name: 'Phone',
    })
    .execute();
});
afterAll(async () => {
  await t.close();
  await database.close();
});

const get = (url: string, token: string) => t.app.inject({ url, headers: bearer(token) });
const patchOrg = (token: string, payload: Record<string, unknown>) =>
  t.app.inject({ method: 'PATCH', url: `/v1/organizations/${org.slug}`, headers: bearer(token), payload });
const check = (userId: string, token: string) =>
  get(`/v1/organizations/${org.slug}/members/${userId}/permissions`, token);

describe('turning the requirement on', () => {
  it('is refused to an owner without a second factor (409 MFA_ENROLMENT_REQUIRED): they would lock themselves out', async () => {
    const res = await patchOrg(owner.token, { mfaRequired: true });
    expect(res.statusCode).toBe(409);
    expect(errorCode(res)).toBe('MFA_ENROLMENT_REQUIRED');
    expect((await get(`/v1/organizations/${org.slug}`, owner.token)).json().mfaRequired).toBe(false);
  });

  it('an owner with an authenticator app turns it on: shown in the organization and in /v1/me/organizations, audited', async () => {
    await enrolTotp(t.app, owner.token);
    const res = await patchOrg(owner.token, { mfaRequired: true });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      mfaRequired: true,
      viewer: { role: 'owner', mfa: { required: true, enrolled: true } },
    });
    const read = await get(`/v1/organizations/${org.slug}`, owner.token);
    expect(read.json().mfaRequired).toBe(true);
    expect(read.json().viewer.scopes).toEqual([...scopesForRole('owner')]);
    const mine = await get('/v1/me/organizations', member.token);
    const entry = mine
      .json()
      .data.find((d: { organization: { id: string } }) => d.organization.id === org.id);
    expect(entry.organization).toEqual({ id: org.id, slug: org.slug, name: org.name, mfaRequired: true });
    const audit = await database.db
      .selectFrom('audit_log')
      .select(['action', 'data'])
      .where('organization_id', '=', org.id)
      .where('action', '=', 'organization.updated')
      .execute();
    expect(audit.map((a) => a.data)).toContainEqual({ changes: { mfaRequired: { from: false, to: true } } });
  });
});

describe('a member without a second factor', () => {
  it('gets 403 MFA_REQUIRED on the organization’s routes, naming the organization and where to enrol', async () => {
    const routes: Array<[string, string, string, Record<string, unknown>?]> = [
      [admin.token, 'GET', `/v1/organizations/${org.slug}/members`],
      [admin.token, 'GET', `/v1/organizations/${org.slug}/members/${member.user.id}`],
      [admin.token, 'PATCH', `/v1/organizations/${org.slug}/members/${member.user.id}`, { role: 'admin' }],
      [admin.token, 'DELETE', `/v1/organizations/${org.slug}/members/${member.user.id}`],
      [admin.token, 'GET', `/v1/organizations/${org.slug}/invitations`],
      [
        admin.token,
        'POST',
        `/v1/organizations/${org.slug}/invitations`,
        { email: 'x@example.com', role: 'member' },
      ],
      [admin.token, 'GET', `/v1/organizations/${org.slug}/audit-log`],
      [admin.token, 'GET', `/v1/organizations/${org.slug}/join-requests`],
      [admin.token, 'GET', `/v1/organizations/${org.slug}/webhooks`],
      [admin.token, 'GET', `/v1/organizations/${org.slug}/apps`],
      [admin.token, 'PATCH', `/v1/organizations/${org.slug}`, { mfaRequired: false }],
      [member.token, 'GET', `/v1/organizations/${org.slug}/members`],
      [
        member.token,
        'POST',
        `/v1/organizations/${org.slug}/invitations`,
        { email: 'y@example.com', role: 'member' },
      ],
    ];
    for (const [token, method, url, payload] of routes) {
      const res = await t.app.inject({ method: method as 'GET', url, headers: bearer(token), payload });
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(403);
      expect(errorCode(res)).toBe('MFA_REQUIRED');
      expect(details(res)).toEqual({
        organization: { id: org.id, slug: org.slug, name: org.name },
        enrol: '/v1/me/mfa',
      });
    }
    // Nothing changed: the member is still a member, no invitation was made.
    const rows = await database.db
      .selectFrom('memberships')
      .select('role')
      .where('organization_id', '=', org.id)
      .where('user_id', '=', member.user.id)
      .execute();
    expect(rows).toEqual([{ role: 'member' }]);
    const invitations = await database.db
      .selectFrom('invitations')
      .select('id')
      .where('organization_id', '=', org.id)
      .execute();
    expect(invitations).toEqual([]);
  });

  it('may still read the organization: no scopes, viewer.mfa.enrolled false', async () => {
    const res = await get(`/v1/organizations/${org.slug}`, admin.token);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: org.id, mfaRequired: true });
    expect(res.json().viewer).toEqual({
      role: 'admin',
      scopes: [],
      mfa: { required: true, enrolled: false },
    });
  });

  it('may leave (DELETE on their own membership)', async () => {
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org.slug}/members/${leaver.user.id}`,
      headers: bearer(leaver.token),
    });
    expect(res.statusCode, res.body).toBe(204);
    expect((await get(`/v1/organizations/${org.slug}`, leaver.token)).statusCode).toBe(404);
  });

  it('the permission check says mfa required, not enrolled, and grants no scopes; their own check is 403', async () => {
    const res = await check(admin.user.id, owner.token);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: 'active',
      role: 'admin',
      scopes: [],
      mfa: { required: true, enrolled: false },
    });
    expect((await check(owner.user.id, owner.token)).json()).toEqual({
      status: 'active',
      role: 'owner',
      scopes: [...scopesForRole('owner')],
      mfa: { required: true, enrolled: true },
    });
    // A passkey counts as a second factor.
    expect((await check(passkeyOnly.user.id, owner.token)).json()).toMatchObject({
      scopes: [...scopesForRole('member')],
      mfa: { required: true, enrolled: true },
    });
    const own = await check(owner.user.id, admin.token);
    expect(own.statusCode).toBe(403);
    expect(errorCode(own)).toBe('MFA_REQUIRED');
    // The passkey-only member reads the members list.
    expect((await get(`/v1/organizations/${org.slug}/members`, passkeyOnly.token)).statusCode).toBe(200);
  });

  it('API keys are not affected: they read members and get the same answer from the check', async () => {
    const key = await createApiKey(database.db, 'host app', ['member:read', 'org:read']);
    expect((await get(`/v1/organizations/${org.slug}/members`, key.token)).statusCode).toBe(200);
    const org1 = await get(`/v1/organizations/${org.slug}`, key.token);
    expect(org1.json().viewer).toEqual({ role: null, scopes: ['member:read', 'org:read'] });
    expect((await check(member.user.id, key.token)).json()).toEqual({
      status: 'active',
      role: 'member',
      scopes: [],
      mfa: { required: true, enrolled: false },
    });
  });

  it('the permission check is still one round trip to the database', async () => {
    const key = await createApiKey(database.db, 'hot path', ['member:read']);
    const cases: Array<[string, string, number]> = [
      [admin.user.id, key.token, 200],
      [owner.user.id, key.token, 200],
      [admin.user.id, owner.token, 200],
      [owner.user.id, admin.token, 403],
      [uuidv7(), key.token, 404],
    ];
    for (const [userId, token, status] of cases) {
      const before = counter.count;
      const res = await check(userId, token);
      expect(res.statusCode).toBe(status);
      expect(counter.count - before, `${userId} ${status}`).toBe(1);
    }
  });

  it('once enrolled, is let in at once (nothing cached), and the check grants the role’s scopes', async () => {
    await enrolTotp(t.app, admin.token);
    const members = await get(`/v1/organizations/${org.slug}/members`, admin.token);
    expect(members.statusCode).toBe(200);
    expect((await get(`/v1/organizations/${org.slug}`, admin.token)).json().viewer).toEqual({
      role: 'admin',
      scopes: [...scopesForRole('admin')],
      mfa: { required: true, enrolled: true },
    });
    expect((await check(admin.user.id, owner.token)).json()).toEqual({
      status: 'active',
      role: 'admin',
      scopes: [...scopesForRole('admin')],
      mfa: { required: true, enrolled: true },
    });
    expect((await check(owner.user.id, admin.token)).statusCode).toBe(200);
  });

  it('removing one’s only factor holds one back again', async () => {
    const u = (await signUpEach(t.app, ['mfa-drop']))[0];
    await addActiveMember(database, org.id, u.user.id, 'member');
    await enrolTotp(t.app, u.token);
    expect((await get(`/v1/organizations/${org.slug}/members`, u.token)).statusCode).toBe(200);
    const removed = await t.app.inject({
      method: 'DELETE',
      url: '/v1/me/mfa/totp',
      headers: bearer(u.token),
      payload: { password: 'correct horse battery' },
    });
    expect(removed.statusCode).toBe(204);
    expect(errorCode(await get(`/v1/organizations/${org.slug}/members`, u.token))).toBe('MFA_REQUIRED');
  });
});

describe('turning the requirement off', () => {
  it('lets members without a factor back in; the check no longer mentions mfa', async () => {
    const res = await patchOrg(owner.token, { mfaRequired: false });
    expect(res.statusCode).toBe(200);
    expect(res.json().mfaRequired).toBe(false);
    expect(res.json().viewer.mfa).toBeUndefined();
    expect((await get(`/v1/organizations/${org.slug}/members`, member.token)).statusCode).toBe(200);
    expect((await check(member.user.id, owner.token)).json()).toEqual({
      status: 'active',
      role: 'member',
      scopes: [...scopesForRole('member')],
    });
  });

  it('an organization that never required it answers as before', async () => {
    const other = await createOrg(t.app, member.token, 'Relaxed Co');
    const res = await get(`/v1/organizations/${other.slug}`, member.token);
    expect(res.json().mfaRequired).toBe(false);
    expect(res.json().viewer).toEqual({ role: 'owner', scopes: [...scopesForRole('owner')] });
  });
});

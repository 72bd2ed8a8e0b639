/**
 * Organizations (SPEC §2 "Organizations", §5 POST/GET/PATCH/DELETE /v1/organizations): the creator
 * becomes owner, slugs are unique and url-safe, non-members cannot see an org, settings need
 * `org:write`, deletion needs `org:delete`, and every change is audited in its transaction.
 */
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
} from './helpers.ts';

let t: TestApp;
let owner: SignedUp;
let admin: SignedUp;
let member: SignedUp;
let outsider: SignedUp;

beforeAll(async () => {
  t = await createTestApp();
  [owner, admin, member, outsider] = await Promise.all([
    signUp(t.app, undefined, 'Olive Owner'),
    signUp(t.app, undefined, 'Adam Admin'),
    signUp(t.app, undefined, 'Mia Member'),
    signUp(t.app, undefined, 'Otto Outsider'),
  ]);
});
afterAll(() => t.close());

const uniqueName = (label: string) => `${label} ${Math.random().toString(36).slice(2, 8)}`;

function create(token: string, payload: Record<string, unknown>) {
  return t.app.inject({ method: 'POST', url: '/v1/organizations', headers: bearer(token), payload });
}
function get(token: string, ref: string) {
  return t.app.inject({ url: `/v1/organizations/${ref}`, headers: bearer(token) });
}
function patch(token: string, ref: string, payload: Record<string, unknown>) {
  return t.app.inject({
    method: 'PATCH',
    url: `/v1/organizations/${ref}`,
    headers: bearer(token),
    payload,
  });
}
function del(token: string, ref: string) {
  return t.app.inject({ method: 'DELETE', url: `/v1/organizations/${ref}`, headers: bearer(token) });
}
function fields(res: LightMyRequestResponse): string[] {
  const details = (res.json() as { error: { details?: Array<{ field: string }> } }).error.details ?? [];
  return details.map((d) => d.field);
}

/** An org owned by `owner`, with `admin` and `member` seeded as active members. */
async function teamOrg(name = uniqueName('Team')) {
  const org = await createOrg(t.app, owner.token, name);
  await addActiveMember(t.database, org.id, admin.user.id, 'admin');
  await addActiveMember(t.database, org.id, member.user.id, 'member');
  return org;
}

async function auditActions(orgId: string): Promise<string[]> {
  const rows = await t.database.db
    .selectFrom('audit_log')
    .select('action')
    .where('organization_id', '=', orgId)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.action);
}

describe('create', () => {
  it('makes the creator its first owner (members list and /v1/me/organizations) with default settings', async () => {
    const name = uniqueName('Acme Inc');
    const res = await create(owner.token, { name: `  ${name}  ` });
    expect(res.statusCode).toBe(201);
    const org = res.json();
    expect(org).toMatchObject({
      name,
      slug: name.toLowerCase().replace(' ', '-').replace(' ', '-'),
      memberLimit: null,
      joinRequestsEnabled: false,
      ssoEnforced: false,
      inviteExpiryDays: 7,
      viewer: { role: 'owner' },
    });
    expect(org.viewer.scopes).toEqual(expect.arrayContaining(['org:read', 'org:write', 'org:delete']));

    const members = await t.app.inject({
      url: `/v1/organizations/${org.id}/members`,
      headers: bearer(owner.token),
    });
    expect(members.statusCode).toBe(200);
    expect(
      members
        .json()
        .data.map((m: { userId: string; role: string; status: string; source: string }) => [
          m.userId,
          m.role,
          m.status,
          m.source,
        ]),
    ).toEqual([[owner.user.id, 'owner', 'active', 'created_org']]);

    const mine = await t.app.inject({ url: '/v1/me/organizations', headers: bearer(owner.token) });
    expect(mine.statusCode).toBe(200);
    const entry = mine
      .json()
      .data.find((m: { organization: { id: string } }) => m.organization.id === org.id);
    expect(entry).toMatchObject({
      organization: { id: org.id, slug: org.slug, name },
      role: 'owner',
      status: 'active',
    });
    // Someone else does not see it among theirs.
    const theirs = await t.app.inject({ url: '/v1/me/organizations', headers: bearer(outsider.token) });
    expect(theirs.json().data.map((m: { organization: { id: string } }) => m.organization.id)).not.toContain(
      org.id,
    );
    expect(await auditActions(org.id)).toEqual(['organization.created', 'member.added']);
  });

  it('derives a url-safe slug from the name; the same name again gets a different slug', async () => {
    const name = `Café Zürich & Co ${Math.random().toString(36).slice(2, 6)}`;
    const first = (await create(owner.token, { name })).json();
    const second = (await create(admin.token, { name })).json();
    expect(first.slug).toMatch(/^cafe-zurich-co-[a-z0-9]+$/);
    expect(second.slug).not.toBe(first.slug);
    expect(second.slug.startsWith(`${first.slug}-`)).toBe(true);
    expect(second.slug).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(second.name).toBe(first.name);
  });

  it('never derives a UUID-shaped slug (a slug must not be mistaken for an id)', async () => {
    const uuidName = '01234567-89ab-7def-8123-456789abcdef';
    const res = await create(owner.token, { name: uuidName });
    expect(res.statusCode).toBe(201);
    const org = res.json();
    expect(org.slug).not.toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect((await get(owner.token, org.slug)).json().id).toBe(org.id);
    // A name with no usable character still gets a valid slug.
    const symbols = await create(owner.token, { name: '日本' });
    expect(symbols.statusCode).toBe(201);
    expect(symbols.json().slug).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('takes an explicit slug; a taken one is 409 SLUG_TAKEN naming slug', async () => {
    const slug = `explicit-${Math.random().toString(36).slice(2, 8)}`;
    const res = await create(owner.token, { name: 'Explicit', slug });
    expect(res.statusCode).toBe(201);
    expect(res.json().slug).toBe(slug);
    const taken = await create(admin.token, { name: 'Another', slug });
    expect(taken.statusCode).toBe(409);
    expect(errorCode(taken)).toBe('SLUG_TAKEN');
    expect(fields(taken)).toEqual(['slug']);
    const orgs = await t.database.db
      .selectFrom('organizations')
      .select('id')
      .where('name', '=', 'Another')
      .execute();
    expect(orgs).toHaveLength(0);
  });

  it('refuses an invalid or UUID-shaped slug: 400 INVALID_SLUG naming slug', async () => {
    for (const slug of [
      'Upper-Case',
      'under_score',
      'double--hyphen',
      '-leading',
      'trailing-',
      'a',
      '',
      'a'.repeat(49),
      'sp ace',
      '01234567-89ab-7def-8123-456789abcdef',
      '00000000-0000-0000-0000-000000000000',
    ]) {
      const res = await create(owner.token, { name: 'Bad Slug', slug });
      expect(res.statusCode, slug).toBe(400);
      expect(errorCode(res), slug).toBe('INVALID_SLUG');
      expect(fields(res), slug).toEqual(['slug']);
    }
  });

  it('needs a signed-in user: 401 anonymous, 403 for an API key', async () => {
    const anon = await t.app.inject({ method: 'POST', url: '/v1/organizations', payload: { name: 'Anon' } });
    expect(anon.statusCode).toBe(401);
    expect(errorCode(anon)).toBe('UNAUTHENTICATED');
    const key = await createApiKey(t.database.db, 'host', ['org:read', 'org:write']);
    const byKey = await create(key.token, { name: 'By Key' });
    expect(byKey.statusCode).toBe(403);
  });
});

describe('read', () => {
  it('finds the org by id and by slug (in any case)', async () => {
    const org = await teamOrg();
    for (const ref of [org.id, org.id.toUpperCase(), org.slug, org.slug.toUpperCase()]) {
      const res = await get(owner.token, ref);
      expect(res.statusCode, ref).toBe(200);
      expect(res.json()).toMatchObject({ id: org.id, slug: org.slug, name: org.name });
    }
  });

  it('hides the org from non-members and pending members: 404 ORGANIZATION_NOT_FOUND', async () => {
    const org = await teamOrg();
    const pending = await signUp(t.app);
    await t.database.db
      .insertInto('memberships')
      .values({
        organization_id: org.id,
        user_id: pending.user.id,
        role: 'member',
        status: 'pending',
        source: 'owner_add',
        added_by: owner.user.id,
      })
      .execute();
    for (const who of [outsider, pending]) {
      for (const res of [
        await get(who.token, org.id),
        await get(who.token, org.slug),
        await patch(who.token, org.id, { name: 'Hijack' }),
        await del(who.token, org.id),
      ]) {
        expect(res.statusCode).toBe(404);
        expect(errorCode(res)).toBe('ORGANIZATION_NOT_FOUND');
      }
    }
    // An unknown org answers the same.
    const unknown = await get(owner.token, '00000000-0000-7000-8000-000000000000');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toBe((await get(outsider.token, org.id)).body);
    expect((await get(owner.token, org.id)).json().name).toBe(org.name);
  });

  it('lets a member read (org:read) but not change or delete: 403', async () => {
    const org = await teamOrg();
    const res = await get(member.token, org.slug);
    expect(res.statusCode).toBe(200);
    expect(res.json().viewer).toEqual({ role: 'member', scopes: ['org:read', 'member:read'] });
    const change = await patch(member.token, org.id, { name: 'Renamed by member' });
    expect(change.statusCode).toBe(403);
    expect(errorCode(change)).toBe('FORBIDDEN');
    const remove = await del(member.token, org.id);
    expect(remove.statusCode).toBe(403);
    expect((await get(owner.token, org.id)).json().name).toBe(org.name);
  });

  it('answers 401 to an anonymous caller on every org route', async () => {
    const org = await teamOrg();
    const url = `/v1/organizations/${org.id}`;
    for (const res of [
      await t.app.inject({ url }),
      await t.app.inject({ method: 'PATCH', url, payload: { name: 'x' } }),
      await t.app.inject({ method: 'DELETE', url }),
      await t.app.inject({ url: '/v1/me/organizations' }),
    ]) {
      expect(res.statusCode).toBe(401);
      expect(errorCode(res)).toBe('UNAUTHENTICATED');
    }
  });

  it('lets an API key act by its scopes: org:read reads, without org:write it cannot change', async () => {
    const org = await teamOrg();
    const key = await createApiKey(t.database.db, 'reader', ['org:read']);
    const res = await get(key.token, org.slug);
    expect(res.statusCode).toBe(200);
    expect(res.json().viewer).toEqual({ role: null, scopes: ['org:read'] });
    const change = await patch(key.token, org.id, { name: 'By key' });
    expect(change.statusCode).toBe(403);
    const remove = await del(key.token, org.id);
    expect(remove.statusCode).toBe(403);
  });
});

describe('settings', () => {
  it('lets an admin change each setting, one at a time, and keeps the others', async () => {
    const org = await teamOrg();
    const newSlug = `renamed-${Math.random().toString(36).slice(2, 8)}`;
    const steps: Array<[Record<string, unknown>, Record<string, unknown>]> = [
      [{ name: '  Renamed Team  ' }, { name: 'Renamed Team' }],
      [{ slug: newSlug }, { slug: newSlug }],
      [{ memberLimit: 10 }, { memberLimit: 10 }],
      [{ memberLimit: null }, { memberLimit: null }],
      [{ joinRequestsEnabled: true }, { joinRequestsEnabled: true }],
      [{ ssoEnforced: true }, { ssoEnforced: true }],
      [{ inviteExpiryDays: 30 }, { inviteExpiryDays: 30 }],
      [{ joinRequestsEnabled: false, ssoEnforced: false, inviteExpiryDays: 1 }, { inviteExpiryDays: 1 }],
    ];
    let expected: Record<string, unknown> = {
      name: org.name,
      slug: org.slug,
      memberLimit: null,
      joinRequestsEnabled: false,
      ssoEnforced: false,
      inviteExpiryDays: 7,
    };
    for (const [body, change] of steps) {
      const res = await patch(admin.token, org.id, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(200);
      expected = { ...expected, ...(body as object), ...change };
      expect(res.json()).toMatchObject(expected);
      expect((await get(owner.token, org.id)).json()).toMatchObject(expected);
    }
    // The old slug no longer resolves; the new one does.
    expect((await get(owner.token, org.slug)).statusCode).toBe(404);
    expect((await get(owner.token, newSlug)).json().id).toBe(org.id);
    const updates = (await auditActions(org.id)).filter((a) => a === 'organization.updated');
    expect(updates).toHaveLength(steps.length);
    const row = await t.database.db
      .selectFrom('audit_log')
      .select(['actor_id', 'data'])
      .where('organization_id', '=', org.id)
      .where('action', '=', 'organization.updated')
      .orderBy('id')
      .executeTakeFirstOrThrow();
    expect(row.actor_id).toBe(admin.user.id);
    expect(row.data).toEqual({ changes: { name: { from: org.name, to: 'Renamed Team' } } });
  });

  it('writes nothing and audits nothing when a PATCH changes no value', async () => {
    const org = await teamOrg();
    const before = (await get(owner.token, org.id)).json();
    const res = await patch(owner.token, org.id, {
      name: org.name,
      slug: org.slug,
      memberLimit: null,
      inviteExpiryDays: 7,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().updatedAt).toBe(before.updatedAt);
    expect(await auditActions(org.id)).not.toContain('organization.updated');
  });

  it('refuses out-of-range and mistyped settings with 400 naming the field, changing nothing', async () => {
    const org = await teamOrg();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ memberLimit: 0 }, 'memberLimit'],
      [{ memberLimit: -5 }, 'memberLimit'],
      [{ memberLimit: 1.5 }, 'memberLimit'],
      [{ memberLimit: 1_000_001 }, 'memberLimit'],
      [{ inviteExpiryDays: 0 }, 'inviteExpiryDays'],
      [{ inviteExpiryDays: 366 }, 'inviteExpiryDays'],
      [{ inviteExpiryDays: null }, 'inviteExpiryDays'],
      [{ joinRequestsEnabled: null }, 'joinRequestsEnabled'],
      [{ ssoEnforced: 1 }, 'ssoEnforced'],
      [{ name: '' }, 'name'],
      [{ name: '   ' }, 'name'],
      [{ name: 'x'.repeat(101) }, 'name'],
      [{ name: null }, 'name'],
      [{ slug: 'Not Valid' }, 'slug'],
      [{ slug: '01234567-89ab-7def-8123-456789abcdef' }, 'slug'],
    ];
    for (const [body, field] of cases) {
      const res = await patch(owner.token, org.id, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(fields(res), JSON.stringify(body)).toEqual([field]);
    }
    expect((await patch(owner.token, org.id, { slug: 'Not Valid' })).json().error.code).toBe('INVALID_SLUG');
    const after = (await get(owner.token, org.id)).json();
    expect(after).toMatchObject({ name: org.name, slug: org.slug, memberLimit: null, inviteExpiryDays: 7 });
    expect(await auditActions(org.id)).not.toContain('organization.updated');
  });

  it('refuses a slug another org uses (409 SLUG_TAKEN) and accepts its own', async () => {
    const a = await teamOrg();
    const b = await teamOrg();
    const taken = await patch(owner.token, a.id, { slug: b.slug });
    expect(taken.statusCode).toBe(409);
    expect(errorCode(taken)).toBe('SLUG_TAKEN');
    expect(fields(taken)).toEqual(['slug']);
    const same = await patch(owner.token, a.id, { slug: a.slug });
    expect(same.statusCode).toBe(200);
    expect(same.json().slug).toBe(a.slug);
  });

  it('refuses a memberLimit below the active members: 409 MEMBER_LIMIT_BELOW_USAGE naming memberLimit', async () => {
    const org = await teamOrg(); // owner, admin, member: 3 seats in use
    const below = await patch(admin.token, org.id, { memberLimit: 2 });
    expect(below.statusCode).toBe(409);
    expect(errorCode(below)).toBe('MEMBER_LIMIT_BELOW_USAGE');
    expect(fields(below)).toEqual(['memberLimit']);
    expect(below.json().error.details[0].seatsInUse).toBe(3);
    expect((await get(owner.token, org.id)).json().memberLimit).toBeNull();
    const equal = await patch(admin.token, org.id, { memberLimit: 3 });
    expect(equal.statusCode).toBe(200);
    expect(equal.json().memberLimit).toBe(3);
    // A pending membership holds no seat.
    const pending = await signUp(t.app);
    await t.database.db
      .insertInto('memberships')
      .values({
        organization_id: org.id,
        user_id: pending.user.id,
        role: 'member',
        status: 'pending',
        source: 'join_request',
        added_by: null,
      })
      .execute();
    expect((await patch(admin.token, org.id, { memberLimit: 3 })).statusCode).toBe(200);
  });
});

describe('delete', () => {
  it('is for owners only: an admin gets 403, the owner 204, then the org is gone (404)', async () => {
    const org = await teamOrg();
    const byAdmin = await del(admin.token, org.id);
    expect(byAdmin.statusCode).toBe(403);
    expect(errorCode(byAdmin)).toBe('FORBIDDEN');
    expect((await get(owner.token, org.id)).statusCode).toBe(200);

    const byOwner = await del(owner.token, org.slug);
    expect(byOwner.statusCode).toBe(204);
    expect(byOwner.body).toBe('');
    for (const who of [owner, admin, member]) {
      const res = await get(who.token, org.id);
      expect(res.statusCode).toBe(404);
      expect(errorCode(res)).toBe('ORGANIZATION_NOT_FOUND');
    }
    expect((await del(owner.token, org.id)).statusCode).toBe(404);
    const memberships = await t.database.db
      .selectFrom('memberships')
      .select('id')
      .where('organization_id', '=', org.id)
      .execute();
    expect(memberships).toHaveLength(0);
    const mine = await t.app.inject({ url: '/v1/me/organizations', headers: bearer(member.token) });
    expect(mine.json().data.map((m: { organization: { id: string } }) => m.organization.id)).not.toContain(
      org.id,
    );
  });

  it('leaves organization.created, .updated and .deleted in the audit log, with actor and target', async () => {
    const org = await teamOrg();
    expect((await patch(owner.token, org.id, { inviteExpiryDays: 14 })).statusCode).toBe(200);
    expect((await del(owner.token, org.id)).statusCode).toBe(204);
    const rows = await t.database.db
      .selectFrom('audit_log')
      .select(['action', 'actor_type', 'actor_id', 'target_type', 'target_id', 'data'])
      .where('organization_id', '=', org.id)
      .where('action', 'like', 'organization.%')
      .orderBy('id')
      .execute();
    expect(rows.map((r) => r.action)).toEqual([
      'organization.created',
      'organization.updated',
      'organization.deleted',
    ]);
    for (const r of rows) {
      expect(r).toMatchObject({
        actor_type: 'user',
        actor_id: owner.user.id,
        target_type: 'organization',
        target_id: org.id,
      });
    }
    expect(rows[1]?.data).toEqual({ changes: { inviteExpiryDays: { from: 7, to: 14 } } });
    expect(rows[2]?.data).toMatchObject({ slug: org.slug, name: org.name });
  });
});

describe.skipIf(!onPostgres)('races (PostgreSQL, parallel requests)', () => {
  const ROUNDS = 10;
  const PARALLEL = 10;

  it('concurrent creates with one name: all 201, every slug distinct', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = uniqueName('Same Name');
      const results = await Promise.all(
        Array.from({ length: PARALLEL }, () => create(owner.token, { name })),
      );
      expect(results.map((r) => r.statusCode)).toEqual(Array(PARALLEL).fill(201));
      const slugs = new Set(results.map((r) => r.json().slug as string));
      expect(slugs.size).toBe(PARALLEL);
    }
  });

  it('concurrent creates with one explicit slug: exactly one 201, the rest 409 SLUG_TAKEN', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const slug = `contested-${Math.random().toString(36).slice(2, 8)}`;
      const results = await Promise.all(
        Array.from({ length: PARALLEL }, (_, i) => create(owner.token, { name: `Contender ${i}`, slug })),
      );
      expect(results.map((r) => r.statusCode).sort()).toEqual([201, ...Array(PARALLEL - 1).fill(409)]);
      expect(results.filter((r) => errorCode(r) === 'SLUG_TAKEN')).toHaveLength(PARALLEL - 1);
    }
  });

  it('concurrent renames of different orgs to one slug: exactly one 200, the rest 409 SLUG_TAKEN', async () => {
    const orgs = await Promise.all(Array.from({ length: 5 }, () => createOrg(t.app, owner.token)));
    for (let round = 0; round < ROUNDS; round++) {
      const slug = `rename-${Math.random().toString(36).slice(2, 8)}`;
      const results = await Promise.all(orgs.map((o) => patch(owner.token, o.id, { slug })));
      expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409, 409, 409, 409]);
      expect(results.filter((r) => r.statusCode === 409).map(errorCode)).toEqual(Array(4).fill('SLUG_TAKEN'));
    }
  });

  it('concurrent deletes of one org: one 204, the rest 404, and a single audit entry', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const org = await createOrg(t.app, owner.token);
      const results = await Promise.all(Array.from({ length: PARALLEL }, () => del(owner.token, org.id)));
      expect(results.map((r) => r.statusCode).sort()).toEqual([204, ...Array(PARALLEL - 1).fill(404)]);
      const deleted = await t.database.db
        .selectFrom('audit_log')
        .select(sql<number>`count(*)::int`.as('n'))
        .where('organization_id', '=', org.id)
        .where('action', '=', 'organization.deleted')
        .executeTakeFirstOrThrow();
      expect(deleted.n).toBe(1);
    }
  });
});

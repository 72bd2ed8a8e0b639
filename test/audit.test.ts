/**
 * The audit log (SPEC §2 "Events, audit, notifications"; §5 GET …/audit-log): every membership change
 * writes exactly one entry in the transaction of the change — a refused change writes none — and
 * holders of audit:read page through them newest first.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS as CONSOLE_WORDS } from '../console/src/audit-words.ts';
import type { DatabaseHandle } from '../src/db/database.ts';
import type { Role } from '../src/features/access/scopes.ts';
import { createApiKey } from '../src/features/api-keys/api-key.service.ts';
import { csvField } from '../src/features/audit/audit.service.ts';
import { AUDIT_ACTIONS, auditActionList } from '../src/features/audit/audit-actions.ts';
import { uuidv7 } from '../src/lib/ids.ts';
import {
  bearer,
  createOrg,
  createTestApp,
  errorCode,
  inParallel,
  type SignedUp,
  signUp,
  signUpEach,
  type TestApp,
  uniqueEmail,
} from './helpers.ts';
import { invited } from './invitation-helpers.ts';

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

interface Entry {
  id: string;
  actor: { type: string; id: string | null };
  action: string;
  target: { type: string; id: string | null } | null;
  ip: string | null;
  data: Record<string, unknown>;
  createdAt: string;
}

describe('GET /v1/organizations/{org}/audit-log', () => {
  let t: TestApp;
  let owner: SignedUp;
  let owner2: SignedUp;
  let admin: SignedUp;
  let member: SignedUp;
  let member2: SignedUp;
  let outsider: SignedUp;

  beforeAll(async () => {
    t = await createTestApp();
    [owner, owner2, admin, member, member2, outsider] = await signUpEach(t.app, [
      'owner',
      'owner2',
      'admin',
      'member',
      'member2',
      'outsider',
    ]);
  });
  afterAll(() => t.close());

  async function orgWith(people: Array<[SignedUp, Role]>) {
    const org = await createOrg(t.app, owner.token);
    for (const [p, role] of people) await seedMember(t.database, org.id, p.user.id, role);
    return org;
  }

  const auditLog = (org: string, token: string, query = '') =>
    t.app.inject({ url: `/v1/organizations/${org}/audit-log${query}`, headers: bearer(token) });

  /** Every entry of the organization, straight from the table, newest first. */
  const allRows = (orgId: string) =>
    t.database.db
      .selectFrom('audit_log')
      .select(['id', 'action', 'actor_id', 'target_id'])
      .where('organization_id', '=', orgId)
      .orderBy('id', 'desc')
      .execute();

  const patch = (org: string, token: string, userId: string, role: Role) =>
    t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org}/members/${userId}`,
      headers: bearer(token),
      payload: { role },
    });
  const remove = (org: string, token: string, userId: string) =>
    t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org}/members/${userId}`,
      headers: bearer(token),
    });

  it('names each actor as they are now: a person by name and email, an API key by name, a deleted account as deleted', async () => {
    const leaver = await signUp(t.app, uniqueEmail('leaver'), 'Lea Ver');
    const org = await orgWith([
      [member, 'member'],
      [leaver, 'admin'],
    ]);
    expect((await patch(org.slug, leaver.token, member.user.id, 'admin')).statusCode).toBe(200);
    expect((await patch(org.slug, owner.token, member.user.id, 'member')).statusCode).toBe(200);
    // The leaver's account goes (straight from the table: how it is deleted is not the point here).
    await t.database.db.deleteFrom('users').where('id', '=', leaver.user.id).execute();
    const res = await auditLog(org.slug, owner.token);
    expect(res.statusCode).toBe(200);
    const entries = res.json().data as Array<
      Entry & { actor: { name: string | null; email: string | null; deleted: boolean } }
    >;
    const byOwner = entries.find((e) => e.actor.id === owner.user.id);
    expect(byOwner?.actor).toEqual({
      type: 'user',
      id: owner.user.id,
      name: owner.user.name,
      email: owner.user.email,
      deleted: false,
    });
    const byLeaver = entries.filter((e) => e.actor.id === leaver.user.id);
    expect(byLeaver.length).toBeGreaterThan(0);
    for (const e of byLeaver) {
      expect(e.actor).toEqual({ type: 'user', id: leaver.user.id, name: null, email: null, deleted: true });
    }
  });

  describe('each membership change writes exactly one entry, with actor, target, IP and data', () => {
    it('a role change: member.role_changed {from, to}', async () => {
      const org = await orgWith([[member, 'member']]);
      const before = await allRows(org.id);
      expect((await patch(org.slug, owner.token, member.user.id, 'admin')).statusCode).toBe(200);
      const after = await allRows(org.id);
      expect(after).toHaveLength(before.length + 1);
      const res = await auditLog(org.slug, owner.token, '?limit=1');
      expect(res.statusCode).toBe(200);
      const [entry] = res.json().data as Entry[];
      expect(entry).toMatchObject({
        action: 'member.role_changed',
        actor: { type: 'user', id: owner.user.id },
        target: { type: 'user', id: member.user.id },
        ip: '127.0.0.1',
        data: { from: 'member', to: 'admin' },
      });
      expect(Number.isNaN(Date.parse(entry?.createdAt ?? ''))).toBe(false);
    });

    it('setting the role a member already has changes nothing and writes nothing', async () => {
      const org = await orgWith([[member, 'member']]);
      const before = await allRows(org.id);
      expect((await patch(org.slug, owner.token, member.user.id, 'member')).statusCode).toBe(200);
      expect(await allRows(org.id)).toEqual(before);
    });

    it('a removal: member.removed; a leave: member.left', async () => {
      const org = await orgWith([
        [admin, 'admin'],
        [member, 'member'],
        [member2, 'member'],
      ]);
      const before = await allRows(org.id);
      expect((await remove(org.slug, admin.token, member.user.id)).statusCode).toBe(204);
      expect((await remove(org.slug, member2.token, member2.user.id)).statusCode).toBe(204);
      const after = await allRows(org.id);
      expect(after).toHaveLength(before.length + 2);
      const entries = (await auditLog(org.slug, owner.token, '?limit=2')).json().data as Entry[];
      expect(entries).toMatchObject([
        {
          action: 'member.left',
          actor: { type: 'user', id: member2.user.id },
          target: { type: 'user', id: member2.user.id },
          data: { role: 'member', status: 'active' },
        },
        {
          action: 'member.removed',
          actor: { type: 'user', id: admin.user.id },
          target: { type: 'user', id: member.user.id },
          data: { role: 'member', status: 'active' },
        },
      ]);
    });

    it('an API key acting is the actor', async () => {
      const org = await orgWith([[member, 'member']]);
      const key = await createApiKey(t.database.db, 'host app', ['member:admin', 'audit:read']);
      expect((await patch(org.slug, key.token, member.user.id, 'admin')).statusCode).toBe(200);
      const [entry] = (await auditLog(org.slug, key.token, '?limit=1')).json().data as Entry[];
      expect(entry).toMatchObject({
        action: 'member.role_changed',
        actor: { type: 'api_key', id: key.id, name: 'host app', email: null, deleted: false },
      });
    });

    it('a refused change writes no entry (403, 404 and 409 alike)', async () => {
      const org = await orgWith([
        [admin, 'admin'],
        [member, 'member'],
      ]);
      const before = await allRows(org.id);
      const refused = [
        await patch(org.slug, admin.token, member.user.id, 'owner'), // 403 ROLE_CEILING
        await patch(org.slug, admin.token, owner.user.id, 'member'), // 403 ROLE_CEILING
        await patch(org.slug, member.token, admin.user.id, 'member'), // 403 FORBIDDEN
        await patch(org.slug, owner.token, owner.user.id, 'admin'), // 409 LAST_OWNER (written, then rolled back)
        await remove(org.slug, owner.token, owner.user.id), // 409 LAST_OWNER on leave
        await remove(org.slug, admin.token, owner.user.id), // 403 ROLE_CEILING
        await remove(org.slug, owner.token, outsider.user.id), // 404 MEMBER_NOT_FOUND
      ];
      expect(refused.map((r) => r.statusCode)).toEqual([403, 403, 403, 409, 409, 403, 404]);
      expect(await allRows(org.id)).toEqual(before);
      // And the refused writes themselves were rolled back with their entry.
      const roles = await t.database.db
        .selectFrom('memberships')
        .select(['user_id', 'role'])
        .where('organization_id', '=', org.id)
        .execute();
      expect(Object.fromEntries(roles.map((r) => [r.user_id, r.role]))).toEqual({
        [owner.user.id]: 'owner',
        [admin.user.id]: 'admin',
        [member.user.id]: 'member',
      });
    });
  });

  describe('reading the log (audit:read)', () => {
    let org: { id: string; slug: string };

    beforeAll(async () => {
      org = await orgWith([
        [owner2, 'owner'],
        [admin, 'admin'],
        [member, 'member'],
      ]);
      // 30 role changes, alternating actors.
      for (let i = 0; i < 30; i++) {
        const res = await patch(
          org.slug,
          i % 2 ? owner.token : owner2.token,
          member.user.id,
          i % 2 ? 'member' : 'admin',
        );
        expect(res.statusCode).toBe(200);
      }
      // Another organization's entries never show here.
      const other = await orgWith([[member2, 'member']]);
      await patch(other.slug, owner.token, member2.user.id, 'admin');
    });

    it('pages newest first with a cursor: every entry exactly once, nextCursor null on the last page', async () => {
      const expected = await allRows(org.id);
      expect(expected.length).toBe(32); // organization.created, member.added, 30 role changes
      const seen: Entry[] = [];
      const sizes: number[] = [];
      let cursor: string | null = null;
      do {
        const q: string = cursor ? `?limit=7&cursor=${encodeURIComponent(cursor)}` : '?limit=7';
        const res = await auditLog(org.id, admin.token, q);
        expect(res.statusCode, res.body).toBe(200);
        const body = res.json() as { data: Entry[]; nextCursor: string | null };
        seen.push(...body.data);
        sizes.push(body.data.length);
        cursor = body.nextCursor;
      } while (cursor !== null && sizes.length < 20);
      expect(sizes).toEqual([7, 7, 7, 7, 4]);
      expect(seen.map((e) => e.id)).toEqual(expected.map((r) => String(r.id)));
      const ids = seen.map((e) => BigInt(e.id));
      for (let i = 1; i < ids.length; i++) expect(ids[i] as bigint).toBeLessThan(ids[i - 1] as bigint);
      expect(seen.at(-1)?.action).toBe('organization.created');
      expect(seen[0]).toMatchObject({ action: 'member.role_changed', data: { from: 'admin', to: 'member' } });
    });

    it('filters by action (and by actor), across pages', async () => {
      const changes = (await allRows(org.id)).filter((r) => r.action === 'member.role_changed');
      expect(changes).toHaveLength(30);
      const seen: Entry[] = [];
      let cursor: string | null = null;
      do {
        const c: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const body = (
          await auditLog(org.slug, owner.token, `?action=member.role_changed&limit=8${c}`)
        ).json();
        seen.push(...body.data);
        cursor = body.nextCursor;
      } while (cursor);
      expect(seen.map((e) => e.id)).toEqual(changes.map((r) => String(r.id)));
      expect(new Set(seen.map((e) => e.action))).toEqual(new Set(['member.role_changed']));
      const created = (await auditLog(org.slug, owner.token, '?action=organization.created')).json();
      expect(created.data).toHaveLength(1);
      expect(created.nextCursor).toBeNull();
      const none = (await auditLog(org.slug, owner.token, '?action=no.such.action')).json();
      expect(none).toEqual({ data: [], nextCursor: null });
      const byOwner2 = (await auditLog(org.slug, owner.token, `?actorId=${owner2.user.id}&limit=100`)).json();
      expect(byOwner2.data).toHaveLength(15);
      expect(byOwner2.data.every((e: Entry) => e.actor.id === owner2.user.id)).toBe(true);
    });

    it('a member (no audit:read) gets 403; an outsider 404; no credentials 401', async () => {
      const asMember = await auditLog(org.slug, member.token);
      expect(asMember.statusCode).toBe(403);
      expect(errorCode(asMember)).toBe('FORBIDDEN');
      const asOutsider = await auditLog(org.slug, outsider.token);
      expect(asOutsider.statusCode).toBe(404);
      expect(errorCode(asOutsider)).toBe('ORGANIZATION_NOT_FOUND');
      expect((await t.app.inject({ url: `/v1/organizations/${org.slug}/audit-log` })).statusCode).toBe(401);
      const key = await createApiKey(t.database.db, 'no audit', ['member:read']);
      expect((await auditLog(org.slug, key.token)).statusCode).toBe(403);
    });

    it('a cursor the log did not return is 400 INVALID_CURSOR, even one past the id range', async () => {
      const cursors = [
        'garbage!',
        Buffer.from('a:abc').toString('base64url'),
        Buffer.from(`m:${uuidv7()}`).toString('base64url'),
        Buffer.from('a:9999999999999999999').toString('base64url'),
        Buffer.from('a:0').toString('base64url'),
      ];
      for (const cursor of cursors) {
        const res = await auditLog(org.slug, owner.token, `?cursor=${cursor}`);
        expect(res.statusCode, cursor).toBe(400);
        expect(errorCode(res)).toBe('INVALID_CURSOR');
      }
    });
  });
});

/** An entry as the list and the JSON export give it: actor and target named as they are now. */
interface Named {
  id: string;
  actor: { type: string; id: string | null; name: string | null; email: string | null; deleted: boolean };
  action: string;
  target: {
    type: string;
    id: string | null;
    name: string | null;
    email: string | null;
    slug: string | null;
    deleted: boolean;
  } | null;
  ip: string | null;
  data: Record<string, unknown>;
  createdAt: string;
}

/** RFC 4180: rows of fields; quoted fields may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  expect(quoted, 'an unterminated quote').toBe(false);
  expect(field === '' && row.length === 0, 'the last line ends with CRLF').toBe(true);
  return rows;
}

const CSV_HEADER = [
  'id',
  'createdAt',
  'action',
  'actorType',
  'actorId',
  'actorName',
  'actorEmail',
  'actorDeleted',
  'targetType',
  'targetId',
  'targetName',
  'targetEmail',
  'targetDeleted',
  'ip',
  'data',
];

/** Every audit action the server's sources write (`action: '…'`, a choice of two, MFA's `recordChange`). */
function actionsWrittenInSources(): Set<string> {
  const src = path.resolve(import.meta.dirname, '../src');
  const found = new Set<string>();
  const dotted = /'([a-z_]+\.[a-z_]+)'/g;
  for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (file.includes(`${path.sep}client${path.sep}`)) continue;
    const text = readFileSync(file, 'utf8');
    const expressions = [
      ...text.matchAll(/\baction:\s*([^,\n}]+)/g),
      ...text.matchAll(/\bconst action = ([^;]+);/g),
      ...text.matchAll(/recordChange\(\s*(?:[^,()]+,\s*){4}('[^']+')/g),
    ].map((m) => m[1] as string);
    for (const e of expressions) for (const m of e.matchAll(dotted)) found.add(m[1] as string);
  }
  return found;
}

describe('the catalog of actions: GET /v1/audit/actions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('lists every action with its category and what it means, in catalog order, to anyone', async () => {
    const res = await t.app.inject({ url: '/v1/audit/actions' });
    expect(res.statusCode).toBe(200);
    const { data } = res.json() as { data: Array<{ action: string; category: string; description: string }> };
    expect(data).toEqual(auditActionList());
    expect(data.map((a) => a.action)).toEqual(Object.keys(AUDIT_ACTIONS));
    expect(new Set(data.map((a) => a.action)).size).toBe(data.length);
    for (const a of data) {
      expect(a.category).toBe(a.action.split('.')[0]);
      expect(a.description.length, a.action).toBeGreaterThan(10);
    }
    expect(data.find((a) => a.action === 'audit_log.exported')?.category).toBe('audit_log');
  });

  it('holds every action the server writes, and every action the console has words for', () => {
    const written = actionsWrittenInSources();
    // The scan finds the actions of every feature (a broken scan would pass trivially).
    for (const a of [
      'member.role_changed',
      'invitation.link_created',
      'user.passkey_added',
      'audit_log.exported',
    ])
      expect(written).toContain(a);
    expect([...written].filter((a) => !(a in AUDIT_ACTIONS)).sort()).toEqual([]);
    expect(Object.keys(CONSOLE_WORDS).filter((a) => !(a in AUDIT_ACTIONS))).toEqual([]);
  });
});

describe('finding who did what: filters, names, and export (audit:read)', () => {
  let t: TestApp;
  let owner: SignedUp;
  let admin: SignedUp;
  let member: SignedUp;
  let leaver: SignedUp;
  let gone: SignedUp;
  let hostile: SignedUp;
  let reader: SignedUp;
  let outsider: SignedUp;
  let org: { id: string; slug: string; name: string };
  const inviteeEmail = uniqueEmail('invitee');
  const HOSTILE_NAME = '=HYPERLINK("http://evil.example"), "hi"\nthere';
  /** The ids of the entries the set-up wrote, by what they are. */
  const ids: Record<'ownerPromotes' | 'adminDemotes' | 'leaverPromotesGone' | 'invitation', string> = {
    ownerPromotes: '',
    adminDemotes: '',
    leaverPromotesGone: '',
    invitation: '',
  };

  const get = (url: string, token?: string) => t.app.inject({ url, headers: token ? bearer(token) : {} });
  const list = (query: string, token = owner.token) =>
    get(`/v1/organizations/${org.slug}/audit-log${query}`, token);
  const exported = (query: string, token = owner.token) =>
    get(`/v1/organizations/${org.slug}/audit-log/export${query}`, token);
  const entries = async (query: string) => {
    const res = await list(query);
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { data: Named[] }).data;
  };
  /** Every entry matching `filters`, across pages. */
  async function everyEntry(filters = ''): Promise<Named[]> {
    const out: Named[] = [];
    let cursor: string | null = null;
    do {
      const c: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const res = await list(`?limit=100${filters}${c}`);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json() as { data: Named[]; nextCursor: string | null };
      out.push(...body.data);
      cursor = body.nextCursor;
    } while (cursor);
    return out;
  }
  const newestEntry = async () => (await entries('?limit=1'))[0] as Named;
  const patch = async (by: SignedUp, userId: string, role: Role) => {
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${org.id}/members/${userId}`,
      headers: bearer(by.token),
      payload: { role },
    });
    expect(res.statusCode, res.body).toBe(200);
    return (await newestEntry()).id;
  };
  const deleteAccount = async (who: SignedUp) => {
    const res = await t.app.inject({
      method: 'DELETE',
      url: '/v1/me',
      headers: bearer(who.token),
      payload: { password: 'correct horse battery' },
    });
    expect(res.statusCode, res.body).toBe(204);
  };

  beforeAll(async () => {
    t = await createTestApp();
    [owner, admin, member, leaver, gone, hostile, reader, outsider] = await inParallel(
      [
        ['owner', 'Olivia Owner'],
        ['admin', 'Adam Admin'],
        ['member', 'Mia Member'],
        ['leaver', 'Lee Leaver'],
        ['gone', 'Gus Gone'],
        ['hostile', HOSTILE_NAME],
        ['reader', 'Rita Reader'],
        ['outsider', 'Otto Outsider'],
      ] as const,
      ([label, name]) => signUp(t.app, uniqueEmail(label), name),
    );
    await t.database.db.updateTable('users').set({ email_verified_at: new Date() }).execute();
    org = await createOrg(t.app, owner.token, 'Audit Trail Org');
    await seedMember(t.database, org.id, admin.user.id, 'admin');
    await seedMember(t.database, org.id, member.user.id, 'member');
    await seedMember(t.database, org.id, leaver.user.id, 'admin');
    await seedMember(t.database, org.id, gone.user.id, 'member');
    await seedMember(t.database, org.id, hostile.user.id, 'member');
    await seedMember(t.database, org.id, reader.user.id, 'member');

    ids.ownerPromotes = await patch(owner, member.user.id, 'admin');
    ids.adminDemotes = await patch(admin, member.user.id, 'member');
    ids.leaverPromotesGone = await patch(leaver, gone.user.id, 'admin');
    await invited(t.app, owner, org.id, inviteeEmail, 'member');
    ids.invitation = (await newestEntry()).id;
    const left = await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${org.id}/members/${hostile.user.id}`,
      headers: bearer(hostile.token),
    });
    expect(left.statusCode, left.body).toBe(204);
    // Lee and Gus delete their accounts: their entries stay, named as deleted.
    await deleteAccount(leaver);
    await deleteAccount(gone);
  });
  afterAll(() => t.close());

  it('names actor and target as they are now: a person by name and email, an invitation by its address, a deleted account as deleted', async () => {
    const all = await everyEntry();
    const byId = (id: string) => all.find((e) => e.id === id) as Named;
    expect(byId(ids.ownerPromotes)).toMatchObject({
      action: 'member.role_changed',
      actor: {
        type: 'user',
        id: owner.user.id,
        name: 'Olivia Owner',
        email: owner.user.email,
        deleted: false,
      },
      target: {
        type: 'user',
        id: member.user.id,
        name: 'Mia Member',
        email: member.user.email,
        slug: null,
        deleted: false,
      },
    });
    // Lee (the actor) and Gus (the target) are gone: ids kept, names not, "deleted" said.
    expect(byId(ids.leaverPromotesGone)).toMatchObject({
      actor: { type: 'user', id: leaver.user.id, name: null, email: null, deleted: true },
      target: { type: 'user', id: gone.user.id, name: null, email: null, deleted: true },
      data: { from: 'member', to: 'admin' },
    });
    expect(byId(ids.invitation)).toMatchObject({
      action: 'invitation.created',
      actor: { id: owner.user.id, name: 'Olivia Owner' },
      target: { type: 'invitation', email: inviteeEmail, deleted: false },
    });
    const created = all.find((e) => e.action === 'organization.created');
    expect(created?.target).toEqual({
      type: 'organization',
      id: org.id,
      name: 'Audit Trail Org',
      email: null,
      slug: null,
      deleted: false,
    });
    // Lee's account deletion is his own entry (he left), under "deleted".
    expect(
      all.find((e) => e.action === 'member.removed' && e.actor.id === leaver.user.id)?.actor.deleted,
    ).toBe(true);
  });

  it('filters by actor, alone and with an action', async () => {
    const byAdmin = await everyEntry(`&actorId=${admin.user.id}`);
    expect(byAdmin.map((e) => e.id)).toEqual([ids.adminDemotes]);
    const byOwner = await everyEntry(`&actorId=${owner.user.id}`);
    expect(byOwner.length).toBeGreaterThanOrEqual(3);
    expect(new Set(byOwner.map((e) => e.actor.id))).toEqual(new Set([owner.user.id]));
    const ownerChanges = await everyEntry(`&actorId=${owner.user.id}&action=member.role_changed`);
    expect(ownerChanges.map((e) => e.id)).toEqual([ids.ownerPromotes]);
    // A deleted account's id still finds what it did.
    const byLeaver = await everyEntry(`&actorId=${leaver.user.id}`);
    expect(byLeaver.map((e) => e.action)).toEqual(['member.removed', 'member.role_changed']);
    expect(await everyEntry(`&actorId=${outsider.user.id}`)).toEqual([]);
  });

  it('filters by target: a type, or one row of it', async () => {
    const mia = await everyEntry(`&targetType=user&targetId=${member.user.id}`);
    expect(mia.map((e) => e.id)).toEqual([ids.adminDemotes, ids.ownerPromotes]);
    const gus = await everyEntry(`&targetType=user&targetId=${gone.user.id}`);
    expect(gus.every((e) => e.target?.deleted)).toBe(true);
    expect(gus.map((e) => e.id)).toContain(ids.leaverPromotesGone);
    const invitations = await everyEntry('&targetType=invitation');
    expect(invitations.map((e) => e.id)).toEqual([ids.invitation]);
    expect(await everyEntry(`&targetType=invitation&targetId=${member.user.id}`)).toEqual([]);
  });

  it('filters by date range: since inclusive, until exclusive, any ISO offset', async () => {
    // Two entries moved into the past, a day apart.
    const at = (id: string, iso: string) =>
      t.database.db
        .updateTable('audit_log')
        .set({ created_at: new Date(iso) })
        .where('id', '=', id)
        .execute();
    await at(ids.ownerPromotes, '2020-03-01T10:00:00.000Z');
    await at(ids.adminDemotes, '2020-03-02T10:00:00.000Z');
    const range = (since?: string, until?: string) =>
      everyEntry(
        `${since ? `&since=${encodeURIComponent(since)}` : ''}${until ? `&until=${encodeURIComponent(until)}` : ''}`,
      ).then((es) => es.map((e) => e.id));

    expect(await range('2020-01-01T00:00:00Z', '2021-01-01T00:00:00Z')).toEqual([
      ids.adminDemotes,
      ids.ownerPromotes,
    ]);
    expect(await range('2020-03-01T10:00:00Z', '2020-03-02T10:00:00Z')).toEqual([ids.ownerPromotes]);
    expect(await range('2020-03-01T11:00:00+01:00', '2020-03-01T10:00:00.001Z')).toEqual([ids.ownerPromotes]);
    expect(await range(undefined, '2021-01-01T00:00:00Z')).toEqual([ids.adminDemotes, ids.ownerPromotes]);
    const recent = await range('2021-01-01T00:00:00Z');
    expect(recent).not.toContain(ids.ownerPromotes);
    expect(recent).toContain(ids.invitation);
    // With the other filters: Mia's entries of 2020, by Adam.
    expect(
      (
        await everyEntry(
          `&since=2020-01-01T00:00:00Z&until=2021-01-01T00:00:00Z&actorId=${admin.user.id}&targetType=user&targetId=${member.user.id}`,
        )
      ).map((e) => e.id),
    ).toEqual([ids.adminDemotes]);
  });

  it('refuses a bad filter with 400: an empty range, a date that is not ISO, a target id without its type', async () => {
    const cases: Array<[string, string, string]> = [
      ['since=2021-01-02T00:00:00Z&until=2021-01-01T00:00:00Z', 'VALIDATION_FAILED', 'until'],
      ['since=2021-01-01T00:00:00Z&until=2021-01-01T00:00:00Z', 'VALIDATION_FAILED', 'until'],
      ['since=yesterday', 'VALIDATION_FAILED', 'since'],
      ['until=2021-01-01', 'VALIDATION_FAILED', 'until'],
      [`targetId=${member.user.id}`, 'VALIDATION_FAILED', 'targetType'],
      ['targetType=User%21', 'VALIDATION_FAILED', 'targetType'],
      ['actorId=', 'VALIDATION_FAILED', 'actorId'],
    ];
    for (const [query, code, field] of cases) {
      for (const res of [await list(`?${query}`), await exported(`?format=csv&${query}`)]) {
        expect(res.statusCode, `${query}: ${res.body}`).toBe(400);
        expect(errorCode(res)).toBe(code);
        expect((res.json().error.details as Array<{ field: string }>).map((d) => d.field)).toContain(field);
      }
    }
    for (const query of ['', '?format=xml', '?format=csv&format=json', '?format=csv&limit=5']) {
      const res = await exported(query);
      expect(res.statusCode, query).toBe(400);
      expect(errorCode(res)).toBe('VALIDATION_FAILED');
    }
    // None of the refused exports was recorded.
    expect((await everyEntry('&action=audit_log.exported')).length).toBe(0);
  });

  it('exports a filtered range as CSV: a header, a line per entry, fields escaped, formulas defused', async () => {
    const filters = `&since=${encodeURIComponent('2021-01-01T00:00:00Z')}`;
    const expected = await everyEntry(filters);
    const res = await exported(`?format=csv${filters}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(
      new RegExp(`^attachment; filename="audit-log-${org.slug}-\\d{8}T\\d{6}Z\\.csv"$`),
    );
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-export-truncated']).toBe('false');
    const [header, ...rows] = parseCsv(res.body);
    expect(header).toEqual(CSV_HEADER);
    expect(rows.map((r) => r[0])).toEqual(expected.map((e) => e.id));
    expect(rows.every((r) => r.length === CSV_HEADER.length)).toBe(true);
    const field = (row: string[] | undefined, name: string) => row?.[CSV_HEADER.indexOf(name)];

    // The hostile name: quoted (comma, quotes, line break), and prefixed so no spreadsheet runs it.
    const left = rows.find((r) => field(r, 'action') === 'member.left');
    expect(field(left, 'actorName')).toBe(`'${HOSTILE_NAME}`);
    expect(field(left, 'targetName')).toBe(`'${HOSTILE_NAME}`);
    expect(res.body).toContain(`"'=HYPERLINK(""http://evil.example""), ""hi""\nthere"`);
    // No line of the file starts a formula.
    for (const line of res.body.split(/\r?\n/)) expect(line).not.toMatch(/^[=+\-@]/);

    const invitation = rows.find((r) => r[0] === ids.invitation);
    expect(field(invitation, 'actorName')).toBe('Olivia Owner');
    expect(field(invitation, 'actorEmail')).toBe(owner.user.email);
    expect(field(invitation, 'targetType')).toBe('invitation');
    expect(field(invitation, 'targetEmail')).toBe(inviteeEmail);
    expect(new Date(field(invitation, 'createdAt') as string).toISOString()).toBe(
      field(invitation, 'createdAt'),
    );
    const gus = rows.find(
      (r) => field(r, 'actorId') === leaver.user.id && field(r, 'action') === 'member.removed',
    );
    expect(field(gus, 'actorName')).toBe('');
    expect(field(gus, 'actorDeleted')).toBe('true');
    expect(JSON.parse(field(gus, 'data') as string)).toEqual(
      expected.find((e) => e.id === gus?.[0])?.data as Record<string, unknown>,
    );
  });

  it('quotes and defuses each CSV field (csvField)', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('two\r\nlines')).toBe('"two\r\nlines"');
    expect(csvField(' padded ')).toBe('" padded "');
    for (const formula of ['=1+2', '+1', '-1', '@SUM(A1)', '\tx', '\rx'])
      expect(csvField(formula).replace(/^"/, '').startsWith(`'${formula[0]}`), formula).toBe(true);
    expect(csvField('=A1,B1')).toBe(`"'=A1,B1"`);
    expect(csvField(-5)).toBe('-5');
    expect(csvField(true)).toBe('true');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
  });

  it('exports as JSON the entries the list gives, and records the export (not in itself)', async () => {
    const before = await everyEntry();
    const res = await exported('?format=json');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="audit-log-.+\.json"$/);
    expect(res.json()).toEqual(before);

    const record = await newestEntry();
    expect(record).toMatchObject({
      action: 'audit_log.exported',
      actor: { type: 'user', id: owner.user.id, name: 'Olivia Owner' },
      target: null,
      data: { format: 'json', filters: {}, truncated: false },
    });
    // Filters are recorded as asked; the next export holds the previous one's record.
    const filtered = await exported(
      `?format=csv&actorId=${admin.user.id}&since=2020-01-01T00:00:00Z&action=member.role_changed`,
    );
    expect(filtered.statusCode).toBe(200);
    expect(parseCsv(filtered.body).length).toBe(2);
    expect((await newestEntry()).data).toEqual({
      format: 'csv',
      filters: { actorId: admin.user.id, since: '2020-01-01T00:00:00Z', action: 'member.role_changed' },
      truncated: false,
    });
    const again = (await exported('?format=json&action=audit_log.exported')).json() as Named[];
    // (the CSV export of the test before is the third)
    expect(again.map((e) => e.data.format)).toEqual(['csv', 'json', 'csv']);
  });

  it('exports a long log whole, in batches, newest first', async () => {
    const big = await createOrg(t.app, owner.token, 'Busy Org');
    const N = 2345;
    await t.database.db
      .insertInto('audit_log')
      .values(
        Array.from({ length: N }, (_, i) => ({
          organization_id: big.id,
          actor_type: 'user' as const,
          actor_id: admin.user.id,
          action: 'member.role_changed',
          target_type: 'user',
          target_id: member.user.id,
          ip: null,
          data: JSON.stringify({ n: i }),
        })),
      )
      .execute();
    const url = (format: string, q = '') =>
      `/v1/organizations/${big.slug}/audit-log/export?format=${format}${q}`;
    const json = (await get(url('json'), owner.token)).json() as Named[];
    expect(json).toHaveLength(N + 2); // and organization.created, member.added
    const ids = json.map((e) => BigInt(e.id));
    for (let i = 1; i < ids.length; i++) expect(ids[i] as bigint).toBeLessThan(ids[i - 1] as bigint);
    expect(json[0]?.data).toEqual({ n: N - 1 });
    expect(json[0]?.actor.name).toBe('Adam Admin');
    const csv = parseCsv((await get(url('csv', `&actorId=${admin.user.id}`), owner.token)).body);
    expect(csv).toHaveLength(N + 1);
  });

  it('needs audit:read: a member gets 403, an outsider 404, no credentials 401; none is recorded', async () => {
    const count = async () => (await everyEntry('&action=audit_log.exported')).length;
    const before = await count();
    for (const res of [await list('', reader.token), await exported('?format=csv', reader.token)]) {
      expect(res.statusCode).toBe(403);
      expect(errorCode(res)).toBe('FORBIDDEN');
    }
    for (const res of [await list('', outsider.token), await exported('?format=csv', outsider.token)]) {
      expect(res.statusCode).toBe(404);
      expect(errorCode(res)).toBe('ORGANIZATION_NOT_FOUND');
    }
    expect((await get(`/v1/organizations/${org.slug}/audit-log/export?format=csv`)).statusCode).toBe(401);
    const noAudit = await createApiKey(t.database.db, 'no audit', ['member:read']);
    expect((await exported('?format=json', noAudit.token)).statusCode).toBe(403);
    expect(await count()).toBe(before);
    // An API key holding audit:read exports, and is named as the one who did.
    const auditor = await createApiKey(t.database.db, 'SIEM sync', ['audit:read']);
    expect((await exported('?format=json', auditor.token)).statusCode).toBe(200);
    expect((await newestEntry()).actor).toEqual({
      type: 'api_key',
      id: auditor.id,
      name: 'SIEM sync',
      email: null,
      deleted: false,
    });
    // A HEAD is no export.
    const head = await t.app.inject({
      method: 'HEAD',
      url: `/v1/organizations/${org.slug}/audit-log/export?format=csv`,
      headers: bearer(owner.token),
    });
    expect(head.statusCode).not.toBe(200);
    expect(await count()).toBe(before + 1);
  });
});

/**
 * Batch permission checks (`POST /v1/permissions/check`): up to 100 {organization, user, scope}
 * questions from the host application (API key) or an installed app (its token, its own organization
 * only), each answered as the single check answers it, in one database round trip.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../src/db/database.ts';
import { MAX_BATCH_CHECKS } from '../src/features/access/permission-check.ts';
import { type BuiltInRole, type Role, SCOPES, scopesForRole } from '../src/features/access/scopes.ts';
import { createApiKey, revokeApiKey } from '../src/features/api-keys/api-key.service.ts';
import { hashSecret, issueToken } from '../src/lib/crypto.ts';
import { uuidv7 } from '../src/lib/ids.ts';
import {
  addMember,
  bearer,
  createOrg,
  createTestApp,
  errorCode,
  freshDatabase,
  QueryCounter,
  type SignedUp,
  signUpEach,
  type TestApp,
} from './helpers.ts';

/** An app installed in `orgId` with `scopes`, and a live access token for it (rows as the grant flow leaves them). */
async function appToken(database: DatabaseHandle, orgId: string, scopes: string[]) {
  const db = database.db;
  const appId = uuidv7();
  const tag = appId.slice(-12);
  await db
    .insertInto('apps')
    .values({
      id: appId,
      organization_id: orgId,
      slug: `batch-${tag}`,
      name: `Batch ${tag}`,
      scopes: scopes as never,
      webhook_url: 'https://example.com/hook',
      redirect_url: null,
      client_id: `client-${tag}`,
      client_secret_hash: hashSecret('unused'),
      webhook_secret: 'whsec_unused',
      created_by: null,
    })
    .execute();
  const installationId = uuidv7();
  await db
    .insertInto('app_installations')
    .values({
      id: installationId,
      organization_id: orgId,
      app_id: appId,
      scopes: scopes as never,
      installed_by: null,
    })
    .execute();
  const grantId = uuidv7();
  await db
    .insertInto('app_grants')
    .values({
      id: grantId,
      organization_id: orgId,
      installation_id: installationId,
      code_hash: hashSecret(`code-${tag}`),
      expires_at: new Date(Date.now() + 60_000),
      used_at: new Date(),
    })
    .execute();
  const access = issueToken('ra');
  await db
    .insertInto('app_tokens')
    .values({
      id: access.id,
      organization_id: orgId,
      installation_id: installationId,
      grant_id: grantId,
      access_hash: access.secretHash,
      refresh_hash: hashSecret(`refresh-${tag}`),
      access_expires_at: new Date(Date.now() + 3_600_000),
      refresh_expires_at: new Date(Date.now() + 86_400_000),
    })
    .execute();
  return access.token;
}

describe('POST /v1/permissions/check', () => {
  let t: TestApp;
  let database: DatabaseHandle;
  const counter = new QueryCounter();
  let owner: SignedUp;
  let admin: SignedUp;
  let member: SignedUp;
  let pending: SignedUp;
  let outsider: SignedUp;
  let org: { id: string; slug: string };
  let other: { id: string; slug: string };
  let key: string;

  beforeAll(async () => {
    database = await freshDatabase();
    t = await createTestApp({}, { ...database, db: database.db.withPlugin(counter) });
    [owner, admin, member, pending, outsider] = await signUpEach(t.app, [
      'owner',
      'admin',
      'member',
      'pending',
      'outsider',
    ]);
    org = await createOrg(t.app, owner.token);
    other = await createOrg(t.app, outsider.token);
    await addMember(database, org.id, admin.user.id, 'admin', 'active');
    await addMember(database, org.id, member.user.id, 'member', 'active');
    await addMember(database, org.id, pending.user.id, 'admin', 'pending');
    key = (await createApiKey(database.db, 'batch', ['member:read'])).token;
  });
  afterAll(async () => {
    await t.close();
    await database.close();
  });

  const ask = (headers: Record<string, string>, payload: unknown) =>
    t.app.inject({ method: 'POST', url: '/v1/permissions/check', headers, payload: payload as object });

  it('answers every question in order, as the single check would, in one round trip', async () => {
    const checks = [
      { organization: org.slug, user: owner.user.id, scope: 'org:delete' },
      { organization: org.id, user: admin.user.id, scope: 'org:delete' },
      { organization: org.id.toUpperCase(), user: admin.user.id, scope: 'member:admin' },
      { organization: org.slug.toUpperCase(), user: member.user.id, scope: 'member:read' },
      { organization: org.slug, user: member.user.id, scope: 'member:invite' },
      { organization: org.slug, user: pending.user.id, scope: 'member:read' },
      { organization: org.slug, user: outsider.user.id, scope: 'org:read' },
      { organization: 'no-such-org', user: owner.user.id, scope: 'org:read' },
      { organization: other.id, user: outsider.user.id, scope: 'org:delete' },
    ];
    const before = counter.count;
    const res = await ask(bearer(key), { checks, explain: true });
    expect(counter.count - before).toBe(1);
    expect(res.statusCode, res.body).toBe(200);
    const results = res.json().results;
    expect(results.map((r: { allowed: boolean }) => r.allowed)).toEqual([
      true,
      false,
      true,
      true,
      false,
      false,
      false,
      false,
      true,
    ]);
    expect(results.map((r: { explanation: unknown }) => r.explanation)).toEqual([
      { reason: 'granted', status: 'active', role: 'owner' },
      { reason: 'scope_not_granted', status: 'active', role: 'admin' },
      { reason: 'granted', status: 'active', role: 'admin' },
      { reason: 'granted', status: 'active', role: 'member' },
      { reason: 'scope_not_granted', status: 'active', role: 'member' },
      { reason: 'membership_pending', status: 'pending', role: 'admin' },
      { reason: 'not_a_member', status: null, role: null },
      { reason: 'organization_not_found', status: null, role: null },
      { reason: 'granted', status: 'active', role: 'owner' },
    ]);
    // Each answer names its question, as asked.
    expect(results.map((r: { organization: string }) => r.organization)).toEqual(
      checks.map((c) => c.organization),
    );
    // Without explain: only the verdicts.
    const plain = await ask(bearer(key), { checks: checks.slice(0, 2) });
    expect(plain.json().results).toEqual([
      { ...checks[0], allowed: true },
      { ...checks[1], allowed: false },
    ]);
  });

  it('agrees with the roles→scopes table for every role and scope, 100 questions at once', async () => {
    const people: Array<[SignedUp, Role]> = [
      [owner, 'owner'],
      [admin, 'admin'],
      [member, 'member'],
    ];
    const checks = [];
    for (let i = 0; checks.length < MAX_BATCH_CHECKS; i++) {
      const [who] = people[i % people.length] as [SignedUp, Role];
      checks.push({ organization: org.id, user: who.user.id, scope: SCOPES[i % SCOPES.length] });
    }
    const res = await ask(bearer(key), { checks });
    expect(res.statusCode, res.body).toBe(200);
    res.json().results.forEach((r: { allowed: boolean; scope: string }, i: number) => {
      const [, role] = people[i % people.length] as [SignedUp, Role];
      expect(r.allowed, `${role} ${r.scope}`).toBe(
        (scopesForRole(role as BuiltInRole) as readonly string[]).includes(r.scope),
      );
    });
  });

  it('an organization requiring a second factor: a member without one is mfa_required', async () => {
    const o = await createOrg(t.app, owner.token);
    await addMember(database, o.id, member.user.id, 'member', 'active');
    await database.db
      .updateTable('organizations')
      .set({ mfa_required: true })
      .where('id', '=', o.id)
      .execute();
    const res = await ask(bearer(key), {
      checks: [{ organization: o.id, user: member.user.id, scope: 'member:read' }],
      explain: true,
    });
    expect(res.json().results[0]).toMatchObject({
      allowed: false,
      explanation: { reason: 'mfa_required', status: 'active', role: 'member' },
    });
  });

  it("an app's token sees the organization that installed it, and no other", async () => {
    const token = await appToken(database, org.id, ['member:read']);
    const res = await ask(bearer(token), {
      checks: [
        { organization: org.slug, user: admin.user.id, scope: 'member:admin' },
        { organization: other.slug, user: outsider.user.id, scope: 'org:read' },
      ],
      explain: true,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().results.map((r: { explanation: unknown }) => r.explanation)).toEqual([
      { reason: 'granted', status: 'active', role: 'admin' },
      { reason: 'organization_not_found', status: null, role: null },
    ]);
    // Installed without member:read: refused as a whole.
    const blind = await appToken(database, org.id, ['org:read']);
    const refused = await ask(bearer(blind), {
      checks: [{ organization: org.slug, user: admin.user.id, scope: 'org:read' }],
    });
    expect(refused.statusCode).toBe(403);
    expect(errorCode(refused)).toBe('FORBIDDEN');
  });

  it('refuses what is not an API key or app token holding member:read, and bad questions, naming the field', async () => {
    const one = { checks: [{ organization: org.slug, user: member.user.id, scope: 'org:read' }] };
    expect((await ask({}, one)).statusCode).toBe(401);
    const session = await ask(bearer(owner.token), one);
    expect(session.statusCode).toBe(403);
    expect(session.json().error.message).toMatch(/API key or an app's token/);
    const wrong = `${key.slice(0, -1)}${key.at(-1) === 'A' ? 'B' : 'A'}`;
    expect((await ask(bearer(wrong), one)).statusCode).toBe(401);
    const weak = await createApiKey(database.db, 'weak', ['org:read']);
    expect(errorCode(await ask(bearer(weak.token), one))).toBe('FORBIDDEN');
    const revoked = await createApiKey(database.db, 'revoked', ['member:read']);
    await revokeApiKey(database.db, revoked.id);
    expect((await ask(bearer(revoked.token), one)).statusCode).toBe(401);

    for (const [payload, field] of [
      [{ checks: [] }, 'checks'],
      [{ checks: Array.from({ length: MAX_BATCH_CHECKS + 1 }, () => one.checks[0]) }, 'checks'],
      [{ checks: [{ ...one.checks[0], scope: 'org:own' }] }, 'scope'],
      [{ checks: [{ ...one.checks[0], user: 'not-a-uuid' }] }, 'user'],
      [{ checks: [{ ...one.checks[0], extra: 1 }] }, 'checks'],
    ] as const) {
      const res = await ask(bearer(key), payload);
      expect(res.statusCode, JSON.stringify(payload).slice(0, 80)).toBe(400);
      expect(res.body).toContain(field);
    }
  });
});

/**
 * Apps and installations (SPEC §2 "Apps and installations", §5): an organization publishes an app,
 * another installs it (pending, with a one-time grant code sent in a signed webhook to a real receiver
 * on 127.0.0.1), the app trades client id + secret + code for tokens, marks its installation installed,
 * and acts on that one organization with the scopes it was granted — and nothing else.
 */
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
  signUpEach,
  type TestApp,
} from './helpers.ts';
import { type Json, startReceiver, type TestReceiver } from './webhook-receiver.ts';

const INVALID_PENDING = "Invalid value 'pending' for status. Valid values: 'installed'";

let t: TestApp;
let rx: TestReceiver;
let publisher: SignedUp;
let pubOrg: { id: string; slug: string };
let owner: SignedUp;
let acme: { id: string; slug: string };
let plainMember: SignedUp;
let outsider: SignedUp;

interface PublishedApp {
  id: string;
  slug: string;
  clientId: string;
  clientSecret: string;
  webhookSecret: string;
  path: string;
}

async function publish(
  token: string,
  org: string,
  body: Record<string, unknown> & { slug: string },
): Promise<PublishedApp> {
  const path = `/apps/${body.slug}`;
  const res = await t.app.inject({
    method: 'POST',
    url: `/v1/organizations/${org}/apps`,
    headers: bearer(token),
    payload: {
      name: body.slug,
      scopes: ['org:read', 'member:read'],
      webhookUrl: `${rx.url}${path}`,
      ...body,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  const created = res.json();
  rx.setSecret(path, created.webhookSecret);
  return { ...created, path };
}

async function install(token: string, org: string, appSlug: string) {
  return t.app.inject({
    method: 'POST',
    url: `/v1/organizations/${org}/installations`,
    headers: bearer(token),
    payload: { app: appSlug },
  });
}

/** Delivers the outbox, then reads the grant code the app received for `uuid`. */
async function codeFor(app: PublishedApp, uuid: string): Promise<string> {
  await t.app.outbox.drain();
  const hook = rx
    .to(app.path)
    .find((r) => r.json.type === 'installation.created' && r.json.data.installation.uuid === uuid);
  expect(hook?.verified).toBe(true);
  return hook?.json.data.code as string;
}

function exchange(app: PublishedApp, body: Record<string, unknown>) {
  return t.app.inject({
    method: 'POST',
    url: '/v1/apps/token',
    payload: { clientId: app.clientId, clientSecret: app.clientSecret, ...body },
  });
}

/** Publishes an app, installs it into acme and returns it with a live token pair. */
async function installed(slug: string, scopes: string[] = ['org:read', 'member:read']) {
  const app = await publish(publisher.token, pubOrg.slug, { slug, scopes, published: true });
  const res = await install(owner.token, acme.slug, slug);
  expect(res.statusCode).toBe(201);
  const uuid = res.json().uuid as string;
  const code = await codeFor(app, uuid);
  const tokens = await exchange(app, { grantType: 'authorization_code', code });
  expect(tokens.statusCode, tokens.body).toBe(200);
  return { app, uuid, code, ...(tokens.json() as { accessToken: string; refreshToken: string }) };
}

function putStatus(uuid: string, headers: Record<string, string>, payload: unknown) {
  return t.app.inject({
    method: 'PUT',
    url: `/v1/installations/${uuid}`,
    headers,
    payload: payload as object,
  });
}

async function analytics(type: string) {
  const rows = await t.database.db
    .selectFrom('analytics_events')
    .selectAll()
    .where('type', '=', type)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ ...r, data: r.data as Json }));
}

beforeAll(async () => {
  rx = await startReceiver();
  t = await createTestApp({ webhookAllowPrivate: true });
  [publisher, owner, plainMember, outsider] = await signUpEach(t.app, [
    'publisher',
    'owner',
    'member',
    'outsider',
  ]);
  pubOrg = await createOrg(t.app, publisher.token, 'Publisher');
  acme = await createOrg(t.app, owner.token, 'Acme Installs');
  await addActiveMember(t.database, acme.id, plainMember.user.id, 'member');
});

afterAll(async () => {
  await t?.close();
  await rx?.close();
});

describe('publishing an app', () => {
  it('answers 201 with the client id, a client secret and a webhook secret shown once; the secret is stored hashed', async () => {
    const app = await publish(publisher.token, pubOrg.slug, { slug: 'notes', published: true });
    expect(app.clientSecret).toMatch(/^rc_[0-9a-f]{32}[A-Za-z0-9_-]{43}$/);
    expect(app.webhookSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(app.clientId).toMatch(/^[0-9a-f]{32}$/);
    const row = await t.database.db
      .selectFrom('apps')
      .selectAll()
      .where('id', '=', app.id)
      .executeTakeFirstOrThrow();
    expect(Buffer.from(row.client_secret_hash)).toHaveLength(32);
    expect(JSON.stringify(row)).not.toContain(app.clientSecret.slice(35));
    // Reading it back never shows a secret again.
    const read = await t.app.inject({
      url: `/v1/organizations/${pubOrg.slug}/apps/notes`,
      headers: bearer(publisher.token),
    });
    expect(read.statusCode).toBe(200);
    expect(read.json()).not.toHaveProperty('clientSecret');
    expect(read.json()).not.toHaveProperty('webhookSecret');
    expect(read.json()).toMatchObject({
      slug: 'notes',
      published: true,
      scopes: ['org:read', 'member:read'],
    });
  });

  it('refuses bad input with a code naming the field', async () => {
    const post = (payload: Record<string, unknown>, token = publisher.token) =>
      t.app.inject({
        method: 'POST',
        url: `/v1/organizations/${pubOrg.slug}/apps`,
        headers: bearer(token),
        payload: { name: 'Bad', scopes: ['org:read'], webhookUrl: `${rx.url}/bad`, ...payload },
      });
    let res = await post({ scopes: ['org:read', 'org:delete'] });
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'INVALID_APP_SCOPE']);
    expect(res.json().error.details[0].field).toBe('scopes.1');
    res = await post({ scopes: ['org:integrations'] });
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'INVALID_APP_SCOPE']);
    res = await post({ webhookUrl: 'ftp://example.com/hook' });
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'WEBHOOK_URL_INVALID']);
    expect(res.json().error.details[0].field).toBe('webhookUrl');
    res = await post({ webhookUrl: 'not a url' });
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'WEBHOOK_URL_INVALID']);
    res = await post({ redirectUrl: 'javascript:alert(1)' });
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'VALIDATION_FAILED']);
    res = await post({ slug: 'Not A Slug' });
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'INVALID_SLUG']);
    res = await post({ slug: 'notes' });
    expect([res.statusCode, errorCode(res)]).toEqual([409, 'APP_SLUG_TAKEN']);
    res = await post({ scopes: 'org:read' });
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'VALIDATION_FAILED']);
    res = await post({ published: 'yes' });
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'VALIDATION_FAILED']);
    res = await post({}, plainMember.token); // not a member of the publisher
    expect([res.statusCode, errorCode(res)]).toEqual([404, 'ORGANIZATION_NOT_FOUND']);
    const unauth = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${pubOrg.slug}/apps`,
      payload: {},
    });
    expect(unauth.statusCode).toBe(400); // the body is checked first; with a body:
    const unauth2 = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${pubOrg.slug}/apps`,
      payload: { name: 'x', scopes: [], webhookUrl: `${rx.url}/x` },
    });
    expect(unauth2.statusCode).toBe(401);
  });

  it('a member without org:integrations gets 403', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${acme.slug}/apps`,
      headers: bearer(plainMember.token),
      payload: { name: 'Nope', scopes: [], webhookUrl: `${rx.url}/nope` },
    });
    expect([res.statusCode, errorCode(res)]).toEqual([403, 'FORBIDDEN']);
  });

  it('rotating the client secret makes the old one fail at once', async () => {
    const { app, uuid } = await installed('rotating');
    const oldSecret = app.clientSecret;
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${pubOrg.slug}/apps/rotating/rotate-secret`,
      headers: bearer(publisher.token),
    });
    expect(res.statusCode).toBe(200);
    const fresh = res.json().clientSecret as string;
    expect(fresh).not.toBe(oldSecret);
    // A new code: uninstall and install again.
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/v1/installations/${uuid}`,
      headers: bearer(owner.token),
    });
    expect(del.statusCode).toBe(204);
    const again = await install(owner.token, acme.slug, 'rotating');
    const code = await codeFor(app, again.json().uuid);
    const stale = await exchange(app, { grantType: 'authorization_code', code });
    expect([stale.statusCode, errorCode(stale)]).toEqual([401, 'INVALID_CLIENT']);
    const ok = await exchange({ ...app, clientSecret: fresh }, { grantType: 'authorization_code', code });
    expect(ok.statusCode).toBe(200);
  });
});

describe('installing an app', () => {
  it('creates a pending installation and sends the app a signed installation.created webhook with a grant code', async () => {
    const app = await publish(publisher.token, pubOrg.slug, { slug: 'tracker', published: true });
    const res = await install(owner.token, acme.slug, 'tracker');
    expect(res.statusCode).toBe(201);
    const inst = res.json();
    expect(inst).toMatchObject({
      status: 'pending',
      app: { uuid: app.id, slug: 'tracker' },
      organization: { id: acme.id, slug: acme.slug },
      scopes: ['org:read', 'member:read'],
    });
    expect(inst).not.toHaveProperty('code'); // the code goes to the app only
    const code = await codeFor(app, inst.uuid);
    expect(code).toMatch(/^rg_/);
    const hook = rx.to(app.path).find((r) => r.json.data?.installation?.uuid === inst.uuid);
    expect(hook?.id).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(hook?.json).toMatchObject({ type: 'installation.created', organizationId: acme.id });
    expect(hook?.json.data.codeExpiresInSeconds).toBe(600);
    // Only its hash is stored.
    const grants = await t.database.db.selectFrom('app_grants').selectAll().execute();
    expect(JSON.stringify(grants)).not.toContain(code.slice(35));
    // The delivered webhook no longer holds it either: a sent message keeps no body.
    const sent = await t.database.db
      .selectFrom('outbox')
      .select(['status', 'payload'])
      .where(sql<string>`payload->>'targetId'`, '=', app.id)
      .execute();
    expect(sent.map((m) => m.status)).toContain('sent');
    expect(JSON.stringify(sent)).not.toContain(code.slice(3));
    expect(sent.every((m) => m.status !== 'sent' || !('body' in m.payload))).toBe(true);
    const recorded = (await analytics('installation.created')).filter(
      (e) => e.data.installation.uuid === inst.uuid,
    );
    expect(recorded).toHaveLength(1);
    expect(recorded[0]?.data).not.toHaveProperty('code'); // analytics never holds the code
  });

  it('installing it again returns the existing installation (200) and sends nothing new', async () => {
    const first = await install(owner.token, acme.slug, 'tracker');
    expect(first.statusCode).toBe(200);
    const sent = rx.to('/apps/tracker').length;
    await t.app.outbox.drain();
    expect(rx.to('/apps/tracker')).toHaveLength(sent);
    const rows = await t.database.db
      .selectFrom('app_installations')
      .select('id')
      .where('organization_id', '=', acme.id)
      .where('app_id', '=', first.json().app.uuid)
      .execute();
    expect(rows).toEqual([{ id: first.json().uuid }]);
  });

  it('an unpublished app installs only into the organization that publishes it', async () => {
    await publish(publisher.token, pubOrg.slug, { slug: 'in-house', published: false });
    const elsewhere = await install(owner.token, acme.slug, 'in-house');
    expect([elsewhere.statusCode, errorCode(elsewhere)]).toEqual([404, 'APP_NOT_FOUND']);
    const home = await install(publisher.token, pubOrg.slug, 'in-house');
    expect(home.statusCode).toBe(201);
    const unknown = await install(owner.token, acme.slug, 'no-such-app');
    expect([unknown.statusCode, errorCode(unknown)]).toEqual([404, 'APP_NOT_FOUND']);
  });

  it('the installer must hold org:integrations and every scope the app asks for', async () => {
    const member = await install(plainMember.token, acme.slug, 'tracker');
    expect([member.statusCode, errorCode(member)]).toEqual([403, 'FORBIDDEN']);
    const stranger = await install(outsider.token, acme.slug, 'tracker');
    expect([stranger.statusCode, errorCode(stranger)]).toEqual([404, 'ORGANIZATION_NOT_FOUND']);
    await publish(publisher.token, pubOrg.slug, { slug: 'auditor', scopes: ['audit:read'], published: true });
    const key = await createApiKey(t.database.db, 'integrations only', ['org:integrations']);
    const res = await install(key.token, acme.slug, 'auditor');
    expect([res.statusCode, errorCode(res)]).toEqual([403, 'INSTALLER_LACKS_SCOPES']);
    expect(res.json().error.details).toEqual({ missingScopes: ['audit:read'] });
    const body = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${acme.slug}/installations`,
      headers: bearer(owner.token),
      payload: { app: 7 },
    });
    expect([body.statusCode, errorCode(body)]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('lists the organization’s installations to org:integrations holders', async () => {
    const res = await t.app.inject({
      url: `/v1/organizations/${acme.slug}/installations?limit=1`,
      headers: bearer(owner.token),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toHaveLength(1);
    expect(res.json().nextCursor).not.toBeNull();
    const next = await t.app.inject({
      url: `/v1/organizations/${acme.slug}/installations?limit=100&cursor=${res.json().nextCursor}`,
      headers: bearer(owner.token),
    });
    expect(next.json().data.map((i: { uuid: string }) => i.uuid)).not.toContain(res.json().data[0].uuid);
    const member = await t.app.inject({
      url: `/v1/organizations/${acme.slug}/installations`,
      headers: bearer(plainMember.token),
    });
    expect(member.statusCode).toBe(403);
  });
});

describe('POST /v1/apps/token', () => {
  it('trades client id + secret + grant code for an 8-hour access token and a refresh token', async () => {
    const app = await publish(publisher.token, pubOrg.slug, { slug: 'exchanger', published: true });
    const inst = (await install(owner.token, acme.slug, 'exchanger')).json();
    const code = await codeFor(app, inst.uuid);
    const res = await exchange(app, { grantType: 'authorization_code', code });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.accessToken).toMatch(/^ra_/);
    expect(body.refreshToken).toMatch(/^rr_/);
    expect(body).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 8 * 3600,
      installation: { uuid: inst.uuid },
    });
    const lifetime = (new Date(body.expiresAt).getTime() - Date.now()) / 1000;
    expect(lifetime).toBeGreaterThan(8 * 3600 - 120);
    expect(lifetime).toBeLessThanOrEqual(8 * 3600 + 5);
    const tokens = await t.database.db.selectFrom('app_tokens').selectAll().execute();
    const dump = JSON.stringify(tokens);
    expect(dump).not.toContain(body.accessToken.slice(35));
    expect(dump).not.toContain(body.refreshToken.slice(35));
  });

  it('a wrong client secret or an unknown client id is 401; a bad code is 400', async () => {
    const app = await publish(publisher.token, pubOrg.slug, { slug: 'strict', published: true });
    const inst = (await install(owner.token, acme.slug, 'strict')).json();
    const code = await codeFor(app, inst.uuid);
    const other = await publish(publisher.token, pubOrg.slug, { slug: 'strict-other', published: true });
    let res = await exchange(
      { ...app, clientSecret: other.clientSecret },
      { grantType: 'authorization_code', code },
    );
    expect([res.statusCode, errorCode(res)]).toEqual([401, 'INVALID_CLIENT']);
    res = await exchange({ ...app, clientId: 'f'.repeat(32) }, { grantType: 'authorization_code', code });
    expect([res.statusCode, errorCode(res)]).toEqual([401, 'INVALID_CLIENT']);
    res = await exchange({ ...app, clientSecret: 'garbage' }, { grantType: 'authorization_code', code });
    expect([res.statusCode, errorCode(res)]).toEqual([401, 'INVALID_CLIENT']);
    // Another app's client with this app's code: the code is not theirs.
    res = await exchange(other, { grantType: 'authorization_code', code });
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'INVALID_GRANT']);
    res = await exchange(app, { grantType: 'authorization_code', code: `${code.slice(0, -4)}AAAA` });
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'INVALID_GRANT']);
    res = await exchange(app, { grantType: 'authorization_code' });
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'VALIDATION_FAILED']);
    expect(res.json().error.details[0].field).toBe('code');
    res = await exchange(app, { grantType: 'password', code });
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'VALIDATION_FAILED']);
    // None of that used up the code.
    res = await exchange(app, { grantType: 'authorization_code', code });
    expect(res.statusCode).toBe(200);
  });

  it('a code is single-use: replaying it is refused and revokes the tokens it issued', async () => {
    const { app, uuid, code, accessToken, refreshToken } = await installed('replayed');
    const before = await t.app.inject({ url: `/v1/installations/${uuid}`, headers: bearer(accessToken) });
    expect(before.statusCode).toBe(200);
    const replay = await exchange(app, { grantType: 'authorization_code', code });
    expect([replay.statusCode, errorCode(replay)]).toEqual([400, 'INVALID_GRANT']);
    expect(replay.json().error.message).toMatch(/already used/);
    const after = await t.app.inject({ url: `/v1/installations/${uuid}`, headers: bearer(accessToken) });
    expect([after.statusCode, errorCode(after)]).toEqual([401, 'UNAUTHENTICATED']);
    const refreshed = await exchange(app, { grantType: 'refresh_token', refreshToken });
    expect([refreshed.statusCode, errorCode(refreshed)]).toEqual([400, 'INVALID_GRANT']);
    const audit = await t.database.db
      .selectFrom('audit_log')
      .select(['actor_type', 'actor_id'])
      .where('action', '=', 'installation.grant_replayed')
      .where('target_id', '=', uuid)
      .execute();
    expect(audit).toEqual([{ actor_type: 'app', actor_id: app.id }]);
  });

  it('an expired code (10 minutes) is refused', async () => {
    const app = await publish(publisher.token, pubOrg.slug, { slug: 'slowpoke', published: true });
    const inst = (await install(owner.token, acme.slug, 'slowpoke')).json();
    const code = await codeFor(app, inst.uuid);
    const grant = await t.database.db
      .selectFrom('app_grants')
      .select(sql<number>`extract(epoch from expires_at - created_at)::int`.as('ttl'))
      .where('installation_id', '=', inst.uuid)
      .executeTakeFirstOrThrow();
    expect(grant.ttl).toBe(600);
    await t.database.db
      .updateTable('app_grants')
      .set({ expires_at: sql`now() - interval '1 second'` })
      .where('installation_id', '=', inst.uuid)
      .execute();
    const res = await exchange(app, { grantType: 'authorization_code', code });
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'INVALID_GRANT']);
    expect(res.json().error.message).toMatch(/expired/);
  });

  it('a refresh token buys a new pair once; both old tokens stop working; reusing it revokes the family', async () => {
    const { app, uuid, accessToken, refreshToken } = await installed('refresher');
    const res = await exchange(app, { grantType: 'refresh_token', refreshToken });
    expect(res.statusCode).toBe(200);
    const next = res.json();
    expect(next.accessToken).not.toBe(accessToken);
    expect(next.refreshToken).not.toBe(refreshToken);
    expect(
      (await t.app.inject({ url: `/v1/installations/${uuid}`, headers: bearer(accessToken) })).statusCode,
    ).toBe(401);
    expect(
      (await t.app.inject({ url: `/v1/installations/${uuid}`, headers: bearer(next.accessToken) }))
        .statusCode,
    ).toBe(200);
    const reuse = await exchange(app, { grantType: 'refresh_token', refreshToken });
    expect([reuse.statusCode, errorCode(reuse)]).toEqual([400, 'INVALID_GRANT']);
    expect(
      (await t.app.inject({ url: `/v1/installations/${uuid}`, headers: bearer(next.accessToken) }))
        .statusCode,
    ).toBe(401);
    const missing = await exchange(app, { grantType: 'refresh_token' });
    expect([missing.statusCode, errorCode(missing)]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('an expired access token is refused with 401', async () => {
    const { uuid, accessToken } = await installed('expiring');
    await t.database.db
      .updateTable('app_tokens')
      .set({ access_expires_at: sql`now() - interval '1 second'` })
      .where('installation_id', '=', uuid)
      .execute();
    const res = await t.app.inject({ url: `/v1/installations/${uuid}`, headers: bearer(accessToken) });
    expect(res.statusCode).toBe(401);
  });
});

describe('PUT /v1/installations/{uuid}: the app marks its installation installed', () => {
  let marked: Awaited<ReturnType<typeof installed>>;
  beforeAll(async () => {
    marked = await installed('marker');
  });

  it("{status: 'pending'} → 400 with the exact message", async () => {
    const res = await putStatus(marked.uuid, bearer(marked.accessToken), { status: 'pending' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'INVALID_INSTALLATION_STATUS',
      message: INVALID_PENDING,
      details: [{ field: 'status', message: INVALID_PENDING }],
    });
    const other = await putStatus(marked.uuid, bearer(marked.accessToken), { status: 'uninstalled' });
    expect(other.json().error.message).toBe(
      "Invalid value 'uninstalled' for status. Valid values: 'installed'",
    );
    const upper = await putStatus(marked.uuid, bearer(marked.accessToken), { status: 'INSTALLED' });
    expect(upper.statusCode).toBe(400);
  });

  it('a value that is not a string, a missing status or another field is a 400 naming the field; nothing is coerced', async () => {
    for (const payload of [
      { status: 1 },
      { status: true },
      { status: ['installed'] },
      { status: null },
      {},
    ]) {
      const res = await putStatus(marked.uuid, bearer(marked.accessToken), payload);
      expect([res.statusCode, errorCode(res)], JSON.stringify(payload)).toEqual([400, 'VALIDATION_FAILED']);
      expect(res.json().error.details[0].field).toBe('status');
    }
    const extra = await putStatus(marked.uuid, bearer(marked.accessToken), { status: 'installed', x: 1 });
    expect([extra.statusCode, errorCode(extra)]).toEqual([400, 'VALIDATION_FAILED']);
    const row = await t.database.db
      .selectFrom('app_installations')
      .select('status')
      .where('id', '=', marked.uuid)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('pending');
  });

  it('another app’s token → 403; a person without org:integrations → 403; with it → 403 (only the app); a stranger → 404', async () => {
    const other = await installed('other-app');
    let res = await putStatus(marked.uuid, bearer(other.accessToken), { status: 'installed' });
    expect([res.statusCode, errorCode(res)]).toEqual([403, 'NOT_THIS_APPS_INSTALLATION']);
    res = await putStatus(marked.uuid, bearer(plainMember.token), { status: 'installed' });
    expect([res.statusCode, errorCode(res)]).toEqual([403, 'FORBIDDEN']);
    res = await putStatus(marked.uuid, bearer(owner.token), { status: 'installed' });
    expect([res.statusCode, errorCode(res)]).toEqual([403, 'APP_TOKEN_REQUIRED']);
    res = await putStatus(marked.uuid, bearer(outsider.token), { status: 'installed' });
    expect([res.statusCode, errorCode(res)]).toEqual([404, 'INSTALLATION_NOT_FOUND']);
    res = await putStatus(marked.uuid, {}, { status: 'installed' });
    expect([res.statusCode, errorCode(res)]).toEqual([401, 'UNAUTHENTICATED']);
    res = await putStatus(marked.uuid, bearer(`ra_${'0'.repeat(32)}${'A'.repeat(43)}`), {
      status: 'installed',
    });
    expect([res.statusCode, errorCode(res)]).toEqual([401, 'UNAUTHENTICATED']);
    res = await putStatus('0190a0a0-0000-7000-8000-000000000000', bearer(marked.accessToken), {
      status: 'installed',
    });
    expect([res.statusCode, errorCode(res)]).toEqual([404, 'INSTALLATION_NOT_FOUND']);
    res = await putStatus('not-a-uuid', bearer(marked.accessToken), { status: 'installed' });
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'VALIDATION_FAILED']);
    expect(await analytics('installation.updated')).toHaveLength(0);
  });

  it("{status: 'installed'} with the app's token → 200, status 'installed', one analytics event, audited with the app as actor", async () => {
    const res = await putStatus(marked.uuid, bearer(marked.accessToken), { status: 'installed' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      uuid: marked.uuid,
      status: 'installed',
      app: { uuid: marked.app.id },
    });
    const events = await analytics('installation.updated');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ organization_id: acme.id, actor_type: 'app', actor_id: marked.app.id });
    expect(events[0]?.data).toMatchObject({
      installation: {
        uuid: marked.uuid,
        app: { uuid: marked.app.id },
        organization: { id: acme.id },
        status: 'installed',
      },
    });
    const audit = await t.database.db
      .selectFrom('audit_log')
      .select(['actor_type', 'actor_id', 'organization_id'])
      .where('action', '=', 'installation.updated')
      .where('target_id', '=', marked.uuid)
      .execute();
    expect(audit).toEqual([{ actor_type: 'app', actor_id: marked.app.id, organization_id: acme.id }]);

    // Saying it again changes nothing and records nothing.
    const again = await putStatus(marked.uuid, bearer(marked.accessToken), { status: 'installed' });
    expect([again.statusCode, again.json().status]).toEqual([200, 'installed']);
    expect(await analytics('installation.updated')).toHaveLength(1);

    // The app hears of it too, signed.
    await t.app.outbox.drain();
    const hook = rx.to(marked.app.path).find((r) => r.json.type === 'installation.updated');
    expect(hook?.verified).toBe(true);
    expect(hook?.json.data.installation.status).toBe('installed');
  });

  it('GET serializes status as a string, to the app and to org:integrations holders', async () => {
    const byApp = await t.app.inject({
      url: `/v1/installations/${marked.uuid}`,
      headers: bearer(marked.accessToken),
    });
    expect(byApp.statusCode).toBe(200);
    expect(byApp.json().status).toBe('installed');
    const byOwner = await t.app.inject({
      url: `/v1/installations/${marked.uuid}`,
      headers: bearer(owner.token),
    });
    expect(byOwner.json()).toEqual(byApp.json());
    const pending = await installed('still-pending');
    const p = await t.app.inject({ url: `/v1/installations/${pending.uuid}`, headers: bearer(owner.token) });
    expect(p.json().status).toBe('pending');
    const otherApp = await t.app.inject({
      url: `/v1/installations/${marked.uuid}`,
      headers: bearer(pending.accessToken),
    });
    expect(otherApp.statusCode).toBe(403);
    const member = await t.app.inject({
      url: `/v1/installations/${marked.uuid}`,
      headers: bearer(plainMember.token),
    });
    expect(member.statusCode).toBe(403);
    const stranger = await t.app.inject({
      url: `/v1/installations/${marked.uuid}`,
      headers: bearer(outsider.token),
    });
    expect(stranger.statusCode).toBe(404);
  });
});

describe("the app acts through its own token, with its installation's scopes, on that organization only", () => {
  it('lists members with member:read; another organization is 404; what its scopes do not allow is 403', async () => {
    const { accessToken } = await installed('reader');
    const members = await t.app.inject({
      url: `/v1/organizations/${acme.slug}/members`,
      headers: bearer(accessToken),
    });
    expect(members.statusCode).toBe(200);
    expect(members.json().data.map((m: { userId: string }) => m.userId)).toContain(owner.user.id);
    const org = await t.app.inject({ url: `/v1/organizations/${acme.id}`, headers: bearer(accessToken) });
    expect(org.statusCode).toBe(200);
    expect(org.json().viewer).toEqual({ role: null, scopes: ['org:read', 'member:read'] });
    const elsewhere = await t.app.inject({
      url: `/v1/organizations/${pubOrg.slug}/members`,
      headers: bearer(accessToken),
    });
    expect([elsewhere.statusCode, errorCode(elsewhere)]).toEqual([404, 'ORGANIZATION_NOT_FOUND']);
    const patch = await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${acme.slug}/members/${plainMember.user.id}`,
      headers: bearer(accessToken),
      payload: { role: 'admin' },
    });
    expect([patch.statusCode, errorCode(patch)]).toEqual([403, 'FORBIDDEN']);
    const audit = await t.app.inject({
      url: `/v1/organizations/${acme.slug}/audit-log`,
      headers: bearer(accessToken),
    });
    expect(audit.statusCode).toBe(403);
    const webhooks = await t.app.inject({
      url: `/v1/organizations/${acme.slug}/webhooks`,
      headers: bearer(accessToken),
    });
    expect(webhooks.statusCode).toBe(403);
    const newOrg = await t.app.inject({
      method: 'POST',
      url: '/v1/organizations',
      headers: bearer(accessToken),
      payload: { name: 'By an app' },
    });
    expect(newOrg.statusCode).toBe(403);
    const me = await t.app.inject({ url: '/v1/me', headers: bearer(accessToken) });
    expect(me.statusCode).toBe(403);
  });

  it('asks the permission check about its own organization only, with member:read', async () => {
    const { uuid, accessToken } = await installed('checker');
    const check = (token: string, org: string, userId: string) =>
      t.app.inject({ url: `/v1/organizations/${org}/members/${userId}/permissions`, headers: bearer(token) });
    const answer = await check(accessToken, acme.id, plainMember.user.id);
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.json()).toMatchObject({ status: 'active', role: 'member' });
    expect((await check(accessToken, acme.slug, outsider.user.id)).statusCode).toBe(404);
    const elsewhere = await check(accessToken, pubOrg.slug, publisher.user.id);
    expect([elsewhere.statusCode, errorCode(elsewhere)]).toEqual([404, 'ORGANIZATION_NOT_FOUND']);
    const tampered = await check(`${accessToken.slice(0, -2)}xx`, acme.id, plainMember.user.id);
    expect(tampered.statusCode).toBe(401);
    // Without member:read it may not ask.
    const { accessToken: orgOnly } = await installed('org-reader', ['org:read']);
    const refused = await check(orgOnly, acme.id, plainMember.user.id);
    expect([refused.statusCode, errorCode(refused)]).toEqual([403, 'FORBIDDEN']);
    // Uninstalled: the token is dead here too.
    const gone = await t.app.inject({
      method: 'DELETE',
      url: `/v1/installations/${uuid}`,
      headers: bearer(owner.token),
    });
    expect(gone.statusCode).toBe(204);
    expect((await check(accessToken, acme.id, plainMember.user.id)).statusCode).toBe(401);
  });

  it('with member:admin it manages plain members, audited as the app, but never above member', async () => {
    const { app, accessToken } = await installed('janitor', ['org:read', 'member:read', 'member:admin']);
    const admin = await signUp(t.app);
    await addActiveMember(t.database, acme.id, admin.user.id, 'admin');
    const victim = await signUp(t.app);
    await addActiveMember(t.database, acme.id, victim.user.id, 'member');
    const promote = await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${acme.slug}/members/${victim.user.id}`,
      headers: bearer(accessToken),
      payload: { role: 'admin' },
    });
    expect([promote.statusCode, errorCode(promote)]).toEqual([403, 'ROLE_CEILING']);
    const removeAdmin = await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${acme.slug}/members/${admin.user.id}`,
      headers: bearer(accessToken),
    });
    expect([removeAdmin.statusCode, errorCode(removeAdmin)]).toEqual([403, 'ROLE_CEILING']);
    const remove = await t.app.inject({
      method: 'DELETE',
      url: `/v1/organizations/${acme.slug}/members/${victim.user.id}`,
      headers: bearer(accessToken),
    });
    expect(remove.statusCode).toBe(204);
    const entries = await t.database.db
      .selectFrom('audit_log')
      .select(['actor_type', 'actor_id'])
      .where('action', '=', 'member.removed')
      .where('target_id', '=', victim.user.id)
      .execute();
    expect(entries).toEqual([{ actor_type: 'app', actor_id: app.id }]);
    const removed = (await analytics('member.removed')).filter((e) => e.data.userId === victim.user.id);
    expect(removed).toHaveLength(1);
    expect(removed[0]).toMatchObject({ actor_type: 'app', actor_id: app.id, data: { reason: 'removed' } });
  });
});

describe('uninstalling', () => {
  it('needs org:integrations (not the app); revokes the tokens at once and tells the app', async () => {
    const { app, uuid, accessToken, refreshToken } = await installed('leaving');
    const byMember = await t.app.inject({
      method: 'DELETE',
      url: `/v1/installations/${uuid}`,
      headers: bearer(plainMember.token),
    });
    expect(byMember.statusCode).toBe(403);
    const byApp = await t.app.inject({
      method: 'DELETE',
      url: `/v1/installations/${uuid}`,
      headers: bearer(accessToken),
    });
    expect([byApp.statusCode, errorCode(byApp)]).toEqual([403, 'APP_CANNOT_UNINSTALL']);
    const byStranger = await t.app.inject({
      method: 'DELETE',
      url: `/v1/installations/${uuid}`,
      headers: bearer(outsider.token),
    });
    expect(byStranger.statusCode).toBe(404);
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/v1/installations/${uuid}`,
      headers: bearer(owner.token),
    });
    expect(res.statusCode).toBe(204);
    const after = await t.app.inject({
      url: `/v1/organizations/${acme.slug}/members`,
      headers: bearer(accessToken),
    });
    expect(after.statusCode).toBe(401);
    const refresh = await exchange(app, { grantType: 'refresh_token', refreshToken });
    expect(refresh.statusCode).toBe(400);
    const gone = await t.app.inject({ url: `/v1/installations/${uuid}`, headers: bearer(owner.token) });
    expect(gone.statusCode).toBe(404);
    const twice = await t.app.inject({
      method: 'DELETE',
      url: `/v1/installations/${uuid}`,
      headers: bearer(owner.token),
    });
    expect(twice.statusCode).toBe(404);
    await t.app.outbox.drain();
    const hook = rx.to(app.path).find((r) => r.json.type === 'installation.deleted');
    expect(hook?.verified).toBe(true);
    expect(hook?.json.data.installation.uuid).toBe(uuid);
    expect(
      (await analytics('installation.deleted')).filter((e) => e.data.installation.uuid === uuid),
    ).toHaveLength(1);
    // It can be installed again, as a new installation.
    const again = await install(owner.token, acme.slug, 'leaving');
    expect(again.statusCode).toBe(201);
    expect(again.json().uuid).not.toBe(uuid);
  });
});

describe.skipIf(!onPostgres)('races on PostgreSQL', () => {
  it('concurrent installs of one app into one organization make one installation and one webhook', async () => {
    const figures: string[] = [];
    for (let round = 0; round < 5; round++) {
      const app = await publish(publisher.token, pubOrg.slug, { slug: `racer-${round}`, published: true });
      const results = await Promise.all(
        Array.from({ length: 6 }, () => install(owner.token, acme.slug, app.slug)),
      );
      const codes = results.map((r) => r.statusCode).sort();
      expect(codes).toEqual([200, 200, 200, 200, 200, 201]);
      expect(new Set(results.map((r) => r.json().uuid)).size).toBe(1);
      const webhooks = await t.database.db
        .selectFrom('outbox')
        .select('id')
        .where(sql<string>`payload->>'targetId'`, '=', app.id)
        .execute();
      expect(webhooks).toHaveLength(1);
      figures.push(codes.join(','));
    }
    console.info(`concurrent installs (6 at once, 5 rounds): ${figures.join(' | ')}`);
  });

  it('concurrent exchanges of one code: one wins, the others are replays, and the winner’s tokens end revoked', async () => {
    let wins = 0;
    let refusals = 0;
    for (let round = 0; round < 5; round++) {
      const app = await publish(publisher.token, pubOrg.slug, { slug: `double-${round}`, published: true });
      const inst = (await install(owner.token, acme.slug, app.slug)).json();
      const code = await codeFor(app, inst.uuid);
      const results = await Promise.all(
        Array.from({ length: 4 }, () => exchange(app, { grantType: 'authorization_code', code })),
      );
      const ok = results.filter((r) => r.statusCode === 200);
      expect(ok).toHaveLength(1);
      expect(results.filter((r) => r.statusCode === 400)).toHaveLength(3);
      wins += ok.length;
      refusals += 3;
      const check = await t.app.inject({
        url: `/v1/installations/${inst.uuid}`,
        headers: bearer(ok[0]?.json().accessToken),
      });
      expect(check.statusCode).toBe(401);
    }
    console.info(
      `concurrent code exchanges (4 at once, 5 rounds): ${wins} issued, ${refusals} refused, all issued revoked`,
    );
  });
});

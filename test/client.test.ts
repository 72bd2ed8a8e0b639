/**
 * The typed client (SPEC §3) is generated from the OpenAPI document: the committed types must be what
 * the document the app serves produces now, and the client must drive the real API with them.
 */
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATED_PATH, type OpenApiDocument, renderClientTypes } from '../scripts/generate-client.ts';
import { ApiError, createClient, fillPath, queryString } from '../src/client/client.ts';
import { createTestApp, signUp, type TestApp, uniqueEmail } from './helpers.ts';

describe('typed client', () => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  afterAll(() => t.close());

  it('src/client/api-types.gen.ts is up to date with /v1/openapi.json (run `npm run generate:client`)', async () => {
    const doc = (await t.app.inject({ url: '/v1/openapi.json' })).json() as OpenApiDocument;
    const committed = await readFile(GENERATED_PATH, 'utf8');
    expect(committed).toBe(renderClientTypes(doc));
  });

  it('has an operation for every documented route, with its path parameters', async () => {
    const doc = (await t.app.inject({ url: '/v1/openapi.json' })).json() as OpenApiDocument;
    const source = renderClientTypes(doc);
    for (const [route, item] of Object.entries(doc.paths)) {
      for (const method of Object.keys(item)) {
        expect(source).toContain(`"${method.toUpperCase()} ${route}": {`);
      }
    }
    expect(source).toContain('"GET /v1/organizations/{org}/members/{userId}/permissions"');
  });

  it('signs up, creates an organization and lists its members over HTTP with a bearer token', async () => {
    const anonymous = createClient({ baseUrl: base });
    const email = uniqueEmail('client');
    const { user, session } = await anonymous.call('POST /v1/auth/sign-up', {
      body: { email, password: 'correct horse battery', name: 'Client User' },
    });
    expect(user.email).toBe(email);

    const roster = createClient({ baseUrl: base, token: session.token });
    const org = await roster.call('POST /v1/organizations', { body: { name: 'Client Org' } });
    expect(org.viewer.role).toBe('owner');
    const page = await roster.call('GET /v1/organizations/{org}/members', {
      path: { org: org.slug },
      query: { role: 'owner', limit: 10 },
    });
    expect(page.data.map((m) => [m.email, m.role])).toEqual([[email, 'owner']]);
    expect(page.nextCursor).toBeNull();
    // A 204 resolves to undefined.
    expect(await roster.call('POST /v1/auth/sign-out')).toBeUndefined();
  });

  it('send resolves to the status with the body, for answers whose 2xx statuses differ', async () => {
    const owner = await signUp(t.app);
    const roster = createClient({ baseUrl: base, token: owner.token });
    const created = await roster.send('POST /v1/organizations', { body: { name: 'Send Org' } });
    expect(created.status).toBe(201);
    expect(created.body.name).toBe('Send Org');
    const read = await roster.send('GET /v1/organizations/{org}', { path: { org: created.body.id } });
    expect(read).toMatchObject({ status: 200, body: { id: created.body.id } });
    const err = await roster
      .send('GET /v1/organizations/{org}', { path: { org: 'no-such-org' } })
      .catch((e: unknown) => e);
    expect((err as ApiError).code).toBe('ORGANIZATION_NOT_FOUND');
  });

  it("throws ApiError with the API's code, status and field issues", async () => {
    const roster = createClient({ baseUrl: base });
    const taken = await signUp(t.app);
    const err = await roster
      .call('POST /v1/auth/sign-up', {
        body: { email: taken.user.email, password: 'correct horse battery', name: 'Again' },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(409);
    expect((err as ApiError).code).toBe('EMAIL_TAKEN');
    expect((err as ApiError).fieldIssues).toEqual([{ field: 'email', message: 'is already registered' }]);

    const unauthenticated = await roster.call('GET /v1/me').catch((e: unknown) => e);
    expect((unauthenticated as ApiError).code).toBe('UNAUTHENTICATED');
    expect((unauthenticated as ApiError).status).toBe(401);
  });

  it('reports an unreachable server as NETWORK_ERROR', async () => {
    const roster = createClient({ baseUrl: 'http://127.0.0.1:1' });
    const err = await roster.call('GET /healthz').catch((e: unknown) => e);
    expect((err as ApiError).code).toBe('NETWORK_ERROR');
  });

  it('encodes path parameters and leaves empty query values out', () => {
    expect(fillPath('/v1/organizations/{org}/members/{userId}', { org: 'a b/c', userId: 'u' })).toBe(
      '/v1/organizations/a%20b%2Fc/members/u',
    );
    expect(() => fillPath('/v1/organizations/{org}', {})).toThrow(/org/);
    expect(queryString({ limit: 5, q: '', role: undefined, cursor: 'x&y' })).toBe('?limit=5&cursor=x%26y');
    expect(queryString({})).toBe('');
  });
});

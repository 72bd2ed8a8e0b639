import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createOrg, createTestApp, signUp, type TestApp } from './helpers.ts';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('signs up, creates an org and lists its single owner', async () => {
    const a = await signUp(t.app);
    const org = await createOrg(t.app, a.token);
    const res = await t.app.inject({
      url: `/v1/organizations/${org.slug}/members`,
      headers: bearer(a.token),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().data.map((m: { userId: string; role: string }) => [m.userId, m.role])).toEqual([
      [a.user.id, 'owner'],
    ]);
  });
});

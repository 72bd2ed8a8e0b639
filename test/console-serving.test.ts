/**
 * How Roster serves the web console's build (src/plugins/console.plugin.ts), on a small build of its
 * own: pages for browsers, files as they are, JSON 404s for API clients and under /v1, the security
 * headers, and the API alone when no build is there.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, errorCode, type TestApp } from './helpers.ts';

const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
const INDEX =
  '<!doctype html><title>console</title><script type="module" src="/assets/app-1a2b.js"></script>';

describe('serving the console build', () => {
  let dir: string;
  let t: TestApp;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'roster-console-'));
    await mkdir(path.join(dir, 'assets'));
    await writeFile(path.join(dir, 'index.html'), INDEX);
    await writeFile(path.join(dir, 'assets/app-1a2b.js'), 'console.log("app")');
    await writeFile(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    await writeFile(path.join(dir, '.source-hash'), 'secret-ish\n');
    t = await createTestApp({ consoleDir: dir });
  });
  afterAll(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers a browser asking for any console page with index.html and the security headers', async () => {
    for (const url of ['/', '/sign-in', '/orgs/acme/members', '/invitations/accept?token=abc']) {
      const res = await t.app.inject({ url, headers: HTML });
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toBe(INDEX);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
    }
  });

  it('serves built files as they are, hashed assets cached for good, with a working ETag', async () => {
    const js = await t.app.inject({ url: '/assets/app-1a2b.js' });
    expect(js.statusCode).toBe(200);
    expect(js.body).toBe('console.log("app")');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toContain('immutable');
    const again = await t.app.inject({
      url: '/assets/app-1a2b.js',
      headers: { 'if-none-match': String(js.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
    const icon = await t.app.inject({ url: '/favicon.svg' });
    expect(icon.headers['content-type']).toBe('image/svg+xml');
    expect(icon.headers['cache-control']).toBe('no-cache');
  });

  it('keeps JSON 404s for API clients, for /v1 paths, and for files that are not in the build', async () => {
    for (const [url, headers] of [
      ['/nope', {}],
      ['/v1/nope', HTML],
      ['/v1', HTML],
      ['/assets/missing-9z9z.js', HTML],
      ['/../package.json', HTML],
      ['/%2e%2e/package.json', HTML],
      ['/docs/nope', HTML],
    ] as const) {
      const res = await t.app.inject({ url, headers });
      expect(res.statusCode, url).toBe(404);
      expect(errorCode(res), url).toBe('NOT_FOUND');
    }
    // Dotfiles of the build (the build's source hash) are never served; a browser gets the console.
    const dotfile = await t.app.inject({ url: '/.source-hash', headers: HTML });
    expect(dotfile.body).not.toContain('secret-ish');
    expect(dotfile.body).toBe(INDEX);
  });

  it('leaves the API, health, metrics and docs answering as before', async () => {
    expect((await t.app.inject({ url: '/healthz', headers: HTML })).json()).toEqual({ status: 'ok' });
    expect((await t.app.inject({ url: '/readyz', headers: HTML })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/metrics', headers: HTML })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/v1/openapi.json', headers: HTML })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/docs', headers: HTML })).statusCode).toBe(200);
    const me = await t.app.inject({ url: '/v1/me', headers: HTML });
    expect(me.statusCode).toBe(401);
    expect(errorCode(me)).toBe('UNAUTHENTICATED');
    // Other methods are not the console's: a POST to a page path is the API's 404.
    const post = await t.app.inject({ method: 'POST', url: '/sign-in', headers: HTML, payload: {} });
    expect(post.statusCode).toBe(404);
  });

  it('redacts the token of an emailed link from the request log', async () => {
    const token = 'rv_0123456789abcdef0123456789abcdefABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijk';
    await t.app.inject({ url: `/verify-email?token=${token}`, headers: HTML });
    const logged = JSON.stringify(t.logs);
    expect(logged).toContain('/verify-email?token=[REDACTED]');
    expect(logged).not.toContain(token);
  });

  it('serves the API alone, with a warning, when the folder holds no build', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'roster-console-empty-'));
    const bare = await createTestApp({ consoleDir: empty }, t.database);
    try {
      const res = await bare.app.inject({ url: '/', headers: HTML });
      expect(res.statusCode).toBe(404);
      expect(errorCode(res)).toBe('NOT_FOUND');
      expect(bare.logs.some((l) => String(l.msg).includes('web console is not built'))).toBe(true);
    } finally {
      await bare.close();
      await rm(empty, { recursive: true, force: true });
    }
  });
});

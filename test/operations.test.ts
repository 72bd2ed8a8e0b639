/**
 * The operational surface (SPEC §3, §4): health and readiness, Prometheus metrics, JSON logs that never
 * carry credentials or URL tokens, and the OpenAPI 3.1 document with its browsable docs.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../src/db/database.ts';
import { issueToken } from '../src/lib/crypto.ts';
import {
  bearer,
  createOrg,
  createTestApp,
  errorCode,
  freshDatabase,
  seatChecksDueNow,
  signUp,
  type TestApp,
} from './helpers.ts';

/** One sample of a Prometheus text exposition, by metric name and exact label set. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      got[k as string] = v as string;
    const want = Object.entries(labels);
    if (want.length === Object.keys(got).length && want.every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

/**
 * Every (method, path) Fastify has registered, read from `printRoutes({ commonPrefix: false })`: each
 * tree line is `<4 chars per depth>├── <segment> (METHODS)`, a path being the concatenation of segments.
 */
function registeredRoutes(app: FastifyInstance): Array<{ method: string; path: string }> {
  const routes: Array<{ method: string; path: string }> = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^((?:[│ ] {3})*)[├└]── (\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    const depth = (m[1] as string).length / 4;
    stack.length = depth;
    stack.push(m[2] as string);
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim())) {
      if (method) routes.push({ method, path: stack.join('') });
    }
  }
  return routes;
}

/** `/a/:b` as OpenAPI writes it: `/a/{b}`. */
const openapiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

// One database for the file (starting an embedded one is the costly part of a test app); each
// describe builds its own app on it, with its own metrics registry and log.
let database: DatabaseHandle;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(() => database?.close());

describe('health and readiness', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({}, database);
  });
  afterAll(() => t.close());

  it('GET /healthz answers 200 while the process is up', async () => {
    const res = await t.app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz answers 200 with the database kind when the database answers', async () => {
    const res = await t.app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', database: t.database.kind });
    expect(t.database.kind).toBe(process.env.ROSTER_TEST_DATABASE_URL ? 'postgres' : 'pglite');
  });

  it('probes, metrics and the OpenAPI document answer even with a stale Authorization header', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics', '/v1/openapi.json']) {
      const res = await t.app.inject({ url, headers: bearer('rs_stale-or-garbage') });
      expect(res.statusCode, url).toBe(200);
    }
    // The same header on an ordinary route is refused, so the header above was really checked for.
    expect((await t.app.inject({ url: '/v1/me', headers: bearer('rs_stale-or-garbage') })).statusCode).toBe(
      401,
    );
  });

  it('GET /readyz answers 503 UNAVAILABLE once the instance is draining, while /healthz stays 200', async () => {
    t.app.draining = true;
    try {
      const ready = await t.app.inject({ url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(errorCode(ready)).toBe('UNAVAILABLE');
      expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    } finally {
      t.app.draining = false;
    }
    expect((await t.app.inject({ url: '/readyz' })).statusCode).toBe(200);
  });
});

describe('Prometheus metrics on /metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({}, database);
  });
  afterAll(() => t.close());

  const scrape = async () => {
    const res = await t.app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    return res;
  };

  it('serves the Prometheus text format, open when METRICS_TOKEN is unset', async () => {
    const res = await scrape();
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toContain('# TYPE roster_http_request_duration_seconds histogram');
    expect(res.body).toContain('# TYPE roster_outbox_pending gauge');
    expect(res.body).toContain('roster_process_cpu_seconds_total');
  });

  it('labels request latencies with the route template, never the concrete path', async () => {
    const a = await signUp(t.app);
    const orgs = [await createOrg(t.app, a.token), await createOrg(t.app, a.token)];
    for (const org of orgs) {
      const res = await t.app.inject({
        url: `/v1/organizations/${org.slug}/members`,
        headers: bearer(a.token),
      });
      expect(res.statusCode).toBe(200);
    }
    const forbidden = await t.app.inject({ url: `/v1/organizations/${orgs[0]?.slug}/members` });
    expect(forbidden.statusCode).toBe(401);
    await t.app.inject({ url: '/no/such/route/4f1c' });

    const { body } = await scrape();
    const route = '/v1/organizations/:org/members';
    expect(
      sample(body, 'roster_http_request_duration_seconds_count', { method: 'GET', route, status: '200' }),
    ).toBe(2);
    expect(
      sample(body, 'roster_http_request_duration_seconds_count', { method: 'GET', route, status: '401' }),
    ).toBe(1);
    expect(
      sample(body, 'roster_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/v1/auth/sign-up',
        status: '201',
      }),
    ).toBe(1);
    const sum = sample(body, 'roster_http_request_duration_seconds_sum', {
      method: 'GET',
      route,
      status: '200',
    });
    expect(sum).toBeGreaterThan(0);
    // Unknown paths share one label so a scanner cannot blow up the series count.
    expect(
      sample(body, 'roster_http_request_duration_seconds_count', {
        method: 'GET',
        route: 'unmatched',
        status: '404',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(body).not.toContain('4f1c');
    for (const org of orgs) expect(body).not.toContain(org.slug);
  });

  it('roster_outbox_pending counts the outbox rows waiting for delivery', async () => {
    await signUp(t.app); // queues a verification email
    // Earlier tests' writes left seat checks waiting out their second: let them be due too.
    await seatChecksDueNow(database);
    const waiting = await t.database.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow();
    expect(Number(waiting.n)).toBeGreaterThan(0);
    expect(sample((await scrape()).body, 'roster_outbox_pending')).toBe(Number(waiting.n));

    const sentBefore =
      sample((await scrape()).body, 'roster_outbox_deliveries_total', { result: 'sent' }) ?? 0;
    await t.app.outbox.drain();
    const after = (await scrape()).body;
    expect(sample(after, 'roster_outbox_pending')).toBe(0);
    expect(sample(after, 'roster_outbox_deliveries_total', { result: 'sent' })).toBe(
      sentBefore + Number(waiting.n),
    );
  });

  describe('with METRICS_TOKEN set', () => {
    let guarded: TestApp;
    beforeAll(async () => {
      guarded = await createTestApp({ metricsToken: 'x' }, database);
    });
    afterAll(() => guarded.close());

    it('answers 401 without the token, or with a wrong one', async () => {
      for (const authorization of [undefined, 'Bearer y', 'Bearer xx', 'x', 'Basic eDp4']) {
        const res = await guarded.app.inject({
          url: '/metrics',
          headers: authorization ? { authorization } : {},
        });
        expect(res.statusCode, String(authorization)).toBe(401);
        expect(errorCode(res)).toBe('UNAUTHENTICATED');
        expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
        expect(res.body).not.toContain('roster_http_request_duration_seconds');
      }
    });

    it('answers 200 with Authorization: Bearer <token>', async () => {
      const res = await guarded.app.inject({ url: '/metrics', headers: { authorization: 'Bearer x' } });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('roster_outbox_pending');
    });
  });
});

describe('structured JSON logs keep secrets out', () => {
  let t: TestApp;
  const password = 'correct horse battery';
  beforeAll(async () => {
    t = await createTestApp({}, database);
  });
  afterAll(() => t.close());

  /** Every log line written since `from`, as the JSON text pino wrote. */
  const linesSince = (from: number) => t.logs.slice(from).map((l) => JSON.stringify(l));

  it('every line is a JSON object with a level, a time and a message', async () => {
    await t.app.inject({ url: '/healthz' });
    expect(t.logs.length).toBeGreaterThan(0);
    for (const line of t.logs) {
      expect(typeof line.level).toBe('number');
      expect(typeof line.time).toBe('number');
      expect(typeof line.msg).toBe('string');
    }
  });

  it('never logs the Authorization header, the session cookie or the password', async () => {
    const from = t.logs.length;
    const a = await signUp(t.app);
    const viaHeader = await t.app.inject({ url: '/v1/me', headers: bearer(a.token) });
    expect(viaHeader.statusCode).toBe(200);
    const viaCookie = await t.app.inject({ url: '/v1/me', headers: { cookie: `roster_session=${a.token}` } });
    expect(viaCookie.statusCode).toBe(200);
    expect(viaCookie.json().email).toBe(a.user.email);

    const lines = linesSince(from);
    // The requests were logged (so the absence below is not vacuous)…
    expect(lines.filter((l) => l.includes('"url":"/v1/me"')).length).toBe(2);
    // …and neither the session token (nor its secret half), nor the password, appears anywhere.
    const secretHalf = a.token.slice(-43);
    for (const line of lines) {
      expect(line).not.toContain(secretHalf);
      expect(line).not.toContain(password);
    }
  });

  it('redacts tokens in URL paths and token query values as [REDACTED]', async () => {
    // Tokens of the invitation shape, including secrets ending with '-' or '_' (no word boundary there).
    const tokens = [
      issueToken('rv').token,
      `${issueToken('rv').token.slice(0, -1)}-`,
      `${issueToken('rv').token.slice(0, -1)}_`,
      `${issueToken('rv').token.slice(0, -2)}-A`,
    ];
    const from = t.logs.length;
    const urls: string[] = [];
    for (const token of tokens) {
      urls.push(`/v1/invitations/${token}`, `/v1/invitations/${token}/accept`);
    }
    const [first, second] = tokens as [string, string];
    urls.push(
      `/v1/auth/verify-email?token=${first}`,
      `/verify-email?lang=en&token=${second}&x=1`,
      `/v1/invitations/${first}xyz`, // the real token glued to garbage must not be readable either
      '/v1/invitations/not-a-well-formed-token-9d1e',
    );
    for (const url of urls) {
      await t.app.inject({ method: url.endsWith('/accept') ? 'POST' : 'GET', url });
    }

    const lines = linesSince(from);
    const logged = t.logs
      .slice(from)
      .map((l) => (l.req as { url?: string } | undefined)?.url)
      .filter((u): u is string => typeof u === 'string');
    expect(logged).toHaveLength(urls.length);
    for (const url of logged) expect(url).toContain('[REDACTED]');
    expect(logged).toContain('/v1/invitations/[REDACTED]/accept');
    expect(logged).toContain('/verify-email?lang=en&token=[REDACTED]&x=1');
    for (const token of tokens) {
      for (const line of lines) {
        expect(line).not.toContain(token.slice(3, 35)); // the row id part
        expect(line).not.toContain(token.slice(-43)); // the secret part
      }
    }
    for (const line of lines) expect(line).not.toContain('9d1e');
  });
});

describe('OpenAPI document and browsable docs', () => {
  let t: TestApp;
  let doc: {
    openapi: string;
    paths: Record<string, Record<string, { responses?: Record<string, unknown>; parameters?: unknown[] }>>;
    components: { schemas: Record<string, unknown> };
  };
  beforeAll(async () => {
    t = await createTestApp({}, database);
    const res = await t.app.inject({ url: '/v1/openapi.json' });
    expect(res.statusCode).toBe(200);
    doc = res.json();
  });
  afterAll(() => t.close());

  /** Routes that are deliberately left out of the document (`schema.hide`, or the docs UI's own files). */
  const HIDDEN = (path: string) =>
    path === '/metrics' || path === '/v1/openapi.json' || path.startsWith('/docs');
  const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];

  it("is OpenAPI '3.1.0'", () => {
    expect(doc.openapi).toBe('3.1.0');
  });

  it('documents every route the app serves, and only those', () => {
    const routes = registeredRoutes(t.app).filter((r) => r.method !== 'HEAD');
    expect(routes.length).toBeGreaterThan(10);
    const served = new Set(
      routes.filter((r) => !HIDDEN(r.path)).map((r) => `${r.method} ${openapiPath(r.path)}`),
    );
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, item]) =>
        Object.keys(item)
          .filter((k) => METHODS.includes(k))
          .map((m) => `${m.toUpperCase()} ${path}`),
      ),
    );
    expect([...served].sort()).toEqual([...documented].sort());
    // The SPEC's hot path and the health endpoints are among them.
    expect(documented).toContain('GET /v1/organizations/{org}/members/{userId}/permissions');
    expect(documented).toContain('GET /healthz');
    expect(documented).toContain('GET /readyz');
  });

  it('declares the responses of every operation, a success among them, and every path parameter', () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!METHODS.includes(method)) continue;
        const codes = Object.keys(op.responses ?? {});
        expect(codes.length, `${method} ${path}`).toBeGreaterThan(0);
        expect(
          codes.some((c) => /^[23]\d\d$/.test(c)),
          `${method} ${path} has a success response`,
        ).toBe(true);
        const declared = new Set(
          (op.parameters ?? [])
            .map((p) => p as { in: string; name: string })
            .filter((p) => p.in === 'path')
            .map((p) => p.name),
        );
        for (const [, name] of path.matchAll(/\{(\w+)\}/g)) {
          expect(declared.has(name as string), `${method} ${path} declares {${name}}`).toBe(true);
        }
      }
    }
  });

  it('has the ErrorResponse component, and every error response uses it', () => {
    const error = doc.components.schemas.ErrorResponse as {
      properties?: { error?: { required?: string[] } };
    };
    expect(error).toBeDefined();
    expect(error.properties?.error?.required).toEqual(expect.arrayContaining(['code', 'message']));
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        for (const [code, response] of Object.entries(op.responses ?? {})) {
          if (!/^[45]\d\d$/.test(code)) continue;
          expect(JSON.stringify(response), `${method} ${path} ${code}`).toContain(
            '"$ref":"#/components/schemas/ErrorResponse"',
          );
        }
      }
    }
  });

  it('has no dangling $ref: each one points inside the document at something that exists', () => {
    const refs: string[] = [];
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if (k === '$ref' && typeof v === 'string') refs.push(v);
          else walk(v);
        }
      }
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of new Set(refs)) {
      expect(ref, ref).toMatch(/^#\//);
      let target: unknown = doc;
      for (const raw of ref.slice(2).split('/')) {
        const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
        target = (target as Record<string, unknown> | undefined)?.[key];
      }
      expect(target, ref).toBeDefined();
    }
  });

  it('serves the Swagger UI at /docs', async () => {
    let url = '/docs';
    let res = await t.app.inject({ url });
    for (let hops = 0; res.statusCode >= 300 && res.statusCode < 400 && hops < 5; hops++) {
      url = new URL(String(res.headers.location), `http://roster.test${url}`).pathname;
      res = await t.app.inject({ url });
    }
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toMatch(/swagger-ui/i);
  });
});

/**
 * The answers given before any route runs, over real connections (SPEC §3: every error is
 * `{ error: { code, message } }`): Node's HTTP parser refusing a request (headers too large → 431,
 * a URL too long → 414, not HTTP → 400, headers too late → 408), the router refusing an over-long
 * path segment (414), a body-less route given a body it cannot parse (415, 400), and the 503 to a
 * request that arrives on a kept-alive connection while the instance shuts down. Each is in the
 * envelope, and the OpenAPI document declares it for the operation that was asked.
 */
import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type { DatabaseHandle } from '../src/db/database.ts';
import {
  bearer,
  createTestApp,
  freshDatabase,
  type SignedUp,
  signUp,
  type TestApp,
  waitUntil,
} from './helpers.ts';

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Splits what a server wrote on one connection into its responses (each with a Content-Length). */
function parseResponses(raw: Buffer): RawResponse[] {
  const out: RawResponse[] = [];
  let rest = raw;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    if (end === -1) break;
    const [statusLine, ...lines] = rest.subarray(0, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    const body = rest.subarray(end + 4, end + 4 + length).toString('utf8');
    out.push({ status: Number(statusLine?.split(' ')[1]), headers, body });
    rest = rest.subarray(end + 4 + length);
  }
  return out;
}

/** Writes `data` on a new connection and collects everything the server writes until it closes it. */
function exchange(port: number, data: string | Buffer): Promise<RawResponse[]> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1', () => socket.write(data));
    socket.on('data', (c: Buffer) => chunks.push(c));
    // The server may close while the client is still writing: what it answered is what counts.
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') reject(err);
    });
    socket.on('close', () => resolve(parseResponses(Buffer.concat(chunks))));
  });
}

/** Asserts the error envelope and nothing else, as JSON. */
function expectEnvelope(res: RawResponse | undefined, status: number, code: string) {
  expect(res, 'an answer').toBeDefined();
  const r = res as RawResponse;
  expect(r.status, r.body).toBe(status);
  expect(r.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(r.body) as { error: Record<string, unknown> };
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(Object.keys(body.error).every((k) => ['code', 'message', 'details'].includes(k))).toBe(true);
}

type Doc = { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };

let t: TestApp;
let port: number;
let doc: Doc;
let user: SignedUp;

/** The statuses the document declares for `method path`. */
const declared = (method: string, path: string) => Object.keys(doc.paths[path]?.[method]?.responses ?? {});

beforeAll(async () => {
  t = await createTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = (t.app.server.address() as net.AddressInfo).port;
  doc = (await t.app.inject({ url: '/v1/openapi.json' })).json();
  user = await signUp(t.app);
});
afterAll(() => t?.close());

describe("answers from Node's HTTP parser, in the envelope and in the document", () => {
  it('431 HEADERS_TOO_LARGE for headers over the limit, and the connection is closed', async () => {
    const [res, ...more] = await exchange(
      port,
      `GET /v1/me HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${user.token}\r\nx-padding: ${'p'.repeat(20_000)}\r\n\r\n`,
    );
    expectEnvelope(res, 431, 'HEADERS_TOO_LARGE');
    expect(res?.headers.connection).toBe('close');
    expect(more).toEqual([]);
    expect(declared('get', '/v1/me')).toContain('431');
  });

  it('431 too when the headers are far larger than one packet', async () => {
    const [res] = await exchange(
      port,
      `GET /healthz HTTP/1.1\r\nhost: x\r\nx-padding: ${'p'.repeat(200_000)}\r\n\r\n`,
    );
    expectEnvelope(res, 431, 'HEADERS_TOO_LARGE');
    expect(declared('get', '/healthz')).toContain('431');
  });

  it('414 URI_TOO_LONG for a URL over the limit', async () => {
    for (const url of [
      `/v1/organizations/acme/members?q=${'q'.repeat(20_000)}`,
      `/v1/organizations/acme/members?q=${'q'.repeat(100_000)}`,
    ]) {
      const [res] = await exchange(port, `GET ${url} HTTP/1.1\r\nhost: x\r\n\r\n`);
      expectEnvelope(res, 414, 'URI_TOO_LONG');
    }
    expect(declared('get', '/v1/organizations/{org}/members')).toContain('414');
  });

  it('414 URI_TOO_LONG from the router for one path segment over 200 characters', async () => {
    const [res] = await exchange(
      port,
      `GET /v1/organizations/${'a'.repeat(201)} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`,
    );
    expectEnvelope(res, 414, 'URI_TOO_LONG');
    expect(declared('get', '/v1/organizations/{org}')).toContain('414');
  });

  it('400 BAD_REQUEST for what is not HTTP', async () => {
    for (const request of [
      'G@T /v1/me HTTP/1.1\r\nhost: x\r\n\r\n',
      'GET /v1/me HTTP/1.1\r\nbad header: x\r\n\r\n',
      'GET /v1/me\x01 HTTP/1.1\r\nhost: x\r\n\r\n',
    ]) {
      const [res] = await exchange(port, request);
      expectEnvelope(res, 400, 'BAD_REQUEST');
    }
    expect(declared('get', '/v1/me')).toContain('400');
  });

  it('408 REQUEST_TIMEOUT when the request does not arrive in time (the server’s request timer)', async () => {
    // Node raises ERR_HTTP_REQUEST_TIMEOUT on a connection whose headers are still incomplete after
    // `headersTimeout` (60 s); the same clientError event is raised here on a real connection.
    const accepted = new Promise<net.Socket>((resolve) => t.app.server.once('connection', resolve));
    const answer = new Promise<RawResponse[]>((resolve) => {
      const chunks: Buffer[] = [];
      const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /v1/me HTTP/1.1\r\nhost: x\r\n'));
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('error', () => {});
      socket.on('close', () => resolve(parseResponses(Buffer.concat(chunks))));
    });
    const serverSide = await accepted;
    t.app.server.emit(
      'clientError',
      Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }),
      serverSide,
    );
    const [res] = await answer;
    expectEnvelope(res, 408, 'REQUEST_TIMEOUT');
    expect(declared('get', '/v1/me')).toContain('408');
  });
});

describe('bodies sent to routes that read none', () => {
  it('415 UNSUPPORTED_MEDIA_TYPE for a text body, 400 INVALID_JSON for bad JSON, on body-less POST and DELETE', async () => {
    const cases = [
      ['POST', '/v1/auth/sign-out', 'post', '/v1/auth/sign-out'],
      ['DELETE', '/v1/organizations/acme', 'delete', '/v1/organizations/{org}'],
    ] as const;
    for (const [method, url, docMethod, docPath] of cases) {
      const text = await t.app.inject({
        method,
        url,
        headers: { ...bearer(user.token), 'content-type': 'text/plain' },
        payload: 'hello',
      });
      expect(text.statusCode, `${method} ${url}`).toBe(415);
      expect(text.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      const bad = await t.app.inject({
        method,
        url,
        headers: { ...bearer(user.token), 'content-type': 'application/json' },
        payload: '{"unterminated',
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.code).toBe('INVALID_JSON');
      expect(declared(docMethod, docPath)).toEqual(expect.arrayContaining(['400', '413', '415']));
    }
    // A GET ignores a body: no 413 or 415 declared there.
    expect(declared('get', '/v1/me')).not.toContain('415');
    expect(declared('get', '/v1/me')).not.toContain('413');
  });

  it('401 for an invalid bearer credential on a route open to anyone, and the document says so', async () => {
    const res = await t.app.inject({ url: '/v1/webhook-event-types', headers: bearer('rs_not-a-session') });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('UNAUTHENTICATED');
    expect(declared('get', '/v1/webhook-event-types')).toContain('401');
    // Probes read no credential: none declared, none answered.
    expect(declared('get', '/healthz')).not.toContain('401');
  });
});

describe('shutting down', () => {
  let database: DatabaseHandle;
  let app: FastifyInstance;
  let release: () => void = () => {};
  let entered = false;

  beforeAll(async () => {
    database = await freshDatabase();
    const config = loadConfig(
      { PORT: '0', PUBLIC_URL: 'http://roster.test', LOG_LEVEL: 'silent' },
      { outboxWorker: false, consoleDir: null },
    );
    app = await buildApp(config, { database, migrate: false });
    // A request that stays in flight until the test lets it go, so the connection is busy at close.
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    app.get('/test/held', { schema: { hide: true }, config: { auth: 'manual' } }, async () => {
      entered = true;
      await held;
      return { ok: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    release();
    await app?.close();
    await database?.close();
  });

  it('a request arriving on a kept-alive connection while the instance closes: 503 UNAVAILABLE in the envelope, then the connection closes', async () => {
    const { port: appPort } = app.server.address() as net.AddressInfo;
    const chunks: Buffer[] = [];
    const socket = net.connect(appPort, '127.0.0.1');
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {});
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('GET /test/held HTTP/1.1\r\nhost: x\r\n\r\n');
    await waitUntil(() => entered);

    const closing = app.close();
    // The listener is closed (after the preClose hooks): no new connection; this one is busy.
    await waitUntil(() => !app.server.listening);
    socket.write('GET /v1/me HTTP/1.1\r\nhost: x\r\n\r\n');
    release();
    await closed;
    await closing;

    const [first, second, ...more] = parseResponses(Buffer.concat(chunks));
    expect(first?.status).toBe(200);
    expectEnvelope(second, 503, 'UNAVAILABLE');
    expect(second?.headers.connection).toBe('close');
    expect(more).toEqual([]);
    expect(declared('get', '/v1/me')).toContain('503');
  });
});

/**
 * The typed Roster client: one `call` function over `fetch`, typed by the operations of the OpenAPI
 * document (api-types.gen.ts, generated from `/v1/openapi.json`). It runs in browsers (the web console
 * uses it with the session cookie) and in Node 20+ (with an API key or a session token).
 *
 * @example
 * const roster = createClient({ baseUrl: 'https://roster.example.com', token: process.env.ROSTER_API_KEY });
 * const page = await roster.call('GET /v1/organizations/{org}/members', {
 *   path: { org: 'acme' },
 *   query: { role: 'admin', limit: 20 },
 * });
 * for (const m of page.data) console.log(m.email, m.role);
 */
import type { Operations, Schemas } from './api-types.gen.ts';

export type { Operations, Schemas } from './api-types.gen.ts';
export type OperationKey = keyof Operations;

type SuccessStatus = 200 | 201 | 202 | 204;
type Responses<K extends OperationKey> = Operations[K]['responses'];

/** What a successful call resolves to: the body of the operation's 2xx response (undefined for 204). */
export type Result<K extends OperationKey> = {
  [S in keyof Responses<K>]: S extends SuccessStatus ? Responses<K>[S] : never;
}[keyof Responses<K>];

/**
 * A successful call with its status, for operations whose 2xx statuses mean different things (an
 * install answers 201 when it created the installation, 200 with the one already there).
 */
export type Reply<K extends OperationKey> = {
  [S in keyof Responses<K>]: S extends SuccessStatus ? { status: S; body: Responses<K>[S] } : never;
}[keyof Responses<K>];

/** The JSON body an operation takes (undefined when it takes none). */
export type Body<K extends OperationKey> = Operations[K]['body'];

/** A part of the request that may be left out when all its fields are optional. */
type Part<Name extends string, T> = [T] extends [undefined]
  ? { [P in Name]?: undefined }
  : Record<string, never> extends T
    ? { [P in Name]?: T }
    : { [P in Name]: T };

/** The arguments of an operation: `path` and `query` parameters and the JSON `body`. */
export type Args<K extends OperationKey> = Part<'path', Operations[K]['path']> &
  Part<'query', Operations[K]['query']> &
  Part<'body', Operations[K]['body']> & { signal?: AbortSignal };

type OptionalArgs<K extends OperationKey> =
  Record<string, never> extends Args<K> ? [args?: Args<K>] : [args: Args<K>];

export type ErrorBody = Schemas['ErrorResponse']['error'];

/**
 * A call that did not succeed: the API's error envelope (`code`, `message`, `details`), or
 * `NETWORK_ERROR` when no answer came, or `BAD_RESPONSE` when the answer was not the envelope.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, body: ErrorBody) {
    super(body.message);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code;
    this.details = body.details;
  }

  /** The field issues of a validation error (`details: [{ field, message }]`), if any. */
  get fieldIssues(): Array<{ field: string; message: string }> {
    if (!Array.isArray(this.details)) return [];
    return this.details.filter(
      (d): d is { field: string; message: string } =>
        typeof d === 'object' && d !== null && typeof d.field === 'string' && typeof d.message === 'string',
    );
  }
}

export interface ClientOptions {
  /** Where Roster answers, e.g. `https://roster.example.com`. @default '' (the page's own origin) */
  baseUrl?: string;
  /** A session token (`rs_…`) or an API key (`rk_…`), sent as a Bearer token; without it, cookies are used. */
  token?: string;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

export interface RosterClient {
  call<K extends OperationKey>(operation: K, ...args: OptionalArgs<K>): Promise<Result<K>>;
  /** Like `call`, resolving to the status and the body. */
  send<K extends OperationKey>(operation: K, ...args: OptionalArgs<K>): Promise<Reply<K>>;
}

function isErrorEnvelope(value: unknown): value is { error: ErrorBody } {
  const error = (value as { error?: unknown } | null)?.error as Partial<ErrorBody> | undefined;
  return typeof error?.code === 'string' && typeof error.message === 'string';
}

/** `/v1/organizations/{org}` with `{ org: 'a b' }` → `/v1/organizations/a%20b`. */
export function fillPath(template: string, params: Record<string, unknown> = {}): string {
  return template.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const value = params[name];
    if (value === undefined || value === null || value === '')
      throw new Error(`missing path parameter '${name}'`);
    return encodeURIComponent(String(value));
  });
}

export function queryString(params: Record<string, unknown> = {}): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    for (const v of Array.isArray(value) ? value : [value]) search.append(name, String(v));
  }
  const s = search.toString();
  return s ? `?${s}` : '';
}

export function createClient(options: ClientOptions = {}): RosterClient {
  const baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
  const doFetch =
    options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));

  const client: RosterClient = {
    async call(operation, ...rest) {
      return (await client.send(operation, ...rest)).body as never;
    },
    async send(operation, ...rest) {
      const args = (rest[0] ?? {}) as {
        path?: Record<string, unknown>;
        query?: Record<string, unknown>;
        body?: unknown;
        signal?: AbortSignal;
      };
      const [method, template] = (operation as string).split(' ') as [string, string];
      const url = `${baseUrl}${fillPath(template, args.path)}${queryString(args.query)}`;
      const headers: Record<string, string> = { accept: 'application/json' };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      // A JSON content type only with a body: an empty body declared as JSON is a 400.
      if (args.body !== undefined) headers['content-type'] = 'application/json';

      let res: Response;
      try {
        res = await doFetch(url, {
          method,
          headers,
          body: args.body === undefined ? undefined : JSON.stringify(args.body),
          credentials: 'same-origin',
          signal: args.signal,
        });
      } catch (err) {
        if ((err as { name?: string }).name === 'AbortError') throw err;
        throw new ApiError(0, { code: 'NETWORK_ERROR', message: 'Roster could not be reached.' });
      }
      const text = await res.text();
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      if (res.ok) return { status: res.status, body } as never;
      if (isErrorEnvelope(body)) throw new ApiError(res.status, body.error);
      throw new ApiError(res.status, {
        code: 'BAD_RESPONSE',
        message: `Roster answered ${res.status} without an error description.`,
      });
    },
  };
  return client;
}

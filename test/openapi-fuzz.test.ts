/**
 * The OpenAPI document says every answer (SPEC §3; STYLE 6: the route schemas produce the document).
 * For each operation /v1/openapi.json lists, a bounded set of malformed and edge requests, derived
 * from the operation's own schemas: values of the wrong type, too long, with a NUL character or badly
 * percent-encoded; path segments longer than the router takes; unknown query parameters and fields;
 * bad JSON, an empty or absent body, other content types, a body over the limit; and no, invalid and
 * valid credentials (a session, an API key, a member without the scope). Each answer must carry a
 * status the document declares for that operation and a body the schema declared for that status
 * accepts — the error envelope for every 4xx/5xx — and none may be a 500. Nothing random: the same
 * requests every run, about 2,500 of them.
 */
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY_SCOPES, type Scope } from '../src/features/access/scopes.ts';
import { createApiKey } from '../src/features/api-keys/api-key.service.ts';
import {
  addActiveMember,
  bearer,
  createOrg,
  createTestApp,
  type SignedUp,
  signUpEach,
  type TestApp,
  uniqueEmail,
} from './helpers.ts';

type AddFormats = (ajv: Ajv) => Ajv;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ??
  (addFormatsModule as unknown as AddFormats);

interface Schema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  minProperties?: number;
}
interface Parameter {
  in: 'path' | 'query' | 'header' | 'cookie';
  name: string;
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
interface Doc {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

interface Fixtures {
  owner: SignedUp;
  member: SignedUp;
  org: { id: string; slug: string };
  apiKey: string;
}

interface Case {
  label: string;
  headers: Record<string, string>;
  /** Raw (already encoded) values for path parameters; the others are the well-formed ones. */
  path?: Record<string, string>;
  query?: string;
  /** undefined: no body at all. */
  body?: string;
  contentType?: string;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const BODY_METHODS = new Set(['post', 'put', 'patch', 'delete']);
/** Path parameters longer than this are refused by the router (app.ts `maxParamLength`). */
const ROUTER_MAX_PARAM = 200;
const SOME_UUID = '00000000-0000-7000-8000-00000000f022';

let t: TestApp;
let doc: Doc;
let ajv: Ajv;
let f: Fixtures;

function resolve(schema: Schema | undefined): Schema {
  let s = schema ?? {};
  for (let hops = 0; s.$ref && hops < 10; hops++) {
    s = doc.components.schemas[s.$ref.replace('#/components/schemas/', '')] ?? {};
  }
  return s;
}

function typeOf(s: Schema): string | undefined {
  if (Array.isArray(s.type)) return s.type.find((x) => x !== 'null');
  if (s.type) return s.type;
  if (s.properties) return 'object';
  const alt = s.anyOf ?? s.oneOf;
  if (alt) return typeOf(resolve(alt.find((a) => resolve(a).type !== 'null') ?? alt[0]));
  if (s.enum) return typeof s.enum[0];
  return undefined;
}

/** A well-formed value for `schema` (a field named `name`), from its constraints. */
function sample(schema: Schema | undefined, name = ''): unknown {
  const s = resolve(schema);
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  const alt = s.anyOf ?? s.oneOf;
  if (alt) return sample(alt.find((a) => resolve(a).type !== 'null') ?? alt[0], name);
  if (s.allOf) return Object.assign({}, ...s.allOf.map((a) => sample(a, name)));
  switch (typeOf(s)) {
    case 'string': {
      if (s.format === 'uuid') return SOME_UUID;
      if (s.format === 'email' || /email/i.test(name)) return uniqueEmail('fuzz');
      if (s.format === 'date-time') return new Date().toISOString();
      if (s.format === 'uri' || /url/i.test(name)) return 'https://example.com/hook';
      if (/password/i.test(name)) return 'correct horse battery';
      return 'fuzz'.padEnd(s.minLength ?? 1, 'z').slice(0, Math.max(s.maxLength ?? 4, 1));
    }
    case 'integer':
    case 'number':
      return s.minimum ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, () => sample(s.items, name));
    case 'object': {
      const out: Record<string, unknown> = {};
      const props = Object.entries(s.properties ?? {});
      const wanted = new Set(s.required ?? []);
      if ((s.minProperties ?? 0) > wanted.size && props[0]) wanted.add(props[0][0]);
      for (const [key, p] of props) if (wanted.has(key)) out[key] = sample(p, key);
      return out;
    }
    case 'null':
      return null;
  }
  return 'fuzz';
}

/** A value of another JSON type than `schema` allows (for an enum, a string it does not list). */
function wrongType(schema: Schema | undefined): unknown {
  const s = resolve(schema);
  switch (typeOf(s)) {
    case 'string':
      return s.enum || s.anyOf ? 'not-one-of-these' : 12345;
    case 'integer':
    case 'number':
      return 'twelve';
    case 'boolean':
      return 'yes';
    case 'array':
      return { not: 'a list' };
    case 'object':
      return 'not an object';
  }
  return [[]];
}

/** A string one character longer than `schema` allows (a long one when it sets no limit), or null. */
function tooLong(schema: Schema | undefined): string | null {
  const s = resolve(schema);
  if (typeOf(s) !== 'string' || s.enum || s.anyOf) return null;
  return 'a'.repeat(s.maxLength !== undefined ? s.maxLength + 1 : 5000);
}

/** The requests one operation gets: mutations as the owner first, then every kind of caller. */
function casesFor(method: string, op: Operation): Case[] {
  const owner = bearer(f.owner.token);
  const cases: Case[] = [];
  const params = op.parameters ?? [];
  for (const p of params.filter((x) => x.in === 'path')) {
    const s = resolve(p.schema);
    if (s.maxLength !== undefined && s.maxLength < ROUTER_MAX_PARAM)
      cases.push({
        label: `${p.name} too long`,
        headers: owner,
        path: { [p.name]: 'a'.repeat(s.maxLength + 1) },
      });
    cases.push({
      label: `${p.name} longer than the router takes`,
      headers: owner,
      path: { [p.name]: 'a'.repeat(ROUTER_MAX_PARAM + 1) },
    });
    cases.push({ label: `${p.name} with a NUL`, headers: owner, path: { [p.name]: 'a%00b' } });
    cases.push({ label: `${p.name} badly percent-encoded`, headers: owner, path: { [p.name]: '%E0%A4%A' } });
    cases.push({
      label: `${p.name} of another shape`,
      headers: owner,
      path: { [p.name]: 'not%20a%20uuid%20%F0%9F%A6%86' },
    });
  }
  for (const q of params.filter((x) => x.in === 'query')) {
    const value = (v: unknown) => `${q.name}=${encodeURIComponent(String(v))}`;
    cases.push({ label: `${q.name} of the wrong type`, headers: owner, query: value(wrongType(q.schema)) });
    const long = tooLong(q.schema);
    if (long !== null) cases.push({ label: `${q.name} too long`, headers: owner, query: value(long) });
    cases.push({ label: `${q.name} with a NUL`, headers: owner, query: `${q.name}=a%00b` });
    cases.push({
      label: `${q.name} twice`,
      headers: owner,
      query: `${value(sample(q.schema, q.name))}&${value(sample(q.schema, q.name))}`,
    });
  }
  cases.push({ label: 'an unknown query parameter', headers: owner, query: 'fuzz=1' });
  cases.push({ label: 'a NUL in an unknown query parameter', headers: owner, query: 'fuzz=%00' });

  const bodySchema = op.requestBody?.content?.['application/json']?.schema;
  const valid = bodySchema ? (sample(bodySchema) as Record<string, unknown>) : undefined;
  if (BODY_METHODS.has(method)) {
    const json = 'application/json';
    cases.push({
      label: 'a body that is not JSON',
      headers: owner,
      body: '{"unterminated',
      contentType: json,
    });
    cases.push({ label: 'an empty body declared as JSON', headers: owner, body: '', contentType: json });
    cases.push({ label: 'a text/plain body', headers: owner, body: 'hello', contentType: 'text/plain' });
    cases.push({ label: 'an XML body', headers: owner, body: '<a/>', contentType: 'application/xml' });
    cases.push({
      label: 'a malformed content type',
      headers: owner,
      body: '{}',
      contentType: 'application/',
    });
    cases.push({ label: 'a body over the limit', headers: owner, body: BIG_BODY, contentType: json });
    for (const body of ['[]', '"a string"', 'null', '12'])
      cases.push({ label: `the JSON ${body}`, headers: owner, body, contentType: json });
    if (bodySchema && valid) {
      cases.push({ label: 'no body', headers: owner });
      cases.push({ label: 'an empty object', headers: owner, body: '{}', contentType: json });
      cases.push({
        label: 'an unknown field',
        headers: owner,
        body: JSON.stringify({ ...valid, fuzz: true }),
        contentType: json,
      });
      for (const [name, p] of Object.entries(resolve(bodySchema).properties ?? {}).slice(0, 8)) {
        const withValue = (v: unknown) => JSON.stringify({ ...valid, [name]: v });
        cases.push({
          label: `${name} of the wrong type`,
          headers: owner,
          body: withValue(wrongType(p)),
          contentType: json,
        });
        const long = tooLong(p);
        if (long !== null) {
          cases.push({ label: `${name} too long`, headers: owner, body: withValue(long), contentType: json });
          cases.push({
            label: `${name} with a NUL`,
            headers: owner,
            body: withValue('a\u0000b'),
            contentType: json,
          });
        }
      }
    } else {
      cases.push({
        label: 'a JSON body it does not read',
        headers: owner,
        body: '{"fuzz":true}',
        contentType: json,
      });
    }
  }

  // Every kind of caller on the well-formed request; the owner last (it may delete what it asks about).
  const callers: Array<[string, Record<string, string>]> = [
    ['no credential', {}],
    ['an invalid session', bearer('rs_not-a-session')],
    ['an invalid API key', bearer('rk_not.a-key')],
    ['an invalid app token', bearer('ra_not-a-token')],
    ['another authorization scheme', { authorization: 'Basic Zm9vOmJhcg==' }],
    ['a stale session cookie', { cookie: 'roster_session=rs_stale' }],
    ['a member', bearer(f.member.token)],
    ['an API key', bearer(f.apiKey)],
    ['the owner', owner],
  ];
  for (const [who, headers] of callers) {
    cases.push(
      valid === undefined
        ? { label: `as ${who}`, headers }
        : { label: `as ${who}`, headers, body: JSON.stringify(valid), contentType: 'application/json' },
    );
  }
  return cases;
}

const BIG_BODY = JSON.stringify({ fuzz: 'x'.repeat(1_048_576) });

/** The well-formed value of a path parameter: this file's organization and member, or a shape that fits. */
function pathValue(p: Parameter): string {
  if (p.name === 'org') return f.org.slug;
  if (p.name === 'userId') return f.member.user.id;
  return encodeURIComponent(String(sample(p.schema, p.name)));
}

function urlOf(path: string, op: Operation, c: Case): string {
  const byName = new Map((op.parameters ?? []).filter((p) => p.in === 'path').map((p) => [p.name, p]));
  const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const raw = c.path?.[name];
    return raw ?? pathValue(byName.get(name) as Parameter);
  });
  return c.query ? `${filled}?${c.query}` : filled;
}

/** What is wrong with `res` as an answer of `op` (null: nothing). */
function mismatch(op: Operation, res: LightMyRequestResponse): string | null {
  const status = String(res.statusCode);
  const declared = op.responses[status];
  if (!declared)
    return `${status} is not declared (${Object.keys(op.responses).join(', ')}): ${res.body.slice(0, 160)}`;
  if (res.statusCode >= 500) return `${status}: ${res.body.slice(0, 160)}`;
  const schema = declared.content?.['application/json']?.schema;
  if (!schema)
    return res.body === '' ? null : `${status} has a body, none declared: ${res.body.slice(0, 80)}`;
  if (!/^application\/json/.test(String(res.headers['content-type'])))
    return `${status} is ${res.headers['content-type']}, not JSON`;
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    return `${status} is not JSON: ${res.body.slice(0, 80)}`;
  }
  const validate = ajv.compile(toDocRefs(schema));
  if (!validate(body))
    return `${status} body does not match the declared schema (${ajv.errorsText(validate.errors)}): ${res.body.slice(0, 160)}`;
  return null;
}

/** `#/components/…` refs point into the document, registered with Ajv as `doc`. */
function toDocRefs<T>(node: T): T {
  return JSON.parse(JSON.stringify(node).replaceAll('"#/components/', '"doc#/components/'));
}

function withoutIds<T>(node: T): T {
  return JSON.parse(JSON.stringify(node, (k, v) => (k === '$id' ? undefined : v)));
}

async function makeFixtures(): Promise<Fixtures> {
  const [owner, member] = await signUpEach(t.app, ['fuzz-owner', 'fuzz-member']);
  const org = await createOrg(t.app, owner.token);
  await addActiveMember(t.database, org.id, member.user.id, 'member');
  const key = await createApiKey(t.database.db, 'fuzz', API_KEY_SCOPES as Scope[]);
  return { owner, member, org, apiKey: key.token };
}

/** The fixtures still stand: both sessions work, the organization and the membership exist. */
async function intact(): Promise<boolean> {
  const ok = async (url: string, token: string) =>
    (await t.app.inject({ url, headers: bearer(token) })).statusCode === 200;
  return (
    (await ok('/v1/me', f.owner.token)) &&
    (await ok('/v1/me', f.member.token)) &&
    (await ok(`/v1/organizations/${f.org.slug}/members/${f.member.user.id}`, f.owner.token))
  );
}

beforeAll(async () => {
  t = await createTestApp();
  doc = (await t.app.inject({ url: '/v1/openapi.json' })).json();
  ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ components: withoutIds(doc.components) }, 'doc');
  f = await makeFixtures();
});
afterAll(() => t?.close());

describe('every answer is one the OpenAPI document declares', () => {
  it('malformed and edge requests to every operation get a declared status and a body of the declared schema', async () => {
    const problems: string[] = [];
    const seen = new Map<string, number>();
    let requests = 0;
    let operations = 0;
    let rebuilt = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        operations += 1;
        for (const c of casesFor(method, op)) {
          const headers: Record<string, string> = { ...c.headers };
          if (c.contentType) headers['content-type'] = c.contentType;
          const res = await t.app.inject({
            method: method.toUpperCase() as 'GET',
            url: urlOf(path, op, c),
            headers,
            ...(c.body === undefined ? {} : { payload: c.body }),
          });
          requests += 1;
          seen.set(String(res.statusCode), (seen.get(String(res.statusCode)) ?? 0) + 1);
          const wrong = mismatch(op, res);
          if (wrong) problems.push(`${method.toUpperCase()} ${path} [${c.label}] → ${wrong}`);
        }
        // An operation that signed the owner out, deleted the organization or removed the member
        // leaves the next ones without their callers: start them on new ones.
        if (!(await intact())) {
          f = await makeFixtures();
          rebuilt += 1;
        }
      }
    }
    const statuses = [...seen.entries()].sort(([a], [b]) => Number(a) - Number(b));
    console.info(
      `openapi fuzz: ${requests} requests over ${operations} operations (fixtures rebuilt ${rebuilt} times); statuses ${statuses.map(([s, n]) => `${s}×${n}`).join(' ')}`,
    );
    expect(operations).toBeGreaterThan(50);
    expect(problems).toEqual([]);
    // Bounded: the suite stays fast whatever the document grows to (about 25 requests an operation).
    expect(requests).toBeLessThan(operations * 60);
    // The requests did reach both sides of the contract: refusals and successes.
    for (const status of ['200', '400', '401', '403', '404', '413', '414', '415'])
      expect(seen.get(status)).toBeGreaterThan(0);
  });
});

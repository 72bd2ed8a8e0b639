/**
 * Writes src/client/api-types.gen.ts: the TypeScript types of every operation in Roster's OpenAPI
 * document, which src/client/client.ts (and through it the web console) is typed with. The document is
 * the one `/v1/openapi.json` serves, built from the route schemas by `buildApp` on an in-memory
 * database, without listening. test/client.test.ts fails when the committed file is out of date.
 *
 * @example npm run generate:client
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const GENERATED_PATH = path.resolve(import.meta.dirname, '../src/client/api-types.gen.ts');

type Json = Record<string, unknown>;
type Schema = Json & {
  type?: string | string[];
  $ref?: string;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: boolean | Schema;
  description?: string;
  default?: unknown;
};

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
  description?: string;
}

interface Operation {
  summary?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

export interface OpenApiDocument {
  components?: { schemas?: Record<string, Schema> };
  paths: Record<string, Record<string, Operation>>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

const key = (name: string) => (IDENT.test(name) ? name : JSON.stringify(name));
const pad = (depth: number) => '  '.repeat(depth);

function comment(text: string | undefined, depth: number): string {
  if (!text) return '';
  return `${pad(depth)}/** ${text.replace(/\*\//g, '*\\/').replace(/\s+/g, ' ').trim()} */\n`;
}

/** A JSON Schema as a TypeScript type; `depth` is the indentation of the line it starts on. */
export function schemaType(schema: Schema | undefined, depth = 0): string {
  if (!schema || Object.keys(schema).length === 0) return 'unknown';
  if (schema.$ref) {
    const name = schema.$ref.replace(/^#\/components\/schemas\//, '');
    return `Schemas[${JSON.stringify(name)}]`;
  }
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return [...new Set(flatten(union).map((s) => wrap(schemaType(s, depth))))].join(' | ');
  if (schema.allOf) return schema.allOf.map((s) => wrap(schemaType(s, depth))).join(' & ');
  if (Array.isArray(schema.type)) {
    return schema.type.map((t) => schemaType({ ...schema, type: t }, depth)).join(' | ');
  }
  switch (schema.type) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array':
      return `Array<${schemaType(schema.items, depth)}>`;
    case 'object':
    case undefined:
      return objectType(schema, depth);
    default:
      return 'unknown';
  }
}

/** The members of nested unions, as one list (`(a | b) | null` → `a | b | null`). */
function flatten(union: Schema[]): Schema[] {
  return union.flatMap((s) => {
    const inner = s.anyOf ?? s.oneOf;
    return inner && !s.$ref ? flatten(inner) : [s];
  });
}

/** Parenthesizes a union or intersection that becomes part of a larger one. */
function wrap(type: string): string {
  return / [|&] /.test(type) && !type.startsWith('{') ? `(${type})` : type;
}

function objectType(schema: Schema, depth: number): string {
  const props = Object.entries(schema.properties ?? {});
  const extra = schema.additionalProperties;
  if (props.length === 0) {
    if (extra && typeof extra === 'object') return `Record<string, ${schemaType(extra, depth)}>`;
    return schema.type === 'object' && extra !== false ? 'Record<string, unknown>' : 'Record<string, never>';
  }
  const required = new Set(schema.required ?? []);
  const lines = props.map(
    ([name, prop]) =>
      `${comment(prop.description, depth + 1)}${pad(depth + 1)}${key(name)}${required.has(name) ? '' : '?'}: ${schemaType(prop, depth + 1)};\n`,
  );
  return `{\n${lines.join('')}${pad(depth)}}`;
}

function parametersType(params: Parameter[], depth: number): string {
  if (params.length === 0) return 'Record<string, never>';
  const lines = params.map((p) => {
    // A parameter with a default may be left out: the server fills it in.
    const optional = !p.required || p.schema?.default !== undefined;
    const doc = p.description ?? p.schema?.description;
    return `${comment(doc, depth + 1)}${pad(depth + 1)}${key(p.name)}${optional ? '?' : ''}: ${schemaType(p.schema, depth + 1)};\n`;
  });
  return `{\n${lines.join('')}${pad(depth)}}`;
}

function operationType(op: Operation, depth: number): string {
  const params = op.parameters ?? [];
  const body = op.requestBody?.content?.['application/json']?.schema;
  const bodyType = body ? schemaType(body, depth + 1) : 'undefined';
  const responses = Object.entries(op.responses ?? {}).map(([status, r]) => {
    const schema = r.content?.['application/json']?.schema;
    return `${pad(depth + 2)}${status}: ${schema ? schemaType(schema, depth + 2) : 'undefined'};\n`;
  });
  return [
    '{\n',
    `${pad(depth + 1)}path: ${parametersType(
      params.filter((p) => p.in === 'path'),
      depth + 1,
    )};\n`,
    `${pad(depth + 1)}query: ${parametersType(
      params.filter((p) => p.in === 'query'),
      depth + 1,
    )};\n`,
    `${pad(depth + 1)}body: ${bodyType};\n`,
    `${pad(depth + 1)}responses: {\n${responses.join('')}${pad(depth + 1)}};\n`,
    `${pad(depth)}}`,
  ].join('');
}

/** The generated module's source text for `doc`: deterministic, so it can be compared with the committed file. */
export function renderClientTypes(doc: OpenApiDocument): string {
  const out: string[] = [
    '/**\n',
    " * Generated from Roster's OpenAPI document (/v1/openapi.json) by scripts/generate-client.ts.\n",
    ' * Do not edit: run `npm run generate:client`. test/client.test.ts fails when it is out of date.\n',
    ' */\n\n',
    '/** The named schemas of the document (`components.schemas`). */\n',
    'export interface Schemas {\n',
  ];
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
    out.push(`${pad(1)}${key(name)}: ${schemaType(schema, 1)};\n`);
  }
  out.push('}\n\n');
  out.push(
    '/** Every operation, keyed `METHOD /path`: its path and query parameters, JSON body and responses. */\n',
  );
  out.push('export interface Operations {\n');
  for (const [route, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      out.push(comment(op.summary, 1));
      out.push(`${pad(1)}${JSON.stringify(`${method.toUpperCase()} ${route}`)}: ${operationType(op, 1)};\n`);
    }
  }
  out.push('}\n');
  return out.join('');
}

/** Builds the app on an in-memory database and reads its OpenAPI document, without listening. */
export async function loadOpenApiDocument(): Promise<OpenApiDocument> {
  const { buildApp } = await import('../src/app.ts');
  const { loadConfig } = await import('../src/config.ts');
  const app = await buildApp(
    loadConfig({
      DATABASE_URL: 'memory://',
      LOG_LEVEL: 'silent',
      OUTBOX_WORKER: 'false',
      CONSOLE_DIR: 'off',
    }),
  );
  try {
    await app.ready();
    const res = await app.inject({ url: '/v1/openapi.json' });
    return res.json() as OpenApiDocument;
  } finally {
    await app.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const source = renderClientTypes(await loadOpenApiDocument());
  await writeFile(GENERATED_PATH, source);
  console.log(`wrote ${path.relative(process.cwd(), GENERATED_PATH)}`);
}

/**
 * Request validation. Bodies are validated strictly (no type coercion, unknown fields rejected, so
 * `{"role": 1}` or `{"status": …}` never slips through); querystrings and path params are coerced
 * from strings, since that is all a URL carries.
 */
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FieldIssue } from './errors.ts';

// ajv-formats ships CommonJS; its default export sits one level down under ESM.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ??
  (addFormatsModule as unknown as AddFormats);

function makeAjv(coerceTypes: boolean | 'array'): Ajv {
  const ajv = new Ajv({
    coerceTypes,
    useDefaults: true,
    removeAdditional: false,
    allErrors: false,
    strict: false,
  });
  addFormats(ajv);
  return ajv;
}

const bodyAjv = makeAjv(false);
const urlAjv = makeAjv('array');

/**
 * Fastify's validator compiler: strict for bodies, coercing for querystrings and params. app.ts installs
 * it through `schemaController.compilersFactory` so that plugins calling `addSchema` use it too
 * (fastify/fastify#5188).
 */
export function compileValidator({ schema, httpPart }: { schema: object; httpPart?: string }) {
  return (httpPart === 'body' ? bodyAjv : urlAjv).compile(schema);
}

function pointerToPath(instancePath: string): string {
  return instancePath
    .split('/')
    .filter(Boolean)
    .map((seg) => seg.replaceAll('~1', '/').replaceAll('~0', '~'))
    .join('.');
}

/** One message for the failed branches of an `anyOf`: "must be one of 'a', 'b'" or "must be X or Y". */
function alternativesMessage(branches: ErrorObject[]): string {
  if (branches.length > 0 && branches.every((b) => b.keyword === 'const')) {
    const values = branches.map((b) => `'${(b.params as { allowedValue: unknown }).allowedValue}'`);
    return `must be one of ${[...new Set(values)].join(', ')}`;
  }
  const messages = [...new Set(branches.map((b) => b.message ?? 'is invalid'))];
  if (messages.length > 1 && messages.every((m) => m.startsWith('must be '))) {
    return `must be ${messages.map((m) => m.slice('must be '.length)).join(' or ')}`;
  }
  return messages.join(', or ') || 'is invalid';
}

function issueMessage(e: ErrorObject): string {
  switch (e.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a known field';
    case 'enum':
      return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => `'${v}'`).join(', ')}`;
    case 'const':
      return `must be '${(e.params as { allowedValue: unknown }).allowedValue}'`;
    case 'pattern':
      // The schemas use `\S` to say "not blank".
      return (e.params as { pattern: string }).pattern === '\\S'
        ? 'must not be blank'
        : (e.message ?? 'is invalid');
    case 'minProperties':
      return (e.params as { limit: number }).limit === 1
        ? 'must set at least one field'
        : (e.message ?? 'is invalid');
    default:
      return e.message ?? 'is invalid';
  }
}

/**
 * Turns ajv errors into `[{ field, message }]`, the field written as a dotted path. The failed
 * branches of a union (`anyOf`, e.g. a role or "integer or null") become one issue for the field.
 */
export function fieldIssues(errors: ErrorObject[], part: string | undefined): FieldIssue[] {
  const unions = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const insideUnion = (e: ErrorObject) =>
    unions.some((u) => u !== e && e.schemaPath.startsWith(`${u.schemaPath}/`));
  const issues: FieldIssue[] = [];
  for (const e of errors) {
    if (insideUnion(e)) continue;
    const base = pointerToPath(e.instancePath);
    let field = base;
    let message: string;
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf') {
      const branches = errors.filter(
        (b) => b.schemaPath.startsWith(`${e.schemaPath}/`) && b.instancePath === e.instancePath,
      );
      message = alternativesMessage(branches);
    } else {
      message = issueMessage(e);
      if (e.keyword === 'required') {
        field = [base, (e.params as { missingProperty: string }).missingProperty].filter(Boolean).join('.');
      } else if (e.keyword === 'additionalProperties') {
        field = [base, (e.params as { additionalProperty: string }).additionalProperty]
          .filter(Boolean)
          .join('.');
      }
    }
    issues.push({ field: field || (part === 'body' ? 'body' : (part ?? 'request')), message });
  }
  return issues;
}

/**
 * The dotted path of the first string (or object key) in `value` that holds U+0000, which PostgreSQL
 * text cannot store; `''` when `value` itself is such a string; null when there is none. Iterative,
 * so a deeply nested body cannot overflow the stack.
 */
export function findNulCharacter(value: unknown): string | null {
  const stack: Array<[unknown, string]> = [[value, '']];
  while (stack.length > 0) {
    const [v, path] = stack.pop() as [unknown, string];
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return path;
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        const name = k.replaceAll('\u0000', '\\u0000');
        const childPath = path ? `${path}.${name}` : name;
        if (name !== k) return childPath;
        stack.push([child, childPath]);
      }
    }
  }
  return null;
}

/**
 * Schemas shared by every feature: the error envelope, the status-code → schema helper, and the rule
 * that gives every route the error statuses it can answer whatever its handler does.
 */
import { type TSchema, Type } from '@sinclair/typebox';

export const ErrorResponse = Type.Object(
  {
    error: Type.Object(
      {
        code: Type.String({ description: 'Stable UPPER_SNAKE code.', pattern: '^[A-Z][A-Z0-9_]*$' }),
        message: Type.String(),
        details: Type.Optional(Type.Unknown()),
      },
      { additionalProperties: false },
    ),
  },
  { $id: 'ErrorResponse', title: 'Error', additionalProperties: false },
);

/** What each error status means, as the document describes it (an operation adds codes of its own). */
const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: a path, query or body value (`VALIDATION_FAILED`, `details` naming the field), a body that is not JSON (`INVALID_JSON`), a request that is not valid HTTP (`BAD_REQUEST`), or a code of this operation.',
  401: 'Not signed in, or the bearer credential is invalid or expired (`UNAUTHENTICATED`), or a code of this operation.',
  403: 'Not allowed for this caller (`FORBIDDEN` or a code of this operation).',
  404: 'No such resource, or not one the caller may see.',
  408: 'The request did not arrive in time (`REQUEST_TIMEOUT`); the connection is closed.',
  409: 'Conflicts with the current state.',
  410: 'Gone: expired or already used.',
  413: 'The body is larger than the limit (`PAYLOAD_TOO_LARGE`).',
  414: 'The URL, or one of its path segments, is too long (`URI_TOO_LONG`).',
  415: 'The body is not `application/json` (`UNSUPPORTED_MEDIA_TYPE`).',
  429: 'Too many requests (`RATE_LIMITED`); `retry-after` says when to try again.',
  431: 'The request headers are too large (`HEADERS_TOO_LARGE`); the connection is closed.',
  500: 'Something went wrong on our side (`INTERNAL`); the answer carries no internals.',
  503: 'Unavailable (`UNAVAILABLE`): the instance is shutting down (retry on a new connection), or a dependency is not ready.',
};

/** The error envelope as the response to `status`, described. */
export function errorResponse(status: number): TSchema {
  const description = ERROR_DESCRIPTIONS[status];
  return Type.Unsafe(description ? { $ref: 'ErrorResponse#', description } : { $ref: 'ErrorResponse#' });
}

/**
 * Adds the error envelope for each listed status code to a route's `response` map: the statuses of
 * the route's own rules (403, 404, 409, 410, 429 …). Those every route can answer by the way it is
 * made (400, 401, 413, 415, 500 …) are added to every route by {@link declareAnswerableErrors}.
 */
export function withErrors<T extends Record<number, TSchema>>(ok: T, ...codes: number[]) {
  const out: Record<number, TSchema> = { ...ok };
  for (const code of codes) out[code] = errorResponse(code);
  return out as T & Record<number, TSchema>;
}

/** Methods whose requests Fastify reads no body for (a body sent anyway is ignored). */
const BODYLESS = new Set(['GET', 'HEAD', 'TRACE']);

/** The part of a Fastify route's options the rule below reads (and writes). */
export interface RouteShape {
  method: string | string[];
  config?: unknown;
  schema?: unknown;
}

/**
 * The error statuses a route can answer whatever its handler does, from how it is made:
 * - 400 always: a NUL character in any query value or path (refused before the handler), a request
 *   Node's HTTP parser cannot read, and the route's params, query and body schemas;
 * - 401 when the route reads a credential (all but `config.auth: 'manual'`): an invalid or expired
 *   bearer credential is refused before the handler, even on routes open to anyone;
 * - 413 and 415 when its method takes a body (POST, PUT, PATCH, DELETE, OPTIONS), whether or not the
 *   route reads one: Fastify parses whatever body comes, and 400 covers one that is not JSON;
 * - 408, 414 and 431 always: Node answers them (through the server's `clientError` handler) before
 *   any route is chosen — a request whose headers are late, a URL or a path segment too long, headers
 *   too large;
 * - 500 and 503 always: an unexpected failure, and the answer to a request that arrives on a kept-alive
 *   connection while the instance shuts down.
 */
export function answerableErrors(route: RouteShape): number[] {
  const methods = [route.method].flat().map((m) => m.toUpperCase());
  const takesBody = methods.some((m) => !BODYLESS.has(m));
  const manual = (route.config as { auth?: string } | undefined)?.auth === 'manual';
  return [400, ...(manual ? [] : [401]), 408, ...(takesBody ? [413, 415] : []), 414, 431, 500, 503];
}

/**
 * For an `onRoute` hook registered before every route: gives the route's `response` map the statuses
 * of {@link answerableErrors} it does not declare yet, and a description to every error status, so
 * the OpenAPI document lists every answer the route can give. Routes left out of the document
 * (`schema.hide`) and routes without response schemas are left as they are.
 */
export function declareAnswerableErrors(route: RouteShape) {
  const schema = route.schema as { hide?: boolean; response?: Record<string, unknown> } | undefined;
  if (!schema?.response || schema.hide) return;
  const response: Record<string, unknown> = { ...schema.response };
  for (const status of answerableErrors(route)) response[status] ??= errorResponse(status);
  for (const [status, declared] of Object.entries(response)) {
    const ref = (declared as { $ref?: string; description?: string }).$ref;
    if (ref === 'ErrorResponse#' && !(declared as { description?: string }).description)
      response[status] = errorResponse(Number(status));
  }
  route.schema = { ...schema, response };
}

export const Uuid = Type.String({ format: 'uuid' });
/** Serialized as an ISO 8601 string; handlers may return the Date the database gave. */
export const Timestamp = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

/** A `$ref` to a schema registered with `app.addSchema`, typed as that schema. */
export function ref<T extends TSchema & { $id?: string }>(schema: T) {
  return Type.Unsafe<import('@sinclair/typebox').Static<T>>({ $ref: `${schema.$id}#` });
}

/**
 * A `preValidation` hook for routes whose body is optional: a request without one is validated (and
 * handled) as `{}`, so its schema needs only optional fields and a client may POST nothing at all.
 */
export async function bodyOptional(request: { body: unknown }) {
  if (request.body === undefined || request.body === null) request.body = {};
}

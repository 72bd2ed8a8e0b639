/** Schemas shared by every feature: the error envelope and the status-code → schema helper. */
import { type TSchema, Type } from '@sinclair/typebox';

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable UPPER_SNAKE code.' }),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { $id: 'ErrorResponse', title: 'Error' },
);

/** Adds the error envelope for each listed status code to a route's `response` map. */
export function withErrors<T extends Record<number, TSchema>>(ok: T, ...codes: number[]) {
  const out: Record<number, TSchema> = { ...ok };
  for (const code of codes) out[code] = Type.Unsafe({ $ref: 'ErrorResponse#' });
  return out as T & Record<number, TSchema>;
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

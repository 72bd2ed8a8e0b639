/**
 * Keyset pagination: a cursor is the opaque base64url form of the last row's sort key. A page asks the
 * database for `limit + 1` rows; the extra row, if any, says there is a next page.
 */
import { Type } from '@sinclair/typebox';
import { CommonErrors } from './errors.ts';

export const PageQuery = {
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 50, description: 'Page size (1–100).' }),
  cursor: Type.Optional(
    Type.String({ maxLength: 200, description: 'The `nextCursor` of the previous page.' }),
  ),
};

export function pageEnvelope<T extends import('@sinclair/typebox').TSchema>(item: T) {
  return Type.Object({
    data: Type.Array(item),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as `cursor` for the next page; null on the last.',
    }),
  });
}

export function encodeCursor(kind: string, key: string): string {
  return Buffer.from(`${kind}:${key}`, 'utf8').toString('base64url');
}

/** Decodes a cursor of this `kind`, validating its key; anything else is INVALID_CURSOR naming `cursor`. */
export function decodeCursor(kind: string, cursor: string | undefined, isValidKey: (key: string) => boolean) {
  if (cursor === undefined) return undefined;
  const raw = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const prefix = `${kind}:`;
  const key = raw.startsWith(prefix) ? raw.slice(prefix.length) : '';
  if (!key || !isValidKey(key)) {
    throw CommonErrors.INVALID_CURSOR([{ field: 'cursor', message: 'is not a cursor this list returned' }]);
  }
  return key;
}

/** Splits the `limit + 1` rows a query returned into the page and the next cursor. */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  keyOf: (row: R) => string,
  kind: string,
  map: (row: R) => T,
) {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  return {
    data: page.map(map),
    nextCursor: more && last !== undefined ? encodeCursor(kind, keyOf(last)) : null,
  };
}

/**
 * Statements built once. Building a query with Kysely (parsing its references, freezing its nodes,
 * compiling them to SQL) costs more than the database's own work for the hottest statements — the
 * credential and organization every request reads. `compiledOnce` builds such a statement once, with a
 * marker in place of each value, and keeps the SQL and where each marker went; a call only copies the
 * parameters and puts its values there. The SQL text is the same on every call, so the statement stays
 * prepared on each connection (see preparedStatementsPool).
 */
import { type Compilable, CompiledQuery, type Kysely, type QueryResult, type RawBuilder } from 'kysely';
import type { DB } from './schema.ts';

/**
 * `build` written as usual, its values taken from `p`; they must reach the statement as parameters,
 * unchanged (a value the builder transforms, or inlines, is refused when the statement is first built).
 * Returns the statement's runner: `(db, p)` executes it on `db` (a pool or a transaction).
 */
export function compiledOnce<P extends Record<string, unknown>, O>(
  keys: ReadonlyArray<keyof P & string>,
  build: (db: Kysely<DB>, p: P) => Compilable<O> | RawBuilder<O>,
): (db: Kysely<DB>, p: P) => Promise<QueryResult<O>> {
  let template: { sql: string; parameters: readonly unknown[]; slots: Array<[number, keyof P]> } | null =
    null;
  const prepare = (db: Kysely<DB>) => {
    const markers = Object.fromEntries(keys.map((k) => [k, `\u0000compiledOnce:${k}\u0000`])) as P;
    const built = build(db, markers);
    const compiled = 'isRawBuilder' in built ? built.compile(db) : built.compile();
    const slots: Array<[number, keyof P]> = [];
    compiled.parameters.forEach((value, i) => {
      const key = keys.find((k) => markers[k] === value);
      if (key !== undefined) slots.push([i, key]);
    });
    for (const k of keys) {
      if (!slots.some(([, key]) => key === k))
        throw new Error(`compiledOnce: the value '${k}' does not reach the statement as a parameter`);
    }
    return { sql: compiled.sql, parameters: compiled.parameters, slots };
  };
  return async (db, p) => {
    template ??= prepare(db);
    const parameters = template.parameters.slice();
    for (const [i, key] of template.slots) parameters[i] = p[key];
    return db.executeQuery(CompiledQuery.raw(template.sql, parameters) as CompiledQuery<O>);
  };
}

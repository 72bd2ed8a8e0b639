/**
 * compiledOnce (src/db/compiled.ts): a statement built once runs with each call's values, wherever the
 * builder put them, and a builder that would not pass a value through unchanged is refused at once.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiledOnce } from '../src/db/compiled.ts';
import type { DatabaseHandle } from '../src/db/database.ts';
import { freshDatabase } from './helpers.ts';

describe('compiledOnce', () => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await freshDatabase();
    await database.db
      .insertInto('users')
      .values([
        { email: 'ada@compiled.test', name: 'Ada' },
        { email: 'bob@compiled.test', name: 'Bob' },
      ])
      .execute();
  });
  afterAll(() => database.close());

  it('each call runs with its own values, the same SQL text every time', async () => {
    const texts: string[] = [];
    const byEmail = compiledOnce(['email', 'name'], (db, p: { email: string; name: string }) => {
      const q = db
        .selectFrom('users')
        .select(['email', 'name'])
        // `email` is used twice: both places take the call's value.
        .where((eb) => eb.or([eb('email', '=', p.email), eb('name', '=', p.name)]))
        .where('email', '=', p.email);
      texts.push(q.compile().sql);
      return q;
    });
    const ada = await byEmail(database.db, { email: 'ada@compiled.test', name: 'nobody' });
    expect(ada.rows).toEqual([{ email: 'ada@compiled.test', name: 'Ada' }]);
    const bob = await byEmail(database.db, { email: 'bob@compiled.test', name: 'Bob' });
    expect(bob.rows).toEqual([{ email: 'bob@compiled.test', name: 'Bob' }]);
    // Only the email matches both conditions: Ada's name with Bob's email finds no one.
    expect((await byEmail(database.db, { email: 'bob@compiled.test', name: 'Ada' })).rows).toEqual([
      { email: 'bob@compiled.test', name: 'Bob' },
    ]);
    expect((await byEmail(database.db, { email: 'eve@compiled.test', name: 'Eve' })).rows).toEqual([]);
    // Built once, for the first call.
    expect(texts).toHaveLength(1);
  });

  it('runs inside a transaction given as the database', async () => {
    const names = compiledOnce(['email'], (db, p: { email: string }) =>
      db.selectFrom('users').select('name').where('email', '=', p.email),
    );
    const inside = await database.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('users')
        .set({ name: 'Ada L.' })
        .where('email', '=', 'ada@compiled.test')
        .execute();
      const seen = await names(trx, { email: 'ada@compiled.test' });
      await trx.updateTable('users').set({ name: 'Ada' }).where('email', '=', 'ada@compiled.test').execute();
      return seen.rows;
    });
    expect(inside).toEqual([{ name: 'Ada L.' }]);
  });

  it('refuses a builder that changes a value or writes it into the SQL', async () => {
    const lowered = compiledOnce(['email'], (db, p: { email: string }) =>
      db.selectFrom('users').select('name').where('email', '=', p.email.toLowerCase()),
    );
    await expect(lowered(database.db, { email: 'ada@compiled.test' })).rejects.toThrow(
      "compiledOnce: the value 'email' does not reach the statement as a parameter",
    );
    const inlined = compiledOnce(['name'], (db, p: { name: string }) =>
      db.selectFrom('users').select('email').where('name', '=', sql.lit(p.name)),
    );
    await expect(inlined(database.db, { name: 'Ada' })).rejects.toThrow(/'name' does not reach/);
  });
});

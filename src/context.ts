/** What services receive: the database, the configuration, and a transaction runner. */
import type { Transaction } from 'kysely';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import type { DB } from './db/schema.ts';

export type Trx = Transaction<DB>;

export interface Context {
  db: Database;
  config: Config;
  /** Runs `fn` in one transaction; after a commit, wakes the outbox worker for what it enqueued. */
  transaction<T>(fn: (trx: Trx) => Promise<T>): Promise<T>;
}

export function createContext(db: Database, config: Config, afterCommit: () => void): Context {
  return {
    db,
    config,
    async transaction(fn) {
      const result = await db.transaction().execute(fn);
      afterCommit();
      return result;
    },
  };
}

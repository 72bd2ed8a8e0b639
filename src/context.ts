/** What services receive: the database, the configuration, a logger, and a transaction runner. */
import type { Transaction } from 'kysely';
import pino, { type Logger } from 'pino';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import type { DB } from './db/schema.ts';

export type Trx = Transaction<DB>;

export interface Context {
  db: Database;
  config: Config;
  log: Logger;
  /** Runs `fn` in one transaction; after a commit, wakes the outbox worker for what it enqueued. */
  transaction<T>(fn: (trx: Trx) => Promise<T>): Promise<T>;
}

interface TransactionScope {
  ctx: Context;
  afterCommit: Array<() => void>;
}

const scopes = new WeakMap<Trx, TransactionScope>();

/**
 * The context whose `transaction()` opened `trx`, and a way to run something once it commits (never
 * when it rolls back). Undefined for a transaction opened elsewhere.
 */
export function transactionScope(trx: Trx): TransactionScope | undefined {
  return scopes.get(trx);
}

export function createContext(
  db: Database,
  config: Config,
  afterCommit: () => void,
  log: Logger = pino({ level: 'silent' }),
): Context {
  const ctx: Context = {
    db,
    config,
    log,
    async transaction(fn) {
      let scope: TransactionScope | undefined;
      const result = await db.transaction().execute((trx) => {
        scope = { ctx, afterCommit: [] };
        scopes.set(trx, scope);
        return fn(trx);
      });
      afterCommit();
      for (const hook of scope?.afterCommit ?? []) {
        try {
          hook();
        } catch (err) {
          log.error({ err }, 'after-commit hook failed');
        }
      }
      return result;
    },
  };
  return ctx;
}

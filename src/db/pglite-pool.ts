/**
 * Lets Kysely's PostgresDialect drive an embedded PGlite database. PGlite has one connection, so the
 * pool hands it to one borrower at a time (a transaction holds it until COMMIT/ROLLBACK) and queues
 * the others.
 */
import type { PGlite } from '@electric-sql/pglite';

interface PgLikeResult {
  command: string;
  rowCount: number;
  rows: unknown[];
}

interface PgLikeClient {
  query(sql: string, params: readonly unknown[]): Promise<PgLikeResult>;
  release(): void;
}

export class PGlitePool {
  #busy = false;
  #waiting: Array<(client: PgLikeClient) => void> = [];
  #closed = false;

  constructor(private readonly pglite: PGlite) {}

  /**
   * Waits for the connection. A borrower that waits longer than `acquireTimeoutMs` gets an error
   * rather than hanging: the usual cause is code that queries outside the transaction it is in.
   */
  connect(acquireTimeoutMs = 30_000): Promise<PgLikeClient> {
    if (this.#closed) return Promise.reject(new Error('The embedded database is closed.'));
    return new Promise((resolve, reject) => {
      if (!this.#busy) {
        this.#busy = true;
        resolve(this.#client());
        return;
      }
      const waiter = (client: PgLikeClient) => {
        clearTimeout(timer);
        resolve(client);
      };
      const timer = setTimeout(() => {
        this.#waiting = this.#waiting.filter((w) => w !== waiter);
        reject(new Error(`The embedded database was busy for ${acquireTimeoutMs} ms.`));
      }, acquireTimeoutMs);
      timer.unref();
      this.#waiting.push(waiter);
    });
  }

  #client(): PgLikeClient {
    let released = false;
    return {
      query: async (sql, params) => {
        // Without parameters use the simple protocol, which (like node-postgres) runs several statements.
        const result =
          params.length === 0
            ? (await this.pglite.exec(sql)).at(-1)
            : await this.pglite.query(sql, params as unknown[]);
        if (!result) return { command: '', rowCount: 0, rows: [] };
        return {
          command: (result as { command?: string }).command ?? '',
          rowCount: (result as { rowCount?: number }).rowCount ?? result.affectedRows ?? 0,
          rows: result.rows,
        };
      },
      release: () => {
        if (released) return;
        released = true;
        const next = this.#waiting.shift();
        if (next) next(this.#client());
        else this.#busy = false;
      },
    };
  }

  async end(): Promise<void> {
    this.#closed = true;
    await this.pglite.close();
  }
}

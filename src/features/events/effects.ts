/**
 * A change's consequences — its audit entries, the events it publishes (analytics records, webhook
 * messages and their delivery-log rows) and the emails it sends — gathered while the change is decided
 * and written together in ONE statement (`flush`), inside the change's transaction: a statement of
 * data-modifying CTEs, one per table. The hot writes (inviting, accepting) hold their locks for as few
 * round trips as possible; each row is built by the same function the one-at-a-time writers use
 * (auditRow, planEvent/analyticsRow, emailRow, webhookRows), so there is one definition of each.
 */
import { CompiledQuery, type InsertObject, type RawBuilder } from 'kysely';
import { type Trx, transactionScope } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import { type Actor, type AuditEntry, auditRow } from '../audit/audit.repository.ts';
import { type EmailMessage, emailRow, webhookRows } from '../outbox/outbox.repository.ts';
import { analyticsRow, logSink } from './analytics.ts';
import { type PublishInput, planEvent, type Subscriber } from './event.service.ts';

type Rows<T extends keyof DB> = Array<InsertObject<DB, T>>;

/** Below PostgreSQL's limit of 65,535 parameters per statement, with room to spare. */
const MAX_PARAMETERS = 30_000;

/** A value written as SQL rather than as a parameter: a `sql\`now()\`` in a row. */
function isExpression(value: unknown): value is RawBuilder<unknown> {
  if (typeof value !== 'object' || value === null || !('toOperationNode' in value)) return false;
  if (!('isRawBuilder' in value)) throw new Error('effects: a row may hold values and sql`…` only');
  return true;
}

/**
 * One statement: a data-modifying CTE per table's rows, `INSERT … VALUES … RETURNING id` each. The
 * SQL is written here rather than built node by node with Kysely (which costs more than the
 * database's work for a single invitation): each value a parameter, as Kysely would pass it; a
 * column a row lacks (or leaves undefined) is DEFAULT; an expression is compiled and written in place.
 * `first`, a change to existing rows (Effects.change), goes before them; its row count is returned.
 */
async function insertAll(
  trx: Trx,
  batch: Array<[keyof DB, Rows<keyof DB>]>,
  first: RawBuilder<unknown> | null = null,
): Promise<number | null> {
  if (batch.length === 0 && first === null) return null;
  const parameters: unknown[] = [];
  /** An expression's SQL, its parameters numbered after those already taken. */
  const inline = (expression: RawBuilder<unknown>): string => {
    const compiled = expression.compile(trx);
    const offset = parameters.length;
    parameters.push(...compiled.parameters);
    return compiled.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
  };
  const value = (v: unknown): string => {
    if (isExpression(v)) return `(${inline(v)})`;
    parameters.push(v);
    return `$${parameters.length}`;
  };
  const head = first !== null ? [`changed AS (${inline(first)})`] : [];
  const ctes = batch.map(([table, rows], i) => {
    const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
    const tuples = rows.map((row) => {
      const r = row as Record<string, unknown>;
      return `(${columns.map((c) => (r[c] === undefined ? 'DEFAULT' : value(r[c]))).join(', ')})`;
    });
    return `w${i} AS (INSERT INTO ${ident(table)} (${columns.map(ident).join(', ')}) VALUES ${tuples.join(', ')} RETURNING id)`;
  });
  const result = await trx.executeQuery<{ n: number }>(
    CompiledQuery.raw(
      `WITH ${[...head, ...ctes].join(', ')} SELECT count(*)::int AS n FROM ${first !== null ? 'changed' : 'w0'}`,
      parameters,
    ),
  );
  return first !== null ? Number(result.rows[0]?.n ?? 0) : null;
}

/** A table's or column's name, quoted (they are the schema's own names, never input). */
function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export class Effects {
  private readonly leading: Array<[keyof DB, Rows<keyof DB>]> = [];
  private readonly audits: Rows<'audit_log'> = [];
  private readonly analytics: Rows<'analytics_events'> = [];
  private readonly outbox: Rows<'outbox'> = [];
  private readonly deliveries: Rows<'webhook_deliveries'> = [];
  private readonly logged: Array<Parameters<typeof logSink.record>[1]> = [];
  private first: { statement: RawBuilder<unknown>; check: (rows: number) => void } | null = null;

  /**
   * A change to existing rows that decides the rest (marking an invitation accepted), written in the
   * same statement, before everything else: `statement` is an UPDATE … RETURNING, and `check` is given
   * the number of rows it returned once the statement has run. `check` throws to refuse the change,
   * and the caller's transaction, rolled back, takes the other rows with it.
   */
  change(statement: RawBuilder<unknown>, check: (rows: number) => void): this {
    if (this.first) throw new Error('effects: one change per statement');
    this.first = { statement, check };
    return this;
  }

  /** Rows the change itself adds (an invitation's links, a membership), written first. */
  insert<T extends keyof DB>(table: T, rows: Rows<T>): this {
    this.leading.push([table, rows as Rows<keyof DB>]);
    return this;
  }

  /** Audit entries by one actor. */
  audit(actor: Actor, entries: AuditEntry[]): this {
    for (const entry of entries) this.audits.push(auditRow(actor, entry));
    return this;
  }

  /** An event, to the organization's `endpoints` subscribed to its type (and its app, if named). */
  publish(input: PublishInput, endpoints: readonly Subscriber[]): this {
    const plan = planEvent(input, endpoints);
    this.analytics.push(analyticsRow(plan.analytics));
    this.logged.push(plan.analytics);
    for (const w of plan.webhooks) {
      const rows = webhookRows(w.id, input.organizationId, w.message);
      this.outbox.push(rows.outbox);
      this.deliveries.push(rows.delivery);
    }
    return this;
  }

  emails(organizationId: string | null, messages: EmailMessage[]): this {
    for (const m of messages) this.outbox.push(emailRow(organizationId, m));
    return this;
  }

  /**
   * Writes everything gathered in one statement (none when nothing was gathered; more only past
   * MAX_PARAMETERS, as a bulk invitation may go).
   */
  async flush(trx: Trx): Promise<void> {
    const parts: Array<[keyof DB, Rows<keyof DB>]> = [
      ...this.leading,
      ['audit_log', this.audits],
      ['analytics_events', this.analytics],
      ['outbox', this.outbox],
      // After the outbox rows they describe (same ids).
      ['webhook_deliveries', this.deliveries],
    ];
    // One statement holds at most 65,535 parameters: a large change (a bulk invitation to many
    // endpoints) is cut into as few statements as fit, in the same order.
    let batch: Array<[keyof DB, Rows<keyof DB>]> = [];
    let params = 0;
    for (const [table, rows] of parts) {
      for (const row of rows) {
        const n = Object.keys(row).length;
        if (params + n > MAX_PARAMETERS) {
          await this.write(trx, batch);
          batch = [];
          params = 0;
        }
        const last = batch.at(-1);
        if (last && last[0] === table) last[1].push(row);
        else batch.push([table, [row]]);
        params += n;
      }
    }
    await this.write(trx, batch);
    // ANALYTICS_LOG: each event also goes to the log once the change commits, as publishEvent does.
    if (transactionScope(trx)?.ctx.config.analyticsLog) {
      for (const e of this.logged) await logSink.record(trx, e);
    }
  }

  /** One statement of `batch`, with the change (if any) in the first one. */
  private async write(trx: Trx, batch: Array<[keyof DB, Rows<keyof DB>]>): Promise<void> {
    const first = this.first;
    this.first = null;
    const changed = await insertAll(trx, batch, first?.statement ?? null);
    if (first && changed !== null) first.check(changed);
  }
}

/**
 * Reading the audit log (audit:read): a page at a time, or an export of every entry matching the
 * filters as CSV or JSON, streamed in batches so that neither the server nor the database holds the
 * whole range at once. An export stops at {@link EXPORT_LIMIT} entries, the newest ones, and says so.
 */
import { Readable } from 'node:stream';
import type { Context } from '../../context.ts';
import { invalidField } from '../../lib/errors.ts';
import { decodeCursor, toPage } from '../../lib/pagination.ts';
import { type OrgAccess, requireScope } from '../access/org-access.ts';
import {
  type AuditFilters,
  type AuditRow,
  auditBatch,
  listAudit,
  moreThan,
  newestAuditId,
  recordAudit,
} from './audit.repository.ts';

/** The most entries one export holds (the newest matching ones); narrow the range for older ones. */
export const EXPORT_LIMIT = 100_000;
/** Entries read per query while an export streams. */
const EXPORT_BATCH = 1000;

const MAX_BIGINT = 2n ** 63n - 1n;
/** An audit id is a positive bigint; a cursor key past its range is not one this list returned. */
const isAuditId = (key: string) => /^[1-9]\d{0,18}$/.test(key) && BigInt(key) <= MAX_BIGINT;

export function serializeEntry(r: AuditRow) {
  return {
    id: String(r.id),
    actor: {
      type: r.actor_type,
      id: r.actor_id,
      name: r.actor_name,
      email: r.actor_email,
      deleted: r.actor_deleted,
    },
    action: r.action,
    target: r.target_type
      ? {
          type: r.target_type,
          id: r.target_id,
          name: r.target_name,
          email: r.target_email,
          slug: r.target_slug,
          deleted: r.target_deleted,
        }
      : null,
    ip: r.ip,
    data: r.data,
    createdAt: r.created_at,
  };
}

export interface FilterQuery {
  action?: string;
  actorId?: string;
  targetType?: string;
  targetId?: string;
  since?: string;
  until?: string;
}

/** The filters as the repository takes them; a target id needs its type, a range must not be empty. */
function filtersOf(access: OrgAccess, q: FilterQuery): AuditFilters {
  if (q.targetId !== undefined && q.targetType === undefined) {
    throw invalidField('targetType', 'is required with targetId');
  }
  const since = q.since === undefined ? undefined : new Date(q.since);
  const until = q.until === undefined ? undefined : new Date(q.until);
  if (since && until && until.getTime() <= since.getTime()) {
    throw invalidField('until', 'must be later than since');
  }
  return {
    organizationId: access.org.id,
    action: q.action,
    actorId: q.actorId,
    targetType: q.targetType,
    targetId: q.targetId,
    since,
    until,
  };
}

export async function listAuditEntries(
  ctx: Context,
  access: OrgAccess,
  q: FilterQuery & { limit: number; cursor?: string },
) {
  requireScope(access, 'audit:read');
  const filters = filtersOf(access, q);
  const beforeId = decodeCursor('a', q.cursor, isAuditId);
  const rows = await listAudit(ctx.db, { ...filters, limit: q.limit, beforeId });
  return toPage(rows, q.limit, (r) => String(r.id), 'a', serializeEntry);
}

// ---------------------------------------------------------------------------------------------------
// Export

const CSV_COLUMNS = [
  'id',
  'createdAt',
  'action',
  'actorType',
  'actorId',
  'actorName',
  'actorEmail',
  'actorDeleted',
  'targetType',
  'targetId',
  'targetName',
  'targetEmail',
  'targetDeleted',
  'ip',
  'data',
] as const;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote, a line break or edge spaces, quotes
 * doubled. A text that a spreadsheet would run as a formula — starting with `=`, `+`, `-`, `@`, a tab
 * or a carriage return — is prefixed with `'` (OWASP's advice on CSV injection): names and emails are
 * what people typed.
 */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvLine(e: ReturnType<typeof serializeEntry>): string {
  const cells = [
    e.id,
    new Date(e.createdAt).toISOString(),
    e.action,
    e.actor.type,
    e.actor.id,
    e.actor.name,
    e.actor.email,
    e.actor.deleted,
    e.target?.type,
    e.target?.id,
    e.target?.name,
    e.target?.email,
    e.target?.deleted,
    e.ip,
    JSON.stringify(e.data ?? {}),
  ];
  return `${cells.map(csvField).join(',')}\r\n`;
}

export type ExportFormat = 'csv' | 'json';

/**
 * Every entry matching the filters, newest first, at most {@link EXPORT_LIMIT}: a stream of CSV (a
 * header row, then one line per entry) or of one JSON array of the entries as the list serves them.
 * It holds the entries that existed when it began (not the one recording the export itself) and reads
 * them in batches on the (organization_id, id) index, each batch after the last one's id.
 * The export is audited (`audit_log.exported`).
 */
export async function exportAudit(ctx: Context, access: OrgAccess, format: ExportFormat, q: FilterQuery) {
  requireScope(access, 'audit:read');
  const filters = filtersOf(access, q);
  const newest = await newestAuditId(ctx.db, access.org.id);
  const truncated =
    newest !== null && (await moreThan(ctx.db, { ...filters, atMostId: newest }, EXPORT_LIMIT));
  await ctx.transaction((trx) =>
    recordAudit(trx, access.actor, {
      organizationId: access.org.id,
      action: 'audit_log.exported',
      data: {
        format,
        filters: Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)),
        truncated,
      },
    }),
  );

  async function* entries() {
    if (newest === null) return;
    // Past the newest entry at the start: below it, keyset by id.
    let beforeId = (BigInt(newest) + 1n).toString();
    let sent = 0;
    while (sent < EXPORT_LIMIT) {
      const n = Math.min(EXPORT_BATCH, EXPORT_LIMIT - sent);
      const rows = await auditBatch(ctx.db, filters, beforeId, n);
      for (const r of rows) yield serializeEntry(r);
      sent += rows.length;
      const last = rows.at(-1);
      if (rows.length < n || !last) return;
      beforeId = String(last.id);
    }
  }

  async function* csv() {
    yield `${CSV_COLUMNS.join(',')}\r\n`;
    for await (const e of entries()) yield csvLine(e);
  }

  async function* json() {
    yield '[';
    let first = true;
    for await (const e of entries()) {
      yield `${first ? '\n' : ',\n'}${JSON.stringify(e)}`;
      first = false;
    }
    yield '\n]\n';
  }

  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return {
    stream: Readable.from(format === 'csv' ? csv() : json()),
    contentType: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
    filename: `audit-log-${access.org.slug}-${stamp}.${format}`,
    truncated,
  };
}

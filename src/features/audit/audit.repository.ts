/** The audit log: one row per state change, written in the transaction of the change. */
import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, sql } from 'kysely';
import type { ActorType, DB } from '../../db/schema.ts';
import { isAuditAction } from './audit-actions.ts';

/** Who did it, and from where. */
export interface Actor {
  type: ActorType;
  id: string | null;
  ip: string | null;
}

export const SYSTEM_ACTOR: Actor = { type: 'system', id: null, ip: null };

export interface AuditEntry {
  organizationId: string | null;
  /** One of AUDIT_ACTIONS (audit-actions.ts); another is refused, as an unknown event type is. */
  action: string;
  targetType?: string;
  targetId?: string;
  data?: Record<string, unknown>;
}

function checkAction(action: string): void {
  if (!isAuditAction(action))
    throw new Error(`audit action '${action}' is not in AUDIT_ACTIONS (audit-actions.ts)`);
}

/** The row an entry is stored as; refuses an action not in the catalog. */
export function auditRow(actor: Actor, entry: AuditEntry) {
  checkAction(entry.action);
  return {
    organization_id: entry.organizationId,
    actor_type: actor.type,
    actor_id: actor.id,
    action: entry.action,
    target_type: entry.targetType ?? null,
    target_id: entry.targetId ?? null,
    ip: actor.ip,
    data: JSON.stringify(entry.data ?? {}),
  };
}

export async function recordAudit(db: Kysely<DB>, actor: Actor, entry: AuditEntry): Promise<void> {
  await db.insertInto('audit_log').values(auditRow(actor, entry)).execute();
}

/** Several entries by one actor in one statement (a bulk change writes one entry per row it changed). */
export async function recordAudits(db: Kysely<DB>, actor: Actor, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db
    .insertInto('audit_log')
    .values(entries.map((entry) => auditRow(actor, entry)))
    .execute();
}

export interface AuditFilters {
  organizationId: string;
  action?: string;
  actorId?: string;
  targetType?: string;
  targetId?: string;
  /** Entries at or after this instant. */
  since?: Date;
  /** Entries before this instant. */
  until?: Date;
}

type AuditAlias = DB & { a: DB['audit_log'] };

/** The WHERE of the filters, on `audit_log as a`. */
function matching(f: AuditFilters) {
  return (eb: ExpressionBuilder<AuditAlias, 'a'>) => {
    const all: Array<Expression<SqlBool>> = [eb('a.organization_id', '=', f.organizationId)];
    if (f.action) all.push(eb('a.action', '=', f.action));
    if (f.actorId) all.push(eb('a.actor_id', '=', f.actorId));
    if (f.targetType) all.push(eb('a.target_type', '=', f.targetType));
    if (f.targetId) all.push(eb('a.target_id', '=', f.targetId));
    if (f.since) all.push(eb('a.created_at', '>=', f.since));
    if (f.until) all.push(eb('a.created_at', '<', f.until));
    return eb.and(all);
  };
}

/** Only these target types name a row Roster can look up (and tell as deleted when it is gone). */
export const NAMED_TARGETS = [
  'user',
  'app',
  'installation',
  'invitation',
  'webhook_endpoint',
  'organization',
  'api_key',
  'join_link',
] as const;

/**
 * The organization's entries matching `f`, each with who its actor is now — a person's name and email,
 * an API key's or an app's name — and what its target is now: a person (name, email), an app or an
 * installation (the app's name and URL name), a webhook endpoint (its description, or URL), an
 * invitation (its email), an API key or the organization (its name), a join link (its label); `deleted` when that row is gone (the entry
 * stays, with the id). Newest first; keyset on (organization_id, id) — the order of the org index.
 */
export function auditQuery(db: Kysely<DB>, f: AuditFilters) {
  // Only a person's, a key's or an app's id is a UUID; the CASE keeps the cast away from other rows.
  const actorUuid = (type: string) =>
    sql<string>`CASE WHEN a.actor_type = ${sql.lit(type)} THEN a.actor_id::uuid END`;
  const targetUuid = (type: (typeof NAMED_TARGETS)[number]) =>
    sql<string>`CASE WHEN a.target_type = ${sql.lit(type)} THEN a.target_id::uuid END`;
  const query = db
    .selectFrom('audit_log as a')
    .leftJoin('users as u', (j) => j.on('u.id', '=', actorUuid('user')))
    .leftJoin('api_keys as k', (j) => j.on('k.id', '=', actorUuid('api_key')))
    .leftJoin('apps as p', (j) => j.on('p.id', '=', actorUuid('app')))
    .leftJoin('users as tu', (j) => j.on('tu.id', '=', targetUuid('user')))
    .leftJoin('apps as tp', (j) => j.on('tp.id', '=', targetUuid('app')))
    .leftJoin('app_installations as ti', (j) => j.on('ti.id', '=', targetUuid('installation')))
    .leftJoin('apps as tip', 'tip.id', 'ti.app_id')
    .leftJoin('invitations as tinv', (j) => j.on('tinv.id', '=', targetUuid('invitation')))
    .leftJoin('webhook_endpoints as tw', (j) => j.on('tw.id', '=', targetUuid('webhook_endpoint')))
    .leftJoin('organizations as to', (j) => j.on('to.id', '=', targetUuid('organization')))
    .leftJoin('api_keys as tk', (j) => j.on('tk.id', '=', targetUuid('api_key')))
    .leftJoin('join_links as tjl', (j) => j.on('tjl.id', '=', targetUuid('join_link')))
    .select([
      'a.id',
      'a.actor_type',
      'a.actor_id',
      'a.action',
      'a.target_type',
      'a.target_id',
      'a.ip',
      'a.data',
      'a.created_at',
      'u.email as actor_email',
      sql<string | null>`coalesce(u.name, k.name, p.name)`.as('actor_name'),
      sql<boolean>`(a.actor_id IS NOT NULL AND coalesce(u.id, k.id, p.id) IS NULL)`.as('actor_deleted'),
      sql<
        string | null
      >`coalesce(tu.name, tp.name, tip.name, tw.description, tw.url, "to".name, tk.name, tjl.label)`.as(
        'target_name',
      ),
      sql<string | null>`coalesce(tu.email, tinv.email)`.as('target_email'),
      sql<string | null>`coalesce(tp.slug, tip.slug)`.as('target_slug'),
      sql<boolean>`(a.target_id IS NOT NULL AND a.target_type IN (${sql.join(
        NAMED_TARGETS.map((t) => sql.lit(t)),
      )}) AND coalesce(tu.id, tp.id, ti.id, tinv.id, tw.id, "to".id, tk.id, tjl.id) IS NULL)`.as(
        'target_deleted',
      ),
    ])
    .where(matching(f));
  return query;
}

export type AuditRow = Awaited<ReturnType<typeof listAudit>>[number];

/** A page (`limit + 1` rows) of entries older than `beforeId`, or the newest. */
export function listAudit(db: Kysely<DB>, f: AuditFilters & { limit: number; beforeId?: string }) {
  let query = auditQuery(db, f);
  if (f.beforeId) query = query.where('a.id', '<', f.beforeId);
  return query
    .orderBy('a.id', 'desc')
    .limit(f.limit + 1)
    .execute();
}

/** Up to `n` entries older than `beforeId`, newest first: one batch of an export. */
export function auditBatch(db: Kysely<DB>, f: AuditFilters, beforeId: string, n: number) {
  return auditQuery(db, f).where('a.id', '<', beforeId).orderBy('a.id', 'desc').limit(n).execute();
}

/** Whether more than `n` entries match (one index probe past the first `n`). */
export async function moreThan(db: Kysely<DB>, f: AuditFilters & { atMostId?: string }, n: number) {
  let query = db.selectFrom('audit_log as a').select('a.id').where(matching(f));
  if (f.atMostId) query = query.where('a.id', '<=', f.atMostId);
  const row = await query.orderBy('a.id', 'desc').offset(n).limit(1).executeTakeFirst();
  return row !== undefined;
}

/** The organization's newest entry id now (null: none), so an export stops at what existed when it began. */
export async function newestAuditId(db: Kysely<DB>, organizationId: string): Promise<string | null> {
  const row = await db
    .selectFrom('audit_log')
    .select('id')
    .where('organization_id', '=', organizationId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? String(row.id) : null;
}

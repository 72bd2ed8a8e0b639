/** The audit log: one row per state change, written in the transaction of the change. */
import { type Kysely, sql } from 'kysely';
import type { ActorType, DB } from '../../db/schema.ts';

/** Who did it, and from where. */
export interface Actor {
  type: ActorType;
  id: string | null;
  ip: string | null;
}

export const SYSTEM_ACTOR: Actor = { type: 'system', id: null, ip: null };

export interface AuditEntry {
  organizationId: string | null;
  action: string;
  targetType?: string;
  targetId?: string;
  data?: Record<string, unknown>;
}

export async function recordAudit(db: Kysely<DB>, actor: Actor, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      organization_id: entry.organizationId,
      actor_type: actor.type,
      actor_id: actor.id,
      action: entry.action,
      target_type: entry.targetType ?? null,
      target_id: entry.targetId ?? null,
      ip: actor.ip,
      data: JSON.stringify(entry.data ?? {}),
    })
    .execute();
}

/** Several entries by one actor in one statement (a bulk change writes one entry per row it changed). */
export async function recordAudits(db: Kysely<DB>, actor: Actor, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db
    .insertInto('audit_log')
    .values(
      entries.map((entry) => ({
        organization_id: entry.organizationId,
        actor_type: actor.type,
        actor_id: actor.id,
        action: entry.action,
        target_type: entry.targetType ?? null,
        target_id: entry.targetId ?? null,
        ip: actor.ip,
        data: JSON.stringify(entry.data ?? {}),
      })),
    )
    .execute();
}

export interface AuditQuery {
  organizationId: string;
  limit: number;
  /** Entries older than this id. */
  beforeId?: string;
  action?: string;
  actorId?: string;
}

/**
 * A page of the organization's entries, each with who its actor is now: a person's name and email, an
 * API key's or an app's name — or nothing, when that account, key or app has since been deleted (the
 * entry itself stays, with the actor's id).
 */
export function listAudit(db: Kysely<DB>, q: AuditQuery) {
  // Only a person's, a key's or an app's id is a UUID; the CASE keeps the cast away from other rows.
  const actorUuid = (type: string) =>
    sql<string>`CASE WHEN a.actor_type = ${sql.lit(type)} THEN a.actor_id::uuid END`;
  let query = db
    .selectFrom('audit_log as a')
    .leftJoin('users as u', (j) => j.on('u.id', '=', actorUuid('user')))
    .leftJoin('api_keys as k', (j) => j.on('k.id', '=', actorUuid('api_key')))
    .leftJoin('apps as p', (j) => j.on('p.id', '=', actorUuid('app')))
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
    ])
    .where('a.organization_id', '=', q.organizationId);
  if (q.beforeId) query = query.where('a.id', '<', q.beforeId);
  if (q.action) query = query.where('a.action', '=', q.action);
  if (q.actorId) query = query.where('a.actor_id', '=', q.actorId);
  return query
    .orderBy('a.id', 'desc')
    .limit(q.limit + 1)
    .execute();
}

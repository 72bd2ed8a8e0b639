/** The audit log: one row per state change, written in the transaction of the change. */
import type { Kysely } from 'kysely';
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

export function listAudit(db: Kysely<DB>, q: AuditQuery) {
  let query = db
    .selectFrom('audit_log')
    .select([
      'id',
      'actor_type',
      'actor_id',
      'action',
      'target_type',
      'target_id',
      'ip',
      'data',
      'created_at',
    ])
    .where('organization_id', '=', q.organizationId);
  if (q.beforeId) query = query.where('id', '<', q.beforeId);
  if (q.action) query = query.where('action', '=', q.action);
  if (q.actorId) query = query.where('actor_id', '=', q.actorId);
  return query
    .orderBy('id', 'desc')
    .limit(q.limit + 1)
    .execute();
}

/**
 * The audit log is filtered by actor and by target (`actorId`, `targetType` + `targetId`) as well as
 * by action and date: each filter that names one row of another table gets an index within the
 * organization, newest first, so "what did this person do" and "what happened to this app" read a
 * page, or an export, without scanning the organization's whole log.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE INDEX audit_log_org_actor_idx ON audit_log (organization_id, actor_id, id DESC);
    CREATE INDEX audit_log_org_target_idx ON audit_log (organization_id, target_type, target_id, id DESC);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX audit_log_org_target_idx; DROP INDEX audit_log_org_actor_idx;`.execute(db);
}

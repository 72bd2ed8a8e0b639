/**
 * invitations_org_idx (organization_id, id DESC) repeats what the unique index behind
 * invitations_org_id_approval_key (organization_id, id, approval; migration 0010) already gives:
 * an organization's invitations in id order, either way, from any cursor. Every invitation written —
 * each invite, and each accept, revoke or expiry, which move a row out of the partial `pending`
 * indexes and so update every index — paid for both.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX invitations_org_idx`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX invitations_org_idx ON invitations (organization_id, id DESC)`.execute(db);
}

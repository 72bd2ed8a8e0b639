/**
 * An organization may accept invitations only to addresses at its verified domains
 * (`invite_verified_domains_only`): an invitation to another address is refused per address
 * (INVITATION_DOMAIN_NOT_ALLOWED), by whoever makes it.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE organizations ADD COLUMN invite_verified_domains_only boolean NOT NULL DEFAULT false`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE organizations DROP COLUMN invite_verified_domains_only`.execute(db);
}

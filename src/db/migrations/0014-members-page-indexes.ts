/**
 * A members page reads only its own rows, in a large organization as in a small one
 * (member.repository.ts, listMembers):
 * - a role or status filter reads (organization_id, status, role, id): one range per (status, role)
 *   pair the filters allow, each in id order, so a rare role or status costs what a common one does;
 *   a `source` filter reads (organization_id, source, id) the same way;
 * - a `q` prefix is looked up among the users when few match it: by email, and by lower(name), as
 *   byte-order ranges (text_pattern_ops, whatever the database's collation). The email index carries
 *   the user's id, so counting and collecting candidates reads the index alone.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE INDEX memberships_org_status_role_idx ON memberships (organization_id, status, role, id);
    CREATE INDEX memberships_org_source_idx ON memberships (organization_id, source, id);
    CREATE INDEX users_email_prefix_idx ON users (email text_pattern_ops) INCLUDE (id);
    CREATE INDEX users_name_prefix_idx ON users (lower(name) text_pattern_ops);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP INDEX users_name_prefix_idx;
    DROP INDEX users_email_prefix_idx;
    DROP INDEX memberships_org_source_idx;
    DROP INDEX memberships_org_status_role_idx;
  `.execute(db);
}

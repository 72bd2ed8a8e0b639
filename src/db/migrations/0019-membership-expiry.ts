/**
 * Access that ends on its own: a membership may carry `expires_at` (guests, contractors). After it
 * the membership grants nothing — every read of a caller's standing and the permission check treat it
 * as ended at once, with no sweep needed for correctness; a sweep then removes it (audited), and the
 * person is emailed a week before (`expiry_reminded_at` records that the reminder went out for the
 * current expiry). An invitation may carry the expiry of the membership it becomes
 * (`membership_expires_at`). An owner's membership never expires: the last-owner rule must not be undone by a
 * clock, so the database refuses the combination.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE memberships
      ADD COLUMN expires_at timestamptz,
      ADD COLUMN expiry_reminded_at timestamptz,
      ADD CONSTRAINT memberships_owner_never_expires CHECK (role <> 'owner' OR expires_at IS NULL);
    -- The expiry an invitation gives the membership it becomes.
    ALTER TABLE invitations
      ADD COLUMN membership_expires_at timestamptz,
      ADD CONSTRAINT invitations_owner_never_expires CHECK (role <> 'owner' OR membership_expires_at IS NULL);
    CREATE INDEX memberships_expiry_idx ON memberships (expires_at) WHERE expires_at IS NOT NULL;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE invitations DROP CONSTRAINT invitations_owner_never_expires, DROP COLUMN membership_expires_at;
    DROP INDEX memberships_expiry_idx;
    ALTER TABLE memberships DROP CONSTRAINT memberships_owner_never_expires,
      DROP COLUMN expires_at, DROP COLUMN expiry_reminded_at;
  `.execute(db);
}

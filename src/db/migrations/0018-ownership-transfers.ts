/**
 * Ownership transfers the new owner accepts (`ownership_transfers`). An owner proposes a transfer to
 * an active member; the member accepts or declines; on acceptance the member becomes an owner and the
 * proposer an admin (or stays an owner: `keep_owner`), in one transaction under the organization's
 * lock. At most one proposal is pending per organization (a partial unique index), and a proposal
 * ends after `expires_at` (7 days).
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE ownership_transfers (
      id uuid PRIMARY KEY,
      organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
      from_user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      to_user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      keep_owner boolean NOT NULL DEFAULT false,
      status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'accepted', 'declined', 'cancelled', 'expired')),
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      answered_at timestamptz,
      CONSTRAINT ownership_transfers_not_to_self CHECK (from_user_id <> to_user_id),
      CONSTRAINT ownership_transfers_answered CHECK ((status = 'pending') = (answered_at IS NULL))
    );
    CREATE UNIQUE INDEX ownership_transfers_one_pending_key ON ownership_transfers (organization_id)
      WHERE status = 'pending';
    CREATE INDEX ownership_transfers_to_user_idx ON ownership_transfers (to_user_id) WHERE status = 'pending';
    CREATE INDEX ownership_transfers_org_idx ON ownership_transfers (organization_id, id);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE ownership_transfers;`.execute(db);
}

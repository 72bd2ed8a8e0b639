/**
 * Shareable join links (`join_links`): an admin makes a link with a role, an optional expiry, an
 * optional cap on uses and optional email domains; anyone signed in with a matching verified email
 * joins through it — directly, or into the join-request queue when the link asks for approval.
 *
 * The token names the row (`rj_<link id><secret>`) and only SHA-256 of its secret is stored; rotating
 * replaces the hash (the old token stops working, the link keeps its id, settings and count). The
 * count of uses can never pass the cap: `uses <= max_uses` is a CHECK, and a use increments it with a
 * conditional UPDATE under the row's lock, so parallel uses of the last free one see one winner.
 *
 * A membership made through a link that joins directly has `source = 'join_link'`; one awaiting
 * approval is an ordinary join request (`source = 'join_request'`), answered in the same queue.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE join_links (
      id uuid PRIMARY KEY,
      organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
      label text CHECK (length(label) BETWEEN 1 AND 100),
      role text NOT NULL CHECK (role IN ('admin', 'member')),
      require_approval boolean NOT NULL DEFAULT false,
      allowed_domains text[] NOT NULL DEFAULT '{}' CHECK (cardinality(allowed_domains) <= 20),
      max_uses integer CHECK (max_uses > 0),
      uses integer NOT NULL DEFAULT 0 CHECK (uses >= 0 AND (max_uses IS NULL OR uses <= max_uses)),
      expires_at timestamptz,
      secret_hash bytea NOT NULL CHECK (length(secret_hash) = 32),
      created_by uuid REFERENCES users (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      rotated_at timestamptz,
      revoked_at timestamptz,
      revoked_by uuid REFERENCES users (id) ON DELETE SET NULL
    );
    CREATE INDEX join_links_org_idx ON join_links (organization_id, id);

    ALTER TABLE memberships DROP CONSTRAINT memberships_source_check;
    ALTER TABLE memberships ADD CONSTRAINT memberships_source_check
      CHECK (source IN ('created_org', 'invitation', 'join_request', 'owner_add', 'join_link'));
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DELETE FROM memberships WHERE source = 'join_link';
    ALTER TABLE memberships DROP CONSTRAINT memberships_source_check;
    ALTER TABLE memberships ADD CONSTRAINT memberships_source_check
      CHECK (source IN ('created_org', 'invitation', 'join_request', 'owner_add'));
    DROP TABLE join_links;
  `.execute(db);
}

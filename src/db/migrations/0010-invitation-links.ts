/**
 * An invitation may have several live links (`invitation_links`): the emailed one, and copy-links an
 * admin makes without breaking it. Each link is its own row — its id is what the token names
 * (`ri_<link id><secret>`), and only SHA-256 of its secret is stored. A link works while its
 * invitation is pending, approved and unexpired; resending replaces every link of the invitation with
 * one new emailed link.
 *
 * The invitation's own token columns (`token_id`, `secret_hash`) move into links: every approved
 * invitation's current token becomes an `email` link whose id is that token's id — the row id the
 * emailed token already carries — so links already sent keep working, and links of invitations that
 * have ended still say why (accepted, revoked, expired).
 *
 * Only an approved invitation has links: the foreign key carries the invitation's approval, which
 * the link table holds at 'approved' (a request awaiting approval has no link, in the database too).
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE invitations ADD CONSTRAINT invitations_org_id_approval_key UNIQUE (organization_id, id, approval);

    CREATE TABLE invitation_links (
      id uuid PRIMARY KEY,
      organization_id uuid NOT NULL,
      invitation_id uuid NOT NULL,
      approval text NOT NULL DEFAULT 'approved' CHECK (approval = 'approved'),
      kind text NOT NULL CHECK (kind IN ('email', 'copy')),
      secret_hash bytea NOT NULL CHECK (length(secret_hash) = 32),
      created_at timestamptz NOT NULL DEFAULT now(),
      created_by uuid REFERENCES users (id) ON DELETE SET NULL,
      CONSTRAINT invitation_links_invitation_fkey FOREIGN KEY (organization_id, invitation_id, approval)
        REFERENCES invitations (organization_id, id, approval) ON DELETE CASCADE
    );
    CREATE INDEX invitation_links_invitation_idx ON invitation_links (invitation_id, created_at);

    INSERT INTO invitation_links (id, organization_id, invitation_id, kind, secret_hash, created_at, created_by)
    SELECT token_id, organization_id, id, 'email', secret_hash, coalesce(sent_at, created_at),
           coalesce(approved_by, invited_by)
    FROM invitations
    WHERE token_id IS NOT NULL AND secret_hash IS NOT NULL AND approval = 'approved';

    ALTER TABLE invitations DROP CONSTRAINT invitations_token_iff_approved;
    DROP INDEX invitations_token_id_key;
    ALTER TABLE invitations DROP COLUMN token_id, DROP COLUMN secret_hash;
    -- What remains of the old rule: an approved invitation has an expiry.
    ALTER TABLE invitations ADD CONSTRAINT invitations_expiry_if_approved
      CHECK (approval <> 'approved' OR expires_at IS NOT NULL);
  `.execute(db);
}

/** Back to one token per invitation: the newest link of each becomes its token (the others stop working). */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE invitations DROP CONSTRAINT invitations_expiry_if_approved;
    ALTER TABLE invitations ADD COLUMN token_id uuid, ADD COLUMN secret_hash bytea;
    UPDATE invitations i SET token_id = l.id, secret_hash = l.secret_hash
    FROM (
      SELECT DISTINCT ON (invitation_id) invitation_id, id, secret_hash
      FROM invitation_links ORDER BY invitation_id, created_at DESC, id DESC
    ) l
    WHERE l.invitation_id = i.id;
    CREATE UNIQUE INDEX invitations_token_id_key ON invitations (token_id);
    ALTER TABLE invitations ADD CONSTRAINT invitations_token_iff_approved CHECK (
      CASE WHEN approval = 'approved'
        THEN token_id IS NOT NULL AND secret_hash IS NOT NULL AND expires_at IS NOT NULL
        ELSE token_id IS NULL AND secret_hash IS NULL
      END
    ) NOT VALID;
    DROP TABLE invitation_links;
    ALTER TABLE invitations DROP CONSTRAINT invitations_org_id_approval_key;
  `.execute(db);
}

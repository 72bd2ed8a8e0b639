/**
 * An organization's own roles (`org_roles`): a key, a name, a description and a set of scopes from the
 * catalog (src/features/access/scopes.ts). Built-in `owner`, `admin` and `member` are not rows: every
 * organization has them, and no row may take their keys.
 *
 * A role column (memberships, pending invitations, live join links) holds either a built-in key or one
 * of the organization's own. The database keeps the second honest: a stored generated column
 * (`custom_role`) holds the key when it is not a built-in one, and a foreign key from
 * (organization_id, custom_role) to `org_roles` refuses a membership, an invitation or a link with a role
 * the organization has not defined, and a role's deletion while anything still holds it (NO ACTION, so
 * deleting the organization still cascades through both). A NULL `custom_role` is never checked, so the
 * built-in roles cost the writes nothing. Invitations that are no longer pending and revoked links keep
 * the key they had, as history, and no longer hold the role.
 *
 * The partial index on memberships serves the foreign key's check when a role is deleted, the count of
 * each role's members, and the members page filtered by status (a range of the custom roles' members,
 * read in id order beside the built-in roles' ranges).
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE org_roles (
      organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
      key text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_-]{1,39}$' AND key NOT IN ('owner', 'admin', 'member')),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
      description text NOT NULL DEFAULT '' CHECK (length(description) <= 500),
      scopes text[] NOT NULL CHECK (cardinality(scopes) BETWEEN 1 AND 32),
      created_by uuid REFERENCES users (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (organization_id, key)
    );

    ALTER TABLE memberships DROP CONSTRAINT memberships_role_check;
    ALTER TABLE memberships
      ADD COLUMN custom_role text GENERATED ALWAYS AS
        (CASE WHEN role IN ('owner', 'admin', 'member') THEN NULL ELSE role END) STORED,
      ADD CONSTRAINT memberships_custom_role_fkey FOREIGN KEY (organization_id, custom_role)
        REFERENCES org_roles (organization_id, key);
    CREATE INDEX memberships_custom_role_idx ON memberships (organization_id, status, id)
      WHERE custom_role IS NOT NULL;

    ALTER TABLE invitations DROP CONSTRAINT invitations_role_check;
    ALTER TABLE invitations
      ADD COLUMN custom_role text GENERATED ALWAYS AS
        (CASE WHEN status = 'pending' AND role NOT IN ('owner', 'admin', 'member') THEN role END) STORED,
      ADD CONSTRAINT invitations_custom_role_fkey FOREIGN KEY (organization_id, custom_role)
        REFERENCES org_roles (organization_id, key);
    CREATE INDEX invitations_custom_role_idx ON invitations (organization_id, custom_role)
      WHERE custom_role IS NOT NULL;

    ALTER TABLE join_links DROP CONSTRAINT join_links_role_check;
    ALTER TABLE join_links
      ADD CONSTRAINT join_links_role_check CHECK (role <> 'owner'),
      ADD COLUMN custom_role text GENERATED ALWAYS AS
        (CASE WHEN revoked_at IS NULL AND role NOT IN ('admin', 'member') THEN role END) STORED,
      ADD CONSTRAINT join_links_custom_role_fkey FOREIGN KEY (organization_id, custom_role)
        REFERENCES org_roles (organization_id, key);
    CREATE INDEX join_links_custom_role_idx ON join_links (organization_id, custom_role)
      WHERE custom_role IS NOT NULL;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DELETE FROM memberships WHERE custom_role IS NOT NULL;
    DELETE FROM invitations WHERE role NOT IN ('owner', 'admin', 'member');
    DELETE FROM join_links WHERE role NOT IN ('admin', 'member');
    ALTER TABLE join_links DROP COLUMN custom_role, DROP CONSTRAINT join_links_role_check;
    ALTER TABLE join_links ADD CONSTRAINT join_links_role_check CHECK (role IN ('admin', 'member'));
    ALTER TABLE invitations DROP COLUMN custom_role;
    ALTER TABLE invitations ADD CONSTRAINT invitations_role_check CHECK (role IN ('owner', 'admin', 'member'));
    ALTER TABLE memberships DROP COLUMN custom_role;
    ALTER TABLE memberships ADD CONSTRAINT memberships_role_check CHECK (role IN ('owner', 'admin', 'member'));
    DROP TABLE org_roles;
  `.execute(db);
}

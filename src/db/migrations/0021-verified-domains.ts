/**
 * Verified domains (`org_domains`): an organization claims a domain and proves it holds it by
 * publishing a DNS TXT record (`_roster-verification.<domain>` = `roster-verification=<token>`). A
 * domain may be claimed by several organizations but verified by one at a time — a partial unique
 * index on the verified ones, so two organizations verifying it at once see one winner.
 *
 * Per domain a policy: `off`, `suggest` (people with a verified email there see the organization and
 * may ask to join) or `auto_join` with a role (never owner; an organization's own role is held by the
 * foreign key from `custom_role`, as on memberships). A periodic re-check flags a domain whose record is
 * gone (`record_missing_since`: its policy stops applying) and, past a grace period, unverifies it.
 *
 * Memberships made by a domain's auto-join have `source = 'domain'`.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE org_domains (
      id uuid PRIMARY KEY,
      organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
      domain text NOT NULL CHECK (domain ~ '^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$'
        AND length(domain) <= 253),
      token text NOT NULL,
      verified_at timestamptz,
      last_checked_at timestamptz,
      record_missing_since timestamptz,
      policy text NOT NULL DEFAULT 'off' CHECK (policy IN ('off', 'suggest', 'auto_join')),
      role text NOT NULL DEFAULT 'member' CHECK (role <> 'owner'),
      custom_role text GENERATED ALWAYS AS
        (CASE WHEN role NOT IN ('admin', 'member') THEN role END) STORED,
      created_by uuid REFERENCES users (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (organization_id, domain),
      CONSTRAINT org_domains_policy_needs_verification CHECK (policy = 'off' OR verified_at IS NOT NULL),
      CONSTRAINT org_domains_custom_role_fkey FOREIGN KEY (organization_id, custom_role)
        REFERENCES org_roles (organization_id, key)
    );
    CREATE UNIQUE INDEX org_domains_verified_idx ON org_domains (domain) WHERE verified_at IS NOT NULL;
    CREATE INDEX org_domains_recheck_idx ON org_domains (last_checked_at) WHERE verified_at IS NOT NULL;

    ALTER TABLE memberships DROP CONSTRAINT memberships_source_check;
    ALTER TABLE memberships ADD CONSTRAINT memberships_source_check
      CHECK (source IN ('created_org', 'invitation', 'join_request', 'owner_add', 'join_link', 'domain'));
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DELETE FROM memberships WHERE source = 'domain';
    ALTER TABLE memberships DROP CONSTRAINT memberships_source_check;
    ALTER TABLE memberships ADD CONSTRAINT memberships_source_check
      CHECK (source IN ('created_org', 'invitation', 'join_request', 'owner_add', 'join_link'));
    DROP TABLE org_domains;
  `.execute(db);
}

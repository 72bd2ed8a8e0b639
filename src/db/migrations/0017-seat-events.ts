/**
 * Seats as a billing signal: `seat.changed` is published whenever the count `memberLimit` applies to
 * (active members plus pending approved invitations) changes, with the new count and the limit.
 *
 * Every write that can move the count — and any written later — touches `memberships` or
 * `invitations`, so the database notices, not each feature: a statement-level trigger on both tables
 * enqueues, in the writing transaction, one `seat_check` outbox job per organization whose seat-holding
 * rows it changed (a membership turning active or leaving, an invitation starting or ending its
 * pending-approved life). The check is due a second later, and the trigger skips an organization that
 * already has one waiting that no worker has started: a burst of writes to one organization costs one
 * check a second, however fast it comes. The worker counts the seats under the
 * organization's row in `seat_counts` and publishes only when the count differs from the one last
 * published — an accept (an invitation's seat becoming a member's) publishes nothing, a job run twice
 * publishes once.
 *
 * `seat_counts` starts with every organization's count now, so the first change after this migration
 * reports from the right number.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
    ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
      CHECK (kind IN ('email', 'webhook', 'join_request', 'password_reset', 'seat_check'));
    CREATE INDEX outbox_seat_check_idx ON outbox ((payload->>'organizationId'))
      WHERE kind = 'seat_check' AND status = 'pending';

    CREATE TABLE seat_counts (
      organization_id uuid PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
      seats integer NOT NULL CHECK (seats >= 0),
      changed_at timestamptz NOT NULL DEFAULT now()
    );
    INSERT INTO seat_counts (organization_id, seats)
    SELECT o.id,
           (SELECT count(*) FROM memberships m WHERE m.organization_id = o.id AND m.status = 'active')
         + (SELECT count(*) FROM invitations i
            WHERE i.organization_id = o.id AND i.status = 'pending' AND i.approval = 'approved'
              AND i.expires_at > now())
    FROM organizations o;

    -- Enqueues a seat check for each organization in orgs that has none waiting to be started.
    CREATE FUNCTION roster_enqueue_seat_checks(orgs uuid[]) RETURNS void LANGUAGE sql AS $fn$
      INSERT INTO outbox (organization_id, kind, payload, next_attempt_at)
      SELECT DISTINCT c.org, 'seat_check', jsonb_build_object('organizationId', c.org), now() + interval '1 second'
      FROM unnest(orgs) AS c(org)
      WHERE NOT EXISTS (
        SELECT 1 FROM outbox o
        WHERE o.kind = 'seat_check' AND o.status = 'pending'
          AND o.payload->>'organizationId' = c.org::text
          AND (o.locked_until IS NULL OR o.locked_until < now())
      );
    $fn$;

    CREATE FUNCTION roster_memberships_seats() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        PERFORM roster_enqueue_seat_checks(ARRAY(
          SELECT organization_id FROM new_rows WHERE status = 'active'));
      ELSIF TG_OP = 'DELETE' THEN
        PERFORM roster_enqueue_seat_checks(ARRAY(
          SELECT organization_id FROM old_rows WHERE status = 'active'));
      ELSE
        PERFORM roster_enqueue_seat_checks(ARRAY(
          SELECT n.organization_id FROM new_rows n JOIN old_rows o ON o.id = n.id
          WHERE (n.status = 'active') IS DISTINCT FROM (o.status = 'active')
             OR n.organization_id <> o.organization_id));
      END IF;
      RETURN NULL;
    END $fn$;

    CREATE FUNCTION roster_invitations_seats() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        PERFORM roster_enqueue_seat_checks(ARRAY(
          SELECT organization_id FROM new_rows WHERE status = 'pending' AND approval = 'approved'));
      ELSIF TG_OP = 'DELETE' THEN
        PERFORM roster_enqueue_seat_checks(ARRAY(
          SELECT organization_id FROM old_rows WHERE status = 'pending' AND approval = 'approved'));
      ELSE
        PERFORM roster_enqueue_seat_checks(ARRAY(
          SELECT n.organization_id FROM new_rows n JOIN old_rows o ON o.id = n.id
          WHERE (n.status = 'pending' AND n.approval = 'approved')
                IS DISTINCT FROM (o.status = 'pending' AND o.approval = 'approved')));
      END IF;
      RETURN NULL;
    END $fn$;

    CREATE TRIGGER memberships_seats_insert AFTER INSERT ON memberships
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION roster_memberships_seats();
    CREATE TRIGGER memberships_seats_update AFTER UPDATE ON memberships
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION roster_memberships_seats();
    CREATE TRIGGER memberships_seats_delete AFTER DELETE ON memberships
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION roster_memberships_seats();
    CREATE TRIGGER invitations_seats_insert AFTER INSERT ON invitations
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION roster_invitations_seats();
    CREATE TRIGGER invitations_seats_update AFTER UPDATE ON invitations
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION roster_invitations_seats();
    CREATE TRIGGER invitations_seats_delete AFTER DELETE ON invitations
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION roster_invitations_seats();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TRIGGER memberships_seats_insert ON memberships;
    DROP TRIGGER memberships_seats_update ON memberships;
    DROP TRIGGER memberships_seats_delete ON memberships;
    DROP TRIGGER invitations_seats_insert ON invitations;
    DROP TRIGGER invitations_seats_update ON invitations;
    DROP TRIGGER invitations_seats_delete ON invitations;
    DROP FUNCTION roster_memberships_seats(), roster_invitations_seats(), roster_enqueue_seat_checks(uuid[]);
    DROP TABLE seat_counts;
    DELETE FROM outbox WHERE kind = 'seat_check';
    DROP INDEX outbox_seat_check_idx;
    ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
    ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
      CHECK (kind IN ('email', 'webhook', 'join_request', 'password_reset'));
  `.execute(db);
}

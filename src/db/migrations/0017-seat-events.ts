/**
 * Seats as a billing signal: `seat.changed` is published whenever the count `memberLimit` applies to
 * (active members plus pending approved invitations) changes, with the new count and the limit.
 *
 * Every write that can move the count — and any written later — touches `memberships` or
 * `invitations`, so the database notices, not each feature: row-level triggers on both tables, whose
 * WHEN clauses pick the rows that start or stop holding a seat (a membership turning active or leaving,
 * an invitation starting or ending its pending-approved life), enqueue a `seat_check` outbox job for
 * the organization in the writing transaction. A write that moves no seat (a role change, a resend)
 * does not call them at all. The check is due a second later, and the trigger skips an organization that
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

    -- Enqueues a seat check for the row's organization unless one is waiting that no worker has
    -- started. Row-level, and only for the rows the WHEN clauses below pick (those that start or end
    -- holding a seat), so a write that moves no seat does not even call it.
    CREATE FUNCTION roster_seat_check() RETURNS trigger LANGUAGE plpgsql AS $fn$
    DECLARE
      org uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.organization_id ELSE NEW.organization_id END;
    BEGIN
      PERFORM 1 FROM outbox o
      WHERE o.kind = 'seat_check' AND o.status = 'pending'
        AND o.payload->>'organizationId' = org::text
        AND (o.locked_until IS NULL OR o.locked_until < now());
      IF NOT FOUND THEN
        INSERT INTO outbox (organization_id, kind, payload, next_attempt_at)
        VALUES (org, 'seat_check', jsonb_build_object('organizationId', org), now() + interval '1 second');
      END IF;
      RETURN NULL;
    END $fn$;

    CREATE TRIGGER memberships_seats_insert AFTER INSERT ON memberships FOR EACH ROW
      WHEN (NEW.status = 'active') EXECUTE FUNCTION roster_seat_check();
    CREATE TRIGGER memberships_seats_update AFTER UPDATE OF status ON memberships FOR EACH ROW
      WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION roster_seat_check();
    CREATE TRIGGER memberships_seats_delete AFTER DELETE ON memberships FOR EACH ROW
      WHEN (OLD.status = 'active') EXECUTE FUNCTION roster_seat_check();
    CREATE TRIGGER invitations_seats_insert AFTER INSERT ON invitations FOR EACH ROW
      WHEN (NEW.status = 'pending' AND NEW.approval = 'approved') EXECUTE FUNCTION roster_seat_check();
    CREATE TRIGGER invitations_seats_update AFTER UPDATE OF status, approval ON invitations FOR EACH ROW
      WHEN ((OLD.status = 'pending' AND OLD.approval = 'approved')
            IS DISTINCT FROM (NEW.status = 'pending' AND NEW.approval = 'approved'))
      EXECUTE FUNCTION roster_seat_check();
    CREATE TRIGGER invitations_seats_delete AFTER DELETE ON invitations FOR EACH ROW
      WHEN (OLD.status = 'pending' AND OLD.approval = 'approved') EXECUTE FUNCTION roster_seat_check();
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
    DROP FUNCTION roster_seat_check();
    DROP TABLE seat_counts;
    DELETE FROM outbox WHERE kind = 'seat_check';
    DROP INDEX outbox_seat_check_idx;
    ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
    ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
      CHECK (kind IN ('email', 'webhook', 'join_request', 'password_reset'));
  `.execute(db);
}

/**
 * `seat.changed`: what a host's billing follows instead of polling. A trigger on memberships and
 * invitations (migration 0017) enqueues a `seat_check` job in the transaction of any write that moves
 * an organization's seat-holding rows; this is the job. Under the organization's `seat_counts` row lock
 * (so two checks of one organization go one after the other), it counts the seats as `memberLimit`
 * does (`seatsInUse`) and, when the count differs from the one last published, publishes the event and
 * records the count — in one transaction, so a check run twice publishes once.
 */
import { sql } from 'kysely';
import type { Context } from '../../context.ts';
import { SYSTEM_ACTOR } from '../audit/audit.repository.ts';
import { publishEvent } from '../events/event.service.ts';
import { seatsInUse } from './organization.repository.ts';

export interface SeatCheckJob {
  organizationId: string;
}

/** Publishes `seat.changed` for the organization if its seat count moved; returns the event, if any. */
export async function reportSeats(ctx: Context, job: SeatCheckJob) {
  return ctx.transaction(async (trx) => {
    const org = await trx
      .selectFrom('organizations')
      .select(['id', 'member_limit'])
      .where('id', '=', job.organizationId)
      .executeTakeFirst();
    // Deleted since: there is no one left to bill.
    if (!org) return null;
    await trx
      .insertInto('seat_counts')
      .values({ organization_id: org.id, seats: 0 })
      .onConflict((oc) => oc.column('organization_id').doNothing())
      .execute();
    const last = await trx
      .selectFrom('seat_counts')
      .select('seats')
      .where('organization_id', '=', org.id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    // Counted after the lock: a check that waited for another sees what that one published.
    const seats = await seatsInUse(trx, org.id);
    if (seats === last.seats) return null;
    await trx
      .updateTable('seat_counts')
      .set({ seats, changed_at: sql<Date>`now()` })
      .where('organization_id', '=', org.id)
      .execute();
    const data = { seats, previous: last.seats, memberLimit: org.member_limit };
    await publishEvent(trx, { organizationId: org.id, type: 'seat.changed', data, actor: SYSTEM_ACTOR });
    return data;
  });
}

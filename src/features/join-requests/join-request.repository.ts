/** SQL for what a requester may read of their requests to join, and for the public join page. */
import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { isUuid } from '../../lib/ids.ts';

/** How long an answered request stays listed to its requester. */
export const ANSWERS_SHOWN_DAYS = 30;

/** At most this many of each kind (waiting, answered) are listed: a bound on the answer, not a page. */
export const MY_REQUESTS_LIMIT = 200;

/** Records the answer to a signed-in user's request, in the caller's transaction (the one that answers it). */
export async function insertAnswer(
  db: Kysely<DB>,
  a: {
    membershipId: string;
    organizationId: string;
    userId: string;
    answer: 'approved' | 'rejected';
    requestedAt: Date;
  },
) {
  await db
    .insertInto('join_request_answers')
    .values({
      membership_id: a.membershipId,
      organization_id: a.organizationId,
      user_id: a.userId,
      answer: a.answer,
      requested_at: a.requestedAt,
    })
    .execute();
}

/** The user's requests still waiting (pending `join_request` memberships), newest first. */
export function waitingRequestsOf(db: Kysely<DB>, userId: string) {
  return db
    .selectFrom('memberships as m')
    .innerJoin('organizations as o', 'o.id', 'm.organization_id')
    .select(['m.id', 'o.id as organization_id', 'o.slug', 'o.name', 'm.created_at as requested_at'])
    .where('m.user_id', '=', userId)
    .where('m.status', '=', 'pending')
    .where('m.source', '=', 'join_request')
    .orderBy('m.created_at', 'desc')
    .orderBy('m.id', 'desc')
    .limit(MY_REQUESTS_LIMIT)
    .execute();
}

/** The user's requests answered in the last {@link ANSWERS_SHOWN_DAYS} days, newest answer first. */
export function answeredRequestsOf(db: Kysely<DB>, userId: string) {
  return db
    .selectFrom('join_request_answers as a')
    .innerJoin('organizations as o', 'o.id', 'a.organization_id')
    .select([
      'a.membership_id as id',
      'o.id as organization_id',
      'o.slug',
      'o.name',
      'a.answer',
      'a.requested_at',
      'a.answered_at',
      'a.dismissed_at',
    ])
    .where('a.user_id', '=', userId)
    .where('a.answered_at', '>', sql<Date>`now() - make_interval(days => ${ANSWERS_SHOWN_DAYS})`)
    .orderBy('a.answered_at', 'desc')
    .orderBy('a.membership_id', 'desc')
    .limit(MY_REQUESTS_LIMIT)
    .execute();
}

/**
 * Marks the news of an answer read. Only the requester's own answer, and only one still listed;
 * dismissing again keeps the first time. False when there is no such answer.
 */
export async function dismissAnswer(db: Kysely<DB>, userId: string, membershipId: string) {
  const row = await db
    .updateTable('join_request_answers')
    .set({ dismissed_at: sql<Date>`coalesce(dismissed_at, now())` })
    .where('membership_id', '=', membershipId)
    .where('user_id', '=', userId)
    .where('answered_at', '>', sql<Date>`now() - make_interval(days => ${ANSWERS_SHOWN_DAYS})`)
    .returning('membership_id')
    .executeTakeFirst();
  return row !== undefined;
}

/** What the public join page reads of an organization, by id or slug. */
export function findOrgForJoinPage(db: Kysely<DB>, ref: string) {
  const lower = ref.toLowerCase();
  return db
    .selectFrom('organizations as o')
    .select(['o.slug', 'o.name', 'o.join_requests_enabled', 'o.sso_enforced'])
    .where(isUuid(lower) ? 'o.id' : 'o.slug', '=', lower)
    .executeTakeFirst();
}

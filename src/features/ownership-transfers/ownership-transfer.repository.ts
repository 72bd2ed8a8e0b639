/** SQL for ownership transfers (`ownership_transfers`, migration 0018). */
import { type Kysely, sql } from 'kysely';
import type { DB, OwnershipTransferStatus } from '../../db/schema.ts';

/** How long a proposal waits for its answer. */
export const TRANSFER_EXPIRY_DAYS = 7;

/** The stored status, with a pending proposal past its expiry read as expired (no sweep needed). */
const stateExpr = sql<OwnershipTransferStatus>`CASE WHEN t.status = 'pending' AND t.expires_at <= now()
  THEN 'expired' ELSE t.status END`;

function transferQuery(db: Kysely<DB>) {
  return db
    .selectFrom('ownership_transfers as t')
    .innerJoin('organizations as o', 'o.id', 't.organization_id')
    .innerJoin('users as f', 'f.id', 't.from_user_id')
    .innerJoin('users as m', 'm.id', 't.to_user_id')
    .select([
      't.id',
      't.organization_id',
      'o.slug as org_slug',
      'o.name as org_name',
      't.from_user_id',
      'f.name as from_name',
      'f.email as from_email',
      't.to_user_id',
      'm.name as to_name',
      'm.email as to_email',
      't.keep_owner',
      't.created_at',
      't.expires_at',
      't.answered_at',
      stateExpr.as('status'),
    ]);
}

export type TransferRow = NonNullable<Awaited<ReturnType<typeof findTransfer>>>;

export function findTransfer(db: Kysely<DB>, id: string) {
  return transferQuery(db).where('t.id', '=', id).executeTakeFirst();
}

/** The organization's proposals, newest first. */
export function listTransfers(db: Kysely<DB>, organizationId: string, limit: number) {
  return transferQuery(db)
    .where('t.organization_id', '=', organizationId)
    .orderBy('t.id', 'desc')
    .limit(limit)
    .execute();
}

/** Proposals waiting for this person's answer (not expired). */
export function pendingFor(db: Kysely<DB>, userId: string) {
  return transferQuery(db)
    .where('t.to_user_id', '=', userId)
    .where('t.status', '=', 'pending')
    .where('t.expires_at', '>', sql<Date>`now()`)
    .orderBy('t.id')
    .execute();
}

/** The organization's pending proposal that has not expired, if any. */
export function livePending(db: Kysely<DB>, organizationId: string) {
  return db
    .selectFrom('ownership_transfers')
    .select(['id'])
    .where('organization_id', '=', organizationId)
    .where('status', '=', 'pending')
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
}

/** Stores the organization's expired pending proposal as expired (it then no longer blocks a new one). */
export async function expireStale(db: Kysely<DB>, organizationId: string) {
  const rows = await db
    .updateTable('ownership_transfers')
    .set({ status: 'expired', answered_at: sql<Date>`now()` })
    .where('organization_id', '=', organizationId)
    .where('status', '=', 'pending')
    .where('expires_at', '<=', sql<Date>`now()`)
    .returning(['id'])
    .execute();
  return rows.map((r) => r.id);
}

export async function insertTransfer(
  db: Kysely<DB>,
  t: { id: string; organizationId: string; fromUserId: string; toUserId: string; keepOwner: boolean },
) {
  await db
    .insertInto('ownership_transfers')
    .values({
      id: t.id,
      organization_id: t.organizationId,
      from_user_id: t.fromUserId,
      to_user_id: t.toUserId,
      keep_owner: t.keepOwner,
      expires_at: sql<Date>`now() + make_interval(days => ${TRANSFER_EXPIRY_DAYS})`,
    })
    .execute();
}

/** Compare-and-set from pending (and unexpired, for an answer) to `status`; false when it was not. */
export async function endTransfer(
  db: Kysely<DB>,
  id: string,
  status: Exclude<OwnershipTransferStatus, 'pending' | 'expired'>,
) {
  const r = await db
    .updateTable('ownership_transfers')
    .set({ status, answered_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

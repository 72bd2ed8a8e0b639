/**
 * Seats: with a member limit, active members plus pending approved invitations never exceed it. Every
 * check runs one writer at a time, with the limit read under the lock: under the organization's row
 * lock (`lockOrg`), or under its shared lock plus the seat lock (`shareOrg` + `lockSeats`).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { OrganizationErrors } from './organization.errors.ts';
import { seatsInUse } from './organization.repository.ts';

type Limited = { id: string; member_limit: number | null };

/** Before a write that takes a seat: one must be free. */
export async function assertSeatFree(db: Kysely<DB>, org: Limited) {
  if (org.member_limit === null) return;
  const used = await seatsInUse(db, org.id);
  if (used >= org.member_limit) {
    throw OrganizationErrors.MEMBER_LIMIT_REACHED({ memberLimit: org.member_limit, seatsInUse: used });
  }
}

/**
 * After a write that took a seat (or turned a held one into another, as accepting an invitation does):
 * the count, that write included, must still fit. Fails the transaction otherwise.
 */
export async function assertWithinLimit(db: Kysely<DB>, org: Limited) {
  if (org.member_limit === null) return;
  const used = await seatsInUse(db, org.id);
  if (used > org.member_limit) {
    throw OrganizationErrors.MEMBER_LIMIT_REACHED({ memberLimit: org.member_limit, seatsInUse: used - 1 });
  }
}

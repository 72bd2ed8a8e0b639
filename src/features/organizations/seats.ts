/**
 * Seats: an organization with a member limit never holds more than that many seats in use. Called
 * under the organization's row lock (`lockOrg`), with the limit read under that lock, before a write
 * that takes a seat.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { OrganizationErrors } from './organization.errors.ts';
import { seatsInUse } from './organization.repository.ts';

export async function assertSeatFree(db: Kysely<DB>, org: { id: string; member_limit: number | null }) {
  if (org.member_limit === null) return;
  const used = await seatsInUse(db, org.id);
  if (used >= org.member_limit) {
    throw OrganizationErrors.SEAT_LIMIT_REACHED({ memberLimit: org.member_limit, seatsInUse: used });
  }
}

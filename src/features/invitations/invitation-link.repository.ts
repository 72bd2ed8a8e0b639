/**
 * SQL for invitation links: each is a row with its own id (what the token names) and the SHA-256 of
 * its secret. A link works while its invitation is pending, approved and unexpired — the invitation's
 * status decides, so revoking, accepting, declining or expiring the invitation ends all its links at
 * once; resending deletes them and makes one new one.
 */
import type { Kysely } from 'kysely';
import type { DB, InvitationLinkKind } from '../../db/schema.ts';
import { effectiveStatus, INVITATION_COLUMNS } from './invitation.repository.ts';

/** Live links per invitation, at most (a copy-link past it is refused; resend starts again from one). */
export const MAX_LINKS_PER_INVITATION = 10;

export interface NewLink {
  id: string;
  organizationId: string;
  invitationId: string;
  kind: InvitationLinkKind;
  secretHash: Buffer;
  createdBy: string | null;
}

export function linkRows(links: NewLink[]) {
  return links.map((l) => ({
    id: l.id,
    organization_id: l.organizationId,
    invitation_id: l.invitationId,
    kind: l.kind,
    secret_hash: l.secretHash,
    created_by: l.createdBy,
  }));
}

export async function insertLinks(db: Kysely<DB>, links: NewLink[]) {
  if (links.length === 0) return;
  await db.insertInto('invitation_links').values(linkRows(links)).execute();
}

/**
 * The link `linkId` with its invitation (as the invitation repository reads it) and what the landing
 * page shows about the organization.
 */
export function findLink(db: Kysely<DB>, linkId: string) {
  return db
    .selectFrom('invitation_links as l')
    .innerJoin('invitations as i', 'i.id', 'l.invitation_id')
    .innerJoin('organizations as o', 'o.id', 'i.organization_id')
    .leftJoin('users as inviter', 'inviter.id', 'i.invited_by')
    .select(INVITATION_COLUMNS)
    .select(effectiveStatus.as('status'))
    .select(['l.id as link_id', 'l.secret_hash', 'o.name as org_name', 'o.slug as org_slug'])
    .where('l.id', '=', linkId)
    .executeTakeFirst();
}

export async function countLinks(db: Kysely<DB>, invitationId: string): Promise<number> {
  const row = await db
    .selectFrom('invitation_links')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('invitation_id', '=', invitationId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Deletes every link of the invitation; returns how many there were. */
export async function deleteLinks(db: Kysely<DB>, invitationId: string): Promise<number> {
  const rows = await db
    .deleteFrom('invitation_links')
    .where('invitation_id', '=', invitationId)
    .returning('id')
    .execute();
  return rows.length;
}

/** The invitation's links, oldest first, with the name of who made each (never a secret). */
export function listLinks(db: Kysely<DB>, organizationId: string, invitationId: string) {
  return db
    .selectFrom('invitation_links as l')
    .leftJoin('users as u', 'u.id', 'l.created_by')
    .select(['l.id', 'l.kind', 'l.created_at', 'l.created_by', 'u.name as created_by_name'])
    .where('l.organization_id', '=', organizationId)
    .where('l.invitation_id', '=', invitationId)
    .orderBy('l.created_at')
    .orderBy('l.id')
    .execute();
}

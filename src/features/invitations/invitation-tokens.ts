/**
 * Invitation tokens: `ri_<link id><secret>`. Minting one makes a link row (only SHA-256 of the
 * secret is stored); reading one finds the link by its id and compares the secret in constant time.
 */
import type { Config } from '../../config.ts';
import type { Context, Trx } from '../../context.ts';
import type { InvitationLinkKind } from '../../db/schema.ts';
import { issueToken, parseToken, secretMatches } from '../../lib/crypto.ts';
import * as links from './invitation-link.repository.ts';

/** The landing page a link opens: `PUBLIC_URL/invitations/accept?token=…`. */
export const acceptUrl = (config: Pick<Config, 'publicUrl'>, token: string) =>
  `${config.publicUrl}/invitations/accept?token=${encodeURIComponent(token)}`;

/** A new token for an invitation, and the link row that makes it work, not yet inserted. */
export function mintLink(
  organizationId: string,
  invitationId: string,
  kind: InvitationLinkKind,
  createdBy: string | null,
): { token: string; link: links.NewLink } {
  const t = issueToken('ri');
  return {
    token: t.token,
    link: { id: t.id, organizationId, invitationId, kind, secretHash: t.secretHash, createdBy },
  };
}

export type LinkRow = NonNullable<Awaited<ReturnType<typeof links.findLink>>>;

/** The link (with its invitation) a token names, when the token is genuine; null otherwise. */
export async function linkOfToken(db: Context['db'] | Trx, token: string): Promise<LinkRow | null> {
  const parsed = parseToken('ri', token);
  if (!parsed) return null;
  const row = await links.findLink(db, parsed.id);
  if (!row || !secretMatches(parsed.secret, row.secret_hash)) return null;
  return row;
}

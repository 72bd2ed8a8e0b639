/**
 * Who is calling: a signed-in user (by session), the host application (by API key), or an installed
 * app (by its installation access token).
 */
import type { Scope } from '../access/scopes.ts';
import type { Actor } from '../audit/audit.repository.ts';
import type { OrgRow } from '../organizations/organization.repository.ts';

export interface UserPrincipal {
  kind: 'user';
  sessionId: string;
  user: { id: string; email: string; name: string; email_verified_at: Date | null; created_at: Date };
  /**
   * The organization the request's `{org}` names and this user's membership in it, read with the
   * session (resolveSessionIn); null row: no such organization. Taken, once, by `orgAccess`.
   */
  prefetchedOrg?: { ref: string; row: OrgRow | null };
}

export interface ApiKeyPrincipal {
  kind: 'api_key';
  keyId: string;
  name: string;
  scopes: Scope[];
}

/** An app acting on the one installation its token was issued for. */
export interface AppPrincipal {
  kind: 'app';
  tokenId: string;
  appId: string;
  appSlug: string;
  installationId: string;
  /** The organization that installed the app: the only one the token reaches. */
  organizationId: string;
  /** The scopes the installation granted. */
  scopes: Scope[];
}

export type Principal = UserPrincipal | ApiKeyPrincipal | AppPrincipal;

export function actorOf(principal: Principal | null, ip: string | null): Actor {
  if (!principal) return { type: 'system', id: null, ip };
  switch (principal.kind) {
    case 'user':
      return { type: 'user', id: principal.user.id, ip };
    case 'api_key':
      return { type: 'api_key', id: principal.keyId, ip };
    case 'app':
      return { type: 'app', id: principal.appId, ip };
  }
}

/** Who is calling: a signed-in user (by session) or the host application (by API key). */
import type { Scope } from '../access/scopes.ts';
import type { Actor } from '../audit/audit.repository.ts';

export interface UserPrincipal {
  kind: 'user';
  sessionId: string;
  user: { id: string; email: string; name: string; email_verified_at: Date | null; created_at: Date };
}

export interface ApiKeyPrincipal {
  kind: 'api_key';
  keyId: string;
  name: string;
  scopes: Scope[];
}

export type Principal = UserPrincipal | ApiKeyPrincipal;

export function actorOf(principal: Principal | null, ip: string | null): Actor {
  if (!principal) return { type: 'system', id: null, ip };
  return principal.kind === 'user'
    ? { type: 'user', id: principal.user.id, ip }
    : { type: 'api_key', id: principal.keyId, ip };
}

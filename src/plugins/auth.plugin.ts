/**
 * Resolves the caller from `Authorization: Bearer <token>` (a session `rs_…`, an API key `rk_…` or an
 * app's installation access token `ra_…`) or the session cookie, before the handler runs. A route that needs a caller asks `requireUser` or
 * `requirePrincipal`. Routes with `config.auth === 'manual'` resolve credentials themselves (the
 * permission check does it inside its single query).
 */
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { resolveApiKey } from '../features/api-keys/api-key.service.ts';
import { resolveAppToken } from '../features/apps/token.service.ts';
import { resolveSession, resolveSessionIn } from '../features/auth/auth.service.ts';
import type { Principal, UserPrincipal } from '../features/auth/principal.ts';
import { CommonErrors } from '../lib/errors.ts';

export const SESSION_COOKIE = 'roster_session';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** 'manual': the route resolves credentials itself. */
    auth?: 'manual';
  }
}

/** The raw credential a request carries, if any. */
export function credentialOf(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return m?.[1] ?? null;
  }
  return request.cookies?.[SESSION_COOKIE] ?? null;
}

export function requirePrincipal(request: FastifyRequest): Principal {
  if (!request.principal) throw CommonErrors.UNAUTHENTICATED();
  return request.principal;
}

export function requireUser(request: FastifyRequest): UserPrincipal {
  const p = requirePrincipal(request);
  if (p.kind !== 'user')
    throw CommonErrors.FORBIDDEN(undefined, 'This needs a signed-in user, not an API key or an app.');
  return p;
}

export function setSessionCookie(app: FastifyInstance, reply: FastifyReply, token: string, expiresAt: Date) {
  reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: app.ctx.config.cookieSecure,
    expires: expiresAt,
  });
}

export function clearSessionCookie(reply: FastifyReply) {
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
}

async function auth(app: FastifyInstance) {
  await app.register(cookie);
  app.decorateRequest('principal', null);
  app.addHook('preHandler', async (request) => {
    if (request.routeOptions.config?.auth === 'manual') return;
    const token = credentialOf(request);
    if (!token) return;
    if (token.startsWith('rk_')) request.principal = await resolveApiKey(app.ctx.db, token);
    else if (token.startsWith('ra_')) request.principal = await resolveAppToken(app.ctx.db, token);
    else {
      // On an organization's route, the organization and the caller's membership come with the session.
      const org = (request.params as { org?: unknown } | undefined)?.org;
      request.principal =
        typeof org === 'string'
          ? await resolveSessionIn(app.ctx, token, org)
          : await resolveSession(app.ctx, token);
    }
    // A bearer credential that is not valid is an error, not an anonymous call; a stale cookie is
    // simply ignored, so a browser with an expired session can still use public pages.
    if (!request.principal && request.headers.authorization) {
      throw CommonErrors.UNAUTHENTICATED(
        undefined,
        'The session, API key or app token is invalid or expired.',
      );
    }
  });
}

export default fp(auth, { name: 'auth', dependencies: ['context'] });

/** The signed-in person's sessions: listed, and ended one by one or all but the current one. */
import type { Context } from '../../context.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { AccountErrors } from './account.errors.ts';
import * as repo from './account.repository.ts';

/** Live sessions, newest first; `current` marks the one this request came with. */
export async function listSessions(ctx: Context, principal: UserPrincipal) {
  const rows = await repo.listLiveSessions(ctx.db, principal.user.id);
  return {
    data: rows.map((s) => ({
      id: s.id,
      createdAt: s.created_at,
      lastUsedAt: s.last_used_at,
      expiresAt: s.expires_at,
      ip: s.ip,
      userAgent: s.user_agent,
      methods: s.auth_methods,
      current: s.id === principal.sessionId,
    })),
  };
}

/**
 * Ends one of the user's own sessions (the current one too: that is signing out). Another person's
 * session, or none, is 404 alike. Returns whether it was the current one.
 */
export async function revokeSession(ctx: Context, principal: UserPrincipal, id: string, ip: string | null) {
  const userId = principal.user.id;
  await ctx.transaction(async (trx) => {
    if (!(await repo.deleteOwnSession(trx, userId, id))) throw AccountErrors.SESSION_NOT_FOUND();
    await recordAudit(
      trx,
      { type: 'user', id: userId, ip },
      {
        organizationId: null,
        action: 'session.revoked',
        targetType: 'session',
        targetId: id,
        data: { current: id === principal.sessionId },
      },
    );
  });
  return { current: id === principal.sessionId };
}

/** Ends every session of the user but the current one. */
export async function revokeOtherSessions(ctx: Context, principal: UserPrincipal, ip: string | null) {
  const userId = principal.user.id;
  return ctx.transaction(async (trx) => {
    const revoked = await repo.deleteSessionsOf(trx, userId, principal.sessionId);
    if (revoked > 0) {
      await recordAudit(
        trx,
        { type: 'user', id: userId, ip },
        {
          organizationId: null,
          action: 'session.revoked_others',
          targetType: 'user',
          targetId: userId,
          data: { revoked },
        },
      );
    }
    return { revoked };
  });
}

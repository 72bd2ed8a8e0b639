/**
 * Password reset by an emailed, single-use link. Like an anonymous request to join, a request is
 * taken in as an outbox job whatever the address (one insert, one answer), so neither the answer nor
 * its timing tells whether an account has it; the worker decides afterwards whether to send a link.
 * Following the link sets the new password, proves the address, and signs out every session: the
 * person then signs in with the new password (and their second factor, if they have one).
 */
import type { Context } from '../../context.ts';
import { hashPassword, issueToken, parseToken, secretMatches } from '../../lib/crypto.ts';
import { uuidv7 } from '../../lib/ids.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { AuthErrors } from '../auth/auth.errors.ts';
import { checkEmail, MIN_PASSWORD_LENGTH } from '../auth/auth.service.ts';
import { enqueueEmail } from '../outbox/outbox.repository.ts';
import { passwordChangedEmail, passwordResetEmail } from './account.emails.ts';
import { AccountErrors } from './account.errors.ts';
import * as repo from './account.repository.ts';

/** How long a reset link works. */
export const RESET_TTL_MINUTES = 60;

/** What a password-reset request leaves in the outbox for the worker to decide. */
export interface PasswordResetJob {
  /** The id the link's row will have: a job run twice (a lease that ran out) sends one link. */
  id: string;
  email: string;
  ip: string | null;
}

/** The answer to every well-formed request: nothing in it tells whether an account has the address. */
export const PASSWORD_RESET_RECEIVED = {
  status: 'received',
  message: 'If an account has this email address, a link to reset its password is on its way.',
} as const;

/**
 * Takes in a request; the caller has charged the client's IP. A malformed address is a 400 (it says
 * nothing about accounts); any other gets the same answer after the same single insert.
 */
export async function requestPasswordReset(ctx: Context, rawEmail: string, ip: string | null) {
  const email = checkEmail(rawEmail);
  // No wake-up of the worker: it takes the job at its next poll, outside this request's time.
  await repo.enqueuePasswordReset(ctx.db, { id: uuidv7(), email, ip });
  return PASSWORD_RESET_RECEIVED;
}

/**
 * The worker's half. No account has the address: nothing. Otherwise, under the user's row lock: past
 * PASSWORD_RESET_LIMIT_PER_EMAIL links in the window nothing is sent (logged without the address);
 * else the open link is superseded, a new one (an hour) is stored as a hash and emailed. Counting the
 * links themselves makes the limit exact, shared by every instance and worker, and keeps no address
 * in any counter.
 */
export async function takeInPasswordReset(ctx: Context, job: PasswordResetJob): Promise<void> {
  const { config } = ctx;
  await ctx.transaction(async (trx) => {
    const user = await repo.lockUser(trx, { email: job.email });
    if (!user) return;
    const id = job.id ?? uuidv7();
    if (await repo.passwordResetExists(trx, id)) return; // this job already ran to its end
    const limit = config.passwordResetLimitPerEmail;
    if (limit > 0) {
      const sent = await repo.countRecentResets(trx, user.id, config.passwordResetLimitWindowSeconds);
      if (sent >= limit) {
        ctx.log.info(
          { userId: user.id, limit, windowSeconds: config.passwordResetLimitWindowSeconds },
          'password reset: the address had its links for this window; none sent',
        );
        return;
      }
    }
    await repo.supersedeOpenLinks(trx, 'password_resets', user.id);
    const t = issueToken('rp', id);
    await repo.insertPasswordReset(trx, {
      id,
      userId: user.id,
      secretHash: t.secretHash,
      ttlMinutes: RESET_TTL_MINUTES,
    });
    await recordAudit(
      trx,
      { type: 'system', id: null, ip: job.ip },
      {
        organizationId: null,
        action: 'user.password_reset_requested',
        targetType: 'user',
        targetId: user.id,
      },
    );
    const url = `${config.publicUrl}/reset-password?token=${encodeURIComponent(t.token)}`;
    await enqueueEmail(
      trx,
      null,
      passwordResetEmail({ to: user.email, name: user.name, url, minutes: RESET_TTL_MINUTES }),
    );
  });
}

export function checkNewPassword(password: string, field: string) {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw AuthErrors.WEAK_PASSWORD([
      { field, message: `must be at least ${MIN_PASSWORD_LENGTH} characters` },
    ]);
  }
}

type LinkRow = NonNullable<Awaited<ReturnType<typeof repo.findLink>>>;

/** Why a reset link cannot be used, or null when it still can. */
function resetLinkState(row: LinkRow) {
  if (row.used_at) return AccountErrors.RESET_LINK_USED();
  if (row.superseded_at) return AccountErrors.RESET_LINK_SUPERSEDED();
  if (row.expired) return AccountErrors.RESET_LINK_EXPIRED();
  return null;
}

const invalidReset = () =>
  AccountErrors.RESET_LINK_INVALID([{ field: 'token', message: 'is not a valid link' }]);

/**
 * Follows a reset link. A token that is not one of ours, names no link, or whose secret does not
 * match is INVALID (nothing else is told about it); a real link answers USED, SUPERSEDED or EXPIRED.
 * The link is used by compare-and-set, so of two concurrent confirmations one succeeds; in the same
 * transaction the password is set, the address marked verified, every session deleted, the open
 * email changes superseded, the notice emailed and the change audited.
 */
export async function confirmPasswordReset(
  ctx: Context,
  input: { token: string; password: string },
  ip: string | null,
) {
  const parsed = parseToken('rp', input.token);
  if (!parsed) throw invalidReset();
  const row = await repo.findLink(ctx.db, 'password_resets', parsed.id);
  if (!row || !secretMatches(parsed.secret, row.secret_hash)) throw invalidReset();
  const unusable = resetLinkState(row);
  if (unusable) throw unusable;
  checkNewPassword(input.password, 'password');
  const hash = await hashPassword(input.password);
  return ctx.transaction(async (trx) => {
    const used = await repo.usePasswordReset(trx, parsed.id);
    if (!used) {
      // Another confirmation, a newer link or the clock came first: say which.
      const now = await repo.findLink(trx, 'password_resets', parsed.id);
      throw (now && resetLinkState(now)) ?? invalidReset();
    }
    const user = await repo.setPasswordHash(trx, used.user_id, hash, { verified: true });
    if (!user) throw invalidReset(); // the account is gone (its links go with it: not reached)
    const sessionsEnded = await repo.deleteSessionsOf(trx, user.id);
    // A change of address asked for before the reset (perhaps by whoever the reset locks out) dies.
    await repo.supersedeOpenLinks(trx, 'email_changes', user.id);
    await recordAudit(
      trx,
      { type: 'user', id: user.id, ip },
      {
        organizationId: null,
        action: 'user.password_reset',
        targetType: 'user',
        targetId: user.id,
        data: { sessionsEnded },
      },
    );
    await enqueueEmail(
      trx,
      null,
      passwordChangedEmail({ to: user.email, name: user.name, how: 'reset', url: ctx.config.publicUrl }),
    );
    return user;
  });
}

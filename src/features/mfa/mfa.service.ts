/**
 * A person's second factors as a whole: what they have, recovery codes, the password re-check that
 * guards removing a factor, the limits, and the notice every change sends.
 */
import type { Context, Trx } from '../../context.ts';
import type { Limiter, RateLimits } from '../../lib/rate-limit.ts';
import { checkOwnPassword } from '../account/password-check.ts';
import { type Actor, recordAudit } from '../audit/audit.repository.ts';
import type { SignInLimits } from '../auth/auth.service.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { enqueueEmail } from '../outbox/outbox.repository.ts';
import { type MfaNotice, mfaNoticeEmail } from './mfa.emails.ts';
import { MfaErrors } from './mfa.errors.ts';
import * as repo from './mfa.repository.ts';
import { serializePasskey } from './mfa.schemas.ts';
import { newRecoveryCodes } from './recovery-codes.ts';

export interface MfaLimits {
  /**
   * The sign-in limits: a wrong password given to confirm a change (removing a factor, new recovery
   * codes) counts as a failed sign-in (account/password-check.ts), so a stolen session guesses no faster.
   */
  password: SignInLimits;
  /** Answers to sign-in challenges, per account, over all its challenges. */
  answers: Limiter;
  /** Passwordless sign-in ceremonies started, per client IP (each one is a row). */
  passkeyOptions: Limiter;
}

/**
 * The limits of this feature. A challenge dies after five wrong answers, but each new one needs only
 * the password; the per-account limit bounds the guesses someone who knows the password can make at
 * the second factor over many challenges: 20 an hour, each matching 3 codes of a million (one step
 * either side), is under a 0.15 % chance a day — and each challenge they burn emails the person.
 */
export function mfaLimits(rateLimits: RateLimits, signIn: SignInLimits): MfaLimits {
  return {
    password: signIn,
    answers: rateLimits.limiter({ name: 'mfa-answer-user', points: 20, durationSeconds: 3600 }),
    passkeyOptions: rateLimits.limiter({ name: 'passkey-options-ip', points: 60, durationSeconds: 60 }),
  };
}

export function userActor(userId: string, ip: string | null): Actor {
  return { type: 'user', id: userId, ip };
}

/** The audit entry (no organization: it is the person's own account) and the emailed notice. */
export async function recordChange(
  ctx: Context,
  trx: Trx,
  user: { id: string; email: string; name: string },
  ip: string | null,
  action: string,
  notice: MfaNotice | null,
  data: Record<string, unknown> = {},
) {
  await recordAudit(trx, userActor(user.id, ip), {
    organizationId: null,
    action,
    targetType: 'user',
    targetId: user.id,
    data,
  });
  if (notice) {
    await enqueueEmail(
      trx,
      null,
      mfaNoticeEmail({ to: user.email, name: user.name, publicUrl: ctx.config.publicUrl, notice }),
    );
  }
}

/** Checks the signed-in person's password again: 403 INVALID_PASSWORD, or 429 past the sign-in limits. */
export async function requirePassword(
  ctx: Context,
  limits: MfaLimits,
  principal: UserPrincipal,
  password: string,
  ip: string | null,
) {
  await checkOwnPassword(ctx, limits.password, principal, password, ip, 'password');
}

export async function overview(ctx: Context, principal: UserPrincipal) {
  const userId = principal.user.id;
  const totp = await repo.findTotp(ctx.db, userId);
  const passkeys = await repo.listPasskeys(ctx.db, userId);
  const remaining = await repo.countUnusedRecoveryCodes(ctx.db, userId);
  return {
    totp: totp ? { enabled: totp.confirmed_at !== null, confirmedAt: totp.confirmed_at } : null,
    passkeys: passkeys.map(serializePasskey),
    recoveryCodes: { remaining },
  };
}

/** Stores a new set of recovery codes in `trx` (the earlier ones die) and returns them, to show once. */
export async function issueRecoveryCodes(trx: Trx, userId: string): Promise<string[]> {
  const { codes, hashes } = newRecoveryCodes();
  await repo.replaceRecoveryCodes(trx, userId, hashes);
  return codes;
}

/** New recovery codes, after the password; the earlier ones stop working. */
export async function regenerateRecoveryCodes(
  ctx: Context,
  limits: MfaLimits,
  principal: UserPrincipal,
  password: string,
  ip: string | null,
) {
  const user = principal.user;
  await requirePassword(ctx, limits, principal, password, ip);
  return ctx.transaction(async (trx) => {
    if (!(await repo.hasSecondFactor(trx, user.id))) throw MfaErrors.MFA_NOT_ENABLED();
    const recoveryCodes = await issueRecoveryCodes(trx, user.id);
    await recordChange(ctx, trx, user, ip, 'user.recovery_codes_regenerated', {
      kind: 'recovery_codes_regenerated',
    });
    return { recoveryCodes };
  });
}

/** After a factor is removed: with no second factor left, the recovery codes go too. */
export async function dropOrphanRecoveryCodes(trx: Trx, userId: string) {
  if (!(await repo.hasSecondFactor(trx, userId))) await repo.deleteRecoveryCodes(trx, userId);
}

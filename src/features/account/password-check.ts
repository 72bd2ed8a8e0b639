/**
 * The current password, asked again before a change that matters (a new password, a new address,
 * deleting the account). A wrong one counts as a failed sign-in against the same limits and
 * counters (SIGN_IN_LIMIT_*): a stolen session cannot guess the password here any faster than at the
 * sign-in form. Past a limit: 429 RATE_LIMITED, the password unchecked.
 */
import type { Context } from '../../context.ts';
import { decoyPasswordHash, verifyPassword } from '../../lib/crypto.ts';
import { clientKey, consumeAll } from '../../lib/rate-limit.ts';
import type { SignInLimits } from '../auth/auth.service.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { AccountErrors } from './account.errors.ts';
import * as repo from './account.repository.ts';

/**
 * The signed-in user, when `password` is theirs (with the hash it was checked against, for a
 * compare-and-set); else INVALID_PASSWORD naming `field`. An account without a password (none set)
 * fails like a wrong one: a reset link sets one.
 */
export async function checkOwnPassword(
  ctx: Context,
  limits: SignInLimits,
  principal: UserPrincipal,
  password: string,
  ip: string | null,
  field: string,
) {
  const user = await repo.findUserWithPassword(ctx.db, principal.user.id);
  if (!user) throw AccountErrors.INVALID_PASSWORD([{ field, message: 'is not your password' }]);
  const keys = limits.keys(user.email, clientKey(ip));
  const refund = await consumeAll([
    [limits.perEmailIp, keys.perEmailIp],
    [limits.perEmail, keys.perEmail],
    [limits.perIp, keys.perIp],
  ]);
  let ok: boolean;
  try {
    ok = await verifyPassword(password, user.password_hash ?? (await decoyPasswordHash()));
  } catch (err) {
    await refund(1);
    throw err;
  }
  if (!ok || user.password_hash === null) {
    throw AccountErrors.INVALID_PASSWORD([{ field, message: 'is not your password' }]);
  }
  await Promise.all([
    limits.perEmailIp.reset(keys.perEmailIp),
    limits.perEmail.reset(keys.perEmail),
    limits.perIp.refund(keys.perIp),
  ]).catch(() => {});
  const { password_hash, ...publicUser } = user;
  return { user: publicUser, passwordHash: password_hash };
}

/** The signed-in person's profile and password. */
import type { Context } from '../../context.ts';
import { hashPassword } from '../../lib/crypto.ts';
import { CommonErrors } from '../../lib/errors.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { findUserById } from '../auth/auth.repository.ts';
import type { SignInLimits } from '../auth/auth.service.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { enqueueEmail } from '../outbox/outbox.repository.ts';
import { passwordChangedEmail } from './account.emails.ts';
import { AccountErrors } from './account.errors.ts';
import * as repo from './account.repository.ts';
import { checkOwnPassword } from './password-check.ts';
import { checkNewPassword } from './password-reset.service.ts';

/** Renames the user (trimmed; the schema bounds it to 1–100 characters with one non-space). */
export async function updateProfile(
  ctx: Context,
  principal: UserPrincipal,
  input: { name: string },
  ip: string | null,
) {
  const name = input.name.trim();
  return ctx.transaction(async (trx) => {
    const updated = await repo.updateName(trx, principal.user.id, name);
    if (!updated) {
      // The same name: nothing changed, nothing to record.
      const user = await findUserById(trx, principal.user.id);
      if (!user) throw CommonErrors.UNAUTHENTICATED();
      return user;
    }
    await recordAudit(
      trx,
      { type: 'user', id: updated.id, ip },
      {
        organizationId: null,
        action: 'user.updated',
        targetType: 'user',
        targetId: updated.id,
        data: { fields: ['name'] },
      },
    );
    return updated;
  });
}

/**
 * Changes the password, given the current one: the other sessions end (this one stays), open
 * reset links and email changes are superseded, a notice is emailed. Compare-and-set against the
 * hash the current password was checked with, so a concurrent change is not silently overwritten.
 */
export async function changePassword(
  ctx: Context,
  limits: SignInLimits,
  principal: UserPrincipal,
  input: { currentPassword: string; newPassword: string },
  ip: string | null,
) {
  checkNewPassword(input.newPassword, 'newPassword');
  const { passwordHash } = await checkOwnPassword(
    ctx,
    limits,
    principal,
    input.currentPassword,
    ip,
    'currentPassword',
  );
  const hash = await hashPassword(input.newPassword);
  return ctx.transaction(async (trx) => {
    const user = await repo.setPasswordHash(trx, principal.user.id, hash, { expected: passwordHash });
    if (!user) {
      throw AccountErrors.INVALID_PASSWORD(
        [{ field: 'currentPassword', message: 'changed meanwhile' }],
        'The password was changed meanwhile: sign in again.',
      );
    }
    const revoked = await repo.deleteSessionsOf(trx, user.id, principal.sessionId);
    await repo.supersedeOpenLinks(trx, 'password_resets', user.id);
    await repo.supersedeOpenLinks(trx, 'email_changes', user.id);
    await recordAudit(
      trx,
      { type: 'user', id: user.id, ip },
      {
        organizationId: null,
        action: 'user.password_changed',
        targetType: 'user',
        targetId: user.id,
        data: { sessionsEnded: revoked },
      },
    );
    await enqueueEmail(
      trx,
      null,
      passwordChangedEmail({ to: user.email, name: user.name, how: 'changed', url: ctx.config.publicUrl }),
    );
    return { revoked };
  });
}

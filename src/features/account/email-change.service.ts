/**
 * Changing the account's address: the new address is proven by a link sent to it before it replaces
 * the old one, and it never collides with another account's (the unique index users_email_key has
 * the last word, so a sign-up racing the confirmation cannot end with two accounts on one address).
 * Invitations are by address: those sent to the old one stay with it.
 */
import type { Context } from '../../context.ts';
import { issueToken, parseToken, secretMatches } from '../../lib/crypto.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { AuthErrors } from '../auth/auth.errors.ts';
import { deleteUnusedEmailVerifications } from '../auth/auth.repository.ts';
import { checkEmail, type SignInLimits } from '../auth/auth.service.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { applyDomainPolicies } from '../domains/domain.service.ts';
import { enqueueEmail } from '../outbox/outbox.repository.ts';
import { emailChangedEmail, emailChangeEmail } from './account.emails.ts';
import { AccountErrors } from './account.errors.ts';
import * as repo from './account.repository.ts';
import { checkOwnPassword } from './password-check.ts';

/** How long an email-change link works. */
export const EMAIL_CHANGE_TTL_HOURS = 24;

const taken = () => AuthErrors.EMAIL_TAKEN([{ field: 'email', message: 'is already registered' }]);

/**
 * Asks to move the account to `email`, given the password: the address is checked (valid, not the
 * current one, held by no account), earlier open changes are superseded, and a link (24 hours) goes
 * to the new address. The account keeps its address until the link is followed.
 */
export async function requestEmailChange(
  ctx: Context,
  limits: SignInLimits,
  principal: UserPrincipal,
  input: { email: string; password: string },
  ip: string | null,
) {
  const email = checkEmail(input.email);
  if (email === principal.user.email) {
    throw AccountErrors.EMAIL_UNCHANGED([{ field: 'email', message: 'is your current address' }]);
  }
  await checkOwnPassword(ctx, limits, principal, input.password, ip, 'password');
  return ctx.transaction(async (trx) => {
    const user = await repo.lockUser(trx, { id: principal.user.id });
    if (!user) throw AccountErrors.INVALID_PASSWORD([{ field: 'password', message: 'is not your password' }]);
    if (email === user.email) {
      throw AccountErrors.EMAIL_UNCHANGED([{ field: 'email', message: 'is your current address' }]);
    }
    if (await repo.isEmailHeld(trx, email)) throw taken();
    await repo.supersedeOpenLinks(trx, 'email_changes', user.id);
    const t = issueToken('re');
    const row = await repo.insertEmailChange(trx, {
      id: t.id,
      userId: user.id,
      newEmail: email,
      secretHash: t.secretHash,
      ttlHours: EMAIL_CHANGE_TTL_HOURS,
    });
    await recordAudit(
      trx,
      { type: 'user', id: user.id, ip },
      {
        organizationId: null,
        action: 'user.email_change_requested',
        targetType: 'user',
        targetId: user.id,
        data: { to: email },
      },
    );
    const url = `${ctx.config.publicUrl}/confirm-email-change?token=${encodeURIComponent(t.token)}`;
    await enqueueEmail(
      trx,
      null,
      emailChangeEmail({
        to: email,
        name: user.name,
        oldEmail: user.email,
        url,
        hours: EMAIL_CHANGE_TTL_HOURS,
      }),
    );
    return { email, expiresAt: row.expires_at };
  });
}

type LinkRow = NonNullable<Awaited<ReturnType<typeof repo.findLink>>>;

function changeLinkState(row: LinkRow) {
  if (row.used_at) return AccountErrors.EMAIL_CHANGE_LINK_USED();
  if (row.superseded_at) return AccountErrors.EMAIL_CHANGE_LINK_SUPERSEDED();
  if (row.expired) return AccountErrors.EMAIL_CHANGE_LINK_EXPIRED();
  return null;
}

const invalidLink = () =>
  AccountErrors.EMAIL_CHANGE_LINK_INVALID([{ field: 'token', message: 'is not a valid link' }]);

/**
 * Follows the link (no session needed: it may be opened on another device). In one transaction the
 * link is used (compare-and-set), the address replaced and marked verified, the old address told,
 * open reset links superseded, pending verifications of the old address dropped, the change audited.
 * An address taken meanwhile (a sign-up, another change) is 409 EMAIL_TAKEN and changes nothing.
 */
export async function confirmEmailChange(ctx: Context, token: string, ip: string | null) {
  const parsed = parseToken('re', token);
  if (!parsed) throw invalidLink();
  const row = await repo.findLink(ctx.db, 'email_changes', parsed.id);
  if (!row || !secretMatches(parsed.secret, row.secret_hash)) throw invalidLink();
  const unusable = changeLinkState(row);
  if (unusable) throw unusable;
  try {
    return await ctx.transaction(async (trx) => {
      const used = await repo.useEmailChange(trx, parsed.id);
      if (!used) {
        const now = await repo.findLink(trx, 'email_changes', parsed.id);
        throw (now && changeLinkState(now)) ?? invalidLink();
      }
      const before = await repo.lockUser(trx, { id: used.user_id });
      if (!before) throw invalidLink();
      // The usual case answered plainly; a concurrent taker is caught by the unique index below.
      if (await repo.isEmailHeld(trx, used.new_email)) throw taken();
      const user = await repo.updateEmail(trx, before.id, used.new_email);
      await repo.supersedeOpenLinks(trx, 'password_resets', user.id);
      await deleteUnusedEmailVerifications(trx, user.id);
      await recordAudit(
        trx,
        { type: 'user', id: user.id, ip },
        {
          organizationId: null,
          action: 'user.email_changed',
          targetType: 'user',
          targetId: user.id,
          data: { from: before.email, to: user.email },
        },
      );
      await enqueueEmail(
        trx,
        null,
        emailChangedEmail({ to: before.email, name: user.name, newEmail: user.email }),
      );
      // The new address is verified by this link: it may take them into organizations of its domain.
      await applyDomainPolicies(ctx, trx, user, { type: 'user', id: user.id, ip });
      return user;
    });
  } catch (err) {
    if (repo.isEmailConflict(err)) throw taken();
    throw err;
  }
}

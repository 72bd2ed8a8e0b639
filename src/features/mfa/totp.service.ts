/**
 * An authenticator app (TOTP, RFC 6238, through the `otpauth` library): SHA-1, 6 digits, 30-second
 * steps, the usual parameters every app supports. A code is accepted within one step either side of
 * now and never twice (the last step used is kept; see `useTotpStep`). The secret must be read back to
 * check a code, so it is sealed with SECRETS_KEY when that is set (lib/secret-box.ts).
 */
import { isIP } from 'node:net';
import { Secret, TOTP } from 'otpauth';
import type { Config } from '../../config.ts';
import type { Context } from '../../context.ts';
import { seal, unseal } from '../../lib/secret-box.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { MfaErrors } from './mfa.errors.ts';
import * as repo from './mfa.repository.ts';
import {
  dropOrphanRecoveryCodes,
  issueRecoveryCodes,
  type MfaLimits,
  recordChange,
  requirePassword,
} from './mfa.service.ts';

const PERIOD = 30;
const DIGITS = 6;
/** Steps accepted either side of the current one (clock drift, a code typed as it changed). */
const WINDOW = 1;

/** PUBLIC_URL's host name names the account in the app, unless it is only `localhost` or an address. */
function issuerOf(config: Pick<Config, 'publicUrl'>): string {
  const host = new URL(config.publicUrl).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || isIP(host) !== 0 ? 'Roster' : host;
}

function totpOf(secretBase32: string, issuer = 'Roster', label = 'Roster') {
  return new TOTP({
    issuer,
    label,
    algorithm: 'SHA1',
    digits: DIGITS,
    period: PERIOD,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** The code as typed, without spaces; null unless it is 6 digits. */
export function normalizeCode(code: string): string | null {
  const digits = code.replace(/\s/g, '');
  return /^\d{6}$/.test(digits) ? digits : null;
}

/**
 * The step whose code `code` is, within the window around now, or null. The library compares codes
 * in constant time.
 */
function stepOf(secretBase32: string, code: string, now = Date.now()): number | null {
  const delta = totpOf(secretBase32).validate({ token: code, timestamp: now, window: WINDOW });
  return delta === null ? null : Math.floor(now / 1000 / PERIOD) + delta;
}

/** The base32 secret of a stored (sealed) one; 503 TOTP_UNAVAILABLE when SECRETS_KEY does not open it. */
export function openSecret(ctx: Context, sealed: string): string {
  try {
    return unseal(sealed, ctx.config.secretsKey);
  } catch (err) {
    ctx.log.error({ err }, 'an authenticator secret does not open with SECRETS_KEY');
    throw MfaErrors.TOTP_UNAVAILABLE();
  }
}

/**
 * Checks a code against an authenticator's secret (opened): the step to spend (with `useTotpStep`, in
 * the transaction that signs in), or null when the code is wrong. Throws INVALID_CODE when it is not
 * even 6 digits.
 */
export function checkCode(secretBase32: string, code: string): number | null {
  const digits = normalizeCode(code);
  if (digits === null) throw MfaErrors.INVALID_CODE([{ field: 'code', message: 'must be 6 digits' }]);
  return stepOf(secretBase32, digits);
}

/** Starts (or restarts) setting up an authenticator app: a new secret, not yet in force. */
export async function startEnrolment(ctx: Context, principal: UserPrincipal, ip: string | null) {
  const user = principal.user;
  const secret = new Secret({ size: 20 }).base32;
  const row = await ctx.transaction(async (trx) => {
    const started = await repo.startTotp(trx, user.id, seal(secret, ctx.config.secretsKey));
    if (!started) throw MfaErrors.TOTP_ALREADY_ENABLED();
    await recordChange(ctx, trx, user, ip, 'user.mfa_enrolment_started', null, { method: 'totp' });
    return started;
  });
  const otpauthUrl = totpOf(secret, issuerOf(ctx.config), user.email).toString();
  return { secret, otpauthUrl, startedAt: row.created_at };
}

/** The first right code puts the authenticator in force and gives the (new) recovery codes. */
export async function confirmEnrolment(
  ctx: Context,
  principal: UserPrincipal,
  code: string,
  ip: string | null,
) {
  const user = principal.user;
  const pending = await repo.findTotp(ctx.db, user.id);
  if (!pending) throw MfaErrors.TOTP_ENROLMENT_NOT_FOUND();
  if (pending.confirmed_at) throw MfaErrors.TOTP_ALREADY_ENABLED();
  const step = checkCode(openSecret(ctx, pending.secret), code);
  if (step === null) throw MfaErrors.INVALID_CODE([{ field: 'code', message: 'is wrong' }]);
  return ctx.transaction(async (trx) => {
    // Only the enrolment whose secret the code was checked against (a restart meanwhile replaced it).
    const confirmed = await repo.confirmTotp(trx, user.id, pending.secret, step);
    if (!confirmed) {
      const now = await repo.findTotp(trx, user.id);
      if (now?.confirmed_at) throw MfaErrors.TOTP_ALREADY_ENABLED();
      throw MfaErrors.TOTP_ENROLMENT_NOT_FOUND();
    }
    const recoveryCodes = await issueRecoveryCodes(trx, user.id);
    await recordChange(ctx, trx, user, ip, 'user.mfa_enabled', { kind: 'totp_enabled' }, { method: 'totp' });
    return { totp: { enabled: true, confirmedAt: confirmed.confirmed_at }, recoveryCodes };
  });
}

/**
 * Removes the authenticator app (or cancels a set-up), after the password. With no other second factor
 * left, the recovery codes go too.
 */
export async function disable(
  ctx: Context,
  limits: MfaLimits,
  principal: UserPrincipal,
  password: string,
  ip: string | null,
) {
  const user = principal.user;
  await requirePassword(ctx, limits, principal, password, ip);
  await ctx.transaction(async (trx) => {
    const removed = await repo.deleteTotp(trx, user.id);
    if (!removed) throw MfaErrors.TOTP_NOT_ENABLED();
    if (removed.confirmed_at === null) {
      await recordChange(ctx, trx, user, ip, 'user.mfa_enrolment_cancelled', null, { method: 'totp' });
      return;
    }
    await dropOrphanRecoveryCodes(trx, user.id);
    await recordChange(
      ctx,
      trx,
      user,
      ip,
      'user.mfa_disabled',
      { kind: 'totp_disabled' },
      { method: 'totp' },
    );
  });
}

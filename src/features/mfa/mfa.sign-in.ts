/**
 * The end of every sign-in whose first proof was accepted (a password, a reset link, …): either a
 * session, or — when the account has a second factor — a short-lived challenge to answer with it
 * (`POST /v1/auth/sign-in/mfa`). No session exists before the second factor is given.
 *
 * A challenge (`rm_…`, stored hashed) lives 5 minutes, is used once, and takes at most 5 answers:
 * each answer is charged before it is checked, so parallel guesses cannot get past that together.
 */
import type { Context } from '../../context.ts';
import { issueToken, parseToken, secretMatches } from '../../lib/crypto.ts';
import { AppError, invalidField } from '../../lib/errors.ts';
import { type ClientInfo, startSession } from '../auth/auth.service.ts';
import { MfaErrors } from './mfa.errors.ts';
import * as repo from './mfa.repository.ts';
import { type MfaLimits, recordChange } from './mfa.service.ts';
import { passkeyOf } from './passkey.service.ts';
import { matchRecoveryCode, normalizeRecoveryCode } from './recovery-codes.ts';
import { checkCode, normalizeCode, openSecret } from './totp.service.ts';
import {
  type AuthenticationResponseJSON,
  authenticationOptions,
  relyingParty,
  verifyAuthentication,
} from './webauthn.ts';

export const CHALLENGE_TTL_SECONDS = 300;
/** Answers a challenge takes; the fifth wrong one ends it. */
export const MAX_ANSWERS = 5;

export type SecondFactor = 'totp' | 'recovery_code' | 'passkey';

export interface SignedInUser {
  id: string;
  email: string;
  name: string;
  email_verified_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/**
 * Opens a session for `user`, whose first proof (`methods`, e.g. ['pwd']) was accepted — unless the
 * account has a confirmed authenticator app or a passkey: then it throws 401 MFA_REQUIRED with
 * `details: { challenge, methods, expiresAt }` (`methods`: what the account can answer with).
 */
export async function completeSignIn<U extends { id: string }>(
  ctx: Context,
  user: U,
  client: ClientInfo,
  methods: string[],
) {
  const factors = await repo.factorsOf(ctx.db, user.id);
  if (!factors.totp && !factors.passkey) {
    return ctx.transaction(async (trx) => {
      const session = await startSession(ctx, trx, user.id, client, methods);
      return { user, session };
    });
  }
  const t = issueToken('rm');
  await repo.sweepChallenges(ctx.db);
  const row = await repo.insertChallenge(ctx.db, {
    id: t.id,
    purpose: 'mfa',
    userId: user.id,
    secretHash: t.secretHash,
    methods,
    ip: client.ip,
    userAgent: client.userAgent,
    ttlSeconds: CHALLENGE_TTL_SECONDS,
  });
  const available: SecondFactor[] = [];
  if (factors.totp) available.push('totp');
  if (factors.recovery_code) available.push('recovery_code');
  if (factors.passkey) available.push('passkey');
  throw MfaErrors.MFA_REQUIRED({ challenge: t.token, methods: available, expiresAt: row.expires_at });
}

/** Why a challenge may not be answered (used, expired, out of answers), as the error to send. */
function deadChallenge(row: { used_at: Date | null; live: boolean; attempts: number }) {
  if (row.used_at) return MfaErrors.MFA_CHALLENGE_USED();
  if (!row.live) return MfaErrors.MFA_CHALLENGE_EXPIRED();
  if (row.attempts >= MAX_ANSWERS) return MfaErrors.MFA_TOO_MANY_ATTEMPTS();
  return null;
}

/** The live sign-in challenge `token` names (checked in constant time), or the error that says why not. */
async function liveChallenge(ctx: Context, token: string) {
  const parsed = parseToken('rm', token);
  if (!parsed) throw MfaErrors.MFA_CHALLENGE_INVALID();
  const row = await repo.findChallenge(ctx.db, parsed.id);
  if (row?.purpose !== 'mfa' || !row.user_id || !row.secret_hash) throw MfaErrors.MFA_CHALLENGE_INVALID();
  if (!secretMatches(parsed.secret, row.secret_hash)) throw MfaErrors.MFA_CHALLENGE_INVALID();
  const dead = deadChallenge(row);
  if (dead) throw dead;
  return { ...row, user_id: row.user_id };
}

/**
 * WebAuthn options for answering the challenge with a passkey: only the account's own credentials are
 * offered. The WebAuthn challenge is kept on the sign-in challenge (a new call replaces it).
 */
export async function passkeyOptionsFor(ctx: Context, token: string) {
  const challenge = await liveChallenge(ctx, token);
  const passkeys = await repo.listPasskeys(ctx.db, challenge.user_id);
  if (passkeys.length === 0) throw MfaErrors.MFA_METHOD_UNAVAILABLE({ method: 'passkey' });
  const options = await authenticationOptions(relyingParty(ctx.config), passkeys, 'preferred');
  if (!(await repo.setWebauthnChallenge(ctx.db, challenge.id, options.challenge))) {
    const now = await repo.findChallenge(ctx.db, challenge.id);
    throw (now && deadChallenge(now)) ?? MfaErrors.MFA_CHALLENGE_USED();
  }
  return { options };
}

export interface SecondFactorAnswer {
  challenge: string;
  code?: string;
  recoveryCode?: string;
  passkey?: AuthenticationResponseJSON;
}

/** What a right answer spends, once, in the transaction that opens the session. */
type Spend =
  | { method: 'otp'; step: number }
  | { method: 'recovery_code'; codeId: string }
  | { method: 'passkey'; passkeyId: string; counter: number; backedUp: boolean };

/**
 * Answers a sign-in challenge with one second factor and opens the session. Wrong answers say how many
 * are left (`details.attemptsLeft`); the fifth ends the challenge.
 */
export async function answerChallenge(
  ctx: Context,
  limits: MfaLimits,
  input: SecondFactorAnswer,
  client: ClientInfo,
) {
  const given = (['code', 'recoveryCode', 'passkey'] as const).filter((k) => input[k] !== undefined);
  if (given.length !== 1) {
    throw invalidField(given[1] ?? 'code', 'give exactly one of code, recoveryCode, passkey');
  }
  const challenge = await liveChallenge(ctx, input.challenge);
  const userId = challenge.user_id;

  // What the answer is checked against; a method the account does not have (or whose secret does not
  // open), or an answer that cannot be one (not 6 digits, not a recovery code's shape), is no attempt.
  let totpSecret: string | null = null;
  if (input.code !== undefined) {
    const totp = await repo.findTotp(ctx.db, userId);
    if (!totp?.confirmed_at) throw MfaErrors.MFA_METHOD_UNAVAILABLE({ method: 'totp' });
    if (normalizeCode(input.code) === null) {
      throw MfaErrors.INVALID_CODE({ field: 'code' }, 'A code is the 6 digits your authenticator app shows.');
    }
    totpSecret = openSecret(ctx, totp.secret);
  }
  if (input.recoveryCode !== undefined && normalizeRecoveryCode(input.recoveryCode) === null) {
    throw MfaErrors.INVALID_CODE({ field: 'recoveryCode' }, 'A recovery code looks like xxxx-xxxx-xxxx.');
  }
  if (input.passkey !== undefined && !challenge.webauthn_challenge)
    throw MfaErrors.PASSKEY_OPTIONS_REQUIRED();

  await limits.answers.consume(userId);
  const charged = await repo.chargeChallenge(ctx.db, challenge.id, MAX_ANSWERS);
  if (!charged) {
    // Used, expired or spent meanwhile: nothing was checked, so the account is not charged either.
    await limits.answers.refund(userId).catch(() => {});
    const now = await repo.findChallenge(ctx.db, challenge.id);
    throw (now && deadChallenge(now)) ?? MfaErrors.MFA_CHALLENGE_INVALID();
  }
  const attemptsLeft = MAX_ANSWERS - charged.attempts;
  const wrong = (field: string) => {
    const what = field === 'recoveryCode' ? 'recovery code' : 'code';
    return MfaErrors.INVALID_CODE(
      { field, attemptsLeft },
      attemptsLeft > 0
        ? `The ${what} is wrong. ${attemptsLeft} ${attemptsLeft === 1 ? 'try' : 'tries'} left.`
        : `The ${what} is wrong, and that was the last try. Sign in again.`,
    );
  };
  try {
    return await spendAnswer(ctx, limits, challenge, input, totpSecret, attemptsLeft, wrong, client);
  } catch (err) {
    // The answer that ended the challenge: someone has the password but not the second factor.
    if (attemptsLeft === 0 && err instanceof AppError && err.statusCode < 500) {
      await challengeBurned(ctx, userId, client.ip).catch((e) =>
        ctx.log.error({ err: e }, 'could not record a burned sign-in challenge'),
      );
    }
    throw err;
  }
}

/** Audits and emails the end of a challenge by wrong answers (once: only the fifth answer gets here). */
async function challengeBurned(ctx: Context, userId: string, ip: string | null) {
  await ctx.transaction(async (trx) => {
    const user = await repo.findUser(trx, userId);
    if (!user) return;
    await recordChange(ctx, trx, user, ip, 'user.mfa_challenge_failed', { kind: 'second_step_failed' });
  });
}

/** Checks the answer and, when right, spends it and opens the session, in one transaction. */
async function spendAnswer(
  ctx: Context,
  limits: MfaLimits,
  challenge: { id: string; user_id: string; webauthn_challenge: string | null; methods: string[] },
  input: SecondFactorAnswer,
  totpSecret: string | null,
  attemptsLeft: number,
  wrong: (field: string) => AppError,
  client: ClientInfo,
) {
  const userId = challenge.user_id;

  let spend: Spend;
  if (totpSecret !== null && input.code !== undefined) {
    const step = checkCode(totpSecret, input.code);
    if (step === null) throw wrong('code');
    spend = { method: 'otp', step };
  } else if (input.recoveryCode !== undefined) {
    const codeId = matchRecoveryCode(input.recoveryCode, await repo.unusedRecoveryCodes(ctx.db, userId));
    if (codeId === null) throw wrong('recoveryCode');
    spend = { method: 'recovery_code', codeId };
  } else {
    const response = input.passkey as AuthenticationResponseJSON;
    try {
      const passkey = await passkeyOf(response, ctx, userId);
      const result = await verifyAuthentication(
        relyingParty(ctx.config),
        response,
        challenge.webauthn_challenge as string,
        passkey,
        false,
      );
      spend = {
        method: 'passkey',
        passkeyId: passkey.id,
        counter: result.newCounter,
        backedUp: result.backedUp,
      };
    } catch (err) {
      // A refused passkey is a wrong answer like any other: say how many are left.
      if (!(err instanceof AppError)) throw err;
      throw new AppError(err.code, err.statusCode, err.message, {
        ...(err.details as object | undefined),
        attemptsLeft,
      });
    }
  }

  const out = await ctx.transaction(async (trx) => {
    if (!(await repo.useChallenge(trx, challenge.id))) {
      const now = await repo.findChallenge(trx, challenge.id);
      throw (now && deadChallenge(now)) ?? MfaErrors.MFA_CHALLENGE_USED();
    }
    // Each factor is spent by compare-and-set: of two requests with one answer, one signs in.
    if (spend.method === 'otp' && !(await repo.useTotpStep(trx, userId, spend.step))) {
      throw MfaErrors.CODE_ALREADY_USED({ field: 'code', attemptsLeft });
    }
    if (spend.method === 'recovery_code' && !(await repo.useRecoveryCode(trx, spend.codeId))) {
      throw wrong('recoveryCode');
    }
    if (
      spend.method === 'passkey' &&
      !(await repo.advanceCounter(trx, spend.passkeyId, spend.counter, spend.backedUp))
    ) {
      throw MfaErrors.PASSKEY_VERIFICATION_FAILED({ reason: 'the signature counter did not move forward' });
    }
    const user = await repo.findUser(trx, userId);
    if (!user) throw MfaErrors.MFA_CHALLENGE_INVALID();
    const session = await startSession(ctx, trx, userId, client, [...challenge.methods, spend.method]);
    if (spend.method === 'recovery_code') {
      const remaining = await repo.countUnusedRecoveryCodes(trx, userId);
      await recordChange(
        ctx,
        trx,
        user,
        client.ip,
        'user.recovery_code_used',
        { kind: 'recovery_code_used', remaining },
        { remaining },
      );
    }
    return { user, session };
  });
  await limits.answers.reset(userId).catch(() => {});
  return out;
}

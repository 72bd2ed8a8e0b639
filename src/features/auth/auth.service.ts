/** Accounts and sessions: sign-up, sign-in (rate limited), sign-out, email verification. */
import { createHmac } from 'node:crypto';
import type { Context, Trx } from '../../context.ts';
import {
  decoyPasswordHash,
  hashPassword,
  issueToken,
  parseToken,
  secretMatches,
  verifyPassword,
} from '../../lib/crypto.ts';
import { isValidEmail, normalizeEmail } from '../../lib/email.ts';
import { installKey } from '../../lib/install-keys.ts';
import { clientKey, consumeAll, type Limiter, limitsOf, type RateLimits } from '../../lib/rate-limit.ts';
import type { Actor } from '../audit/audit.repository.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { applyDomainPolicies } from '../domains/domain.service.ts';
import { acceptOnSignUp } from '../invitations/invitation-accept.service.ts';
import { completeSignIn } from '../mfa/mfa.sign-in.ts';
import type { OrgRow } from '../organizations/organization.repository.ts';
import { enqueueEmail } from '../outbox/outbox.repository.ts';
import { verificationEmail } from './auth.emails.ts';
import { AuthErrors } from './auth.errors.ts';
import * as repo from './auth.repository.ts';
import type { UserPrincipal } from './principal.ts';

export const VERIFICATION_TTL_HOURS = 48;
export const MIN_PASSWORD_LENGTH = 8;

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

export function checkEmail(raw: string): string {
  const email = normalizeEmail(raw);
  if (!isValidEmail(email))
    throw AuthErrors.INVALID_EMAIL([{ field: 'email', message: 'is not a valid email address' }]);
  return email;
}

/**
 * Opens a session for `userId`; `methods` records how the person proved who they are ('pwd', 'otp',
 * 'recovery_code', 'passkey', 'reset_link', …), for the sessions list and for rules that ask.
 */
export async function startSession(
  ctx: Context,
  trx: Trx,
  userId: string,
  client: ClientInfo,
  methods: string[] = ['pwd'],
) {
  const t = issueToken('rs');
  const row = await repo.insertSession(trx, {
    id: t.id,
    userId,
    secretHash: t.secretHash,
    ttlDays: ctx.config.sessionTtlDays,
    userAgent: client.userAgent,
    ip: client.ip,
    methods,
  });
  return { token: t.token, expiresAt: row.expires_at };
}

/** Emails a verification link; the links sent before stop working (as an invitation's do on resend). */
async function sendVerification(ctx: Context, trx: Trx, user: { id: string; email: string; name: string }) {
  await repo.deleteUnusedEmailVerifications(trx, user.id);
  const t = issueToken('rv');
  await repo.insertEmailVerification(trx, {
    id: t.id,
    userId: user.id,
    email: user.email,
    secretHash: t.secretHash,
    ttlHours: VERIFICATION_TTL_HOURS,
  });
  const url = `${ctx.config.publicUrl}/verify-email?token=${encodeURIComponent(t.token)}`;
  await enqueueEmail(
    trx,
    null,
    verificationEmail({ to: user.email, name: user.name, url, hours: VERIFICATION_TTL_HOURS }),
  );
}

export async function signUp(
  ctx: Context,
  input: { email: string; password: string; name: string; invitationToken?: string },
  client: ClientInfo,
) {
  const email = checkEmail(input.email);
  if (input.password.length < MIN_PASSWORD_LENGTH) {
    throw AuthErrors.WEAK_PASSWORD([
      { field: 'password', message: `must be at least ${MIN_PASSWORD_LENGTH} characters` },
    ]);
  }
  const passwordHash = await hashPassword(input.password);
  return ctx.transaction(async (trx) => {
    const user = await repo.insertUser(trx, {
      email,
      name: input.name.trim(),
      passwordHash,
      // The invitation token proves the address (it was emailed there); it is checked just below,
      // and a token that does not hold rolls the whole sign-up back.
      verified: input.invitationToken !== undefined,
    });
    if (!user) throw AuthErrors.EMAIL_TAKEN([{ field: 'email', message: 'is already registered' }]);
    if (input.invitationToken !== undefined) {
      await acceptOnSignUp(trx, input.invitationToken, user, client.ip);
    } else {
      await sendVerification(ctx, trx, user);
    }
    const session = await startSession(ctx, trx, user.id, client);
    await recordAudit(
      trx,
      { type: 'user', id: user.id, ip: client.ip },
      {
        organizationId: null,
        action: 'user.signed_up',
        targetType: 'user',
        targetId: user.id,
      },
    );
    return { user, session };
  });
}

export interface SignInLimits {
  /** Failures of one address from one client IP: one attacker guessing one account. */
  perEmailIp: Limiter;
  /** Failures of one address from every IP: distributed guessing (a much higher bar). */
  perEmail: Limiter;
  /** Failures from one client IP over every address: spraying many accounts. */
  perIp: Limiter;
  /** The counters' keys for one attempt; the address and the (address, IP) pair are HMACs. */
  keys(email: string, ip: string): { perEmailIp: string; perEmail: string; perIp: string };
}

/**
 * The sign-in limits. The address counters are keyed by an HMAC (with a key of the install, see
 * lib/install-keys.ts), so the counters (PostgreSQL or Redis) keep no address, nor anything an address
 * list could be hashed against.
 */
export async function signInLimits(
  ctx: Pick<Context, 'db' | 'config'>,
  rateLimits: RateLimits,
): Promise<SignInLimits> {
  const { config } = ctx;
  const key = await installKey(ctx.db, config, 'sign-in-counters');
  const mac = (text: string) => createHmac('sha256', key).update(text, 'utf8').digest('base64url');
  return {
    ...limitsOf(rateLimits, config.signInLimitWindowSeconds, {
      perEmailIp: ['sign-in-email-ip', config.signInLimitPerEmailIp],
      perEmail: ['sign-in-email', config.signInLimitPerEmail],
      perIp: ['sign-in-ip', config.signInLimitPerIp],
    }),
    // A client key holds no newline, so `${email}\n${ip}` names one pair only.
    keys: (email, ip) => ({ perEmailIp: mac(`${email}\n${ip}`), perEmail: mac(email), perIp: ip }),
  };
}

/**
 * The account whose password `password` is, or null. Hashes the password whether or not the account
 * exists, so the answer time does not tell.
 */
async function checkPassword(ctx: Context, email: string, password: string) {
  const user = await repo.findUserByEmail(ctx.db, email);
  const ok = await verifyPassword(password, user?.password_hash ?? (await decoyPasswordHash()));
  return user?.password_hash && ok ? user : null;
}

/**
 * Signs in. Failed attempts count per (email address, client IP), per address from every IP, and
 * per client IP, whether or not an account has the address. Each attempt is charged before the
 * password is checked: past any limit the answer is 429 RATE_LIMITED, the same whether the password
 * is right and whether the account exists, and concurrent attempts cannot slip past a limit together.
 * The tight limit is the (address, IP) one, so a stranger's failures cannot lock the owner out from
 * their own IP; the address-wide limit is a much higher bar. A success clears the address's
 * failures (from its IP and overall) and gives back its client IP's charge.
 */
export async function signIn(
  ctx: Context,
  limits: SignInLimits,
  input: { email: string; password: string },
  client: ClientInfo,
) {
  const email = normalizeEmail(input.email);
  const keys = limits.keys(email, clientKey(client.ip));
  const refund = await consumeAll([
    [limits.perEmailIp, keys.perEmailIp],
    [limits.perEmail, keys.perEmail],
    [limits.perIp, keys.perIp],
  ]);
  let user: Awaited<ReturnType<typeof checkPassword>>;
  try {
    user = await checkPassword(ctx, email, input.password);
  } catch (err) {
    // No answer on the password (the database failed, say): not a failed attempt.
    await refund(1);
    throw err;
  }
  if (!user) throw AuthErrors.INVALID_CREDENTIALS(); // a failed attempt: its charges stay
  await Promise.all([
    limits.perEmailIp.reset(keys.perEmailIp),
    limits.perEmail.reset(keys.perEmail),
    limits.perIp.refund(keys.perIp),
  ]).catch(() => {});
  const { password_hash: _, ...publicUser } = user;
  // A second factor, when the account has one, is asked for before any session exists.
  return completeSignIn(ctx, publicUser, client, ['pwd']);
}

export async function signOut(ctx: Context, principal: UserPrincipal) {
  await repo.deleteSession(ctx.db, principal.sessionId);
}

/** Resolves a session token to its user, or null when it is not a live session. */
export async function resolveSession(ctx: Context, token: string): Promise<UserPrincipal | null> {
  const parsed = parseToken('rs', token);
  if (!parsed) return null;
  const row = await repo.findSession(ctx.db, parsed.id);
  if (!row || !secretMatches(parsed.secret, row.secret_hash)) return null;
  const { session_id, secret_hash: _, stale, ...user } = row;
  // Most requests only read: the write happens once per session every few minutes at most.
  if (stale) await repo.touchSession(ctx.db, session_id);
  return { kind: 'user', sessionId: session_id, user };
}

/**
 * resolveSession for a request to the organization `ref`: the organization and the user's membership
 * in it are read in the same round trip and kept on the principal (`prefetchedOrg`), where `orgAccess`
 * takes them instead of reading them again.
 */
export async function resolveSessionIn(
  ctx: Context,
  token: string,
  ref: string,
): Promise<UserPrincipal | null> {
  const parsed = parseToken('rs', token);
  if (!parsed) return null;
  const row = await repo.findSessionWithOrg(ctx.db, parsed.id, ref);
  if (!row || !secretMatches(parsed.secret, row.secret_hash)) return null;
  const {
    session_id,
    secret_hash: _,
    stale,
    user_id,
    user_email,
    user_name,
    user_email_verified_at,
    user_created_at,
    ...org
  } = row;
  if (stale) await repo.touchSession(ctx.db, session_id);
  return {
    kind: 'user',
    sessionId: session_id,
    user: {
      id: user_id,
      email: user_email,
      name: user_name,
      email_verified_at: user_email_verified_at,
      created_at: user_created_at,
    },
    prefetchedOrg: { ref, row: org.id === null ? null : (org as OrgRow) },
  };
}

export async function verifyEmail(ctx: Context, token: string, ip: string | null) {
  const parsed = parseToken('rv', token);
  const invalid = () =>
    AuthErrors.VERIFICATION_TOKEN_INVALID([{ field: 'token', message: 'is invalid, used or expired' }]);
  if (!parsed) throw invalid();
  const row = await repo.findEmailVerification(ctx.db, parsed.id);
  if (!row || !secretMatches(parsed.secret, row.secret_hash)) throw invalid();
  return ctx.transaction(async (trx) => {
    const used = await repo.useEmailVerification(trx, parsed.id);
    if (!used) throw invalid();
    const user = await repo.markEmailVerified(trx, used.user_id, used.email);
    if (!user) throw invalid();
    const actor: Actor = { type: 'user', id: used.user_id, ip };
    await recordAudit(trx, actor, {
      organizationId: null,
      action: 'user.email_verified',
      targetType: 'user',
      targetId: used.user_id,
    });
    const verified = await repo.findUserById(trx, used.user_id);
    // An address now proven theirs may take them into organizations that auto-join its domain.
    if (verified) await applyDomainPolicies(ctx, trx, verified, actor);
    return verified;
  });
}

export async function resendVerification(ctx: Context, principal: UserPrincipal) {
  if (principal.user.email_verified_at) throw AuthErrors.EMAIL_ALREADY_VERIFIED();
  await ctx.transaction((trx) => sendVerification(ctx, trx, principal.user));
}

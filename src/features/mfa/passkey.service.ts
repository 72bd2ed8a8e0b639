/**
 * Passkeys (WebAuthn credentials): registering one for the signed-in person, naming and removing
 * them, and signing in with one alone. A passkey that verified its user (PIN, biometrics) is two
 * factors in itself, so a passwordless sign-in asks for nothing more.
 */
import type { Context } from '../../context.ts';
import { uuidv7 } from '../../lib/ids.ts';
import { clientKey } from '../../lib/rate-limit.ts';
import { type ClientInfo, startSession } from '../auth/auth.service.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { MfaErrors } from './mfa.errors.ts';
import * as repo from './mfa.repository.ts';
import { serializePasskey } from './mfa.schemas.ts';
import { dropOrphanRecoveryCodes, issueRecoveryCodes, type MfaLimits, recordChange } from './mfa.service.ts';
import {
  type AuthenticationResponseJSON,
  authenticationOptions,
  challengeOf,
  type RegistrationResponseJSON,
  registrationOptions,
  relyingParty,
  userIdOfHandle,
  verifyAuthentication,
  verifyRegistration,
} from './webauthn.ts';

/** How long a WebAuthn ceremony's challenge stays usable. */
export const CEREMONY_TTL_SECONDS = 300;

/** Options for `navigator.credentials.create()`; the challenge is kept for the answer. */
export async function startRegistration(ctx: Context, principal: UserPrincipal, client: ClientInfo) {
  const user = principal.user;
  const existing = await repo.listPasskeys(ctx.db, user.id);
  const options = await registrationOptions(relyingParty(ctx.config), user, existing);
  await repo.sweepChallenges(ctx.db);
  await repo.insertChallenge(ctx.db, {
    id: uuidv7(),
    purpose: 'passkey_register',
    userId: user.id,
    webauthnChallenge: options.challenge,
    ip: client.ip,
    userAgent: client.userAgent,
    ttlSeconds: CEREMONY_TTL_SECONDS,
  });
  return { options };
}

/**
 * Verifies the browser's answer and stores the passkey. The challenge it signed is spent first, so an
 * answer is never accepted twice. When this is the account's first second factor and it has no
 * recovery codes, it gets ten (shown once), as setting up an authenticator app gives.
 */
export async function finishRegistration(
  ctx: Context,
  principal: UserPrincipal,
  input: { response: RegistrationResponseJSON; name?: string },
  ip: string | null,
) {
  const user = principal.user;
  const challenge = challengeOf(input.response.response.clientDataJSON);
  const spent = challenge ? await repo.consumeRegistrationChallenge(ctx.db, user.id, challenge) : undefined;
  if (!spent?.webauthn_challenge) throw MfaErrors.PASSKEY_CHALLENGE_INVALID();
  const credential = await verifyRegistration(
    relyingParty(ctx.config),
    input.response,
    spent.webauthn_challenge,
  );
  const name = input.name?.trim() || 'Passkey';
  return ctx.transaction(async (trx) => {
    const first = !(await repo.hasSecondFactor(trx, user.id));
    const row = await repo.insertPasskey(trx, { userId: user.id, name, ...credential });
    if (!row) throw MfaErrors.PASSKEY_EXISTS();
    const recoveryCodes =
      first && (await repo.countUnusedRecoveryCodes(trx, user.id)) === 0
        ? await issueRecoveryCodes(trx, user.id)
        : null;
    await recordChange(
      ctx,
      trx,
      user,
      ip,
      'user.passkey_added',
      { kind: 'passkey_added', name },
      { passkeyId: row.id, name },
    );
    return { passkey: serializePasskey(row), recoveryCodes };
  });
}

export async function listPasskeys(ctx: Context, principal: UserPrincipal) {
  return (await repo.listPasskeys(ctx.db, principal.user.id)).map(serializePasskey);
}

export async function renamePasskey(
  ctx: Context,
  principal: UserPrincipal,
  id: string,
  rawName: string,
  ip: string | null,
) {
  const user = principal.user;
  const name = rawName.trim();
  return ctx.transaction(async (trx) => {
    const row = await repo.renamePasskey(trx, user.id, id, name);
    if (!row) throw MfaErrors.PASSKEY_NOT_FOUND();
    await recordChange(ctx, trx, user, ip, 'user.passkey_renamed', null, { passkeyId: id, name });
    return serializePasskey(row);
  });
}

/** Removes one of the caller's passkeys (another person's is 404); the last factor takes the codes along. */
export async function deletePasskey(ctx: Context, principal: UserPrincipal, id: string, ip: string | null) {
  const user = principal.user;
  await ctx.transaction(async (trx) => {
    const removed = await repo.deletePasskey(trx, user.id, id);
    if (!removed) throw MfaErrors.PASSKEY_NOT_FOUND();
    await dropOrphanRecoveryCodes(trx, user.id);
    await recordChange(
      ctx,
      trx,
      user,
      ip,
      'user.passkey_removed',
      { kind: 'passkey_removed', name: removed.name },
      { passkeyId: id, name: removed.name },
    );
  });
}

/**
 * Starts a passwordless sign-in: options with no list of credentials (the authenticator offers the
 * discoverable ones it holds for this site) and user verification required.
 */
export async function startPasskeySignIn(ctx: Context, limits: MfaLimits, client: ClientInfo) {
  await limits.passkeyOptions.consume(clientKey(client.ip));
  const options = await authenticationOptions(relyingParty(ctx.config), undefined, 'required');
  const challengeId = uuidv7();
  await repo.sweepChallenges(ctx.db);
  await repo.insertChallenge(ctx.db, {
    id: challengeId,
    purpose: 'passkey_sign_in',
    userId: null,
    webauthnChallenge: options.challenge,
    ip: client.ip,
    userAgent: client.userAgent,
    ttlSeconds: CEREMONY_TTL_SECONDS,
  });
  return { challengeId, options };
}

/** The stored passkey an assertion names, if it is `userId`'s (any account's when null). */
export async function passkeyOf(response: AuthenticationResponseJSON, ctx: Context, userId: string | null) {
  if (response.id !== response.rawId) throw MfaErrors.PASSKEY_NOT_RECOGNIZED();
  const row = await repo.findPasskeyByCredentialId(ctx.db, response.id);
  if (!row || (userId !== null && row.user_id !== userId)) throw MfaErrors.PASSKEY_NOT_RECOGNIZED();
  // A discoverable credential says whose it is; it must be the account the passkey was registered to.
  const handle = userIdOfHandle(response.response.userHandle);
  if (handle !== null && handle !== row.user_id) throw MfaErrors.PASSKEY_NOT_RECOGNIZED();
  return row;
}

/**
 * Signs in with a passkey alone. The challenge is spent before anything is checked (an answer is
 * never tried twice); the signature counter must move forward (or stay 0 on an authenticator that
 * keeps none), compare-and-set in the transaction that opens the session.
 */
export async function finishPasskeySignIn(
  ctx: Context,
  input: { challengeId: string; response: AuthenticationResponseJSON },
  client: ClientInfo,
) {
  const spent = await repo.consumeSignInChallenge(ctx.db, input.challengeId);
  if (!spent?.webauthn_challenge) throw MfaErrors.PASSKEY_CHALLENGE_INVALID();
  const passkey = await passkeyOf(input.response, ctx, null);
  const result = await verifyAuthentication(
    relyingParty(ctx.config),
    input.response,
    spent.webauthn_challenge,
    passkey,
    true,
  );
  return ctx.transaction(async (trx) => {
    if (!(await repo.advanceCounter(trx, passkey.id, result.newCounter, result.backedUp))) {
      throw MfaErrors.PASSKEY_VERIFICATION_FAILED({ reason: 'the signature counter did not move forward' });
    }
    const user = await repo.findUser(trx, passkey.user_id);
    if (!user) throw MfaErrors.PASSKEY_NOT_RECOGNIZED();
    const session = await startSession(ctx, trx, user.id, client, ['passkey']);
    return { user, session };
  });
}

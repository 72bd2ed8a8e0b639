/**
 * The WebAuthn engine (@simplewebauthn/server) behind the few calls Roster makes of it. The relying
 * party is PUBLIC_URL: its host name is the RP ID and its origin the only origin a browser's answer may
 * come from (so passkeys need PUBLIC_URL to name a host — `localhost` will do — not an IP address).
 */
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { Config } from '../../config.ts';
import { MfaErrors } from './mfa.errors.ts';

export type { AuthenticationResponseJSON, RegistrationResponseJSON };

export interface RelyingParty {
  id: string;
  name: string;
  origin: string;
}

export function relyingParty(config: Pick<Config, 'publicUrl'>): RelyingParty {
  const url = new URL(config.publicUrl);
  return { id: url.hostname, name: 'Roster', origin: url.origin };
}

/** How long a browser is given to answer a ceremony (the challenge row lives a little longer). */
const TIMEOUT_MS = 120_000;

/** A user handle: the 16 bytes of the user's UUID (no personal data, stable for discoverable keys). */
function userHandle(userId: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(userId.replaceAll('-', ''), 'hex'));
}

/** The user id a user handle (base64url) names, or null. */
export function userIdOfHandle(handle: string | undefined): string | null {
  if (!handle) return null;
  const hex = Buffer.from(handle, 'base64url').toString('hex');
  if (hex.length !== 32) return null;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface StoredCredential {
  credential_id: string;
  transports: string[];
}

export function registrationOptions(
  rp: RelyingParty,
  user: { id: string; email: string; name: string },
  existing: readonly StoredCredential[],
) {
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userID: userHandle(user.id),
    userName: user.email,
    userDisplayName: user.name,
    timeout: TIMEOUT_MS,
    attestationType: 'none',
    excludeCredentials: existing.map((c) => ({ id: c.credential_id, transports: c.transports as never })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
  });
}

/** The challenge a browser's answer (`clientDataJSON`, base64url) signed, or null when unreadable. */
export function challengeOf(clientDataJSON: string): string | null {
  try {
    const data = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as {
      challenge?: unknown;
    };
    return typeof data.challenge === 'string' ? data.challenge : null;
  } catch {
    return null;
  }
}

export async function verifyRegistration(
  rp: RelyingParty,
  response: RegistrationResponseJSON,
  expectedChallenge: string,
) {
  let result: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    result = await verifyRegistrationResponse({
      response,
      expectedChallenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: false,
    });
  } catch (err) {
    throw MfaErrors.PASSKEY_REGISTRATION_FAILED({ reason: (err as Error).message });
  }
  if (!result.verified) throw MfaErrors.PASSKEY_REGISTRATION_FAILED();
  const info = result.registrationInfo;
  return {
    credentialId: info.credential.id,
    publicKey: info.credential.publicKey,
    counter: info.credential.counter,
    transports: (info.credential.transports ?? response.response.transports ?? []) as string[],
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
  };
}

export function authenticationOptions(
  rp: RelyingParty,
  allow: readonly StoredCredential[] | undefined,
  userVerification: 'required' | 'preferred',
) {
  return generateAuthenticationOptions({
    rpID: rp.id,
    timeout: TIMEOUT_MS,
    userVerification,
    ...(allow && {
      allowCredentials: allow.map((c) => ({ id: c.credential_id, transports: c.transports as never })),
    }),
  });
}

export async function verifyAuthentication(
  rp: RelyingParty,
  response: AuthenticationResponseJSON,
  expectedChallenge: string,
  credential: { credential_id: string; public_key: Uint8Array; counter: string; transports: string[] },
  requireUserVerification: boolean,
) {
  let result: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    result = await verifyAuthenticationResponse({
      response,
      expectedChallenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: {
        id: credential.credential_id,
        publicKey: new Uint8Array(credential.public_key),
        counter: Number(credential.counter),
        transports: credential.transports as never,
      },
      requireUserVerification,
    });
  } catch (err) {
    // A counter that did not move forward lands here too: a cloned authenticator, or a replay.
    throw MfaErrors.PASSKEY_VERIFICATION_FAILED({ reason: (err as Error).message });
  }
  if (!result.verified) throw MfaErrors.PASSKEY_VERIFICATION_FAILED();
  return {
    newCounter: result.authenticationInfo.newCounter,
    backedUp: result.authenticationInfo.credentialBackedUp,
  };
}

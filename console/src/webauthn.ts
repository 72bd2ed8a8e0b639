/**
 * Passkey ceremonies in the browser, through @simplewebauthn/browser: the options come from the API as
 * JSON, the browser's answer goes back as JSON. A ceremony the person cancelled, or that the browser or
 * the device refused, becomes a `Problem` in words (what happened, what to do).
 */
import {
  browserSupportsWebAuthn,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  startAuthentication,
  startRegistration,
  WebAuthnError,
} from '@simplewebauthn/browser';
import type { Body } from '../../src/client/client.ts';
import { Problem } from './api.ts';

/** What `POST /v1/me/passkeys` takes: the browser's answer to the registration options. */
export type RegistrationAnswer = Body<'POST /v1/me/passkeys'>['response'];
/** What a passkey sign-in takes: the browser's answer to the authentication options. */
export type AuthenticationAnswer = Body<'POST /v1/auth/passkey'>['response'];

/** Whether this browser can use passkeys at all (WebAuthn in a secure context). */
export function passkeysSupported(): boolean {
  return browserSupportsWebAuthn();
}

const UNSUPPORTED =
  'This browser cannot use passkeys. Use a current version of Chrome, Edge, Firefox or Safari, or sign in another way.';

/** The words for a ceremony that did not end with an answer. */
function ceremonyProblem(err: unknown, creating: boolean): Problem {
  const cause = err instanceof WebAuthnError ? (err.cause as Error | undefined) : (err as Error | undefined);
  const code = err instanceof WebAuthnError ? err.code : null;
  if (code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED')
    return new Problem(
      'This device already holds a passkey for your account: it is in the list. Use another device or password manager to add one more.',
    );
  if (code === 'ERROR_INVALID_DOMAIN' || code === 'ERROR_INVALID_RP_ID' || cause?.name === 'SecurityError')
    return new Problem(
      'Passkeys work only at the address Roster is configured with (its PUBLIC_URL). Open Roster at that address and try again.',
    );
  if (cause?.name === 'NotAllowedError' || cause?.name === 'AbortError' || code === 'ERROR_CEREMONY_ABORTED')
    return new Problem(
      creating
        ? 'The passkey was not created: the request was cancelled or timed out. Try again when you are ready.'
        : 'No passkey was used: the request was cancelled or timed out. Try again, or sign in another way.',
    );
  if (err instanceof Error && /not supported/i.test(err.message)) return new Problem(UNSUPPORTED);
  const detail = cause?.message ? ` (${cause.message})` : '';
  return new Problem(
    creating
      ? `Your device could not create the passkey${detail}. Try again, or use another device.`
      : `Your device could not use the passkey${detail}. Try again, or sign in another way.`,
  );
}

/** Runs `navigator.credentials.create()` with the API's registration options. */
export async function createPasskey(options: unknown): Promise<RegistrationAnswer> {
  if (!passkeysSupported()) throw new Problem(UNSUPPORTED);
  try {
    const answer = await startRegistration({
      optionsJSON: options as PublicKeyCredentialCreationOptionsJSON,
    });
    return answer as unknown as RegistrationAnswer;
  } catch (err) {
    throw ceremonyProblem(err, true);
  }
}

/** Runs `navigator.credentials.get()` with the API's authentication options. */
export async function answerWithPasskey(options: unknown): Promise<AuthenticationAnswer> {
  if (!passkeysSupported()) throw new Problem(UNSUPPORTED);
  try {
    const answer = await startAuthentication({
      optionsJSON: options as PublicKeyCredentialRequestOptionsJSON,
    });
    return answer as unknown as AuthenticationAnswer;
  } catch (err) {
    throw ceremonyProblem(err, false);
  }
}

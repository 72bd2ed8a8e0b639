import { defineErrors } from '../../lib/errors.ts';

export const MfaErrors = defineErrors({
  // The first step of a sign-in was right; the account asks for its second factor (details: challenge).
  MFA_REQUIRED: {
    status: 401,
    message: 'This account has two-factor authentication: answer the challenge with a second factor.',
  },
  MFA_CHALLENGE_INVALID: {
    status: 401,
    message: 'This sign-in challenge is not valid. Sign in again.',
  },
  MFA_CHALLENGE_EXPIRED: { status: 410, message: 'This sign-in challenge has expired. Sign in again.' },
  MFA_CHALLENGE_USED: { status: 410, message: 'This sign-in challenge was already used. Sign in again.' },
  MFA_TOO_MANY_ATTEMPTS: {
    status: 429,
    message: 'Too many wrong answers to this sign-in challenge. Sign in again.',
  },
  MFA_METHOD_UNAVAILABLE: {
    status: 400,
    message: 'This account cannot answer with that method.',
  },
  INVALID_CODE: { status: 400, message: 'The code is wrong.' },
  CODE_ALREADY_USED: {
    status: 400,
    message: 'This code was already used. Wait for your authenticator to show the next one.',
  },
  TOTP_ALREADY_ENABLED: {
    status: 409,
    message: 'An authenticator app is already set up. Remove it before setting up another.',
  },
  TOTP_ENROLMENT_NOT_FOUND: {
    status: 404,
    message: 'No authenticator set-up is waiting for confirmation. Start again.',
  },
  TOTP_NOT_ENABLED: { status: 404, message: 'No authenticator app is set up.' },
  TOTP_UNAVAILABLE: {
    status: 503,
    message:
      'The authenticator cannot be checked: its secret does not open with this server’s SECRETS_KEY. Use a recovery code or a passkey.',
  },
  MFA_NOT_ENABLED: {
    status: 409,
    message: 'Set up an authenticator app or a passkey first.',
  },
  PASSKEY_NOT_FOUND: { status: 404, message: 'No such passkey.' },
  PASSKEY_EXISTS: { status: 409, message: 'This passkey is already registered.' },
  PASSKEY_CHALLENGE_INVALID: {
    status: 400,
    message: 'This passkey request is unknown, used or expired. Start again.',
  },
  PASSKEY_REGISTRATION_FAILED: { status: 400, message: 'The passkey could not be verified.' },
  PASSKEY_NOT_RECOGNIZED: {
    status: 401,
    message: 'This passkey is not registered with this account.',
  },
  PASSKEY_VERIFICATION_FAILED: { status: 401, message: 'The passkey’s answer could not be verified.' },
  PASSKEY_OPTIONS_REQUIRED: {
    status: 400,
    message: 'Ask for passkey options for this challenge first.',
  },
});

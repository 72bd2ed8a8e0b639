import { defineErrors } from '../../lib/errors.ts';

/** Errors of Roster's own OpenID Connect routes; the provider's endpoints answer OAuth errors instead. */
export const OidcErrors = defineErrors({
  CLIENT_NOT_FOUND: { status: 404, message: 'No OpenID Connect client has this id.' },
  INVALID_REDIRECT_URI: {
    status: 400,
    message:
      'A redirect URI must be an absolute https URL without a fragment (http only for localhost or 127.0.0.1).',
  },
  INTERACTION_NOT_FOUND: {
    status: 404,
    message:
      'This sign-in request has expired or was opened in another tab. Start again from the application.',
  },
  INTERACTION_STEP_INVALID: {
    status: 409,
    message: 'This sign-in request is not waiting for this step.',
  },
  FRESH_SIGN_IN_REQUIRED: {
    status: 409,
    message: 'The application asks you to sign in again before it continues.',
  },
  OIDC_UNAVAILABLE: {
    status: 503,
    message:
      'Sign-in for applications is unavailable: SECRETS_KEY does not open the signing keys (was it changed?). Restore the key, or make a new signing key with `roster keys rotate`.',
  },
  ORGANIZATION_NOT_AVAILABLE: {
    status: 403,
    message:
      'You are not an active member of this organization, or it requires a second factor you do not have.',
  },
});

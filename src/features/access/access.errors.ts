import { defineErrors } from '../../lib/errors.ts';

export const AccessErrors = defineErrors({
  // details: { organization: { id, slug, name }, enrol: '/v1/me/mfa' }
  MFA_REQUIRED: {
    status: 403,
    message:
      'This organization requires two-factor authentication. Set up an authenticator app or a passkey to continue.',
  },
});

import { defineErrors } from '../../lib/errors.ts';

export const OrganizationErrors = defineErrors({
  ORGANIZATION_NOT_FOUND: { status: 404, message: 'No such organization.' },
  SLUG_TAKEN: { status: 409, message: 'Another organization already uses this slug.' },
  INVALID_SLUG: {
    status: 400,
    message: 'A slug is 2–48 lowercase letters, digits and single hyphens, and does not look like a UUID.',
  },
  MEMBER_LIMIT_REACHED: {
    status: 409,
    message:
      'The organization has no free seat: active members and pending invitations fill its member limit.',
  },
  MFA_ENROLMENT_REQUIRED: {
    status: 409,
    message:
      'Set up a second factor (an authenticator app or a passkey) for your own account before requiring one of every member; otherwise you would lock yourself out.',
  },
  MEMBER_LIMIT_BELOW_USAGE: {
    status: 409,
    message: 'The member limit cannot be lower than the seats already in use.',
  },
});

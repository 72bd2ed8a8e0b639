import { defineErrors } from '../../lib/errors.ts';

export const AuthErrors = defineErrors({
  EMAIL_TAKEN: { status: 409, message: 'An account with this email already exists.' },
  INVALID_CREDENTIALS: { status: 401, message: 'The email or password is wrong.' },
  INVALID_EMAIL: { status: 400, message: 'This is not a valid email address.' },
  WEAK_PASSWORD: { status: 400, message: 'The password must be at least 8 characters long.' },
  VERIFICATION_TOKEN_INVALID: { status: 400, message: 'This verification link is invalid, used or expired.' },
  EMAIL_NOT_VERIFIED: { status: 403, message: 'Verify your email address first.' },
  EMAIL_ALREADY_VERIFIED: { status: 409, message: 'This email is already verified.' },
});

import { defineErrors } from '../../lib/errors.ts';

/**
 * The signed-in person's own account, and the emailed links that reset a password or change an
 * address. A link that cannot be used says why, each reason its own code: the console tells the
 * person what to do next (ask again, look for the newer email, sign in).
 */
export const AccountErrors = defineErrors({
  INVALID_PASSWORD: { status: 403, message: 'The password is wrong.' },
  EMAIL_UNCHANGED: { status: 400, message: 'This is already the email address of your account.' },
  SESSION_NOT_FOUND: { status: 404, message: 'You have no session with this id.' },
  RESET_LINK_INVALID: { status: 400, message: 'This password-reset link is not valid.' },
  RESET_LINK_USED: { status: 410, message: 'This password-reset link was already used.' },
  RESET_LINK_EXPIRED: {
    status: 410,
    message: 'This password-reset link has expired: ask for a new one.',
  },
  RESET_LINK_SUPERSEDED: {
    status: 410,
    message: 'A newer password-reset link was sent since this one: use the latest email.',
  },
  EMAIL_CHANGE_LINK_INVALID: { status: 400, message: 'This email-change link is not valid.' },
  EMAIL_CHANGE_LINK_USED: { status: 410, message: 'This email-change link was already used.' },
  EMAIL_CHANGE_LINK_EXPIRED: {
    status: 410,
    message: 'This email-change link has expired: ask for the change again.',
  },
  EMAIL_CHANGE_LINK_SUPERSEDED: {
    status: 410,
    message: 'A newer email change was asked for since this link was sent: use the latest email.',
  },
});

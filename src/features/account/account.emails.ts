import { renderEmail } from '../../lib/email-layout.ts';
import type { EmailMessage } from '../outbox/outbox.repository.ts';

/**
 * The password-reset link. Its `links` stay empty on purpose: without SMTP_URL the mailer logs an
 * email's `links` (how a trial delivers them), and a reset link must never reach a log line — anyone
 * can ask for one for any address, so whoever reads the logs would hold every account. The link is
 * in the text and HTML that SMTP delivers.
 */
export function passwordResetEmail(opts: {
  to: string;
  name: string;
  url: string;
  minutes: number;
}): EmailMessage {
  const rendered = renderEmail({
    subject: 'Reset your password',
    heading: `Reset your password, ${opts.name}`,
    paragraphs: [
      `Someone (we hope you) asked to reset the password of the account ${opts.to}. The link works once, for ${opts.minutes} minutes; it signs out every session of the account.`,
    ],
    action: { label: 'Choose a new password', url: opts.url },
    footer: 'If you did not ask for this, ignore this email: your password stays as it is.',
  });
  return { to: opts.to, ...rendered, links: [] };
}

/** After a reset or a change: the account's password is not what it was. */
export function passwordChangedEmail(opts: {
  to: string;
  name: string;
  how: 'reset' | 'changed';
  url: string;
}): EmailMessage {
  return {
    to: opts.to,
    ...renderEmail({
      subject: 'Your password was changed',
      heading: `Your password was changed, ${opts.name}`,
      paragraphs: [
        opts.how === 'reset'
          ? 'The password of your account was reset with an emailed link, and every session was signed out.'
          : 'The password of your account was changed, and every other session was signed out.',
        'If this was not you, reset your password at once and check the sessions of your account.',
      ],
      action: { label: 'Open Roster', url: opts.url },
    }),
  };
}

/** To the new address: follow the link to make it the account's address. */
export function emailChangeEmail(opts: {
  to: string;
  name: string;
  oldEmail: string;
  url: string;
  hours: number;
}): EmailMessage {
  return {
    to: opts.to,
    ...renderEmail({
      subject: 'Confirm your new email address',
      heading: `Confirm your new email address, ${opts.name}`,
      paragraphs: [
        `Confirm that ${opts.to} should replace ${opts.oldEmail} as the email address of your account. The link works once, for ${opts.hours} hours.`,
      ],
      action: { label: 'Confirm the new address', url: opts.url },
      footer: 'If you did not ask for this, ignore this email: nothing changes.',
    }),
  };
}

/** To the old address, once the change is made. */
export function emailChangedEmail(opts: { to: string; name: string; newEmail: string }): EmailMessage {
  return {
    to: opts.to,
    ...renderEmail({
      subject: 'Your email address was changed',
      heading: `Your email address was changed, ${opts.name}`,
      paragraphs: [
        `Your account now signs in with ${opts.newEmail} instead of ${opts.to}. Emails about it go there from now on.`,
        'If this was not you, contact the operator of this Roster at once.',
      ],
    }),
  };
}

/** To the address of an account that was just deleted. */
export function accountDeletedEmail(opts: { to: string; name: string }): EmailMessage {
  return {
    to: opts.to,
    ...renderEmail({
      subject: 'Your account was deleted',
      heading: `Goodbye, ${opts.name}`,
      paragraphs: [
        `The account ${opts.to} was deleted, with its memberships and sessions. Invitations sent to this address stay with it.`,
      ],
      footer: 'If this was not you, contact the operator of this Roster.',
    }),
  };
}

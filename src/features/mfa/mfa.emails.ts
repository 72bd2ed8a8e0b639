/** Security notices: a second factor added or removed, recovery codes renewed or used. */
import { renderEmail } from '../../lib/email-layout.ts';
import type { EmailMessage } from '../outbox/outbox.repository.ts';

export type MfaNotice =
  | { kind: 'totp_enabled' }
  | { kind: 'totp_disabled' }
  | { kind: 'passkey_added'; name: string }
  | { kind: 'passkey_removed'; name: string }
  | { kind: 'recovery_codes_regenerated' }
  | { kind: 'recovery_code_used'; remaining: number }
  | { kind: 'second_step_failed' };

const TEXT: { [K in MfaNotice['kind']]: (n: Extract<MfaNotice, { kind: K }>) => [string, string] } = {
  totp_enabled: () => [
    'Two-factor authentication is on',
    'An authenticator app was set up for your account: signing in with your password now also asks for its code.',
  ],
  totp_disabled: () => [
    'Your authenticator app was removed',
    'The authenticator app was removed from your account: its codes no longer sign you in.',
  ],
  passkey_added: (n) => [
    'A passkey was added to your account',
    `The passkey “${n.name}” was added to your account: it can now sign you in.`,
  ],
  passkey_removed: (n) => [
    'A passkey was removed from your account',
    `The passkey “${n.name}” was removed from your account: it no longer signs you in.`,
  ],
  recovery_codes_regenerated: () => [
    'New recovery codes were made',
    'New recovery codes were made for your account; the earlier ones no longer work.',
  ],
  second_step_failed: () => [
    'Someone signed in with your password but not your second factor',
    'Your password was given correctly, then five wrong second-factor answers, so the sign-in was stopped. If this was not you, someone knows your password: change it now.',
  ],
  recovery_code_used: (n) => [
    'A recovery code was used to sign in',
    `A recovery code was used to sign in to your account. ${n.remaining} unused ${
      n.remaining === 1 ? 'code remains' : 'codes remain'
    }.`,
  ],
};

export function mfaNoticeEmail(opts: {
  to: string;
  name: string;
  publicUrl: string;
  notice: MfaNotice;
}): EmailMessage {
  const [subject, what] = (TEXT[opts.notice.kind] as (n: MfaNotice) => [string, string])(opts.notice);
  return {
    to: opts.to,
    ...renderEmail({
      subject,
      heading: `Hello ${opts.name}`,
      paragraphs: [what],
      action: { label: 'Review your account’s security', url: `${opts.publicUrl}/account/security` },
      footer: 'If this was not you, reset your password at once and review your second factors and sessions.',
    }),
  };
}

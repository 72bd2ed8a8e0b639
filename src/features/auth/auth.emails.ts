import { renderEmail } from '../../lib/email-layout.ts';
import type { EmailMessage } from '../outbox/outbox.repository.ts';

export function verificationEmail(opts: {
  to: string;
  name: string;
  url: string;
  hours: number;
}): EmailMessage {
  return {
    to: opts.to,
    ...renderEmail({
      subject: 'Verify your email address',
      heading: `Welcome, ${opts.name}`,
      paragraphs: [
        `Confirm that ${opts.to} is your email address. The link works once, for ${opts.hours} hours.`,
      ],
      action: { label: 'Verify email', url: opts.url },
      footer: 'If you did not create an account, ignore this email.',
    }),
  };
}

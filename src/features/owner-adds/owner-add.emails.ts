import { renderEmail } from '../../lib/email-layout.ts';
import type { EmailMessage } from '../outbox/outbox.repository.ts';

/** To a user an admin added: nothing changes until they accept. */
export function ownerAddEmail(opts: {
  to: string;
  orgName: string;
  addedBy: string | null;
  role: string;
  url: string;
}): EmailMessage {
  const who = opts.addedBy ?? 'An administrator';
  return {
    to: opts.to,
    ...renderEmail({
      subject: `${who} added you to ${opts.orgName}`,
      heading: `Join ${opts.orgName}?`,
      paragraphs: [
        `${who} wants to add you to ${opts.orgName} as ${opts.role}.`,
        'You are not a member until you accept; you can also decline.',
      ],
      action: { label: 'Review the invitation', url: opts.url },
      footer: 'If you do not know this organization, decline or ignore this email.',
    }),
  };
}

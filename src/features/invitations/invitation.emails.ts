/** The emails invitations send: the invitation itself, the request to admins, the acceptance notice. */
import { renderEmail } from '../../lib/email-layout.ts';
import type { EmailMessage } from '../outbox/outbox.repository.ts';

/** `2025-03-14 09:30 UTC`: unambiguous whatever the reader's locale. */
export function formatExpiry(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function invitationEmail(opts: {
  to: string;
  orgName: string;
  inviterName: string | null;
  role: string;
  message: string | null;
  expiresAt: Date;
  url: string;
}): EmailMessage {
  const who = opts.inviterName ?? opts.orgName;
  return {
    to: opts.to,
    ...renderEmail({
      subject: `${who} invited you to join ${opts.orgName}`,
      heading: `Join ${opts.orgName}`,
      paragraphs: [
        `${who} invited you to join ${opts.orgName} as ${opts.role === 'admin' || opts.role === 'owner' ? 'an' : 'a'} ${opts.role}.`,
        ...(opts.message ? [`Message from ${who}: “${opts.message}”`] : []),
        `The invitation expires on ${formatExpiry(opts.expiresAt)}. Accept it while signed in as ${opts.to}, or create your account from the link.`,
      ],
      action: { label: 'Accept the invitation', url: opts.url },
      footer: `If you did not expect this invitation, ignore this email: nothing happens unless you accept.`,
    }),
  };
}

export function inviteRequestEmail(opts: {
  to: string;
  orgName: string;
  requesterName: string;
  email: string;
  role: string;
}): EmailMessage {
  return {
    to: opts.to,
    ...renderEmail({
      subject: `${opts.requesterName} asks to invite ${opts.email} to ${opts.orgName}`,
      heading: 'An invitation awaits your approval',
      paragraphs: [
        `${opts.requesterName} asks to invite ${opts.email} to ${opts.orgName} as ${opts.role}.`,
        'Approve the request to send the invitation, or reject it, from the pending invitations of the organization.',
      ],
    }),
  };
}

export function acceptedEmail(opts: {
  to: string;
  orgName: string;
  memberName: string;
  memberEmail: string;
  role: string;
}): EmailMessage {
  return {
    to: opts.to,
    ...renderEmail({
      subject: `${opts.memberName} joined ${opts.orgName}`,
      heading: `${opts.memberName} accepted your invitation`,
      paragraphs: [
        `${opts.memberName} (${opts.memberEmail}) is now a member of ${opts.orgName}, as ${opts.role}.`,
      ],
    }),
  };
}

import { renderEmail } from '../../lib/email-layout.ts';
import type { EmailMessage } from '../outbox/outbox.repository.ts';

/** To the member an owner proposes to make an owner: nothing changes until they accept. */
export function transferProposedEmail(opts: {
  to: string;
  orgName: string;
  from: string;
  keepOwner: boolean;
  expiresAt: Date;
  url: string;
}): EmailMessage {
  return {
    to: opts.to,
    ...renderEmail({
      subject: `${opts.from} wants to make you an owner of ${opts.orgName}`,
      heading: `Become an owner of ${opts.orgName}?`,
      paragraphs: [
        `${opts.from} proposes to make you an owner of ${opts.orgName}${opts.keepOwner ? '' : ', and to become an admin themselves'}.`,
        `An owner can do everything in the organization, including deleting it. Nothing changes until you accept; the proposal ends on ${opts.expiresAt.toUTCString()}.`,
      ],
      action: { label: 'Review the proposal', url: opts.url },
      footer: 'If you do not want this responsibility, decline it.',
    }),
  };
}

/** To the proposer: the member's answer. */
export function transferAnsweredEmail(opts: {
  to: string;
  orgName: string;
  member: string;
  accepted: boolean;
  url: string;
}): EmailMessage {
  const verb = opts.accepted ? 'accepted' : 'declined';
  return {
    to: opts.to,
    ...renderEmail({
      subject: `${opts.member} ${verb} ownership of ${opts.orgName}`,
      heading: `Ownership transfer ${verb}`,
      paragraphs: [
        opts.accepted
          ? `${opts.member} is now an owner of ${opts.orgName}.`
          : `${opts.member} declined to become an owner of ${opts.orgName}. Nothing changed.`,
      ],
      action: { label: `Open ${opts.orgName}`, url: opts.url },
    }),
  };
}

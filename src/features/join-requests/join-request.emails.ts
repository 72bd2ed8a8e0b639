import { renderEmail } from '../../lib/email-layout.ts';
import type { EmailMessage } from '../outbox/outbox.repository.ts';

/** To each owner and admin: someone asks to join. */
export function joinRequestReceivedEmail(opts: {
  to: string;
  orgName: string;
  requester: string;
  url: string;
}): EmailMessage {
  return {
    to: opts.to,
    ...renderEmail({
      subject: `${opts.requester} asks to join ${opts.orgName}`,
      heading: `A request to join ${opts.orgName}`,
      paragraphs: [`${opts.requester} asks to join ${opts.orgName}. Approve or reject the request.`],
      action: { label: 'Review requests', url: opts.url },
      footer: 'You receive this because you are an owner or admin of the organization.',
    }),
  };
}

/** To the requester: the answer. */
export function joinRequestAnsweredEmail(opts: {
  to: string;
  orgName: string;
  approved: boolean;
  url: string;
}): EmailMessage {
  return {
    to: opts.to,
    ...renderEmail(
      opts.approved
        ? {
            subject: `You joined ${opts.orgName}`,
            heading: `Welcome to ${opts.orgName}`,
            paragraphs: [`Your request to join ${opts.orgName} was approved: you are now a member.`],
            action: { label: `Open ${opts.orgName}`, url: opts.url },
          }
        : {
            subject: `Your request to join ${opts.orgName}`,
            heading: `Your request to join ${opts.orgName}`,
            paragraphs: [`Your request to join ${opts.orgName} was not approved. You may ask again later.`],
          },
    ),
  };
}

import { defineErrors } from '../../lib/errors.ts';

export const JoinLinkErrors = defineErrors({
  JOIN_LINK_NOT_FOUND: { status: 404, message: 'No such join link (or its token was replaced).' },
  JOIN_LINK_REVOKED: { status: 410, message: 'This join link was revoked.' },
  JOIN_LINK_EXPIRED: { status: 410, message: 'This join link has expired.' },
  JOIN_LINK_USED_UP: { status: 410, message: 'This join link has been used as many times as it may be.' },
  JOIN_LINK_DOMAIN_NOT_ALLOWED: {
    status: 403,
    message:
      "This join link is only for people whose verified email is at one of the organization's domains.",
  },
  JOIN_LINK_LIMIT: {
    status: 409,
    message: 'The organization already has as many working join links as it may have: revoke one first.',
  },
});

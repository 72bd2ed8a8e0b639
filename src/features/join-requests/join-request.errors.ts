import { defineErrors } from '../../lib/errors.ts';

export const JoinRequestErrors = defineErrors({
  JOIN_REQUESTS_DISABLED: { status: 403, message: 'This organization does not take requests to join.' },
  SSO_REQUIRED: {
    status: 403,
    message: 'This organization admits members through its single sign-on only.',
  },
  JOIN_REQUEST_NOT_FOUND: { status: 404, message: 'No pending request to join with this id.' },
  JOIN_REQUEST_ANSWERED: { status: 409, message: 'This request to join was already answered.' },
  JOIN_REQUEST_ANSWER_NOT_FOUND: {
    status: 404,
    message: 'No answered request to join of yours with this id in the last 30 days.',
  },
});

import { defineErrors } from '../../lib/errors.ts';

export const WebhookErrors = defineErrors({
  WEBHOOK_URL_INVALID: { status: 400, message: 'The webhook URL must be an absolute http(s) URL.' },
  WEBHOOK_URL_FORBIDDEN: {
    status: 400,
    message: 'The webhook URL reaches a loopback, private or link-local address, which is not allowed.',
  },
  WEBHOOK_URL_UNRESOLVABLE: { status: 400, message: 'The webhook URL’s host name does not resolve.' },
  UNKNOWN_EVENT_TYPE: { status: 400, message: 'An event type is not one Roster publishes.' },
  WEBHOOK_ENDPOINT_NOT_FOUND: { status: 404, message: 'No such webhook endpoint.' },
  WEBHOOK_ENDPOINT_LIMIT: {
    status: 409,
    message: 'The organization has as many webhook endpoints as allowed.',
  },
});

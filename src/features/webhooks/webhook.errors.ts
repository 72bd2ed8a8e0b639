import { defineErrors } from '../../lib/errors.ts';

export const WebhookErrors = defineErrors({
  WEBHOOK_URL_INVALID: { status: 400, message: 'The webhook URL must be an absolute http(s) URL.' },
  WEBHOOK_URL_FORBIDDEN: {
    status: 400,
    message: 'The webhook URL reaches a loopback, private or link-local address, which is not allowed.',
  },
  WEBHOOK_URL_UNRESOLVABLE: { status: 400, message: 'The webhook URL’s host name does not resolve.' },
  UNKNOWN_EVENT_TYPE: { status: 400, message: 'An event type is not one Roster publishes.' },
  EVENT_TYPE_NOT_SUBSCRIBABLE: {
    status: 400,
    message: 'This event type is sent on request only (a test event); it cannot be subscribed to.',
  },
  EVENT_WILDCARD_NOT_ALONE: {
    status: 400,
    message: "'*' (every event type) stands alone: it cannot be listed with other event types.",
  },
  WEBHOOK_ENDPOINT_NOT_FOUND: { status: 404, message: 'No such webhook endpoint.' },
  WEBHOOK_ENDPOINT_LIMIT: {
    status: 409,
    message: 'The organization has as many webhook endpoints as allowed.',
  },
  WEBHOOK_ENDPOINT_DISABLED: {
    status: 409,
    message: 'The webhook endpoint is disabled; re-enable it first.',
  },
  WEBHOOK_DELIVERY_NOT_FOUND: { status: 404, message: 'No such delivery.' },
  WEBHOOK_DELIVERY_PENDING: {
    status: 409,
    message: 'A message under this webhook-id is still being delivered or retried.',
  },
  WEBHOOK_DELIVERY_SUCCEEDED: {
    status: 409,
    message: 'The receiver acknowledged this message; a replay under its webhook-id would be dropped.',
  },
  WEBHOOK_DELIVERY_REDACTED: {
    status: 409,
    message:
      'Part of this message is never kept (a grant code only its receiver may hold): it cannot be sent again.',
  },
  WEBHOOK_DELIVERY_EXPIRED: {
    status: 410,
    message:
      'This message is no longer kept (the delivery log keeps payloads for 30 days): it cannot be sent again.',
  },
});

import { defineErrors } from '../../lib/errors.ts';

export const DomainErrors = defineErrors({
  DOMAIN_NOT_FOUND: { status: 404, message: 'This organization has no such domain.' },
  DOMAIN_EXISTS: { status: 409, message: 'This organization has already added this domain.' },
  DOMAIN_LIMIT: {
    status: 409,
    message: 'The organization has as many domains as it may have (details.limit): remove one first.',
  },
  DOMAIN_TAKEN: {
    status: 409,
    message:
      'Another organization has verified this domain; it must remove it before this one can verify it.',
  },
  DOMAIN_RECORD_MISSING: {
    status: 409,
    message:
      'The TXT record was not found: publish it (details.record) and try again; DNS changes can take a while to show.',
  },
  DOMAIN_NOT_VERIFIED: {
    status: 409,
    message: 'Verify the domain before giving it a policy.',
  },
  DNS_UNAVAILABLE: {
    status: 503,
    message: 'The DNS lookup failed (no answer from the DNS servers); nothing was changed. Try again.',
  },
});

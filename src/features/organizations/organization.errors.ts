import { defineErrors } from '../../lib/errors.ts';

export const OrganizationErrors = defineErrors({
  ORGANIZATION_NOT_FOUND: { status: 404, message: 'No such organization.' },
  SLUG_TAKEN: { status: 409, message: 'Another organization already uses this slug.' },
  INVALID_SLUG: {
    status: 400,
    message: 'A slug is 2–48 lowercase letters, digits and single hyphens, and does not look like a UUID.',
  },
  SEAT_LIMIT_REACHED: {
    status: 409,
    message: 'Every seat is taken: raise the member limit or free a seat first.',
  },
  MEMBER_LIMIT_BELOW_USAGE: {
    status: 409,
    message: 'The member limit cannot be lower than the seats already in use.',
  },
});

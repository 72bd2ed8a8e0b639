import { defineErrors } from '../../lib/errors.ts';

export const MemberErrors = defineErrors({
  MEMBER_NOT_FOUND: { status: 404, message: 'This user is not a member of the organization.' },
  USER_NOT_FOUND: { status: 404, message: 'No account has this email address.' },
  MEMBERSHIP_EXISTS: {
    status: 409,
    message: 'This user already has a membership in the organization (active or pending).',
  },
  PENDING_ADD_NOT_FOUND: { status: 404, message: 'You have no pending membership with this id to answer.' },
  LAST_OWNER: {
    status: 409,
    message: 'An organization needs at least one active owner: promote another member to owner first.',
  },
  ROLE_CEILING: {
    status: 403,
    message: 'You can only grant, change or remove roles at or below your own; only owners manage owners.',
  },
});

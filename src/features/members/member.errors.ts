import { defineErrors } from '../../lib/errors.ts';

export const MemberErrors = defineErrors({
  MEMBER_NOT_FOUND: { status: 404, message: 'This user is not a member of the organization.' },
  USER_NOT_FOUND: { status: 404, message: 'No account has this email address.' },
  ALREADY_MEMBER: {
    status: 409,
    message: 'This person already has a membership in the organization (active, or pending an answer).',
  },
  PENDING_ADD_NOT_FOUND: { status: 404, message: 'You have no pending membership with this id to answer.' },
  LAST_OWNER: {
    status: 409,
    message: 'An organization needs at least one active owner: promote another member to owner first.',
  },
  ROLE_CEILING: {
    status: 403,
    message:
      'You can only grant, change, remove or define roles whose every permission is one of yours; only owners make or change owners.',
  },
});

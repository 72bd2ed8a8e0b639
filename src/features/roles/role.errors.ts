import { defineErrors } from '../../lib/errors.ts';

export const RoleErrors = defineErrors({
  ROLE_NOT_FOUND: { status: 404, message: 'This organization has no role with this key.' },
  ROLE_EXISTS: { status: 409, message: 'This organization already has a role with this key.' },
  ROLE_BUILT_IN: {
    status: 409,
    message: 'The built-in roles (owner, admin, member) cannot be changed or deleted.',
  },
  ROLE_IN_USE: {
    status: 409,
    message:
      "Members, pending invitations, join links or a domain's auto-join still hold this role: name the role to move them to (`replaceWith`).",
  },
  ROLE_LIMIT: {
    status: 409,
    message:
      'The organization has as many roles of its own as it may have (details.limit): delete one first.',
  },
});

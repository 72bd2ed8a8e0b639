import { defineErrors } from '../../lib/errors.ts';

export const InvitationErrors = defineErrors({
  INVITATION_NOT_FOUND: { status: 404, message: 'No such invitation.' },
  INVITATION_DOMAIN_NOT_ALLOWED: {
    status: 403,
    message: 'This organization invites only addresses at its verified domains.',
  },
  INVITATION_EXISTS: {
    status: 409,
    message: 'A pending invitation for this email already exists in this organization.',
  },
  INVITATION_NOT_APPROVED: {
    status: 400,
    message: 'This invitation awaits approval: it has no link and cannot be accepted, resent or linked yet.',
  },
  INVITATION_ALREADY_APPROVED: { status: 409, message: 'This invitation is already approved.' },
  INVITATION_NOT_PENDING: { status: 409, message: 'Only a pending invitation can be changed.' },
  CANNOT_RESEND_EXPIRED: {
    status: 400,
    message: 'This invitation has expired and cannot be resent; create a new one.',
  },
  INVITATION_LINK_LIMIT: {
    status: 409,
    message:
      'This invitation already has as many working links as it may have: resend it to replace them all with one new link.',
  },
  INVITATION_EXPIRED: { status: 410, message: 'This invitation has expired.' },
  INVITATION_REVOKED: { status: 410, message: 'This invitation was revoked.' },
  INVITATION_ALREADY_ACCEPTED: { status: 409, message: 'This invitation has already been accepted.' },
  INVITATION_EMAIL_MISMATCH: {
    status: 403,
    message: 'This invitation was sent to another email address: sign in with the invited address.',
  },
});

import { defineErrors } from '../../lib/errors.ts';

export const OwnershipTransferErrors = defineErrors({
  OWNERSHIP_TRANSFER_OWNER_ONLY: {
    status: 403,
    message:
      'Only an owner of the organization, signed in as themselves, can propose or withdraw a transfer.',
  },
  OWNERSHIP_TRANSFER_NOT_FOUND: { status: 404, message: 'No ownership transfer with this id for you.' },
  OWNERSHIP_TRANSFER_PENDING: {
    status: 409,
    message: 'This organization already has an ownership transfer waiting for an answer: withdraw it first.',
  },
  ALREADY_OWNER: { status: 409, message: 'This member is already an owner.' },
  OWNERSHIP_TRANSFER_ANSWERED: {
    status: 409,
    message: 'This ownership transfer is no longer waiting for an answer.',
  },
  OWNERSHIP_TRANSFER_EXPIRED: {
    status: 410,
    message: 'This ownership transfer expired before it was accepted.',
  },
  OWNERSHIP_TRANSFER_INVALID: {
    status: 409,
    message:
      'This ownership transfer no longer holds: the proposer is no longer an owner, or you are no longer an active member.',
  },
});

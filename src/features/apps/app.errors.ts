import { defineErrors } from '../../lib/errors.ts';

export const AppErrors = defineErrors({
  APP_NOT_FOUND: { status: 404, message: 'No such app.' },
  APP_SLUG_TAKEN: { status: 409, message: 'Another app has this slug.' },
  INVALID_APP_SCOPE: { status: 400, message: 'An app may not ask for this scope.' },
  INSTALLATION_NOT_FOUND: { status: 404, message: 'No such installation.' },
  INSTALLER_LACKS_SCOPES: {
    status: 403,
    message: 'You cannot grant an app scopes you do not hold yourself.',
  },
  NOT_THIS_APPS_INSTALLATION: {
    status: 403,
    message: 'This token acts on its own installation only.',
  },
  APP_TOKEN_REQUIRED: {
    status: 403,
    message: 'Only the app, with its installation token, marks its installation installed.',
  },
  APP_CANNOT_UNINSTALL: {
    status: 403,
    message: 'An app is uninstalled by an administrator of the organization.',
  },
  INVALID_INSTALLATION_STATUS: {
    status: 400,
    message: "Invalid value for status. Valid values: 'installed'",
  },
  INVALID_CLIENT: { status: 401, message: 'The client id or client secret is wrong.' },
  INVALID_GRANT: {
    status: 400,
    message: 'The grant code or refresh token is invalid, expired or already used.',
  },
});

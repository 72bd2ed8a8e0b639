/** Keeps secrets out of logs: tokens in URLs (path segments and query values) become `[REDACTED]`. */

/**
 * A Roster token (`<2-letter prefix>_<32 hex><43 base64url>`, see lib/crypto.ts) wherever it sits. No
 * `\b` anchors: a secret may end with `-`, where a word boundary does not match, and characters glued
 * to either end must not leave the token itself readable, so any trailing base64url run is taken too.
 */
const TOKEN_SHAPE = /[a-z]{2}_[0-9a-f]{32}[A-Za-z0-9_-]{43,}/g;
/**
 * `/v1/invitations/{token}` (and `…/{token}/accept`): whatever stands in the token's place, well
 * formed or not — except the fixed `/v1/invitations/accept`, whose token travels in the body.
 */
const TOKEN_PATHS = /(\/v1\/invitations\/)(?!\[REDACTED\]|accept(?:[/?#]|$))[^/?#]+/g;
const SECRET_PARAMS =
  /([?&](?:token|code|secret|password|invitationToken|refresh_token|client_secret|access_token|api_key|id_token_hint|id_token|code_verifier|state|nonce)=)[^&#]*/gi;

export function redactUrl(url: string): string {
  return url
    .replace(SECRET_PARAMS, '$1[REDACTED]')
    .replace(TOKEN_SHAPE, '[REDACTED]')
    .replace(TOKEN_PATHS, '$1[REDACTED]');
}

/** pino `redact` paths: credentials in headers and secrets in logged objects. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.token',
  '*.secret',
  '*.invitationToken',
  '*.acceptUrl',
  '*.clientSecret',
  '*.accessToken',
  '*.refreshToken',
  '*.webhookSecret',
];

/**
 * The console's connection to Roster: the typed client (src/client, checked against the OpenAPI
 * document) on the page's own origin with the session cookie, and the API's error codes in plain words.
 */
import { ApiError, createClient, type Result, type Schemas } from '../../src/client/client.ts';

export { ApiError };
export type Organization = Schemas['Organization'];
export type Member = Schemas['Member'];
export type User = Schemas['User'];
export type Role = Member['role'];
export type Scope = Organization['viewer']['scopes'][number];
/** One of the signed-in user's memberships, with its organization. */
export type MyOrganization = Result<'GET /v1/me/organizations'>['data'][number];
export type AuditEntry = Result<'GET /v1/organizations/{org}/audit-log'>['data'][number];

export const ROLES: readonly Role[] = ['owner', 'admin', 'member'];

export const api = createClient();

/**
 * What each error code means to the person who caused it, and what they can do about it. Pages for
 * later features add their codes here; a code without an entry shows the API's own message.
 */
const WORDS: Record<string, string> = {
  LAST_OWNER:
    'An organization must always keep at least one owner. Make another member an owner first, then try again.',
  ROLE_CEILING:
    'You can only change or remove people whose role is at or below your own, and only an owner can make someone an owner or change an owner.',
  FORBIDDEN: 'Your role in this organization does not allow this. Ask an owner or an admin.',
  UNAUTHENTICATED: 'You are signed out. Sign in again to continue.',
  MEMBER_NOT_FOUND: 'This person is no longer a member of the organization. Refresh the list.',
  ORGANIZATION_NOT_FOUND: 'This organization does not exist, or you are not one of its members.',
  NOT_FOUND: 'There is nothing here, or you are not allowed to see it.',
  EMAIL_TAKEN: 'An account with this email already exists. Sign in instead.',
  INVALID_CREDENTIALS: 'The email or the password is wrong.',
  INVALID_EMAIL: 'This is not a valid email address.',
  WEAK_PASSWORD: 'Choose a password of at least 8 characters.',
  VERIFICATION_TOKEN_INVALID:
    'This verification link is invalid, already used or expired. Sign in and ask for a new link.',
  EMAIL_ALREADY_VERIFIED: 'Your email address is already verified.',
  SLUG_TAKEN: 'Another organization already uses this URL name. Choose another one.',
  INVALID_SLUG:
    'A URL name is 2 to 48 lowercase letters, digits and single hyphens, for example "acme-labs".',
  MEMBER_LIMIT_BELOW_USAGE:
    'The member limit cannot be lower than the seats already taken (members plus pending invitations).',
  RATE_LIMITED: 'Too many attempts. Wait a minute and try again.',
  NETWORK_ERROR: 'Roster could not be reached. Check your connection and try again.',
  INTERNAL: 'Something went wrong on the server. Try again; if it keeps happening, tell the operator.',
};

/** An error as one sentence for a person, with the code kept for whoever reports it. */
export function explain(err: unknown): string {
  if (err instanceof ApiError) {
    const issue = err.fieldIssues[0];
    if (err.code === 'VALIDATION_FAILED' && issue) return `Check ${issue.field}: it ${issue.message}.`;
    return WORDS[err.code] ?? err.message;
  }
  return 'Something unexpected happened. Reload the page and try again.';
}

export function errorCode(err: unknown): string | null {
  return err instanceof ApiError ? err.code : null;
}

/** Field name → message, for showing validation errors beside their inputs. */
export function fieldErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (err instanceof ApiError) for (const i of err.fieldIssues) out[i.field] ??= i.message;
  return out;
}

export function formatDate(iso: string | null): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

export const SOURCE_LABELS: Record<Member['source'], string> = {
  created_org: 'Created the organization',
  invitation: 'Invitation',
  join_request: 'Join request',
  owner_add: 'Added by an admin',
};

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
/**
 * A role a member can hold: a built-in one (owner, admin, member; `builtIn`, unchangeable) or one the
 * organization defined, with its scopes and how many members hold it.
 */
export type OrgRole = Schemas['OrgRole'];
/** One of the signed-in user's memberships, with its organization. */
export type MyOrganization = Result<'GET /v1/me/organizations'>['data'][number];
export type AuditEntry = Result<'GET /v1/organizations/{org}/audit-log'>['data'][number];
export type Invitation = Schemas['Invitation'];
export type InvitationStatus = Invitation['status'];
export type InvitationPage = Result<'GET /v1/organizations/{org}/invitations'>;
export type BulkResult = Result<'POST /v1/organizations/{org}/invitations/bulk'>;
/** What an invitation link offers, or why it is no good. */
export type InvitationCheck = Result<'GET /v1/invitations/{token}'>;
/** A pending invitation or owner-add waiting for the signed-in user's answer. */
export type MyInvitation = Result<'GET /v1/me/invitations'>['data'][number];
export type JoinRequest = Schemas['JoinRequest'];
/** One of the signed-in person's requests to join: waiting, or answered in the last 30 days. */
export type MyJoinRequest = Schemas['MyJoinRequest'];
/** What the public join page shows of an organization (its name only if it takes requests). */
export type JoinPageInfo = Schemas['JoinPage'];
/** A shareable join link of an organization, as its admins see it (never its token). */
export type JoinLink = Schemas['JoinLink'];
export type JoinLinkRole = JoinLink['role'];
/** A join link just made or given a new URL: the URL and token, shown this once. */
export type IssuedJoinLink = Result<'POST /v1/organizations/{org}/join-links'>;
/** What a join link gives, for its landing page, or why it admits no one. */
export type JoinLinkPreview = Result<'POST /v1/join-links/preview'>;
export type App = Schemas['App'];
/** An app just created: the app with its client secret and webhook secret, shown this once. */
export type CreatedApp = Result<'POST /v1/organizations/{org}/apps'>;
export type Installation = Schemas['Installation'];
/** One of the signed-in person's sessions (`current` marks this browser's). */
export type SessionInfo = Schemas['SessionInfo'];
/** The signed-in person's second factors: authenticator app, passkeys, recovery codes left. */
export type MfaOverview = Result<'GET /v1/me/mfa'>;
export type Passkey = MfaOverview['passkeys'][number];
/**
 * An owner's proposal to make an active member an owner, which the member accepts or declines within
 * 7 days (`keepOwner`: whether the proposer stays an owner, or becomes an admin).
 */
export type OwnershipTransfer = Schemas['OwnershipTransfer'];
/** A domain of an organization: its status, the DNS TXT record that verifies it, its policy. */
export type OrgDomain = Schemas['OrgDomain'];
/** An organization that suggests itself to the signed-in person by their verified email's domain. */
export type SuggestedOrganization = Result<'GET /v1/me/suggested-organizations'>['data'][number];
/** A sign-in request of an application ("Sign in with Roster"): its step, scopes, organizations to pick. */
export type Interaction = Result<'GET /v1/oidc/interactions/{uid}'>;

/**
 * The scopes an app may ask for: all but deleting the organization, managing integrations and defining
 * the organization's roles.
 */
export type AppScope = Exclude<Scope, 'org:delete' | 'org:integrations' | 'role:admin'>;

/**
 * What each scope an app may ask for lets it do, in the order the form offers them. The API's list is
 * APP_SCOPES in src/features/access/scopes.ts; the API publishes it only in prose (the `scopes`
 * description), so it is mirrored here. Typed as a record over the API's scope union minus the two an
 * app may never hold, `tsc -p console` fails when a scope is added to the API and not to this list.
 */
export const APP_SCOPES: Record<AppScope, string> = {
  'org:read': 'Read the organization: its name and settings.',
  'org:write': "Change the organization's name and settings.",
  'member:read': 'List the members, with their names, emails and roles.',
  'member:invite': 'Invite people, resend and revoke invitations.',
  'member:admin': 'Manage plain members: add, remove, answer join requests (never admins or owners).',
  'audit:read': 'Read the audit log.',
};
export type WebhookEndpoint = Schemas['WebhookEndpoint'];
/**
 * One attempt to deliver a webhook message: a row of an endpoint's delivery log, and (the same shape)
 * of an app's.
 */
export type Delivery = Result<'GET /v1/organizations/{org}/webhooks/{id}/deliveries'>['data'][number];
/** One webhook message read whole: the payload as sent, every attempt with the start of its answer. */
export type WebhookDelivery = Schemas['WebhookDelivery'];
/** An event type Roster publishes, with what it means. */
export type WebhookEventType = Result<'GET /v1/webhook-event-types'>['data'][number];

export const api = createClient();

/**
 * What each error code means to the person who caused it, and what they can do about it. Pages for
 * later features add their codes here; a code without an entry shows the API's own message.
 */
const WORDS: Record<string, string> = {
  LAST_OWNER:
    'An organization must always keep at least one owner. Make another member an owner first, then try again.',
  ROLE_CEILING:
    'You can only give, change or remove roles that can do nothing your own role cannot, and only an owner can make someone an owner or change an owner.',
  // The organization's own roles: the Roles page (pages/roles.tsx).
  ROLE_NOT_FOUND: 'This role no longer exists; someone may have deleted it. Refresh the list of roles.',
  ROLE_EXISTS: 'The organization already has a role with this key. Choose another key.',
  ROLE_BUILT_IN: 'The built-in roles (owner, admin, member) cannot be changed or deleted.',
  ROLE_IN_USE:
    'Members, pending invitations or join links still have this role. Choose the role to give them instead, then delete it.',
  ROLE_LIMIT:
    'The organization already has as many roles of its own as it may have (50). Delete one it no longer uses first.',
  // Verified domains.
  DOMAIN_NOT_FOUND: 'This domain is no longer on the organization’s list. Refresh the page.',
  DOMAIN_EXISTS: 'This domain is already on the organization’s list.',
  DOMAIN_LIMIT: 'The organization already has as many domains as it may have (20). Remove one first.',
  DOMAIN_TAKEN:
    'Another organization has verified this domain. It has to remove it before yours can verify it.',
  DOMAIN_RECORD_MISSING:
    'The DNS record was not found. Publish it as shown, wait for the change to spread, and try again.',
  DOMAIN_NOT_VERIFIED: 'Verify the domain before choosing what happens for people there.',
  DNS_UNAVAILABLE: 'The DNS lookup got no answer, so nothing was changed. Try again in a moment.',
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
  EMAIL_NOT_VERIFIED:
    'Confirm your email address first: open the link we emailed you, or ask for a new one from the banner above.',
  ALREADY_MEMBER: 'This person is already a member of the organization (or has a request waiting).',
  USER_NOT_FOUND: 'No account has this email address.',
  PENDING_ADD_NOT_FOUND: 'This is no longer waiting for your answer. Refresh the list.',
  MEMBER_LIMIT_REACHED:
    'The organization has no seat left. An owner or admin can raise the member limit in Settings, or revoke pending invitations.',
  INVITATION_NOT_FOUND:
    'This invitation no longer exists, or its link was replaced by a newer one. Refresh the list.',
  INVITATION_EXISTS:
    'This email already has a pending invitation. Resend it or copy its link from the list instead.',
  INVITATION_NOT_APPROVED: 'This invitation waits for an admin to approve it; it has no link yet.',
  INVITATION_ALREADY_APPROVED: 'This invitation is already approved.',
  INVITATION_NOT_PENDING: 'Only a pending invitation can be changed. Refresh the list.',
  CANNOT_RESEND_EXPIRED: 'This invitation has expired and cannot be resent. Invite the person again.',
  INVITATION_EXPIRED: 'This invitation has expired. Ask whoever invited you to send a new one.',
  INVITATION_REVOKED:
    'This invitation was withdrawn. Ask an admin of the organization if you still need access.',
  INVITATION_ALREADY_ACCEPTED: 'This invitation has already been accepted.',
  INVITATION_EMAIL_MISMATCH:
    'This invitation was sent to another email address. Sign in with the invited address to accept it.',
  DUPLICATE_EMAIL: 'This address appears more than once in the list; it was invited once.',
  JOIN_REQUESTS_DISABLED:
    'This organization does not take requests to join. Ask one of its admins to invite you instead.',
  SSO_REQUIRED:
    "This organization admits members through its single sign-on only. Sign in with your company's sign-on.",
  JOIN_REQUEST_NOT_FOUND: 'This request is no longer waiting. Refresh the list.',
  JOIN_REQUEST_ANSWERED: 'Another admin already answered this request. Refresh the list.',
  JOIN_LINK_NOT_FOUND:
    'This join link does not exist, or it was given a new URL since: only the newest URL works. Ask an admin of the organization for the current link.',
  JOIN_LINK_REVOKED: 'This join link was revoked: it no longer lets anyone join.',
  JOIN_LINK_EXPIRED: 'This join link has expired. Ask an admin of the organization for a new one.',
  JOIN_LINK_USED_UP:
    'This join link has been used as many times as it allows. Ask an admin of the organization for a new one.',
  JOIN_LINK_DOMAIN_NOT_ALLOWED:
    'This join link is only for people whose confirmed email address is at one of the domains it names. Sign in with such an address, or ask an admin of the organization to invite you.',
  JOIN_LINK_LIMIT:
    'The organization already has as many working join links as it may have. Revoke one it no longer needs, then try again.',
  APP_NOT_FOUND:
    'No app has this URL name that you can reach: it may have been deleted, or it is not published (an unpublished app installs only into the organization that publishes it). Check the name with its publisher.',
  APP_SLUG_TAKEN: 'Another app already uses this URL name. Choose another one, or leave it empty.',
  INVALID_APP_SCOPE:
    'An app may ask only for the scopes listed on the form; deleting the organization and managing integrations are never granted to an app.',
  INSTALLATION_NOT_FOUND: 'This app is no longer installed. Refresh the list.',
  INSTALLER_LACKS_SCOPES:
    'This app asks for permissions you do not hold yourself, and you cannot grant an app more than you have. Ask an owner to install it.',
  APP_CANNOT_UNINSTALL: 'An app cannot uninstall itself; an owner or admin uninstalls it.',
  WEBHOOK_URL_INVALID:
    'Enter the full address of your receiver, starting with https:// (or http://), without a user name, password or #fragment — for example https://example.com/roster-webhooks.',
  WEBHOOK_URL_FORBIDDEN:
    'This address points into a private network (a loopback, private or link-local address), which Roster does not call. Use a public address of your receiver.',
  WEBHOOK_URL_UNRESOLVABLE:
    'The host name in this address could not be found. Check it for typos, or publish the name in DNS first.',
  UNKNOWN_EVENT_TYPE:
    'One of the chosen events is not one Roster sends. Reload the page to see the current list of events.',
  WEBHOOK_ENDPOINT_NOT_FOUND:
    'This webhook endpoint no longer exists; someone may have deleted it. Go back to the list of webhooks.',
  WEBHOOK_ENDPOINT_LIMIT:
    'The organization already has as many webhook endpoints as it may have. Delete one it no longer uses, or add events to an existing one instead.',
  EVENT_WILDCARD_NOT_ALONE:
    'Choose either all events or some of them, not both: untick "All events" to pick events one by one.',
  EVENT_TYPE_NOT_SUBSCRIBABLE:
    'Test events are sent only when someone asks for one from the endpoint’s page; they cannot be chosen here.',
  WEBHOOK_ENDPOINT_DISABLED: 'This endpoint is disabled. Re-enable it first, then try again.',
  WEBHOOK_DELIVERY_NOT_FOUND: 'This delivery is not in the log of this endpoint. Refresh the delivery log.',
  WEBHOOK_DELIVERY_PENDING:
    'This message is still being delivered or retried (or a replay of it is under way); it cannot be replayed now.',
  WEBHOOK_DELIVERY_SUCCEEDED:
    'The receiver already acknowledged this message; a replay under the same webhook-id would be dropped as a duplicate.',
  WEBHOOK_DELIVERY_REDACTED:
    'This message held a one-time grant code that Roster never keeps, so it cannot be sent again. Installing the app again sends a new one.',
  WEBHOOK_DELIVERY_EXPIRED:
    'This message is no longer kept (payloads are kept for 30 days), so it cannot be sent again.',
  // Ownership transfers: the Members page (members/ownership.tsx) and /me/ownership-transfers.
  OWNERSHIP_TRANSFER_OWNER_ONLY:
    'Only an owner of the organization can propose to make someone an owner, or withdraw such a proposal.',
  OWNERSHIP_TRANSFER_NOT_FOUND: 'This proposal is not waiting for your answer. Refresh the page.',
  OWNERSHIP_TRANSFER_PENDING:
    'A proposal to make someone an owner is already waiting for an answer. Withdraw it first, then propose again.',
  ALREADY_OWNER: 'This member is already an owner. Refresh the list.',
  OWNERSHIP_TRANSFER_ANSWERED:
    'This proposal was already answered or withdrawn, so nothing changed. Refresh the page.',
  OWNERSHIP_TRANSFER_EXPIRED:
    'This proposal expired without an answer (a proposal waits 7 days). An owner can make a new one.',
  OWNERSHIP_TRANSFER_INVALID:
    'This proposal no longer holds: whoever made it is no longer an owner, or you are no longer an active member. Nothing changed.',
  INVALID_CURSOR: 'This page of the list is out of date. Go back to the first page and try again.',
  // The person's own account.
  INVALID_PASSWORD: 'The password is wrong. Enter the password you sign in with now.',
  EMAIL_UNCHANGED: 'This is already the email address of your account.',
  SESSION_NOT_FOUND: 'This session has already ended. Refresh the list.',
  RESET_LINK_INVALID:
    'This password-reset link is not valid: it may be cut short or mistyped. Open the link from the email again, or ask for a new one.',
  RESET_LINK_USED:
    'This password-reset link was already used. If you still cannot sign in, ask for a new link.',
  RESET_LINK_EXPIRED: 'This password-reset link has expired (a link works for one hour). Ask for a new one.',
  RESET_LINK_SUPERSEDED:
    'A newer password-reset link was sent after this one, and only the newest works. Open the link in the latest email, or ask for a new one.',
  EMAIL_CHANGE_LINK_INVALID:
    'This email-change link is not valid: it may be cut short or mistyped. Open the link from the email again.',
  EMAIL_CHANGE_LINK_USED: 'This email-change link was already used. Sign in to see your address.',
  EMAIL_CHANGE_LINK_EXPIRED:
    'This email-change link has expired (a link works for 24 hours). Ask for the change again from your account.',
  EMAIL_CHANGE_LINK_SUPERSEDED:
    'You asked for another email change after this one, and only the newest link works. Open the link in the latest email.',
  // Second factors and the second step of signing in.
  MFA_REQUIRED:
    'This organization requires two-factor authentication. Set up an authenticator app or a passkey in Security, then try again.',
  MFA_ENROLMENT_REQUIRED:
    'Set up two-factor authentication for your own account first (an authenticator app or a passkey, in Security): otherwise turning this on would lock you out.',
  MFA_CHALLENGE_INVALID: 'This sign-in is no longer valid. Enter your email and password again.',
  MFA_CHALLENGE_EXPIRED:
    'The second step took too long (it has to be done within 5 minutes). Enter your email and password again.',
  MFA_CHALLENGE_USED: 'This sign-in was already completed or abandoned. Enter your email and password again.',
  MFA_TOO_MANY_ATTEMPTS: 'Too many wrong codes. For your safety, start again with your email and password.',
  MFA_METHOD_UNAVAILABLE: 'Your account cannot sign in this way. Choose another way below.',
  INVALID_CODE: 'The code is wrong. Check your authenticator app and enter the code it shows now.',
  CODE_ALREADY_USED:
    'This code was already used. Wait for your authenticator app to show the next one, then enter it.',
  TOTP_ALREADY_ENABLED: 'An authenticator app is already set up. Remove it first to set up another one.',
  TOTP_ENROLMENT_NOT_FOUND: 'This set-up is no longer waiting for a code. Start setting up the app again.',
  TOTP_NOT_ENABLED: 'No authenticator app is set up. Refresh the page.',
  TOTP_UNAVAILABLE:
    'Your authenticator app cannot be checked on this server right now. Use a recovery code or a passkey, and tell the operator (the server cannot read the app’s secret with its SECRETS_KEY).',
  MFA_NOT_ENABLED: 'Set up an authenticator app or a passkey first: recovery codes come with them.',
  PASSKEY_NOT_FOUND: 'This passkey was already removed. Refresh the list.',
  PASSKEY_EXISTS: 'This passkey is already registered with your account.',
  PASSKEY_CHALLENGE_INVALID: 'The passkey request took too long or was already used. Try again.',
  PASSKEY_REGISTRATION_FAILED:
    'Your device’s answer could not be verified, so the passkey was not added. Try again, or use another device.',
  PASSKEY_NOT_RECOGNIZED:
    'This passkey is not registered with a Roster account (or not with this one). Choose another passkey, or sign in with your password.',
  PASSKEY_VERIFICATION_FAILED:
    'The passkey’s answer could not be verified. Try again, or sign in another way.',
  PASSKEY_OPTIONS_REQUIRED: 'The passkey request was not ready. Try again.',
  // "Sign in with Roster": the interaction page (pages/oidc-interaction.tsx).
  INTERACTION_NOT_FOUND:
    'This sign-in request is no longer open: it expired, was already answered, was replaced by a newer one from another tab, or was started in another browser. Go back to the application and sign in from there again.',
  INTERACTION_STEP_INVALID: 'This sign-in request has moved on to another step. Reload the page.',
  FRESH_SIGN_IN_REQUIRED: 'The application asks you to sign in again before it continues.',
  ORGANIZATION_NOT_AVAILABLE:
    'You cannot choose this organization: you are no longer an active member, or it requires two-factor authentication your account does not have yet.',
  OIDC_UNAVAILABLE:
    'Signing in to applications with Roster is unavailable right now. Try again later; if it keeps happening, tell the operator.',
  CLIENT_NOT_FOUND: 'This application is no longer registered with Roster.',
  INVALID_REDIRECT_URI:
    'A redirect URI must be a full https address without a #fragment (http only for localhost or 127.0.0.1).',
  RATE_LIMITED: 'Too many requests. Wait a little and try again.',
  NETWORK_ERROR: 'Roster could not be reached. Check your connection and try again.',
  INTERNAL: 'Something went wrong on the server. Try again; if it keeps happening, tell the operator.',
};

/**
 * A failure that is not the API's and is already in words for a person (a passkey request the person
 * cancelled, a browser without passkeys): `explain` shows its message as it is.
 */
export class Problem extends Error {
  override readonly name = 'Problem';
}

/** An error as one sentence for a person, with the code kept for whoever reports it. */
export function explain(err: unknown): string {
  if (err instanceof Problem) return err.message;
  if (err instanceof ApiError) {
    const issue = err.fieldIssues[0];
    if (err.code === 'VALIDATION_FAILED' && issue) {
      // `emails.3`: an item of a list, counted from 1.
      const [field = '', index] = issue.field.split('.');
      const name = FIELD_NAMES[field];
      if (name && index !== undefined && /^\d+$/.test(index))
        return `${name}: item ${Number(index) + 1} ${issueInWords(issue.message)}.`;
      return name
        ? `${name} ${issueInWords(issue.message)}.`
        : `Check ${issue.field}: it ${issueInWords(issue.message)}.`;
    }
    if (err.code === 'RATE_LIMITED') return explainLimit(err.details);
    if (err.code === 'MFA_REQUIRED' && err.status === 403) return explainMfaRequired(err.details);
    return WORDS[err.code] ?? err.message;
  }
  return 'Something unexpected happened. Reload the page and try again.';
}

/**
 * What was limited, by the limit's name (`limiter({ name })` in src): sign-in attempts, invitations,
 * requests to join. A limit named nowhere here gets the general words.
 */
const LIMITS: Array<[prefix: string, words: string]> = [
  ['sign-in-', 'Too many sign-in attempts.'],
  ['invite-org', 'This organization reached its limit of invitations for now.'],
  ['invite-user', 'You reached your limit of invitations for now.'],
  ['join-link-', 'Too many join links opened from your network.'],
  ['join-', 'Too many requests to join from your network.'],
  ['password-reset-', 'Too many password-reset requests from your network.'],
  ['mfa-answer-', 'Too many wrong codes for this account.'],
  ['passkey-options-', 'Too many passkey sign-ins from your network.'],
];

/** A RATE_LIMITED refusal in words: what was limited, and how long to wait when the API says. */
function explainLimit(details: unknown): string {
  const { limit, retryAfterSeconds: wait } = (details ?? {}) as {
    limit?: unknown;
    retryAfterSeconds?: unknown;
  };
  const what =
    typeof limit === 'string' ? LIMITS.find(([prefix]) => limit.startsWith(prefix))?.[1] : undefined;
  if (typeof wait !== 'number')
    return what ? `${what} Wait a little and try again.` : (WORDS.RATE_LIMITED as string);
  return `${what ?? 'Too many requests.'} Try again in ${duration(wait)}.`;
}

/** A 403 MFA_REQUIRED: the organization it names requires a second factor the person has not set up. */
function explainMfaRequired(details: unknown): string {
  const name = (details as { organization?: { name?: unknown } } | null)?.organization?.name;
  if (typeof name !== 'string') return WORDS.MFA_REQUIRED as string;
  return `${name} requires two-factor authentication. Set up an authenticator app or a passkey in Security, then try again.`;
}

/** "40 seconds", "15 minutes", "22 hours": seconds below 90 s, minutes below 90 min, hours beyond. */
export function duration(seconds: number): string {
  const [n, unit] =
    seconds < 90
      ? [Math.max(1, Math.round(seconds)), 'second']
      : seconds < 90 * 60
        ? [Math.ceil(seconds / 60), 'minute']
        : [Math.ceil(seconds / 3600), 'hour'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** The API's words for a code it reported in a result (bulk invitations), in plain words when known. */
export function explainCode(code: string, message: string): string {
  return WORDS[code] ?? message;
}

export function errorCode(err: unknown): string | null {
  return err instanceof ApiError ? err.code : null;
}

/** What the API's fields are called in a sentence about one of them. */
const FIELD_NAMES: Record<string, string> = {
  name: 'The name',
  slug: 'The URL name',
  email: 'The email address',
  emails: 'The list of email addresses',
  password: 'The password',
  newPassword: 'The new password',
  memberLimit: 'The member limit',
  inviteExpiryDays: 'The invitation expiry',
  message: 'The message',
  role: 'The role',
  key: 'The key',
  replaceWith: 'The replacement role',
  app: "The app's URL name",
  url: 'The URL',
  webhookUrl: 'The webhook URL',
  redirectUrl: 'The redirect URL',
  description: 'The description',
  events: 'The list of events',
  scopes: 'The list of scopes',
  code: 'The code',
  label: 'The label',
  expiresAt: 'The expiry',
  userId: 'The member',
  maxUses: 'The number of uses',
  allowedDomains: 'The list of domains',
};

/**
 * A validator's complaint in words: "must NOT have fewer than 1 characters" → "cannot be empty",
 * "must be <= 365" → "must be at most 365". What it does not recognize (the API's own sentences, such
 * as "is not a valid email address") is kept as it is.
 */
export function issueInWords(message: string): string {
  const rules: Array<[RegExp, (m: RegExpExecArray) => string]> = [
    [/^must NOT have fewer than 1 characters?$/, () => 'cannot be empty'],
    [/^must NOT have fewer than (\d+) characters?$/, (m) => `needs at least ${m[1]} characters`],
    [/^must NOT have more than (\d+) characters?$/, (m) => `can be at most ${m[1]} characters long`],
    [/^must NOT have fewer than 1 items?$/, () => 'needs at least one choice'],
    [/^must NOT have fewer than (\d+) items?$/, (m) => `needs at least ${m[1]} choices`],
    [/^must NOT have more than (\d+) items?$/, (m) => `can have at most ${m[1]}`],
    [/^must be >= (\S+)$/, (m) => `must be at least ${m[1]}`],
    [/^must be > (\S+)$/, (m) => `must be more than ${m[1]}`],
    [/^must be <= (\S+)$/, (m) => `must be at most ${m[1]}`],
    [/^must be < (\S+)$/, (m) => `must be less than ${m[1]}`],
    [/^must be integer( or null)?$/, () => 'must be a whole number'],
    [/^must be number( or null)?$/, () => 'must be a number'],
    [/^must be string( or null)?$/, () => 'must be text'],
    [/^must be boolean$/, () => 'must be on or off'],
    [/^must not be blank$/, () => 'cannot be blank'],
    [/^must match format "email"$/, () => 'is not a valid email address'],
    [/^must match format "(uri|url)"$/, () => 'is not a full web address'],
    [/^must match format "uuid"$/, () => 'is not a valid identifier'],
    [/^must match (pattern|format) /, () => 'is not in the expected form'],
    [/^must NOT have duplicate items/, () => 'lists the same choice twice'],
    [/^must be equal to one of the allowed values$/, () => 'is not one of the choices offered'],
    [/^an owner's membership does not expire$/, () => "cannot be set: an owner's access does not end"],
  ];
  for (const [pattern, words] of rules) {
    const m = pattern.exec(message);
    if (m) return words(m);
  }
  return message;
}

/** "cannot be empty" → "Cannot be empty." */
const asSentence = (words: string) =>
  `${words.charAt(0).toUpperCase()}${words.slice(1)}${/[.!?]$/.test(words) ? '' : '.'}`;

/**
 * Field name → message in words, for showing validation errors beside their inputs: every field the
 * API named, each once (a field's first issue).
 */
export function fieldErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (err instanceof ApiError)
    for (const i of err.fieldIssues) out[i.field] ??= asSentence(issueInWords(i.message));
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
  join_link: 'Join link',
  domain: 'Verified domain',
};

/**
 * Every action Roster writes to its audit log, in words: a label for the filter (picked from this
 * catalog, never typed) and a sentence for an entry, built from the entry's data and the name of its
 * target. Its keys are typed as actions of the server's catalog (AUDIT_ACTIONS in
 * src/features/audit/audit-actions.ts, served at `GET /v1/audit/actions`), so `tsc -p console` fails on
 * one the server does not know; test/console-words.test.ts reads the server's sources and fails when
 * an action is written there without an entry here (or an entry here is no longer written).
 *
 * `where` says whose log shows it: an organization's (`org`), or only the account's or the operator's
 * (written without an organization; no organization's audit log lists them, the filter leaves them out).
 */
import type { AuditAction as ServerAction } from '../../src/features/audit/audit-actions.ts';
import { isBuiltInRole, SCOPE_WORDS, SCOPES, withArticle } from './access.ts';
import type { AuditEntry } from './api.ts';

type Data = Record<string, unknown>;

export interface AuditAction {
  group: string;
  /** What happened, without its object: the filter's option. */
  label: string;
  where: 'org' | 'account' | 'operator';
  /** The entry as a sentence whose subject is its actor ("Invited ada@example.com as an admin"). */
  describe(d: Data, target: string): string;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
/**
 * "an admin"; an organization's own role by its key, as the entry stores it ("the role “support”"),
 * since the entry may outlive the role and its name.
 */
const asRole = (v: unknown) =>
  typeof v !== 'string' || v === '' ? 'a member' : isBuiltInRole(v) ? withArticle(v) : `the role “${v}”`;
/** "member", "the role “support”": a role as the object of "from … to …". */
const roleWord = (v: unknown) => (typeof v !== 'string' || v === '' ? '?' : isBuiltInRole(v) ? v : `“${v}”`);
/** Scopes in words, in the catalog's order: "invite people by email, read the audit log". */
function scopeWords(scopes: unknown): string {
  const list = Array.isArray(scopes) ? scopes.map(String) : [];
  const known = SCOPES.filter((s) => list.includes(s)).map((s) => SCOPE_WORDS[s]);
  return [...known, ...list.filter((s) => !(SCOPES as readonly string[]).includes(s))].join('; ');
}
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The names of settings and fields, in words. */
const FIELD_WORDS: Record<string, string> = {
  name: 'name',
  slug: 'URL name',
  memberLimit: 'member limit',
  joinRequestsEnabled: 'join requests',
  ssoEnforced: 'single sign-on enforcement',
  mfaRequired: 'two-factor requirement',
  inviteExpiryDays: 'invitation expiry',
  scopes: 'scopes',
  webhookUrl: 'webhook URL',
  redirectUrl: 'redirect URL',
  published: 'published',
  url: 'URL',
  description: 'description',
  events: 'events',
  enabled: 'enabled',
};

function fieldList(fields: unknown): string {
  const list = Array.isArray(fields) ? fields.map(String) : [];
  return list.map((f) => FIELD_WORDS[f] ?? f).join(', ');
}

/** `{ name: { from, to } }` → "name to “Acme”, member limit to 25". */
function settingChanges(changes: unknown): string {
  if (!changes || typeof changes !== 'object') return '';
  return Object.entries(changes as Record<string, { to?: unknown }>)
    .map(([field, change]) => {
      const to = change?.to;
      const words = FIELD_WORDS[field] ?? field;
      if (typeof to === 'boolean') return `${words} ${to ? 'on' : 'off'}`;
      if (to === null) return `${words} to none`;
      return `${words} to ${typeof to === 'string' ? `“${to}”` : String(to)}`;
    })
    .join(', ');
}

const account = (label: string, sentence = label): Omit<AuditAction, 'group'> => ({
  label,
  where: 'account',
  describe: () => sentence,
});

const CATALOG: Partial<Record<ServerAction, AuditAction>> = {};

function group(name: string, entries: Partial<Record<ServerAction, Omit<AuditAction, 'group'>>>) {
  for (const [action, entry] of Object.entries(entries))
    CATALOG[action as ServerAction] = { group: name, ...(entry as Omit<AuditAction, 'group'>) };
}

/** The audit log's own filters, in words (an export records those it was made with). */
const FILTER_WORDS: Record<string, string> = {
  action: 'action',
  actorId: 'who did it',
  targetType: 'target',
  targetId: 'target',
  since: 'date',
  until: 'date',
};

group('Members', {
  'member.added': {
    label: 'Someone joined',
    where: 'org',
    describe: (d, t) => {
      switch (d.source) {
        case 'created_org':
          return 'Created the organization and became its first owner';
        case 'invitation':
          return `${t} joined as ${asRole(d.role)}, by accepting an invitation`;
        case 'join_request':
          return `${t} joined as ${asRole(d.role)}: their request to join was approved`;
        case 'owner_add':
          return `${t} joined as ${asRole(d.role)}, by accepting being added`;
        case 'join_link':
          return `${t} joined as ${asRole(d.role)}, through a join link`;
        case 'domain':
          return `${t} joined as ${asRole(d.role)}, by verifying an email address at one of the organization’s domains`;
        default:
          return `${t} joined as ${asRole(d.role)}`;
      }
    },
  },
  'member.add_proposed': {
    label: 'Added an existing account (waiting for their answer)',
    where: 'org',
    describe: (d, t) => `Added ${t} as ${asRole(d.role)}; it waits for their answer`,
  },
  'member.add_declined': {
    label: 'Declined being added',
    where: 'org',
    describe: (d, t) => `${t} declined being added as ${asRole(d.role)}`,
  },
  'member.role_changed': {
    label: 'Changed a role',
    where: 'org',
    describe: (d, t) =>
      `Changed ${t}’s role from ${roleWord(d.from)} to ${roleWord(d.to)}${d.reason === 'role_deleted' ? ', as its role was deleted' : ''}`,
  },
  'member.removed': {
    label: 'Removed someone',
    where: 'org',
    describe: (d, t) =>
      d.reason === 'account_deleted'
        ? `${t} left: their account was deleted`
        : d.status === 'pending'
          ? `Withdrew ${t}’s membership before it was answered`
          : `Removed ${t} (${typeof d.role === 'string' && d.role !== '' && !isBuiltInRole(d.role) ? `role “${d.role}”` : (str(d.role) ?? 'member')})`,
  },
  'member.left': { label: 'Left the organization', where: 'org', describe: () => 'Left the organization' },
  'member.expiry_changed': {
    label: 'Set when someone’s access ends',
    where: 'org',
    describe: (d, t) => {
      const to = str(d.to);
      return to
        ? `Set ${t}’s access to end on ${new Date(to).toUTCString()}`
        : `Let ${t}’s access go on with no end`;
    },
  },
  'member.expired': {
    label: 'Access ended on its own',
    where: 'org',
    describe: (_d, t) => `${t}’s access ended: their membership reached its end date`,
  },
  // Ownership transfers: proposed by an owner, answered by the member.
  'ownership_transfer.proposed': {
    label: 'Proposed an ownership transfer',
    where: 'org',
    describe: (d, t) =>
      `Proposed to make ${t} an owner${d.keepOwner === true ? '' : ', and to become an admin on acceptance'}`,
  },
  'ownership_transfer.accepted': {
    label: 'Accepted an ownership transfer',
    where: 'org',
    describe: () => 'Accepted ownership of the organization',
  },
  'ownership_transfer.declined': {
    label: 'Declined an ownership transfer',
    where: 'org',
    describe: () => 'Declined ownership of the organization',
  },
  'ownership_transfer.cancelled': {
    label: 'Withdrew an ownership transfer',
    where: 'org',
    describe: () => 'Withdrew an ownership transfer',
  },
  'ownership_transfer.expired': {
    label: 'An ownership transfer expired',
    where: 'org',
    describe: () => 'An ownership transfer expired without an answer',
  },
});

group('Roles', {
  'role.created': {
    label: 'Defined a role',
    where: 'org',
    describe: (d, t) => {
      const can = scopeWords(d.scopes);
      return `Defined the role ${str(d.name) ? `“${str(d.name)}”` : t}${can ? `, which can ${can}` : ''}`;
    },
  },
  'role.updated': {
    label: 'Changed a role',
    where: 'org',
    describe: (d, t) => {
      const before = (d.before ?? {}) as Data;
      const after = (d.after ?? {}) as Data;
      const name = str(after.name) ?? str(before.name);
      const fields = Array.isArray(d.fields) ? d.fields.map(String) : [];
      const parts = fields.map((f) => {
        if (f === 'name')
          return `renamed it from “${str(before.name) ?? '?'}” to “${str(after.name) ?? '?'}”`;
        if (f === 'scopes') {
          const can = scopeWords(after.scopes);
          return can ? `it can now ${can}` : 'changed what it can do';
        }
        if (f === 'description') return 'changed its description';
        return `changed its ${FIELD_WORDS[f] ?? f}`;
      });
      return `Changed the role ${name ? `“${name}”` : t}${parts.length ? `: ${parts.join('; ')}` : ''}`;
    },
  },
  'role.deleted': {
    label: 'Deleted a role',
    where: 'org',
    describe: (d, t) => {
      const moved = (d.moved ?? {}) as Data;
      const counts = [
        num(moved.members) ? plural(num(moved.members) as number, 'member') : null,
        num(moved.invitations) ? plural(num(moved.invitations) as number, 'pending invitation') : null,
        num(moved.joinLinks) ? plural(num(moved.joinLinks) as number, 'join link') : null,
      ].filter(Boolean);
      const to = str(d.replaceWith);
      return `Deleted the role ${str(d.name) ? `“${str(d.name)}”` : t}${
        to && counts.length ? `; ${counts.join(', ')} moved to ${roleWord(to)}` : ''
      }`;
    },
  },
});

group('Domains', {
  'domain.added': {
    label: 'Added a domain',
    where: 'org',
    describe: (d) => `Added the domain ${str(d.domain) ?? '?'}, to verify`,
  },
  'domain.verified': {
    label: 'Verified a domain',
    where: 'org',
    describe: (d) => `Verified the domain ${str(d.domain) ?? '?'}: its DNS record was found`,
  },
  'domain.policy_changed': {
    label: "Changed a domain's policy",
    where: 'org',
    describe: (d) => {
      const applied = (d.applied ?? {}) as Data;
      const joined = num(applied.joined) ?? 0;
      const requested = num(applied.requested) ?? 0;
      const to =
        d.to === 'auto_join'
          ? `people verified there join as ${asRole(d.role)}`
          : d.to === 'suggest'
            ? 'the organization is suggested to people verified there'
            : 'nothing happens for people there';
      const did =
        joined || requested
          ? ` (${[joined ? `${plural(joined, 'person', 'people')} joined` : null, requested ? `${plural(requested, 'request')} to join recorded` : null].filter(Boolean).join(', ')})`
          : '';
      return `For ${str(d.domain) ?? 'a domain'}: ${to}${did}`;
    },
  },
  'domain.removed': {
    label: 'Removed a domain',
    where: 'org',
    describe: (d) => `Removed the domain ${str(d.domain) ?? '?'}`,
  },
  'domain.record_missing': {
    label: "A domain's DNS record went missing",
    where: 'org',
    describe: (d) =>
      `The DNS record of ${str(d.domain) ?? 'a domain'} was not found at a re-check; its policy is on hold`,
  },
  'domain.unverified': {
    label: 'A domain is no longer verified',
    where: 'org',
    describe: (d) => `${str(d.domain) ?? 'A domain'} is no longer verified: its DNS record stayed missing`,
  },
});

group('Invitations', {
  'invitation.created': {
    label: 'Invited someone',
    where: 'org',
    describe: (d) => `Invited ${str(d.email) ?? 'someone'} as ${asRole(d.role)}`,
  },
  'invitation.requested': {
    label: 'Asked the admins to invite someone',
    where: 'org',
    describe: (d) => `Asked the admins to invite ${str(d.email) ?? 'someone'} as ${asRole(d.role)}`,
  },
  'invitation.approved': {
    label: 'Approved a request (invitation sent)',
    where: 'org',
    describe: (d) =>
      d.requested === 'requested_to_join'
        ? `Approved ${str(d.email) ?? 'someone'}’s request to join: an invitation was emailed`
        : `Approved the request to invite ${str(d.email) ?? 'someone'}: the invitation was emailed`,
  },
  'invitation.rejected': {
    label: 'Rejected a request to be invited',
    where: 'org',
    describe: (d) =>
      d.requested === 'requested_to_join'
        ? `Rejected ${str(d.email) ?? 'someone'}’s request to join`
        : `Rejected the request to invite ${str(d.email) ?? 'someone'}`,
  },
  'invitation.resent': {
    label: 'Resent an invitation',
    where: 'org',
    describe: (d) => `Resent the invitation to ${str(d.email) ?? 'someone'}`,
  },
  'invitation.link_created': {
    label: 'Made an invitation link',
    where: 'org',
    describe: (d) => `Made a new link for the invitation to ${str(d.email) ?? 'someone'}`,
  },
  'invitation.revoked': {
    label: 'Revoked an invitation',
    where: 'org',
    describe: (d) => `Revoked the invitation to ${str(d.email) ?? 'someone'}`,
  },
  'invitation.accepted': {
    label: 'Accepted an invitation',
    where: 'org',
    describe: (d) => `Accepted the invitation sent to ${str(d.email) ?? 'them'}, as ${asRole(d.role)}`,
  },
  'invitation.declined': {
    label: 'Declined an invitation',
    where: 'org',
    describe: (d) => `Declined the invitation sent to ${str(d.email) ?? 'them'}`,
  },
  'invitation.expired': {
    label: 'An invitation expired',
    where: 'org',
    describe: (d) => `The invitation to ${str(d.email) ?? 'someone'} expired`,
  },
});

/** What a new join link does beyond its role: "an admin approves each person; up to 10 uses". */
function linkTerms(d: Data): string {
  const domains = Array.isArray(d.allowedDomains) ? d.allowedDomains.map(String) : [];
  const uses = num(d.maxUses);
  return [
    d.requireApproval === true ? 'an admin approves each person' : null,
    uses === null ? null : `up to ${plural(uses, 'use')}`,
    domains.length > 0 ? `for addresses at ${domains.join(', ')}` : null,
  ]
    .filter(Boolean)
    .join('; ');
}

group('Join requests', {
  'join_request.created': {
    label: 'Asked to join',
    where: 'org',
    describe: (d) =>
      d.kind === 'email'
        ? `${str(d.email) ?? 'Someone'} asked to join by email`
        : str(d.linkId)
          ? 'Asked to join through a join link'
          : 'Asked to join',
  },
  'join_request.approved': {
    label: 'Approved a request to join',
    where: 'org',
    describe: (d, t) => `Approved ${t}’s request to join, as ${asRole(d.role)}`,
  },
  'join_request.rejected': {
    label: 'Rejected a request to join',
    where: 'org',
    describe: (_d, t) => `Rejected ${t}’s request to join`,
  },
  'join_request.cancelled': {
    label: 'Withdrew a request to join',
    where: 'org',
    describe: () => 'Withdrew their request to join',
  },
  // Join links are filed with the requests to join: both are ways in that admins open and answer.
  'join_link.created': {
    label: 'Made a join link',
    where: 'org',
    describe: (d) => {
      const terms = linkTerms(d);
      const as =
        typeof d.role === 'string' && d.role !== '' && !isBuiltInRole(d.role)
          ? `with the role “${d.role}”`
          : `as ${typeof d.role === 'string' && d.role !== '' ? d.role : 'member'}s`;
      return `Made a join link that admits people ${as}${terms ? ` (${terms})` : ''}`;
    },
  },
  'join_link.rotated': {
    label: 'Gave a join link a new URL',
    where: 'org',
    describe: () => 'Gave a join link a new URL: the one before stopped working',
  },
  'join_link.revoked': {
    label: 'Revoked a join link',
    where: 'org',
    describe: (d) => {
      const uses = num(d.uses);
      return `Revoked a join link${uses === null ? '' : ` used ${plural(uses, 'time')}`}`;
    },
  },
  'join_link.used': {
    label: 'Used a join link',
    where: 'org',
    describe: (d) =>
      d.status === 'pending'
        ? 'Asked to join through a join link'
        : `Joined through a join link, as ${asRole(d.role)}`,
  },
});

group('Organization', {
  'organization.created': {
    label: 'Created the organization',
    where: 'org',
    describe: (d) => `Created the organization${str(d.name) ? ` “${str(d.name)}”` : ''}`,
  },
  'organization.updated': {
    label: 'Changed settings',
    where: 'org',
    describe: (d) => {
      const what = settingChanges(d.changes);
      return what ? `Changed settings: ${what}` : 'Changed settings';
    },
  },
  'organization.deleted': {
    label: 'Deleted the organization',
    where: 'org',
    describe: () => 'Deleted the organization',
  },
});

group('Apps', {
  'app.created': {
    label: 'Created an app',
    where: 'org',
    describe: (d, t) => `Created the app ${str(d.slug) ?? t}${d.published ? ' (published)' : ''}`,
  },
  'app.updated': {
    label: 'Changed an app',
    where: 'org',
    describe: (d, t) => `Changed the app ${t}: ${fieldList(d.fields) || 'its settings'}`,
  },
  'app.client_secret_rotated': {
    label: 'Replaced an app’s client secret',
    where: 'org',
    describe: (_d, t) => `Replaced the client secret of the app ${t}`,
  },
  'app.webhook_secret_rotated': {
    label: 'Replaced an app’s webhook signing secret',
    where: 'org',
    describe: (_d, t) => `Replaced the webhook signing secret of the app ${t}`,
  },
  'app.deleted': {
    label: 'Deleted an app',
    where: 'org',
    describe: (d, t) => {
      const n = num(d.installations);
      return `Deleted the app ${str(d.slug) ?? t}${n ? `, with its ${plural(n, 'installation')}` : ''}`;
    },
  },
  'installation.created': {
    label: 'Installed an app',
    where: 'org',
    describe: (d, t) => `Installed the app ${str(d.app) ?? t}`,
  },
  'installation.updated': {
    label: 'An app finished installing',
    where: 'org',
    describe: (_d, t) => `Finished installing itself (${t})`,
  },
  'installation.deleted': {
    label: 'Uninstalled an app',
    where: 'org',
    describe: (d, t) =>
      d.reason === 'app deleted' || d.reason === 'app_deleted'
        ? `The app ${str(d.app) ?? t} was uninstalled: its publisher deleted it`
        : `Uninstalled the app ${str(d.app) ?? t}`,
  },
  'installation.token_issued': {
    label: 'An app got an access token',
    where: 'org',
    describe: (d, t) =>
      d.grantType === 'refresh_token'
        ? `Renewed its access token (${t})`
        : `Exchanged its one-time code for an access token (${t})`,
  },
  'installation.grant_replayed': {
    label: 'An app’s one-time code was used twice',
    where: 'org',
    describe: (d, t) =>
      `Used a one-time install code a second time (${t}); ${plural(num(d.revokedTokens) ?? 0, 'token')} revoked`,
  },
  'installation.refresh_replayed': {
    label: 'An app’s old refresh token was used again',
    where: 'org',
    describe: (d, t) =>
      `Used an old refresh token again (${t}); ${plural(num(d.revokedTokens) ?? 0, 'token')} revoked`,
  },
});

group('Webhooks', {
  'webhook_endpoint.created': {
    label: 'Added a webhook endpoint',
    where: 'org',
    describe: (d, t) => `Added the webhook endpoint ${str(d.url) ?? t}`,
  },
  'webhook_endpoint.updated': {
    label: 'Changed a webhook endpoint',
    where: 'org',
    describe: (d, t) => `Changed the webhook endpoint ${t}: ${fieldList(d.fields) || 'its settings'}`,
  },
  'webhook_endpoint.secret_rotated': {
    label: 'Replaced a webhook signing secret',
    where: 'org',
    describe: (_d, t) => `Replaced the signing secret of the webhook endpoint ${t}`,
  },
  'webhook_endpoint.disabled': {
    label: 'A webhook endpoint was turned off after failures',
    where: 'org',
    describe: (_d, t) => `Turned off the webhook endpoint ${t}: its deliveries failed for a day`,
  },
  'webhook_endpoint.deleted': {
    label: 'Deleted a webhook endpoint',
    where: 'org',
    describe: (_d, t) => `Deleted the webhook endpoint ${t}`,
  },
  'webhook_endpoint.tested': {
    label: 'Sent a test event to a webhook endpoint',
    where: 'org',
    describe: (_d, t) => `Sent a test event to the webhook endpoint ${t}`,
  },
  'webhook_endpoint.delivery_replayed': {
    label: 'Sent a webhook delivery again',
    where: 'org',
    describe: (d, t) => `Sent ${str(d.eventType) ? `the “${str(d.eventType)}”` : 'a'} delivery to ${t} again`,
  },
});

group('Audit log', {
  'audit_log.exported': {
    label: 'Exported the audit log',
    where: 'org',
    describe: (d) => {
      const format = str(d.format)?.toUpperCase() ?? 'a file';
      const used = d.filters && typeof d.filters === 'object' ? Object.keys(d.filters) : [];
      // In the filters' own order (the log stores them in its own).
      const known = Object.keys(FILTER_WORDS).filter((f) => used.includes(f));
      const by = [
        ...new Set([...known, ...used.filter((f) => !(f in FILTER_WORDS))].map((f) => FILTER_WORDS[f] ?? f)),
      ];
      const what = by.length ? `part of the audit log (by ${by.join(', ')})` : 'the audit log';
      return `Exported ${what} as ${format}${d.truncated ? ', its newest entries only' : ''}`;
    },
  },
});

group('Accounts', {
  'user.signed_up': account('Created an account'),
  'user.email_verified': account('Verified an email address', 'Verified their email address'),
  'user.updated': account('Changed a profile', 'Changed their name'),
  'user.password_changed': account('Changed a password', 'Changed their password'),
  'user.password_reset_requested': account('Asked for a password reset'),
  'user.password_reset': account('Reset a password', 'Chose a new password from a reset link'),
  'user.email_change_requested': account('Asked to change an email address'),
  'user.email_changed': account('Changed an email address', 'Changed their email address'),
  'user.deleted': account('Deleted an account', 'Deleted their account'),
  'user.mfa_enrolment_started': account('Started setting up an authenticator app'),
  'user.mfa_enrolment_cancelled': account('Cancelled setting up an authenticator app'),
  'user.mfa_enabled': account('Turned on two-factor authentication'),
  'user.mfa_disabled': account('Removed an authenticator app'),
  'user.mfa_challenge_failed': account('Failed a second sign-in step'),
  'user.recovery_codes_regenerated': account('Made new recovery codes'),
  'user.recovery_code_used': account('Signed in with a recovery code'),
  'user.passkey_added': account('Added a passkey'),
  'user.passkey_renamed': account('Renamed a passkey'),
  'user.passkey_removed': account('Removed a passkey'),
  'session.revoked': account('Signed a session out'),
  'session.revoked_others': account('Signed out everywhere else'),
});

group('Operator', {
  'api_key.created': { label: 'Created an API key', where: 'operator', describe: () => 'Created an API key' },
  'api_key.revoked': { label: 'Revoked an API key', where: 'operator', describe: () => 'Revoked an API key' },
  'oidc_client.created': {
    label: 'Registered an application (OpenID Connect)',
    where: 'operator',
    describe: () => 'Registered an application for “Sign in with Roster”',
  },
  'oidc_client.deleted': {
    label: 'Removed an application (OpenID Connect)',
    where: 'operator',
    describe: () => 'Removed an application of “Sign in with Roster”',
  },
});

/** The catalog, by action code. */
export const AUDIT_ACTIONS = CATALOG as Readonly<Record<string, AuditAction>>;

/** The actions an organization's log can hold, grouped for a picker, in the catalog's order. */
export function actionGroups(): Array<{ group: string; actions: Array<{ action: string; label: string }> }> {
  const groups = new Map<string, Array<{ action: string; label: string }>>();
  for (const [action, a] of Object.entries(AUDIT_ACTIONS)) {
    if (a.where !== 'org') continue;
    groups.set(a.group, [...(groups.get(a.group) ?? []), { action, label: a.label }]);
  }
  return [...groups].map(([g, actions]) => ({ group: g, actions }));
}

/** An entry as a sentence; an action the catalog does not know yet shows its code. */
export function describeEntry(e: Pick<AuditEntry, 'action' | 'data'>, target: string): string {
  const known = AUDIT_ACTIONS[e.action];
  if (!known) return e.action;
  // A sentence may begin with its target ("a deleted user left …"): it starts with a capital.
  const sentence = known.describe(e.data, target);
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

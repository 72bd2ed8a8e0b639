/**
 * Every action Roster writes to the audit log, with what it means in a sentence: the one list, served
 * at `GET /v1/audit/actions` so the console picks filters from it and words entries with it.
 * `recordAudit` refuses an action missing here, and test/audit.test.ts fails when the code writes one
 * (it reads every `action: '…'` in src/).
 *
 * Entries of the person's own account (`user.*`, `session.*`) and of the operator's OpenID Connect
 * clients (`oidc_client.*`) belong to no organization: they never show in an organization's log.
 */
export const AUDIT_ACTIONS = {
  // Organizations
  'organization.created': 'Someone created the organization and became its first owner.',
  'organization.updated': "The organization's name, slug or settings changed (`data.fields`).",
  'organization.deleted': 'The organization was deleted, with its memberships and invitations.',

  // Members
  'member.added':
    'A membership became active: the organization was created, an invitation accepted, a join request approved or an owner-add accepted (`data.source`).',
  'member.role_changed': "A member's role changed (`data.from`, `data.to`).",
  'member.expiry_changed':
    "When a member's access ends on its own was set, moved or removed (`data.from`, `data.to`; null: never).",
  'member.expired': 'A membership reached its expiry and was removed by the sweep.',
  'member.removed':
    'A member was removed by an admin, or left when their account was deleted (`data.reason: account_deleted`).',
  'member.left': 'A member left the organization.',
  'member.add_proposed':
    'An admin proposed adding an existing user (owner-add); it waits for that user to accept.',
  'member.add_declined': 'The user declined an owner-add; the pending membership is gone.',

  // Roles
  'role.created': "An admin defined one of the organization's own roles (`data.name`, `data.scopes`).",
  'role.updated':
    "One of the organization's own roles was renamed, described anew or given other scopes (`data.fields`, `data.before`, `data.after`).",
  'role.deleted':
    "One of the organization's own roles was deleted; what held it moved to `data.replaceWith` (`data.moved`).",

  // Domains
  'domain.added': 'An admin added a domain to verify (`data.domain`).',
  'domain.verified': "The domain's DNS TXT record was found: the organization holds the domain verified.",
  'domain.policy_changed':
    "A verified domain's policy changed (`data.from`, `data.to`, `data.role`; `data.applied`: who joined or asked to when auto-join was switched on).",
  'domain.removed': 'An admin removed a domain; its policy no longer applies.',
  'domain.record_missing':
    "A re-check did not find the domain's TXT record: its policy is on hold until it is back.",
  'domain.unverified':
    "The domain's TXT record stayed missing past the grace period: the domain is no longer verified.",

  // Invitations
  'invitation.created': 'An invitation was made and emailed with its link.',
  'invitation.requested': 'A member asked for someone to be invited; it waits for an admin to approve.',
  'invitation.approved':
    'An admin approved an invitation request (or a request to join by email): it was emailed with a link.',
  'invitation.rejected': 'An admin rejected an invitation request (or a request to join by email).',
  'invitation.resent':
    'The invitation was emailed again with a new link; every link it had before stopped working (`data.revokedLinks`).',
  'invitation.link_created': 'An admin made one more link to share; the links already made keep working.',
  'invitation.revoked': 'The invitation was revoked: none of its links works any more.',
  'invitation.expired': 'The invitation passed its expiry without being accepted.',
  'invitation.accepted': 'The invitee accepted and became a member.',
  'invitation.declined': 'The invitee declined the invitation.',

  // Join requests
  'join_request.created':
    'Someone asked to join: a signed-in user, or an address without an account (`data.kind`).',
  'join_request.approved': 'An admin approved a request to join: the requester is a member (`data.role`).',
  'join_request.rejected': 'An admin rejected a request to join.',
  'join_request.cancelled': 'The requester withdrew their request to join.',

  // Ownership transfers
  'ownership_transfer.proposed':
    'An owner proposed to make an active member an owner (`data.toUserId`, `data.keepOwner`); it waits for that member to accept.',
  'ownership_transfer.accepted':
    'The member accepted an ownership transfer: they are an owner, and the proposer an admin unless they chose to stay an owner.',
  'ownership_transfer.declined': 'The member declined an ownership transfer; nothing changed.',
  'ownership_transfer.cancelled':
    'An ownership transfer was withdrawn by an owner, or ended because the proposer or the member no longer qualified (`data.reason`).',
  'ownership_transfer.expired': 'An ownership transfer was not answered within 7 days.',

  // Join links
  'join_link.created':
    'An admin made a shareable join link (`data.role`, `data.requireApproval`, `data.maxUses`, `data.expiresAt`, `data.allowedDomains`).',
  'join_link.rotated':
    "A join link's token was replaced: the old link stopped working, the settings and count stay.",
  'join_link.revoked': 'A join link was revoked: it no longer admits anyone.',
  'join_link.used':
    'Someone joined through a join link (`data.linkId`; `data.status`: `active`, or `pending` when the link asks for approval).',

  // Apps and installations
  'app.created': 'An app was published by this organization (client and webhook secrets issued).',
  'app.updated': "The app's name, scopes, URLs or visibility changed.",
  'app.client_secret_rotated': "The app's client secret was replaced; the old one stopped working.",
  'app.webhook_secret_rotated': "The app's webhook signing secret was replaced.",
  'app.deleted': 'The app was deleted, with its installations.',
  'installation.created': 'An app was installed (pending until the app confirms); it was sent a grant code.',
  'installation.updated': 'The app marked its installation installed.',
  'installation.deleted': 'The app was uninstalled: its tokens stopped working.',
  'installation.token_issued': 'The app exchanged a grant code or a refresh token for an access token.',
  'installation.grant_replayed':
    'A grant code was used a second time: every token it led to was revoked (`data.revokedTokens`).',
  'installation.refresh_replayed':
    'A refresh token was used a second time: every token of its grant was revoked (`data.revokedTokens`).',

  // Webhooks
  'webhook_endpoint.created': 'A webhook endpoint was registered.',
  'webhook_endpoint.updated':
    "A webhook endpoint's URL, events or description changed, or it was enabled or disabled.",
  'webhook_endpoint.secret_rotated': "A webhook endpoint's signing secret was replaced.",
  'webhook_endpoint.deleted': 'A webhook endpoint was removed.',
  'webhook_endpoint.disabled': 'Roster disabled a webhook endpoint after it failed for more than a day.',
  'webhook_endpoint.tested': 'Someone sent a test event to a webhook endpoint.',
  'webhook_endpoint.delivery_replayed': 'Someone sent a delivery again, under the same webhook-id.',

  // The audit log itself
  'audit_log.exported': 'Someone exported entries of the audit log (`data.format`, `data.filters`).',

  // API keys (the operator's)
  'api_key.created': 'The operator created an API key.',
  'api_key.revoked': 'The operator revoked an API key.',

  // A person's own account (no organization)
  'user.signed_up': 'An account was created.',
  'user.email_verified': 'The account proved its email address.',
  'user.updated': 'The person changed their name.',
  'user.password_changed': 'The person changed their password; their other sessions ended.',
  'user.password_reset_requested': 'A password-reset link was sent to the account.',
  'user.password_reset': 'The password was set through a reset link; every session ended.',
  'user.email_change_requested':
    'The person asked to change their email address; a link went to the new one.',
  'user.email_changed': 'The email address changed, proven by the link sent to it.',
  'user.deleted': 'The person deleted their account.',
  'user.mfa_enrolment_started': 'The person began setting up an authenticator app.',
  'user.mfa_enrolment_cancelled': 'The person abandoned setting up an authenticator app.',
  'user.mfa_enabled': 'A second factor was turned on.',
  'user.mfa_disabled': 'A second factor was turned off.',
  'user.mfa_challenge_failed': 'A sign-in failed at the second step too many times.',
  'user.passkey_added': 'A passkey was registered.',
  'user.passkey_renamed': 'A passkey was renamed.',
  'user.passkey_removed': 'A passkey was removed.',
  'user.recovery_codes_regenerated': 'New recovery codes were made; the old ones stopped working.',
  'user.recovery_code_used': 'A recovery code was used to sign in.',
  'session.revoked': 'The person ended one of their sessions.',
  'session.revoked_others': 'The person ended all their other sessions.',

  // The operator's OpenID Connect clients (no organization)
  'oidc_client.created': 'The operator registered an OpenID Connect client.',
  'oidc_client.deleted': 'The operator removed an OpenID Connect client.',
} as const;

export type AuditAction = keyof typeof AUDIT_ACTIONS;

export function isAuditAction(value: string): value is AuditAction {
  return Object.hasOwn(AUDIT_ACTIONS, value);
}

/** The catalog as the API serves it, in catalog order. */
export function auditActionList() {
  return Object.entries(AUDIT_ACTIONS).map(([action, description]) => ({
    action,
    category: action.slice(0, action.indexOf('.')),
    description,
  }));
}

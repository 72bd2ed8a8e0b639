/** Table types for Kysely, one interface per table created by the migrations. */
import type { ColumnType, Generated, GeneratedAlways } from 'kysely';
import type { Role, Scope } from '../features/access/scopes.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export type MembershipStatus = 'active' | 'pending';
export type MembershipSource =
  | 'created_org'
  | 'invitation'
  | 'join_request'
  | 'owner_add'
  | 'join_link'
  | 'domain';
export type ActorType = 'user' | 'api_key' | 'app' | 'system';
export type OutboxKind = 'email' | 'webhook' | 'join_request' | 'password_reset' | 'seat_check';
export type InstallationStatus = 'pending' | 'installed';

export interface UsersTable {
  id: Generated<string>;
  email: string;
  name: string;
  password_hash: string | null;
  email_verified_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  secret_hash: Uint8Array;
  user_agent: string | null;
  ip: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  /** Updated when the session is used, at most every few minutes (not on every request). */
  last_used_at: Timestamp;
  /** How it was signed in: 'pwd', 'otp', 'recovery_code', 'passkey', 'reset_link', … */
  auth_methods: ColumnType<string[], string[] | undefined, string[]>;
}

/** A password-reset link: single use, an hour; a newer link supersedes it. */
export interface PasswordResetsTable {
  id: string;
  user_id: string;
  secret_hash: Uint8Array;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  superseded_at: NullableTimestamp;
}

/** A link sent to a new address; the change applies when it is followed. */
export interface EmailChangesTable {
  id: string;
  user_id: string;
  new_email: string;
  secret_hash: Uint8Array;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  superseded_at: NullableTimestamp;
}

export interface TotpFactorsTable {
  user_id: string;
  /** The base32 secret, encrypted with SECRETS_KEY when set (lib/secret-box.ts). */
  secret: string;
  confirmed_at: NullableTimestamp;
  /** Int8 as a string (both drivers return it so). */
  last_used_step: ColumnType<string | null, string | number | null | undefined, string | number | null>;
  created_at: Timestamp;
}

export interface RecoveryCodesTable {
  id: string;
  user_id: string;
  code_hash: Uint8Array;
  created_at: Timestamp;
  used_at: NullableTimestamp;
}

export interface WebauthnCredentialsTable {
  id: string;
  user_id: string;
  credential_id: string;
  public_key: Uint8Array;
  counter: ColumnType<string, string | number | undefined, string | number>;
  transports: ColumnType<string[], string[] | undefined, string[]>;
  device_type: string | null;
  backed_up: Generated<boolean>;
  name: string;
  created_at: Timestamp;
  last_used_at: NullableTimestamp;
}

export type AuthChallengePurpose = 'mfa' | 'passkey_register' | 'passkey_sign_in';

export interface AuthChallengesTable {
  id: string;
  purpose: AuthChallengePurpose;
  user_id: string | null;
  secret_hash: Uint8Array | null;
  webauthn_challenge: string | null;
  attempts: Generated<number>;
  /** What the first step of the sign-in proved ('pwd', 'reset_link', …). */
  methods: ColumnType<string[], string[] | undefined, string[]>;
  ip: string | null;
  user_agent: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
}

export interface EmailVerificationsTable {
  id: string;
  user_id: string;
  email: string;
  secret_hash: Uint8Array;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  scopes: Scope[];
  secret_hash: Uint8Array;
  created_at: Timestamp;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface OrganizationsTable {
  id: Generated<string>;
  slug: string;
  name: string;
  member_limit: number | null;
  join_requests_enabled: Generated<boolean>;
  sso_enforced: Generated<boolean>;
  mfa_required: Generated<boolean>;
  invite_expiry_days: Generated<number>;
  invite_verified_domains_only: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface MembershipsTable {
  id: Generated<string>;
  organization_id: string;
  user_id: string;
  role: Role;
  status: MembershipStatus;
  source: MembershipSource;
  added_by: string | null;
  created_at: Timestamp;
  joined_at: NullableTimestamp;
  /** After it the membership grants nothing (a sweep then removes it); never set on an owner. */
  expires_at: NullableTimestamp;
  expiry_reminded_at: NullableTimestamp;
  /** `role` when it is the organization's own (a key of `org_roles`), else null; kept by the database. */
  custom_role: GeneratedAlways<string | null>;
}

export type DomainPolicy = 'off' | 'suggest' | 'auto_join';

/** A domain an organization claims; verified by a DNS TXT record (migration 0021). */
export interface OrgDomainsTable {
  id: string;
  organization_id: string;
  domain: string;
  token: string;
  verified_at: NullableTimestamp;
  last_checked_at: NullableTimestamp;
  record_missing_since: NullableTimestamp;
  policy: Generated<DomainPolicy>;
  role: Generated<Role>;
  custom_role: GeneratedAlways<string | null>;
  created_by: string | null;
  created_at: Timestamp;
}

/** An organization's own role (the built-in ones are not rows). */
export interface OrgRolesTable {
  organization_id: string;
  key: string;
  name: string;
  description: Generated<string>;
  scopes: ColumnType<Scope[], Scope[], Scope[]>;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface JoinLinksTable {
  id: string;
  organization_id: string;
  label: string | null;
  role: Role;
  require_approval: Generated<boolean>;
  allowed_domains: ColumnType<string[], string[] | undefined, string[]>;
  max_uses: number | null;
  uses: Generated<number>;
  expires_at: NullableTimestamp;
  secret_hash: Uint8Array;
  created_by: string | null;
  created_at: Timestamp;
  rotated_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  revoked_by: string | null;
  /** `role` while the link is live and the role is the organization's own; kept by the database. */
  custom_role: GeneratedAlways<string | null>;
}

export interface SeatCountsTable {
  organization_id: string;
  seats: number;
  changed_at: Timestamp;
}

export type OwnershipTransferStatus = 'pending' | 'accepted' | 'declined' | 'cancelled' | 'expired';

export interface OwnershipTransfersTable {
  id: string;
  organization_id: string;
  from_user_id: string;
  to_user_id: string;
  keep_owner: Generated<boolean>;
  status: Generated<OwnershipTransferStatus>;
  created_at: Timestamp;
  expires_at: Timestamp;
  answered_at: NullableTimestamp;
}

export interface AuditLogTable {
  id: Generated<string>;
  organization_id: string | null;
  actor_type: ActorType;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  data: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: Timestamp;
}

export interface OutboxTable {
  id: Generated<string>;
  organization_id: string | null;
  kind: OutboxKind;
  payload: ColumnType<Record<string, unknown>, string, string>;
  status: Generated<'pending' | 'sent' | 'dead'>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  locked_until: NullableTimestamp;
  last_error: string | null;
  created_at: Timestamp;
  sent_at: NullableTimestamp;
}

export type InvitationStatus = 'pending' | 'accepted' | 'expired' | 'revoked';
export type InvitationApproval = 'approved' | 'requested_to_join' | 'requested_to_be_invited';

export interface InvitationsTable {
  id: string;
  organization_id: string;
  email: string;
  role: Role;
  message: string | null;
  invited_by: string | null;
  invited_by_key: string | null;
  status: Generated<InvitationStatus>;
  approval: InvitationApproval;
  approved_by: string | null;
  approved_at: NullableTimestamp;
  expires_at: NullableTimestamp;
  /** The expiry of the membership accepting gives; null: it does not expire. */
  membership_expires_at: NullableTimestamp;
  sent_at: NullableTimestamp;
  send_count: Generated<number>;
  accepted_at: NullableTimestamp;
  accepted_by: string | null;
  revoked_at: NullableTimestamp;
  revoked_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** `role` while the invitation is pending and the role is the organization's own; kept by the database. */
  custom_role: GeneratedAlways<string | null>;
}

export type InvitationLinkKind = 'email' | 'copy';

/** A live link of an invitation (its token names the row); works while the invitation is pending. */
export interface InvitationLinksTable {
  id: string;
  organization_id: string;
  invitation_id: string;
  /** Always 'approved': the foreign key on it keeps links to approved invitations. */
  approval: Generated<'approved'>;
  kind: InvitationLinkKind;
  secret_hash: Uint8Array;
  created_at: Timestamp;
  created_by: string | null;
}

/** A signed-in person's request to join, once answered (the rejected membership row is deleted). */
export interface JoinRequestAnswersTable {
  membership_id: string;
  organization_id: string;
  user_id: string;
  answer: 'approved' | 'rejected';
  requested_at: Timestamp;
  answered_at: Timestamp;
  /** When the person dismissed the news of the answer; null while it is news. */
  dismissed_at: NullableTimestamp;
}

export interface AppsTable {
  id: string;
  organization_id: string;
  slug: string;
  name: string;
  scopes: Scope[];
  webhook_url: string;
  redirect_url: string | null;
  published: Generated<boolean>;
  client_id: string;
  client_secret_hash: Uint8Array;
  /** The webhook signing secret, sealed (see lib/secret-box.ts). */
  webhook_secret: string;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** Counters of lib/rate-limit.ts (rate-limiter-flexible's PostgreSQL store); `expire` in epoch ms. */
export interface RateLimitsTable {
  key: string;
  points: number;
  expire: ColumnType<string | null, number | null, number | null>;
}

/** Secrets of the install (not of a tenant), shared by every instance. */
export interface InstallSecretsTable {
  name: string;
  secret: Uint8Array;
  created_at: Timestamp;
}

export interface AppInstallationsTable {
  id: string;
  organization_id: string;
  app_id: string;
  status: Generated<InstallationStatus>;
  scopes: Scope[];
  installed_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AppGrantsTable {
  id: string;
  organization_id: string;
  installation_id: string;
  code_hash: Uint8Array;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface AppTokensTable {
  id: string;
  organization_id: string;
  installation_id: string;
  grant_id: string;
  access_hash: Uint8Array;
  refresh_hash: Uint8Array;
  access_expires_at: Timestamp;
  refresh_expires_at: Timestamp;
  revoked_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface WebhookEndpointsTable {
  id: string;
  organization_id: string;
  url: string;
  description: string | null;
  event_types: string[];
  /** The signing secret, sealed (see lib/secret-box.ts). */
  secret: string;
  disabled_at: NullableTimestamp;
  disabled_reason: string | null;
  last_success_at: NullableTimestamp;
  last_failure_at: NullableTimestamp;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WebhookAttemptsTable {
  id: Generated<string>;
  organization_id: string | null;
  message_id: string;
  endpoint_id: string | null;
  app_id: string | null;
  event_type: string;
  attempt: number;
  succeeded: boolean;
  response_status: number | null;
  latency_ms: number;
  error: string | null;
  /** The first 2 KB of the receiver's answer; emptied after the retention time. */
  response_body: string | null;
  created_at: Timestamp;
}

/** One webhook message as the delivery log shows it (the outbox row keeps less once spent). */
export interface WebhookDeliveriesTable {
  /** The outbox message's id. */
  id: string;
  organization_id: string | null;
  endpoint_id: string | null;
  app_id: string | null;
  webhook_id: string;
  replay_of: string | null;
  event_id: string;
  event_type: string;
  /** The body as sent, less `redacted`; null once past the retention time. */
  payload: string | null;
  redacted: ColumnType<string[], string[] | undefined, string[]>;
  created_at: Timestamp;
}

export interface AnalyticsEventsTable {
  id: string;
  organization_id: string | null;
  type: string;
  actor_type: ActorType;
  actor_id: string | null;
  data: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: Timestamp;
}

/** The OpenID Connect engine's storage: one row per artifact (features/oidc/oidc.adapter.ts). */
export interface OidcPayloadsTable {
  kind: string;
  id: string;
  payload: ColumnType<Record<string, unknown>, string, string>;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  expires_at: NullableTimestamp;
  consumed_at: NullableTimestamp;
}

/** A relying party registered by the operator (features/oidc/oidc.clients.ts). */
export interface OidcClientsTable {
  id: string;
  name: string;
  redirect_uris: string[];
  post_logout_redirect_uris: ColumnType<string[], string[] | undefined, string[]>;
  grant_types: string[];
  public: boolean;
  first_party: Generated<boolean>;
  secret_hash: Uint8Array | null;
  created_at: Timestamp;
}

/** Keys signing ID and access tokens; one current, the retired ones published until `drop_after`. */
export interface OidcSigningKeysTable {
  kid: string;
  alg: 'ES256' | 'RS256';
  /** The private JWK, sealed with SECRETS_KEY when set (lib/secret-box.ts). */
  private_jwk: string;
  created_at: Timestamp;
  retired_at: NullableTimestamp;
  drop_after: NullableTimestamp;
}

export interface DB {
  users: UsersTable;
  sessions: SessionsTable;
  email_verifications: EmailVerificationsTable;
  api_keys: ApiKeysTable;
  organizations: OrganizationsTable;
  memberships: MembershipsTable;
  org_roles: OrgRolesTable;
  org_domains: OrgDomainsTable;
  audit_log: AuditLogTable;
  outbox: OutboxTable;
  invitations: InvitationsTable;
  invitation_links: InvitationLinksTable;
  join_request_answers: JoinRequestAnswersTable;
  join_links: JoinLinksTable;
  seat_counts: SeatCountsTable;
  ownership_transfers: OwnershipTransfersTable;
  rate_limits: RateLimitsTable;
  install_secrets: InstallSecretsTable;
  apps: AppsTable;
  app_installations: AppInstallationsTable;
  app_grants: AppGrantsTable;
  app_tokens: AppTokensTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_attempts: WebhookAttemptsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  analytics_events: AnalyticsEventsTable;
  password_resets: PasswordResetsTable;
  email_changes: EmailChangesTable;
  totp_factors: TotpFactorsTable;
  recovery_codes: RecoveryCodesTable;
  webauthn_credentials: WebauthnCredentialsTable;
  auth_challenges: AuthChallengesTable;
  oidc_payloads: OidcPayloadsTable;
  oidc_clients: OidcClientsTable;
  oidc_signing_keys: OidcSigningKeysTable;
}

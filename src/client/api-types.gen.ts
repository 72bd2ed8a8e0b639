/**
 * Generated from Roster's OpenAPI document (/v1/openapi.json) by scripts/generate-client.ts.
 * Do not edit: run `npm run generate:client`. test/client.test.ts fails when it is out of date.
 */

/** The named schemas of the document (`components.schemas`). */
export interface Schemas {
  ErrorResponse: {
    error: {
      /** Stable UPPER_SNAKE code. */
      code: string;
      message: string;
      details?: unknown;
    };
  };
  Member: {
    id: string;
    userId: string;
    email: string;
    name: string;
    /** A built-in role (owner, admin, member) or the key of one of the organization's own roles (GET …/roles) */
    role: string;
    status: "active" | "pending";
    source: "created_org" | "invitation" | "join_request" | "owner_add" | "join_link" | "domain";
    addedBy: string | null;
    createdAt: string;
    joinedAt: string | null;
    /** When the membership ends on its own (guests, contractors); null: it does not */
    expiresAt: string | null;
  };
  Invitation: {
    id: string;
    organizationId: string;
    email: string;
    /** A built-in role (owner, admin, member) or the key of one of the organization's own roles (GET …/roles) */
    role: string;
    message: string | null;
    /** `expired` as soon as `expiresAt` passes, whether or not the sweep has stored it yet */
    status: "pending" | "accepted" | "expired" | "revoked";
    approval: "approved" | "requested_to_join" | "requested_to_be_invited";
    /** The inviting (or requesting) user */
    invitedBy: string | null;
    inviterName: string | null;
    /** Set when an API key invited */
    invitedByApiKey: string | null;
    approvedBy: string | null;
    approvedAt: string | null;
    /** null until approved */
    expiresAt: string | null;
    /** When the membership accepting gives ends on its own; null: it does not */
    membershipExpiresAt: string | null;
    lastSentAt: string | null;
    sendCount: number;
    acceptedAt: string | null;
    acceptedBy: string | null;
    revokedAt: string | null;
    /** user or API key id */
    revokedBy: string | null;
    createdAt: string;
    updatedAt: string;
  };
  User: {
    id: string;
    email: string;
    name: string;
    emailVerified: boolean;
    emailVerifiedAt: string | null;
    createdAt: string;
  };
  OidcClient: {
    /** The client_id. */
    id: string;
    name: string;
    redirectUris: Array<string>;
    postLogoutRedirectUris: Array<string>;
    grantTypes: Array<string>;
    /** No secret; PKCE (which every client uses) is its only proof. */
    public: boolean;
    /** The operator’s own application: no consent step. */
    firstParty: boolean;
    createdAt: string;
  };
  SessionInfo: {
    id: string;
    createdAt: string;
    lastUsedAt: string;
    expiresAt: string;
    ip: string | null;
    userAgent: string | null;
    /** How it was signed in: 'pwd', 'otp', 'recovery_code', 'passkey', … */
    methods: Array<string>;
    /** The session this request came with. */
    current: boolean;
  };
  Organization: {
    id: string;
    slug: string;
    name: string;
    /** Seats: active members plus pending invitations; null = unlimited. */
    memberLimit: number | null;
    /** Whether anyone may ask to join. */
    joinRequestsEnabled: boolean;
    /** Sign-in goes through the identity provider; no join requests. */
    ssoEnforced: boolean;
    /** Members must have a second factor (authenticator app or passkey); without one they get 403 MFA_REQUIRED on everything but reading the organization and leaving it. */
    mfaRequired: boolean;
    /** Invitations go only to addresses at the organization's verified domains (others: INVITATION_DOMAIN_NOT_ALLOWED). */
    inviteVerifiedDomainsOnly: boolean;
    /** Days an invitation stays valid. */
    inviteExpiryDays: number;
    createdAt: string;
    updatedAt: string;
    /** The caller's standing in the organization. */
    viewer: {
      /** null for an API key */
      role: string | null;
      scopes: Array<"org:read" | "org:write" | "org:delete" | "member:read" | "member:invite" | "member:admin" | "org:integrations" | "audit:read" | "role:admin">;
      /** Present when the organization requires a second factor and the viewer is a person: enrolled false means scopes is empty until they set one up (/v1/me/mfa). */
      mfa?: {
        required: true;
        enrolled: boolean;
      };
    };
  };
  OwnershipTransfer: {
    id: string;
    organization: {
      id: string;
      slug: string;
      name: string;
    };
    from: {
      userId: string;
      name: string;
      email: string;
    };
    to: {
      userId: string;
      name: string;
      email: string;
    };
    /** The proposer stays an owner; otherwise they become an admin when the member accepts */
    keepOwner: boolean;
    status: "pending" | "accepted" | "declined" | "cancelled" | "expired";
    createdAt: string;
    expiresAt: string;
    answeredAt: string | null;
  };
  OrgRole: {
    /** A built-in role (owner, admin, member) or the key of one of the organization's own roles (GET …/roles) */
    key: string;
    name: string;
    description: string;
    scopes: Array<"org:read" | "org:write" | "org:delete" | "member:read" | "member:invite" | "member:admin" | "org:integrations" | "audit:read" | "role:admin">;
    /** owner, admin and member: every organization has them, unchangeable */
    builtIn: boolean;
    /** How many members (active or pending) hold one of the organization's own roles; null for a built-in role */
    memberCount: number | null;
    createdAt: string | null;
    updatedAt: string | null;
  };
  OrgDomain: {
    id: string;
    domain: string;
    /** `record_missing`: verified, but the last re-check did not find the record; its policy is on hold */
    status: "pending" | "verified" | "record_missing";
    /** The DNS record to publish */
    record: {
      type: "TXT";
      name: string;
      value: string;
    };
    /** `suggest`: people with a verified email at the domain see the organization and may ask to join; `auto_join`: they join with `role` when their email is verified (a request to join when the organization is full) */
    policy: "off" | "suggest" | "auto_join";
    /** A built-in role (owner, admin, member) or the key of one of the organization's own roles (GET …/roles) */
    role: string;
    verifiedAt: string | null;
    lastCheckedAt: string | null;
    recordMissingSince: string | null;
    createdAt: string;
  };
  JoinRequest: {
    id: string;
    /** 'user': a signed-in user's pending membership; 'email': an anonymous request by email. */
    kind: "user" | "email";
    userId: string | null;
    email: string;
    name: string | null;
    createdAt: string;
  };
  MyJoinRequest: {
    id: string;
    organization: {
      id: string;
      slug: string;
      name: string;
    };
    /** 'pending': waiting for an admin (withdraw it with DELETE /v1/me/memberships/{id}); 'approved': you are a member; 'rejected': an admin declined it. */
    status: "pending" | "approved" | "rejected";
    requestedAt: string;
    /** null while it waits */
    answeredAt: string | null;
    /** When you dismissed the news of the answer (POST …/dismiss); null while it is news. */
    dismissedAt: string | null;
  };
  JoinPage: {
    slug: string;
    /** The organization's name when it takes requests to join; null otherwise. */
    name: string | null;
    /** Whether the organization takes requests to join (false when they are off, or sign-in goes through its identity provider). */
    acceptsJoinRequests: boolean;
  };
  JoinLink: {
    id: string;
    label: string | null;
    /** The role a use gives: admin, member or one of the organization's own roles, within your own scopes (never owner) */
    role: string;
    /** A use asks to join (the join-request queue) instead of joining at once */
    requireApproval: boolean;
    /** Only people whose verified email is at one of these domains may use it; empty: anyone */
    allowedDomains: Array<string>;
    maxUses: number | null;
    uses: number;
    expiresAt: string | null;
    /** `active` admits; the others say why the link no longer does */
    state: "active" | "revoked" | "expired" | "used_up";
    createdAt: string;
    createdBy: string | null;
    createdByName: string | null;
    rotatedAt: string | null;
    revokedAt: string | null;
  };
  AuditEntry: {
    /** Increasing: a later entry has a larger id. */
    id: string;
    actor: {
      type: "user" | "api_key" | "app" | "system";
      id: string | null;
      /** a person's, an API key's or an app's name as it is now; null for the system or when deleted */
      name: string | null;
      /** a person's email as it is now */
      email: string | null;
      /** the account, key or app has been deleted since: the entry keeps its id only */
      deleted: boolean;
    };
    /** One of `GET /v1/audit/actions`, e.g. member.role_changed */
    action: string;
    /** what the action was done to; null when nothing but the organization */
    target: {
      /** user, invitation, app, installation, webhook_endpoint … */
      type: string;
      id: string | null;
      /** what the target is called now: a person's or an app's name (an installation's app), a webhook endpoint's description or URL, the organization's or an API key's name */
      name: string | null;
      /** a person's email, or the address an invitation went to */
      email: string | null;
      /** an app's URL name (for an app, or an installation of one) */
      slug: string | null;
      /** the target has been deleted since (a person, app, invitation, endpoint …) */
      deleted: boolean;
    } | null;
    ip: string | null;
    /** What changed (see the catalog). */
    data: Record<string, unknown>;
    createdAt: string;
  };
  App: {
    id: string;
    slug: string;
    name: string;
    scopes: Array<string>;
    webhookUrl: string;
    redirectUrl: string | null;
    /** Unpublished apps install only into the organization that owns them. */
    published: boolean;
    clientId: string;
    /** The publisher. */
    organization: {
      id: string;
      slug: string;
    };
    createdAt: string;
    updatedAt: string;
  };
  Installation: {
    uuid: string;
    status: "pending" | "installed";
    app: {
      uuid: string;
      slug: string;
      name: string;
    };
    organization: {
      id: string;
      slug: string;
    };
    /** What the installation granted the app. */
    scopes: Array<string>;
    createdAt: string;
    updatedAt: string;
  };
  WebhookEndpoint: {
    id: string;
    url: string;
    description: string | null;
    /** `["*"]`: every event type, including those added later. */
    events: Array<string>;
    /** False once disabled (by an admin, or after sustained failure). */
    enabled: boolean;
    disabledAt: string | null;
    disabledReason: string | null;
    lastSuccessAt: string | null;
    lastFailureAt: string | null;
    createdAt: string;
    updatedAt: string;
  };
  WebhookDelivery: {
    id: string;
    /** The `webhook-id` header: the same on every attempt, and on every replay of the message. */
    webhookId: string;
    /** The delivery this one sends again. */
    replayOf: string | null;
    eventId: string;
    eventType: string;
    /** `pending`: waiting for its first attempt or its next retry; `succeeded`: a 2xx answer acknowledged it; `failed`: given up (every attempt failed, or the endpoint was deleted or disabled). */
    status: "pending" | "succeeded" | "failed";
    /** When pending: the next attempt. */
    nextAttemptAt: string | null;
    createdAt: string;
    /** The body as sent (the signed bytes), less the fields `redacted` names; null once past the 30-day retention. */
    payload: string | null;
    payloadKeptUntil: string;
    /** Fields the body had that are never kept, as dotted paths (`data.code`: the grant code of an app’s `installation.created`). */
    redacted: Array<string>;
    /** Null when a replay may be sent now; otherwise the error code a replay would answer (WEBHOOK_DELIVERY_PENDING, WEBHOOK_DELIVERY_SUCCEEDED, WEBHOOK_DELIVERY_REDACTED, WEBHOOK_DELIVERY_EXPIRED, WEBHOOK_ENDPOINT_DISABLED). */
    replayRefusal: string | null;
    /** Oldest first. */
    attempts: Array<{
      id: string;
      attempt: number;
      status: "succeeded" | "failed";
      responseStatus: number | null;
      /** The first 2 KB of the receiver's answer (as UTF-8 text); null when it never answered, and once past the 30-day retention. */
      responseBody: string | null;
      latencyMs: number;
      error: string | null;
      createdAt: string;
    }>;
  };
}

/** Every operation, keyed `METHOD /path`: its path and query parameters, JSON body and responses. */
export interface Operations {
  /** The registered OpenID Connect clients, never their secrets (API key with clients:admin) */
  "GET /v1/oidc/clients": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        data: Array<Schemas["OidcClient"]>;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Register an OpenID Connect client; its secret is shown once (API key with clients:admin) */
  "POST /v1/oidc/clients": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: {
      name: string;
      redirectUris?: Array<string>;
      postLogoutRedirectUris?: Array<string>;
      public?: boolean;
      firstParty?: boolean;
      /** authorization_code (default; refresh tokens come with it) and/or client_credentials */
      grantTypes?: Array<"authorization_code" | "client_credentials">;
    };
    responses: {
      201: Schemas["OidcClient"] & {
        /** Shown this once (null for a public client); Roster keeps only its SHA-256. */
        clientSecret: string | null;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Remove a client: its grants, codes and tokens stop working (API key with clients:admin) */
  "DELETE /v1/oidc/clients/{id}": {
    path: {
      id: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      204: undefined;
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** What a sign-in request asks: the application, scopes, the step (login or consent), the organizations to pick from (the browser that started it only) */
  "GET /v1/oidc/interactions/{uid}": {
    path: {
      /** The interaction in the console page’s URL. */
      uid: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        uid: string;
        prompt: "login" | "consent";
        reasons: Array<string>;
        client: {
          id: string;
          name: string;
          firstParty: boolean;
        };
        scopes: Array<string>;
        /** Scopes the person has not consented to yet. */
        missingScopes: Array<string>;
        signIn: {
          /** The login step: POST …/login once the person is signed in. */
          required: boolean;
          /** prompt=login: only a sign-in made after this moment completes the step. */
          freshSince: string | null;
          maxAgeSeconds: number | null;
          loginHint: string | null;
        };
        /** Who is signed in to Roster in this browser, if anyone. */
        user: {
          id: string;
          email: string;
          name: string;
        } | null;
        /** The organization the application named (resource urn:roster:organization:<id>). */
        organizationRequested: string | null;
        /** With the organizations scope: the active memberships the person may pick from. */
        organizations: Array<{
          id: string;
          slug: string;
          name: string;
          /** A built-in role (owner, admin, member) or the key of one of the organization's own roles (GET …/roles) */
          role: string;
          /** false: the organization requires a second factor the person lacks. */
          available: boolean;
        }>;
        expiresAt: string | null;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Complete the login step with the signed-in Roster session → the URL to send the browser to */
  "POST /v1/oidc/interactions/{uid}/login": {
    path: {
      /** The interaction in the console page’s URL. */
      uid: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        /** Where to send the browser next (back into the provider). */
        redirectTo: string;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Grant what the application asks for, with the organization picked (optional) → the URL to send the browser to */
  "POST /v1/oidc/interactions/{uid}/consent": {
    path: {
      /** The interaction in the console page’s URL. */
      uid: string;
    };
    query: Record<string, never>;
    body: {
      /** The organization picked (the ID token names it). */
      organizationId?: string;
    };
    responses: {
      200: {
        /** Where to send the browser next (back into the provider). */
        redirectTo: string;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Decline the request: the application receives access_denied → the URL to send the browser to */
  "POST /v1/oidc/interactions/{uid}/abort": {
    path: {
      /** The interaction in the console page’s URL. */
      uid: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        /** Where to send the browser next (back into the provider). */
        redirectTo: string;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Liveness: the process is up */
  "GET /healthz": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        status: "ok";
      };
      400: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Readiness: the database answers and the instance is not shutting down */
  "GET /readyz": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        status: "ready";
        database: string;
      };
      400: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Create an account and sign in; with `invitationToken`, also accept that invitation */
  "POST /v1/auth/sign-up": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: {
      email: string;
      password: string;
      name: string;
      /** The token of an invitation to this email: the account starts verified and joins. */
      invitationToken?: string;
    };
    responses: {
      201: {
        user: Schemas["User"];
        session: {
          /** Bearer token; also set as the HttpOnly session cookie. */
          token: string;
          expiresAt: string;
        };
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      410: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Sign in with email and password; failed attempts are limited per email and client IP, per email and per client IP (429 past any) */
  "POST /v1/auth/sign-in": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: {
      email: string;
      password: string;
    };
    responses: {
      200: {
        user: Schemas["User"];
        session: {
          /** Bearer token; also set as the HttpOnly session cookie. */
          token: string;
          expiresAt: string;
        };
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      429: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** End the current session */
  "POST /v1/auth/sign-out": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: undefined;
    responses: {
      204: undefined;
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Verify an email address with the emailed token */
  "POST /v1/auth/verify-email": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: {
      token: string;
    };
    responses: {
      200: {
        user: Schemas["User"];
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Email a new verification link to the signed-in user */
  "POST /v1/auth/verify-email/resend": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: undefined;
    responses: {
      202: {
        sent: boolean;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** The signed-in user */
  "GET /v1/me": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: Schemas["User"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Change your profile: `name` (trimmed, 1–100 characters) */
  "PATCH /v1/me": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: {
      /** Trimmed. */
      name: string;
    };
    responses: {
      200: Schemas["User"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Delete your account, giving your password: refused (409 LAST_OWNER, `details.organizations`) while you are the last owner of an organization */
  "DELETE /v1/me": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: {
      /** The password the account has now. */
      password: string;
    };
    responses: {
      204: undefined;
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      429: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Ask for a password-reset link by email: always 202 with the same body, whether or not an account has the address (400 malformed address, 429 past PASSWORD_RESET_LIMIT_PER_IP) */
  "POST /v1/auth/password-reset": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: {
      email: string;
    };
    responses: {
      202: {
        status: "received";
        message: string;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      429: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Set a new password with the emailed link's token: every session of the account ends (sign in again); the address counts as verified */
  "POST /v1/auth/password-reset/confirm": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: {
      /** The `token` of the emailed link. */
      token: string;
      /** The new password (at least 8 characters). */
      password: string;
    };
    responses: {
      200: {
        user: Schemas["User"];
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      410: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Make the new address the account's, with the token of the link sent to it (no session needed); the old address is told */
  "POST /v1/auth/email-change/confirm": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: {
      /** The `token` of the emailed link. */
      token: string;
    };
    responses: {
      200: {
        user: Schemas["User"];
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      410: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Change your password, giving the current one (a wrong one counts as a failed sign-in): your other sessions end, this one stays */
  "POST /v1/me/password": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: {
      /** The password the account has now. */
      currentPassword: string;
      /** At least 8 characters. */
      newPassword: string;
    };
    responses: {
      200: {
        /** Sessions ended (all but the current one). */
        revoked: number;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      429: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Ask to change your email address, giving your password: a link (24 hours) goes to the new address, which replaces the old one when the link is followed */
  "POST /v1/me/email": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: {
      email: string;
      /** The password the account has now. */
      password: string;
    };
    responses: {
      202: {
        /** The new address, where the link went. */
        email: string;
        expiresAt: string;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      429: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Your live sessions, newest first; `current` marks this one */
  "GET /v1/me/sessions": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        data: Array<Schemas["SessionInfo"]>;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** End one of your sessions (this one too: that signs you out); anyone else’s is 404 */
  "DELETE /v1/me/sessions/{id}": {
    path: {
      id: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      204: undefined;
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** End every session of yours but this one */
  "POST /v1/me/sessions/revoke-others": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        /** Sessions ended (all but the current one). */
        revoked: number;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Your second factors: authenticator app, passkeys, recovery codes left */
  "GET /v1/me/mfa": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        /** null: no authenticator app */
        totp: {
          /** false while the set-up waits for its first code */
          enabled: boolean;
          confirmedAt: string | null;
        } | null;
        passkeys: Array<{
          id: string;
          name: string;
          createdAt: string;
          lastUsedAt: string | null;
          /** 'singleDevice' or 'multiDevice' (synced), as the authenticator said at registration */
          deviceType: string | null;
          /** Whether the passkey is synced to a backup (e.g. a password manager) */
          backedUp: boolean;
        }>;
        recoveryCodes: {
          /** Unused recovery codes */
          remaining: number;
        };
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Start setting up an authenticator app (replaces a set-up not yet confirmed): its secret and otpauth:// URL */
  "POST /v1/me/mfa/totp": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: undefined;
    responses: {
      201: {
        /** Base32; for typing into an authenticator app by hand */
        secret: string;
        /** otpauth://totp/… — show it as a QR code */
        otpauthUrl: string;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Remove the authenticator app (with your password); with no passkey left, the recovery codes go too */
  "DELETE /v1/me/mfa/totp": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: {
      password: string;
    };
    responses: {
      204: undefined;
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      429: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Confirm the authenticator app with a code it shows; answers 10 recovery codes, shown once */
  "POST /v1/me/mfa/totp/confirm": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: {
      /** The 6 digits the app shows */
      code: string;
    };
    responses: {
      200: {
        totp: {
          /** false while the set-up waits for its first code */
          enabled: boolean;
          confirmedAt: string | null;
        };
        /** Shown once: Roster keeps only their hashes. Each works once. */
        recoveryCodes: Array<string>;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** New recovery codes (with your password); the earlier ones stop working */
  "POST /v1/me/mfa/recovery-codes": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: {
      password: string;
    };
    responses: {
      200: {
        /** Shown once: Roster keeps only their hashes. Each works once. */
        recoveryCodes: Array<string>;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      429: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Options for navigator.credentials.create() to register a passkey (valid 5 minutes, once) */
  "POST /v1/me/passkeys/options": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        /** PublicKeyCredentialCreationOptionsJSON or PublicKeyCredentialRequestOptionsJSON: pass to @simplewebauthn/browser (optionsJSON) or decode for navigator.credentials */
        options: Record<string, never>;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Your passkeys */
  "GET /v1/me/passkeys": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        data: Array<{
          id: string;
          name: string;
          createdAt: string;
          lastUsedAt: string | null;
          /** 'singleDevice' or 'multiDevice' (synced), as the authenticator said at registration */
          deviceType: string | null;
          /** Whether the passkey is synced to a backup (e.g. a password manager) */
          backedUp: boolean;
        }>;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Register a passkey with the browser’s answer to the options; the first second factor also gets recovery codes */
  "POST /v1/me/passkeys": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: {
      /** The registration response JSON (as @simplewebauthn/browser startRegistration gives it) */
      response: {
        id: string;
        rawId: string;
        type: "public-key";
        response: {
          clientDataJSON: string;
          attestationObject: string;
          transports?: Array<string>;
        };
        clientExtensionResults: Record<string, unknown>;
        authenticatorAttachment?: string;
      };
      name?: string;
    };
    responses: {
      201: {
        passkey: {
          id: string;
          name: string;
          createdAt: string;
          lastUsedAt: string | null;
          /** 'singleDevice' or 'multiDevice' (synced), as the authenticator said at registration */
          deviceType: string | null;
          /** Whether the passkey is synced to a backup (e.g. a password manager) */
          backedUp: boolean;
        };
        /** New recovery codes when this passkey is the account’s first second factor; else null */
        recoveryCodes: Array<string> | null;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Rename one of your passkeys */
  "PATCH /v1/me/passkeys/{id}": {
    path: {
      id: string;
    };
    query: Record<string, never>;
    body: {
      name: string;
    };
    responses: {
      200: {
        id: string;
        name: string;
        createdAt: string;
        lastUsedAt: string | null;
        /** 'singleDevice' or 'multiDevice' (synced), as the authenticator said at registration */
        deviceType: string | null;
        /** Whether the passkey is synced to a backup (e.g. a password manager) */
        backedUp: boolean;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Remove one of your passkeys; with no second factor left, the recovery codes go too */
  "DELETE /v1/me/passkeys/{id}": {
    path: {
      id: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      204: undefined;
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Second step of a sign-in: the challenge from MFA_REQUIRED and one of code, recoveryCode, passkey → a session */
  "POST /v1/auth/sign-in/mfa": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: {
      /** The `rm_…` token of the MFA_REQUIRED answer to sign-in */
      challenge: string;
      /** An authenticator code */
      code?: string;
      recoveryCode?: string;
      /** The authentication response JSON (as @simplewebauthn/browser startAuthentication gives it) */
      passkey?: {
        id: string;
        rawId: string;
        type: "public-key";
        response: {
          clientDataJSON: string;
          authenticatorData: string;
          signature: string;
          userHandle?: string;
        };
        clientExtensionResults: Record<string, unknown>;
        authenticatorAttachment?: string;
      };
    };
    responses: {
      200: {
        user: Schemas["User"];
        session: {
          /** Bearer token; also set as the HttpOnly session cookie. */
          token: string;
          expiresAt: string;
        };
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      410: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      429: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** WebAuthn options to answer a sign-in challenge with one of the account’s passkeys */
  "POST /v1/auth/sign-in/mfa/passkey-options": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: {
      /** The `rm_…` token of the MFA_REQUIRED answer to sign-in */
      challenge: string;
    };
    responses: {
      200: {
        /** PublicKeyCredentialCreationOptionsJSON or PublicKeyCredentialRequestOptionsJSON: pass to @simplewebauthn/browser (optionsJSON) or decode for navigator.credentials */
        options: Record<string, never>;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      410: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      429: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Start a passwordless sign-in: WebAuthn options for a discoverable passkey (valid 5 minutes) */
  "POST /v1/auth/passkey/options": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        challengeId: string;
        /** PublicKeyCredentialCreationOptionsJSON or PublicKeyCredentialRequestOptionsJSON: pass to @simplewebauthn/browser (optionsJSON) or decode for navigator.credentials */
        options: Record<string, never>;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      429: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Sign in with a passkey alone (user-verified: no second step) */
  "POST /v1/auth/passkey": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: {
      challengeId: string;
      /** The authentication response JSON (as @simplewebauthn/browser startAuthentication gives it) */
      response: {
        id: string;
        rawId: string;
        type: "public-key";
        response: {
          clientDataJSON: string;
          authenticatorData: string;
          signature: string;
          userHandle?: string;
        };
        clientExtensionResults: Record<string, unknown>;
        authenticatorAttachment?: string;
      };
    };
    responses: {
      200: {
        user: Schemas["User"];
        session: {
          /** Bearer token; also set as the HttpOnly session cookie. */
          token: string;
          expiresAt: string;
        };
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Create an organization; the caller becomes its owner */
  "POST /v1/organizations": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: {
      name: string;
      /** 2–48 of a-z, 0-9 and single hyphens (`^[a-z0-9]+(-[a-z0-9]+)*$`); not a UUID */
      slug?: string;
    };
    responses: {
      201: Schemas["Organization"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** The signed-in user's memberships, with organization and role */
  "GET /v1/me/organizations": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        data: Array<{
          organization: {
            id: string;
            slug: string;
            name: string;
            mfaRequired: boolean;
          };
          membershipId: string;
          /** A built-in role (owner, admin, member) or the key of one of the organization's own roles (GET …/roles) */
          role: string;
          status: "active" | "pending";
          source: string;
          joinedAt: string | null;
        }>;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Read an organization and its settings (org:read; a member held back by mfaRequired may read it too, with viewer.mfa.enrolled false and no scopes) */
  "GET /v1/organizations/{org}": {
    path: {
      /** Organization id or slug */
      org: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: Schemas["Organization"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Change name, slug or settings (org:write) */
  "PATCH /v1/organizations/{org}": {
    path: {
      /** Organization id or slug */
      org: string;
    };
    query: Record<string, never>;
    body: {
      name?: string;
      /** 2–48 of a-z, 0-9 and single hyphens (`^[a-z0-9]+(-[a-z0-9]+)*$`); not a UUID */
      slug?: string;
      /** Seats: active members plus pending invitations; null = unlimited. */
      memberLimit?: number | null;
      /** Whether anyone may ask to join. */
      joinRequestsEnabled?: boolean;
      /** Sign-in goes through the identity provider; no join requests. */
      ssoEnforced?: boolean;
      /** Members must have a second factor (authenticator app or passkey); without one they get 403 MFA_REQUIRED on everything but reading the organization and leaving it. */
      mfaRequired?: boolean;
      /** Days an invitation stays valid. */
      inviteExpiryDays?: number;
      /** Invitations go only to addresses at the organization's verified domains (others: INVITATION_DOMAIN_NOT_ALLOWED). */
      inviteVerifiedDomainsOnly?: boolean;
    };
    responses: {
      200: Schemas["Organization"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Delete an organization and its memberships (org:delete) */
  "DELETE /v1/organizations/{org}": {
    path: {
      /** Organization id or slug */
      org: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      204: undefined;
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** List members, in join order, cursor-paginated (member:read) */
  "GET /v1/organizations/{org}/members": {
    path: {
      /** Organization id or slug */
      org: string;
    };
    query: {
      /** Page size (1–100). */
      limit?: number;
      /** The `nextCursor` of the previous page. */
      cursor?: string;
      /** A built-in role (owner, admin, member) or the key of one of the organization's own roles (GET …/roles) */
      role?: string;
      status?: "active" | "pending";
      source?: "created_org" | "invitation" | "join_request" | "owner_add" | "join_link" | "domain";
      /** Email or name prefix */
      q?: string;
    };
    body: undefined;
    responses: {
      200: {
        data: Array<Schemas["Member"]>;
        /** Pass as `cursor` for the next page; null on the last. */
        nextCursor: string | null;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Add an existing user (member:admin): a pending membership that becomes active only when they accept */
  "POST /v1/organizations/{org}/members": {
    path: {
      /** Organization id or slug */
      org: string;
    };
    query: Record<string, never>;
    body: {
      userId?: string;
      email?: string;
      /** A built-in role (owner, admin, member) or the key of one of the organization's own roles (GET …/roles) */
      role: string;
    };
    responses: {
      201: Schemas["Member"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Read one membership (member:read) */
  "GET /v1/organizations/{org}/members/{userId}": {
    path: {
      org: string;
      userId: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: Schemas["Member"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Change a member's role, or when their membership ends on its own (member:admin; at or below your own role) */
  "PATCH /v1/organizations/{org}/members/{userId}": {
    path: {
      org: string;
      userId: string;
    };
    query: Record<string, never>;
    body: {
      /** A built-in role (owner, admin, member) or the key of one of the organization's own roles (GET …/roles) */
      role?: string;
      /** When the membership ends on its own (in the future; never for an owner); null: it no longer does */
      expiresAt?: string | null;
    };
    responses: {
      200: Schemas["Member"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Remove a member (member:admin), or leave when the user is yourself */
  "DELETE /v1/organizations/{org}/members/{userId}": {
    path: {
      org: string;
      userId: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      204: undefined;
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Is this user a member, with which role and scopes? (member:read; one database round trip) */
  "GET /v1/organizations/{org}/members/{userId}/permissions": {
    path: {
      org: string;
      userId: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        status: "active" | "pending" | "expired";
        /** A built-in role (owner, admin, member) or the key of one of the organization's own roles (GET …/roles) */
        role: string;
        /** What the member may do; empty while the membership is pending, once it has expired, and while the organization requires a second factor the member has not set up. */
        scopes: Array<"org:read" | "org:write" | "org:delete" | "member:read" | "member:invite" | "member:admin" | "org:integrations" | "audit:read" | "role:admin">;
        /** Present when the organization requires a second factor: whether the member has one (an authenticator app or a passkey). Without one, scopes is empty. */
        mfa?: {
          required: true;
          enrolled: boolean;
        };
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Ask up to 100 "may this user do this in this organization?" questions at once (API key or app token with member:read; one database round trip) */
  "POST /v1/permissions/check": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: {
      /** Up to 100 questions, answered in this order. */
      checks: Array<{
        /** Organization id or slug */
        organization: string;
        user: string;
        scope: "org:read" | "org:write" | "org:delete" | "member:read" | "member:invite" | "member:admin" | "org:integrations" | "audit:read" | "role:admin";
      }>;
      /** Say why each question was answered as it was. Default false. */
      explain?: boolean;
    };
    responses: {
      200: {
        results: Array<{
          organization: string;
          user: string;
          scope: "org:read" | "org:write" | "org:delete" | "member:read" | "member:invite" | "member:admin" | "org:integrations" | "audit:read" | "role:admin";
          allowed: boolean;
          explanation?: {
            /** granted: an active member whose role holds the scope; scope_not_granted: the role does not; membership_pending: not a member until they accept; expired: the membership is past its expiresAt; mfa_required: the organization requires a second factor the member has not set up; not_a_member; organization_not_found: no such organization, or not one this caller may see (an app sees only the organization that installed it). */
            reason: "granted" | "scope_not_granted" | "membership_pending" | "expired" | "mfa_required" | "not_a_member" | "organization_not_found";
            status: "active" | "pending" | "expired" | null;
            role: string | null;
          };
        }>;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Find a user by exact email, to add them (member:admin); 404 when there is none */
  "GET /v1/organizations/{org}/members/search": {
    path: {
      /** Organization id or slug */
      org: string;
    };
    query: {
      /** The exact email address */
      email: string;
    };
    body: undefined;
    responses: {
      200: {
        id: string;
        email: string;
        name: string;
        /** The user's membership in this organization, if any. */
        membership: {
          status: "active" | "pending";
          /** A built-in role (owner, admin, member) or the key of one of the organization's own roles (GET …/roles) */
          role: string;
          source: string;
        } | null;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Accept a pending owner-add: you become an active member */
  "POST /v1/me/memberships/{id}/accept": {
    path: {
      id: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        id: string;
        /** A built-in role (owner, admin, member) or the key of one of the organization's own roles (GET …/roles) */
        role: string;
        status: "active" | "pending";
        source: string;
        organization: {
          id: string;
          slug: string;
          name: string;
        };
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Decline a pending owner-add: the membership is deleted */
  "POST /v1/me/memberships/{id}/decline": {
    path: {
      id: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      204: undefined;
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** The organization's ownership transfers, newest first (the last 20; member:admin) */
  "GET /v1/organizations/{org}/ownership-transfers": {
    path: {
      /** Organization id or slug */
      org: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        data: Array<Schemas["OwnershipTransfer"]>;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Propose to make an active member an owner (owners only): they are emailed and accept or decline within 7 days */
  "POST /v1/organizations/{org}/ownership-transfers": {
    path: {
      /** Organization id or slug */
      org: string;
    };
    query: Record<string, never>;
    body: {
      userId: string;
      keepOwner?: boolean;
    };
    responses: {
      201: Schemas["OwnershipTransfer"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Withdraw the pending ownership transfer (owners only) */
  "DELETE /v1/organizations/{org}/ownership-transfers/{id}": {
    path: {
      /** Organization id or slug */
      org: string;
      id: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      204: undefined;
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      410: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Ownership transfers waiting for your answer */
  "GET /v1/me/ownership-transfers": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        data: Array<Schemas["OwnershipTransfer"]>;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Accept: you become an owner, and the proposer an admin unless they chose to stay an owner */
  "POST /v1/me/ownership-transfers/{id}/accept": {
    path: {
      id: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: Schemas["OwnershipTransfer"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      410: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Decline: nothing changes; the proposer is told */
  "POST /v1/me/ownership-transfers/{id}/decline": {
    path: {
      id: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: Schemas["OwnershipTransfer"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      410: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** The roles a member can hold: the built-in ones, then the organization's own (org:read) */
  "GET /v1/organizations/{org}/roles": {
    path: {
      /** Organization id or slug */
      org: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        data: Array<Schemas["OrgRole"]>;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Define a role of the organization: a set of scopes, all within your own (role:admin) */
  "POST /v1/organizations/{org}/roles": {
    path: {
      /** Organization id or slug */
      org: string;
    };
    query: Record<string, never>;
    body: {
      /** Lowercase letters, digits, - and _, 2–40 characters, starting with a letter; not owner, admin or member */
      key: string;
      name: string;
      description?: string;
      /** Scopes from the catalog, all within your own; never org:delete (only owners delete an organization) */
      scopes: Array<"org:read" | "org:write" | "member:read" | "member:invite" | "member:admin" | "org:integrations" | "audit:read" | "role:admin">;
    };
    responses: {
      201: Schemas["OrgRole"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** One role, built-in or the organization’s own (org:read) */
  "GET /v1/organizations/{org}/roles/{key}": {
    path: {
      /** Organization id or slug */
      org: string;
      key: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: Schemas["OrgRole"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Rename, describe or change the scopes of one of the organization's own roles; its members hold the new scopes at once (role:admin) */
  "PATCH /v1/organizations/{org}/roles/{key}": {
    path: {
      /** Organization id or slug */
      org: string;
      key: string;
    };
    query: Record<string, never>;
    body: {
      name?: string;
      description?: string;
      /** Scopes from the catalog, all within your own; never org:delete (only owners delete an organization) */
      scopes?: Array<"org:read" | "org:write" | "member:read" | "member:invite" | "member:admin" | "org:integrations" | "audit:read" | "role:admin">;
    };
    responses: {
      200: Schemas["OrgRole"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Delete one of the organization's own roles; while anything holds it, `replaceWith` names the role its holders move to (role:admin, and member:admin to move them) */
  "DELETE /v1/organizations/{org}/roles/{key}": {
    path: {
      /** Organization id or slug */
      org: string;
      key: string;
    };
    query: {
      /** The role to move its members, pending invitations and live join links to (not owner); needed while anything holds the role */
      replaceWith?: string;
    };
    body: undefined;
    responses: {
      204: undefined;
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** The organization's domains, verified or not, with the TXT record each needs (member:read) */
  "GET /v1/organizations/{org}/domains": {
    path: {
      /** Organization id or slug */
      org: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        data: Array<Schemas["OrgDomain"]>;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Add a domain: the answer holds the DNS TXT record to publish before verifying (org:write) */
  "POST /v1/organizations/{org}/domains": {
    path: {
      /** Organization id or slug */
      org: string;
    };
    query: Record<string, never>;
    body: {
      /** e.g. acme.com */
      domain: string;
    };
    responses: {
      201: Schemas["OrgDomain"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Look the TXT record up and, when it is there, verify the domain (org:write); one organization holds a domain verified at a time */
  "POST /v1/organizations/{org}/domains/{id}/verify": {
    path: {
      /** Organization id or slug */
      org: string;
      id: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: Schemas["OrgDomain"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Set a verified domain's policy (org:write; auto_join also member:admin, its role within your scopes); switching auto_join on applies it to the people already verified there */
  "PATCH /v1/organizations/{org}/domains/{id}": {
    path: {
      /** Organization id or slug */
      org: string;
      id: string;
    };
    query: Record<string, never>;
    body: {
      /** `suggest`: people with a verified email at the domain see the organization and may ask to join; `auto_join`: they join with `role` when their email is verified (a request to join when the organization is full) */
      policy: "off" | "suggest" | "auto_join";
      /** The role auto-join gives (default member; never owner) */
      role?: string;
    };
    responses: {
      200: Schemas["OrgDomain"] & {
        /** What switching auto-join on did to the people already verified at the domain */
        applied: {
          /** People who joined with the role */
          joined: number;
          /** People whose join waits in the request queue (no seat free) */
          requested: number;
        };
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Remove a domain (org:write); its policy stops, the members it brought stay */
  "DELETE /v1/organizations/{org}/domains/{id}": {
    path: {
      /** Organization id or slug */
      org: string;
      id: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      204: undefined;
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Organizations that suggest themselves to you by your verified email’s domain; ask to join with POST …/join-requests */
  "GET /v1/me/suggested-organizations": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        data: Array<{
          organization: {
            id: string;
            slug: string;
            name: string;
          };
          domain: string;
        }>;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** What the public join page shows, to anyone: the slug, whether the organization takes requests to join, and its name only if it does (60 a minute per client IP) */
  "GET /v1/organizations/{org}/public": {
    path: {
      /** Organization id or slug */
      org: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: Schemas["JoinPage"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      429: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** The approval queue: pending requests to join, oldest first (member:admin) */
  "GET /v1/organizations/{org}/join-requests": {
    path: {
      /** Organization id or slug */
      org: string;
    };
    query: {
      /** Page size (1–100). */
      limit?: number;
      /** The `nextCursor` of the previous page. */
      cursor?: string;
    };
    body: undefined;
    responses: {
      200: {
        data: Array<Schemas["JoinRequest"]>;
        /** Pass as `cursor` for the next page; null on the last. */
        nextCursor: string | null;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Ask to join: anyone by `{email}` (always 202, the same answer whatever the address), or signed in with no body (201, a pending membership) */
  "POST /v1/organizations/{org}/join-requests": {
    path: {
      /** Organization id or slug */
      org: string;
    };
    query: Record<string, never>;
    body: {
      /** Ask by email, without an account */
      email?: string;
    };
    responses: {
      201: Schemas["Member"];
      202: {
        status: "received";
        message: string;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      429: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Approve a request to join (member:admin): a user's becomes an active membership (`role`, default member); one by email becomes an invitation with a link, emailed */
  "POST /v1/organizations/{org}/join-requests/{id}/approve": {
    path: {
      org: string;
      id: string;
    };
    query: Record<string, never>;
    body: {
      /** A built-in role (owner, admin, member) or the key of one of the organization's own roles (GET …/roles) */
      role?: string;
    };
    responses: {
      200: Schemas["Member"] | {
        invitation: Schemas["Invitation"];
        /** The invitation link (`PUBLIC_URL/invitations/accept?token=…`), shown this once for copy-link: only a hash of its token is stored. */
        acceptUrl: string;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      429: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Reject a request to join (member:admin): it is deleted and the user may ask again */
  "POST /v1/organizations/{org}/join-requests/{id}/reject": {
    path: {
      org: string;
      id: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      204: undefined;
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Your requests to join: those waiting, and those answered (approved or rejected) in the last 30 days */
  "GET /v1/me/join-requests": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        /** Waiting requests first (newest first), then those answered in the last 30 days (newest answer first). */
        data: Array<Schemas["MyJoinRequest"]>;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Say you have read the answer to one of your requests to join: it stays listed, with dismissedAt (204; again changes nothing) */
  "POST /v1/me/join-requests/{id}/dismiss": {
    path: {
      id: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      204: undefined;
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Withdraw your own pending request to join */
  "DELETE /v1/me/memberships/{id}": {
    path: {
      id: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      204: undefined;
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** The organization's join links, newest first, with their state and uses (member:admin) */
  "GET /v1/organizations/{org}/join-links": {
    path: {
      /** Organization id or slug */
      org: string;
    };
    query: {
      /** Page size (1–100). */
      limit?: number;
      /** The `nextCursor` of the previous page. */
      cursor?: string;
    };
    body: undefined;
    responses: {
      200: {
        data: Array<Schemas["JoinLink"]>;
        /** Pass as `cursor` for the next page; null on the last. */
        nextCursor: string | null;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Make a shareable join link (member:admin): 201 with the link, its URL and its token, shown this once */
  "POST /v1/organizations/{org}/join-links": {
    path: {
      /** Organization id or slug */
      org: string;
    };
    query: Record<string, never>;
    body: {
      /** The role a use gives: admin, member or one of the organization's own roles, within your own scopes (never owner) */
      role?: string;
      /** What the link is for, shown to admins only */
      label?: string;
      /** When it stops admitting */
      expiresAt?: string;
      maxUses?: number;
      /** Email domains (example.com) a user must have a verified address at */
      allowedDomains?: Array<string>;
      requireApproval?: boolean;
    };
    responses: {
      201: {
        link: Schemas["JoinLink"];
        /** The link to share (`PUBLIC_URL/join-link#<token>`): shown this once, only a hash is kept */
        url: string;
        /** The token alone (`rj_…`), for the API routes under /v1/join-links */
        token: string;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Revoke a join link: it admits no one from now on (member:admin; revoking twice is a no-op) */
  "DELETE /v1/organizations/{org}/join-links/{id}": {
    path: {
      /** Organization id or slug */
      org: string;
      id: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      204: undefined;
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Replace the token of a join link: the old URL stops working; settings and uses stay (member:admin) */
  "POST /v1/organizations/{org}/join-links/{id}/rotate": {
    path: {
      /** Organization id or slug */
      org: string;
      id: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        link: Schemas["JoinLink"];
        /** The link to share (`PUBLIC_URL/join-link#<token>`): shown this once, only a hash is kept */
        url: string;
        /** The token alone (`rj_…`), for the API routes under /v1/join-links */
        token: string;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      410: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** What a join link gives, without signing in: the organization, the role, approval, expiry, domains — or why it admits no one (60 a minute per client IP) */
  "GET /v1/join-links/{token}": {
    path: {
      /** The token of the join link (`rj_…`) */
      token: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        valid: boolean;
        /** Why the link admits no one (only when `valid` is false) */
        reason?: "not_found" | "revoked" | "expired" | "used_up" | "sso_required";
        organization?: {
          name: string;
          slug: string;
        };
        /** The role a use gives: admin, member or one of the organization's own roles, within your own scopes (never owner) */
        role?: string;
        requireApproval?: boolean;
        expiresAt?: string | null;
        allowedDomains?: Array<string>;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      429: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** The same, with the token in the body (keeps it out of URLs and access logs) */
  "POST /v1/join-links/preview": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: {
      token: string;
    };
    responses: {
      200: {
        valid: boolean;
        /** Why the link admits no one (only when `valid` is false) */
        reason?: "not_found" | "revoked" | "expired" | "used_up" | "sso_required";
        organization?: {
          name: string;
          slug: string;
        };
        /** The role a use gives: admin, member or one of the organization's own roles, within your own scopes (never owner) */
        role?: string;
        requireApproval?: boolean;
        expiresAt?: string | null;
        allowedDomains?: Array<string>;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      429: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Join through a link, signed in with a verified email: an active membership, or a request to join when the link asks for approval */
  "POST /v1/join-links/{token}/use": {
    path: {
      /** The token of the join link (`rj_…`) */
      token: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        organization: {
          id: string;
          slug: string;
          name: string;
        };
        membership: Schemas["Member"];
        linkId: string;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      410: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** The same, with the token in the body (keeps it out of URLs and access logs) */
  "POST /v1/join-links/use": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: {
      token: string;
    };
    responses: {
      200: {
        organization: {
          id: string;
          slug: string;
          name: string;
        };
        membership: Schemas["Member"];
        linkId: string;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      410: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** The actions the audit log records, each with what it means: what its filter picks from */
  "GET /v1/audit/actions": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        data: Array<{
          /** e.g. member.role_changed */
          action: string;
          /** The part before the dot: member, invitation, app … */
          category: string;
          description: string;
        }>;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** The organization's audit log, newest first, filtered by action, actor, target and date range (audit:read) */
  "GET /v1/organizations/{org}/audit-log": {
    path: {
      /** Organization id or slug */
      org: string;
    };
    query: {
      /** Page size (1–100). */
      limit?: number;
      /** The `nextCursor` of the previous page. */
      cursor?: string;
      /** An action of `GET /v1/audit/actions`. */
      action?: string;
      /** The actor's id: a person, an API key or an app. */
      actorId?: string;
      /** The kind of target: user, invitation, app, installation, webhook_endpoint … */
      targetType?: string;
      /** The target's id (with `targetType`). */
      targetId?: string;
      /** Entries at or after this instant (ISO 8601). */
      since?: string;
      /** Entries before this instant (ISO 8601); later than `since` (else VALIDATION_FAILED). */
      until?: string;
    };
    body: undefined;
    responses: {
      200: {
        data: Array<Schemas["AuditEntry"]>;
        /** Pass as `cursor` for the next page; null on the last. */
        nextCursor: string | null;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Every entry matching the filters, newest first, as a CSV or JSON download (audit:read; audited as audit_log.exported; at most 100,000 entries, the newest — `x-export-truncated: true` says more matched) */
  "GET /v1/organizations/{org}/audit-log/export": {
    path: {
      /** Organization id or slug */
      org: string;
    };
    query: {
      /** csv: a header row, then one line per entry; json: one array of entries */
      format: "csv" | "json";
      /** An action of `GET /v1/audit/actions`. */
      action?: string;
      /** The actor's id: a person, an API key or an app. */
      actorId?: string;
      /** The kind of target: user, invitation, app, installation, webhook_endpoint … */
      targetType?: string;
      /** The target's id (with `targetType`). */
      targetId?: string;
      /** Entries at or after this instant (ISO 8601). */
      since?: string;
      /** Entries before this instant (ISO 8601); later than `since` (else VALIDATION_FAILED). */
      until?: string;
    };
    body: undefined;
    responses: {
      200: Array<Schemas["AuditEntry"]>;
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** List invitations, newest first, with counts per status (member:read) */
  "GET /v1/organizations/{org}/invitations": {
    path: {
      /** Organization id or slug */
      org: string;
    };
    query: {
      /** Page size (1–100). */
      limit?: number;
      /** The `nextCursor` of the previous page. */
      cursor?: string;
      /** `expired` as soon as `expiresAt` passes, whether or not the sweep has stored it yet */
      status?: "pending" | "accepted" | "expired" | "revoked";
      approval?: "approved" | "requested_to_join" | "requested_to_be_invited";
      /** Exact address */
      email?: string;
      /** Inviting user id */
      invitedBy?: string;
    };
    body: undefined;
    responses: {
      200: {
        data: Array<Schemas["Invitation"]>;
        /** Pass as `cursor` for the next page; null on the last. */
        nextCursor: string | null;
        /** Per status, over the filters other than `status` */
        counts: {
          pending: number;
          accepted: number;
          expired: number;
          revoked: number;
        };
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Invite one email (member:invite); the answer carries the copy-link, shown once */
  "POST /v1/organizations/{org}/invitations": {
    path: {
      /** Organization id or slug */
      org: string;
    };
    query: Record<string, never>;
    body: {
      email: string;
      /** A built-in role (owner, admin, member) or the key of one of the organization's own roles (GET …/roles) */
      role?: string;
      /** A personal note shown in the email */
      message?: string;
      /** When the membership accepting gives ends on its own (guests, contractors): in the future, never for an owner */
      membershipExpiresAt?: string;
    };
    responses: {
      201: {
        invitation: Schemas["Invitation"];
        /** The invitation link (`PUBLIC_URL/invitations/accept?token=…`), shown this once for copy-link: only a hash of its token is stored. */
        acceptUrl: string;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      429: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Invite up to 1,000 emails at once (member:invite), one result per email */
  "POST /v1/organizations/{org}/invitations/bulk": {
    path: {
      /** Organization id or slug */
      org: string;
    };
    query: Record<string, never>;
    body: {
      /** Up to 1,000 addresses; each is judged on its own */
      emails: Array<string>;
      /** A built-in role (owner, admin, member) or the key of one of the organization's own roles (GET …/roles) */
      role?: string;
      /** A personal note shown in the email */
      message?: string;
      /** When the membership accepting gives ends on its own (guests, contractors): in the future, never for an owner */
      membershipExpiresAt?: string;
    };
    responses: {
      200: {
        created: number;
        failed: number;
        /** One per address sent, in order */
        results: Array<{
          /** The address as sent */
          input: string;
          /** Normalized; null when malformed */
          email: string | null;
          status: "created" | "failed";
          invitationId?: string;
          /** The invitation link (`PUBLIC_URL/invitations/accept?token=…`), shown this once for copy-link: only a hash of its token is stored. */
          acceptUrl?: string;
          error?: {
            /** INVALID_EMAIL, DUPLICATE_EMAIL, INVITATION_EXISTS, ALREADY_MEMBER or MEMBER_LIMIT_REACHED */
            code: string;
            message: string;
          };
        }>;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      429: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Ask for someone to be invited (any member); approvers are notified */
  "POST /v1/organizations/{org}/invitations/requests": {
    path: {
      /** Organization id or slug */
      org: string;
    };
    query: Record<string, never>;
    body: {
      email: string;
      /** A built-in role (owner, admin, member) or the key of one of the organization's own roles (GET …/roles) */
      role?: string;
      /** A personal note shown in the email */
      message?: string;
      /** When the membership accepting gives ends on its own (guests, contractors): in the future, never for an owner */
      membershipExpiresAt?: string;
    };
    responses: {
      201: {
        invitation: Schemas["Invitation"];
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      429: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Read one invitation (member:read); never its token */
  "GET /v1/organizations/{org}/invitations/{id}": {
    path: {
      org: string;
      id: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: Schemas["Invitation"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Revoke a pending invitation (member:invite): every link of it stops working */
  "DELETE /v1/organizations/{org}/invitations/{id}": {
    path: {
      org: string;
      id: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: Schemas["Invitation"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Email a new link (member:invite): every link the invitation had (emailed or copied) stops working, the expiry starts again */
  "POST /v1/organizations/{org}/invitations/{id}/resend": {
    path: {
      org: string;
      id: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        invitation: Schemas["Invitation"];
        /** The invitation link (`PUBLIC_URL/invitations/accept?token=…`), shown this once for copy-link: only a hash of its token is stored. */
        acceptUrl: string;
        /** How many links stopped working: every link the invitation had (the emailed one and any copy-links); only the new one, just emailed, works now. */
        revokedLinks: number;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      429: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** One more link to share, not emailed (member:invite): the links already made keep working; at most 10 (409 INVITATION_LINK_LIMIT) */
  "POST /v1/organizations/{org}/invitations/{id}/link": {
    path: {
      org: string;
      id: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        invitation: Schemas["Invitation"];
        /** The invitation link (`PUBLIC_URL/invitations/accept?token=…`), shown this once for copy-link: only a hash of its token is stored. */
        acceptUrl: string;
        link: {
          id: string;
          /** 'email': sent in the invitation email; 'copy': made for an admin to share. */
          kind: "email" | "copy";
          createdAt: string;
          /** The user who made it (null: an API key, the operator) */
          createdBy: string | null;
          createdByName: string | null;
          /** Works now: true while the invitation is pending. */
          live: boolean;
        };
        /** Links of this invitation that work now, this one included (the emailed one among them). */
        liveLinks: number;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** An invitation's links: kind, when and by whom each was made, whether it works (member:read) */
  "GET /v1/organizations/{org}/invitations/{id}/links": {
    path: {
      org: string;
      id: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        /** Oldest first; never a token. */
        data: Array<{
          id: string;
          /** 'email': sent in the invitation email; 'copy': made for an admin to share. */
          kind: "email" | "copy";
          createdAt: string;
          /** The user who made it (null: an API key, the operator) */
          createdBy: string | null;
          createdByName: string | null;
          /** Works now: true while the invitation is pending. */
          live: boolean;
        }>;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Approve a request (member:admin): the invitation gets its link and is emailed */
  "POST /v1/organizations/{org}/invitations/{id}/approve": {
    path: {
      org: string;
      id: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        invitation: Schemas["Invitation"];
        /** The invitation link (`PUBLIC_URL/invitations/accept?token=…`), shown this once for copy-link: only a hash of its token is stored. */
        acceptUrl: string;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      429: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Reject a request (member:admin) */
  "POST /v1/organizations/{org}/invitations/{id}/reject": {
    path: {
      org: string;
      id: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: Schemas["Invitation"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Check an invitation link without signing in: what it offers, or why it is no good */
  "GET /v1/invitations/{token}": {
    path: {
      /** The token of the invitation link */
      token: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        valid: boolean;
        /** Why the link cannot be used (only when `valid` is false) */
        reason?: "expired" | "revoked" | "accepted" | "not_found";
        organization?: {
          name: string;
          slug: string;
        };
        inviter?: {
          name: string;
        } | null;
        /** The invited address (the account to sign in or up with) */
        email?: string;
        /** A built-in role (owner, admin, member) or the key of one of the organization's own roles (GET …/roles) */
        role?: string;
        expiresAt?: string;
        message?: string | null;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Accept, signed in with the invited (verified) email */
  "POST /v1/invitations/{token}/accept": {
    path: {
      /** The token of the invitation link */
      token: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        organization: {
          id: string;
          slug: string;
          name: string;
        };
        membership: {
          id: string;
          /** A built-in role (owner, admin, member) or the key of one of the organization's own roles (GET …/roles) */
          role: string;
          status: "active";
          joinedAt: string;
        };
        invitationId: string;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      410: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Accept with the token in the body (keeps it out of URLs and access logs) */
  "POST /v1/invitations/accept": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: {
      token: string;
    };
    responses: {
      200: {
        organization: {
          id: string;
          slug: string;
          name: string;
        };
        membership: {
          id: string;
          /** A built-in role (owner, admin, member) or the key of one of the organization's own roles (GET …/roles) */
          role: string;
          status: "active";
          joinedAt: string;
        };
        invitationId: string;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      410: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Your pending invitations (to your verified email) and owner-adds, oldest first */
  "GET /v1/me/invitations": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        data: Array<{
          /** 'invitation': an email invitation to your verified address; 'owner_add': an admin added you. */
          kind: "invitation" | "owner_add";
          /** The invitation id, or the pending membership id */
          id: string;
          organization: {
            id: string;
            slug: string;
            name: string;
          };
          /** A built-in role (owner, admin, member) or the key of one of the organization's own roles (GET …/roles) */
          role: string;
          /** The inviter's or adder's name */
          invitedBy: string | null;
          message: string | null;
          createdAt: string;
          expiresAt: string | null;
        }>;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Accept an invitation to your verified email from your inbox (no link needed) */
  "POST /v1/me/invitations/{id}/accept": {
    path: {
      id: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        organization: {
          id: string;
          slug: string;
          name: string;
        };
        membership: {
          id: string;
          /** A built-in role (owner, admin, member) or the key of one of the organization's own roles (GET …/roles) */
          role: string;
          status: "active";
          joinedAt: string;
        };
        invitationId: string;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      410: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Decline an invitation to your verified email: it is revoked */
  "POST /v1/me/invitations/{id}/decline": {
    path: {
      id: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      204: undefined;
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** The apps this organization publishes (org:integrations) */
  "GET /v1/organizations/{org}/apps": {
    path: {
      /** Organization id or slug */
      org: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        data: Array<Schemas["App"]>;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Publish an app; its client secret and webhook secret are shown once (org:integrations) */
  "POST /v1/organizations/{org}/apps": {
    path: {
      /** Organization id or slug */
      org: string;
    };
    query: Record<string, never>;
    body: {
      name: string;
      /** 2–48 of a-z, 0-9 and single hyphens; unique among apps */
      slug?: string;
      /** Scopes the app asks for, among: org:read, org:write, member:read, member:invite, member:admin, audit:read */
      scopes: Array<string>;
      webhookUrl: string;
      redirectUrl?: string | null;
      published?: boolean;
    };
    responses: {
      201: Schemas["App"] & {
        /** Shown this once; stored hashed. */
        clientSecret: string;
        /** Signing secret of the webhooks sent to the app (`whsec_…`), shown this once. */
        webhookSecret: string;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** One of the apps this organization publishes (org:integrations) */
  "GET /v1/organizations/{org}/apps/{slug}": {
    path: {
      org: string;
      slug: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: Schemas["App"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Change name, scopes, URLs or published (org:integrations) */
  "PATCH /v1/organizations/{org}/apps/{slug}": {
    path: {
      org: string;
      slug: string;
    };
    query: Record<string, never>;
    body: {
      name?: string;
      /** Scopes the app asks for, among: org:read, org:write, member:read, member:invite, member:admin, audit:read */
      scopes?: Array<string>;
      webhookUrl?: string;
      redirectUrl?: string | null;
      published?: boolean;
    };
    responses: {
      200: Schemas["App"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Delete an app and every installation of it (org:integrations) */
  "DELETE /v1/organizations/{org}/apps/{slug}": {
    path: {
      org: string;
      slug: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      204: undefined;
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Replace the client secret; the old one stops working (org:integrations) */
  "POST /v1/organizations/{org}/apps/{slug}/rotate-secret": {
    path: {
      org: string;
      slug: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        /** Shown this once. */
        clientSecret: string;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Replace the signing secret of the app's webhooks (org:integrations) */
  "POST /v1/organizations/{org}/apps/{slug}/rotate-webhook-secret": {
    path: {
      org: string;
      slug: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        /** Shown this once. */
        webhookSecret: string;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** The delivery log of the app's webhooks, newest first (org:integrations) */
  "GET /v1/organizations/{org}/apps/{slug}/deliveries": {
    path: {
      org: string;
      slug: string;
    };
    query: {
      /** Page size (1–100). */
      limit?: number;
      /** The `nextCursor` of the previous page. */
      cursor?: string;
    };
    body: undefined;
    responses: {
      200: {
        data: Array<{
          id: string;
          /** The message this attempt delivers: read it (payload, every attempt's answer) at `…/deliveries/{deliveryId}`. */
          deliveryId: string;
          /** The `webhook-id` header: the same on every attempt of a message. */
          webhookId: string;
          eventType: string;
          attempt: number;
          status: "succeeded" | "failed";
          responseStatus: number | null;
          latencyMs: number;
          error: string | null;
          createdAt: string;
        }>;
        /** Pass as `cursor` for the next page; null on the last. */
        nextCursor: string | null;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** The organization's installed apps (org:integrations) */
  "GET /v1/organizations/{org}/installations": {
    path: {
      /** Organization id or slug */
      org: string;
    };
    query: {
      /** Page size (1–100). */
      limit?: number;
      /** The `nextCursor` of the previous page. */
      cursor?: string;
    };
    body: undefined;
    responses: {
      200: {
        data: Array<Schemas["Installation"]>;
        /** Pass as `cursor` for the next page; null on the last. */
        nextCursor: string | null;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Install an app (org:integrations and every scope it asks for): 201 pending, or 200 with the existing installation */
  "POST /v1/organizations/{org}/installations": {
    path: {
      /** Organization id or slug */
      org: string;
    };
    query: Record<string, never>;
    body: {
      /** The app's slug */
      app: string;
    };
    responses: {
      200: Schemas["Installation"];
      201: Schemas["Installation"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Read an installation (the app's own token, or org:integrations) */
  "GET /v1/installations/{uuid}": {
    path: {
      uuid: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: Schemas["Installation"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** The app marks its installation installed: {status: 'installed'} (the app's own token only) */
  "PUT /v1/installations/{uuid}": {
    path: {
      uuid: string;
    };
    query: Record<string, never>;
    body: {
      /** Only 'installed'. */
      status: string;
    };
    responses: {
      200: Schemas["Installation"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Uninstall: its tokens stop working at once (org:integrations) */
  "DELETE /v1/installations/{uuid}": {
    path: {
      uuid: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      204: undefined;
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Client id + secret + grant code (or refresh token) → installation access and refresh tokens */
  "POST /v1/apps/token": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: {
      grantType: "authorization_code" | "refresh_token";
      clientId: string;
      clientSecret: string;
      /** With authorization_code */
      code?: string;
      /** With refresh_token */
      refreshToken?: string;
    };
    responses: {
      200: {
        accessToken: string;
        tokenType: "Bearer";
        /** Seconds the access token lives. */
        expiresIn: number;
        expiresAt: string;
        /** Exchange it for a new pair; it works once. */
        refreshToken: string;
        installation: Schemas["Installation"];
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** The event types Roster publishes */
  "GET /v1/webhook-event-types": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        data: Array<{
          type: string;
          description: string;
          /** False for a type sent on request only (`webhook.test`), which `events` cannot name. */
          subscribable: boolean;
        }>;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** The organization's webhook endpoints (org:integrations) */
  "GET /v1/organizations/{org}/webhooks": {
    path: {
      /** Organization id or slug */
      org: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        data: Array<Schemas["WebhookEndpoint"]>;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Register a webhook endpoint; the signing secret is shown once (org:integrations) */
  "POST /v1/organizations/{org}/webhooks": {
    path: {
      /** Organization id or slug */
      org: string;
    };
    query: Record<string, never>;
    body: {
      /** http(s) URL that receives the POSTs */
      url: string;
      /** Event types to receive: member.added, member.removed, member.role_changed, role.created, role.updated, role.deleted, invitation.created, invitation.accepted, join_request.created, seat.changed, installation.created, installation.updated, installation.deleted; or `["*"]`, every event type, including those added later (`*` stands alone: EVENT_WILDCARD_NOT_ALONE). */
      events: Array<string>;
      description?: string;
    };
    responses: {
      201: Schemas["WebhookEndpoint"] & {
        /** The signing secret (`whsec_…`), shown this once. */
        secret: string;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** One webhook endpoint (org:integrations) */
  "GET /v1/organizations/{org}/webhooks/{id}": {
    path: {
      org: string;
      id: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: Schemas["WebhookEndpoint"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Change the URL, events or description; enable or disable (org:integrations) */
  "PATCH /v1/organizations/{org}/webhooks/{id}": {
    path: {
      org: string;
      id: string;
    };
    query: Record<string, never>;
    body: {
      /** http(s) URL that receives the POSTs */
      url?: string;
      /** Event types to receive: member.added, member.removed, member.role_changed, role.created, role.updated, role.deleted, invitation.created, invitation.accepted, join_request.created, seat.changed, installation.created, installation.updated, installation.deleted; or `["*"]`, every event type, including those added later (`*` stands alone: EVENT_WILDCARD_NOT_ALONE). */
      events?: Array<string>;
      description?: string | null;
      /** true re-enables a disabled endpoint. */
      enabled?: boolean;
    };
    responses: {
      200: Schemas["WebhookEndpoint"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Remove a webhook endpoint; its pending messages are dropped (org:integrations) */
  "DELETE /v1/organizations/{org}/webhooks/{id}": {
    path: {
      org: string;
      id: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      204: undefined;
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Replace the signing secret; the new one is shown once (org:integrations) */
  "POST /v1/organizations/{org}/webhooks/{id}/rotate-secret": {
    path: {
      org: string;
      id: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        /** The new signing secret (`whsec_…`), shown this once. */
        secret: string;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** The delivery log: one entry per attempt, newest first; `deliveryId` reads its message whole (org:integrations) */
  "GET /v1/organizations/{org}/webhooks/{id}/deliveries": {
    path: {
      org: string;
      id: string;
    };
    query: {
      /** Page size (1–100). */
      limit?: number;
      /** The `nextCursor` of the previous page. */
      cursor?: string;
    };
    body: undefined;
    responses: {
      200: {
        data: Array<{
          id: string;
          /** The message this attempt delivers: read it (payload, every attempt's answer) at `…/deliveries/{deliveryId}`. */
          deliveryId: string;
          /** The `webhook-id` header: the same on every attempt of a message. */
          webhookId: string;
          eventType: string;
          attempt: number;
          status: "succeeded" | "failed";
          responseStatus: number | null;
          latencyMs: number;
          error: string | null;
          createdAt: string;
        }>;
        /** Pass as `cursor` for the next page; null on the last. */
        nextCursor: string | null;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** One delivery: the payload as sent (kept 30 days), and every attempt with the start of its answer (org:integrations) */
  "GET /v1/organizations/{org}/webhooks/{id}/deliveries/{deliveryId}": {
    path: {
      org: string;
      id: string;
      deliveryId: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: Schemas["WebhookDelivery"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Send a `webhook.test` event to this endpoint alone; answers the queued delivery (org:integrations) */
  "POST /v1/organizations/{org}/webhooks/{id}/test": {
    path: {
      org: string;
      id: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      202: Schemas["WebhookDelivery"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Send a given-up delivery again: a new delivery under the same `webhook-id`, newly signed; answers it (org:integrations) */
  "POST /v1/organizations/{org}/webhooks/{id}/deliveries/{deliveryId}/replay": {
    path: {
      org: string;
      id: string;
      deliveryId: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      202: Schemas["WebhookDelivery"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      410: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** One delivery to the app's webhook: the payload as sent, less its grant code (kept 30 days), and every attempt (org:integrations) */
  "GET /v1/organizations/{org}/apps/{slug}/deliveries/{deliveryId}": {
    path: {
      org: string;
      /** The app's slug */
      slug: string;
      deliveryId: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: Schemas["WebhookDelivery"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
  /** Send a given-up delivery to the app's webhook again, under the same `webhook-id` (org:integrations) */
  "POST /v1/organizations/{org}/apps/{slug}/deliveries/{deliveryId}/replay": {
    path: {
      org: string;
      /** The app's slug */
      slug: string;
      deliveryId: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      202: Schemas["WebhookDelivery"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      408: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
      410: Schemas["ErrorResponse"];
      413: Schemas["ErrorResponse"];
      414: Schemas["ErrorResponse"];
      415: Schemas["ErrorResponse"];
      431: Schemas["ErrorResponse"];
      500: Schemas["ErrorResponse"];
      503: Schemas["ErrorResponse"];
    };
  };
}

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
    /** owner > admin > member */
    role: "owner" | "admin" | "member";
    status: "active" | "pending";
    source: "created_org" | "invitation" | "join_request" | "owner_add";
    addedBy: string | null;
    createdAt: string;
    joinedAt: string | null;
  };
  User: {
    id: string;
    email: string;
    name: string;
    emailVerified: boolean;
    emailVerifiedAt: string | null;
    createdAt: string;
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
    /** Days an invitation stays valid. */
    inviteExpiryDays: number;
    createdAt: string;
    updatedAt: string;
    /** The caller's standing in the organization. */
    viewer: {
      /** null for an API key */
      role: "owner" | "admin" | "member" | null;
      scopes: Array<"org:read" | "org:write" | "org:delete" | "member:read" | "member:invite" | "member:admin" | "org:integrations" | "audit:read">;
    };
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
}

/** Every operation, keyed `METHOD /path`: its path and query parameters, JSON body and responses. */
export interface Operations {
  /** Liveness: the process is up */
  "GET /healthz": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: {
        status: "ok";
      };
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
      503: Schemas["ErrorResponse"];
    };
  };
  /** Create an account and sign in */
  "POST /v1/auth/sign-up": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: {
      email: string;
      password: string;
      name: string;
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
      409: Schemas["ErrorResponse"];
    };
  };
  /** Sign in with email and password */
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
    };
  };
  /** End the current session */
  "POST /v1/auth/sign-out": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: undefined;
    responses: {
      204: undefined;
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
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
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
    };
  };
  /** The signed-in user */
  "GET /v1/me": {
    path: Record<string, never>;
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: Schemas["User"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
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
      409: Schemas["ErrorResponse"];
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
          };
          membershipId: string;
          /** owner > admin > member */
          role: "owner" | "admin" | "member";
          status: "active" | "pending";
          source: string;
          joinedAt: string | null;
        }>;
      };
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
    };
  };
  /** Read an organization and its settings (org:read) */
  "GET /v1/organizations/{org}": {
    path: {
      /** Organization id or slug */
      org: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      200: Schemas["Organization"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
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
      /** Days an invitation stays valid. */
      inviteExpiryDays?: number;
    };
    responses: {
      200: Schemas["Organization"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
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
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
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
      /** owner > admin > member */
      role?: "owner" | "admin" | "member";
      status?: "active" | "pending";
      source?: "created_org" | "invitation" | "join_request" | "owner_add";
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
      /** owner > admin > member */
      role: "owner" | "admin" | "member";
    };
    responses: {
      201: Schemas["Member"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
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
    };
  };
  /** Change a member's role (member:admin; at or below your own role) */
  "PATCH /v1/organizations/{org}/members/{userId}": {
    path: {
      org: string;
      userId: string;
    };
    query: Record<string, never>;
    body: {
      /** owner > admin > member */
      role: "owner" | "admin" | "member";
    };
    responses: {
      200: Schemas["Member"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
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
      409: Schemas["ErrorResponse"];
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
        status: "active" | "pending";
        /** owner > admin > member */
        role: "owner" | "admin" | "member";
        /** What the member may do; empty while the membership is pending. */
        scopes: Array<"org:read" | "org:write" | "org:delete" | "member:read" | "member:invite" | "member:admin" | "org:integrations" | "audit:read">;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
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
          /** owner > admin > member */
          role: "owner" | "admin" | "member";
          source: string;
        } | null;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
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
        /** owner > admin > member */
        role: "owner" | "admin" | "member";
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
      409: Schemas["ErrorResponse"];
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
    };
  };
  /** Ask to join (signed in, no body): a pending membership an admin approves or rejects */
  "POST /v1/organizations/{org}/join-requests": {
    path: {
      /** Organization id or slug */
      org: string;
    };
    query: Record<string, never>;
    body: undefined;
    responses: {
      201: Schemas["Member"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
    };
  };
  /** Approve a request to join (member:admin): the user becomes an active member */
  "POST /v1/organizations/{org}/join-requests/{id}/approve": {
    path: {
      org: string;
      id: string;
    };
    query: Record<string, never>;
    body: {
      /** owner > admin > member */
      role?: "owner" | "admin" | "member";
    };
    responses: {
      200: Schemas["Member"];
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
      409: Schemas["ErrorResponse"];
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
      409: Schemas["ErrorResponse"];
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
    };
  };
  /** The organization's audit log, newest first (audit:read) */
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
      action?: string;
      actorId?: string;
    };
    body: undefined;
    responses: {
      200: {
        data: Array<{
          id: string;
          actor: {
            type: "user" | "api_key" | "app" | "system";
            id: string | null;
          };
          /** e.g. member.role_changed */
          action: string;
          target: {
            type: string;
            id: string | null;
          } | null;
          ip: string | null;
          data: Record<string, unknown>;
          createdAt: string;
        }>;
        /** Pass as `cursor` for the next page; null on the last. */
        nextCursor: string | null;
      };
      400: Schemas["ErrorResponse"];
      401: Schemas["ErrorResponse"];
      403: Schemas["ErrorResponse"];
      404: Schemas["ErrorResponse"];
    };
  };
}

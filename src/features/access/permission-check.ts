/**
 * The host application's permission check (`GET /v1/organizations/{org}/members/{userId}/permissions`):
 * authenticates the caller and answers in one query (`permissionLookup`). A caller needs `member:read`
 * in the organization (a member's role, an API key's scopes, or the scopes an installation granted an
 * app, in the organization that installed it); a non-member caller and an unknown organization both get
 * 404. Where the organization requires a second factor, the answer says whether the member has one
 * (`mfa`), and one without holds no scope until they set one up; a calling person without one gets
 * 403 MFA_REQUIRED, as on every other route of the organization. `checkMany` asks up to a hundred such
 * questions in one round trip.
 */
import type { Context } from '../../context.ts';
import { parseToken, secretMatches } from '../../lib/crypto.ts';
import { CommonErrors } from '../../lib/errors.ts';
import { isUuid } from '../../lib/ids.ts';
import { MemberErrors } from '../members/member.errors.ts';
import * as repo from '../members/member.repository.ts';
import { OrganizationErrors } from '../organizations/organization.errors.ts';
import { mfaRequired } from './org-access.ts';
import {
  grantForApiKey,
  grantForApp,
  grantForRole,
  hasScope,
  isScope,
  type Role,
  roleScopes,
  type Scope,
} from './scopes.ts';

export interface PermissionAnswer {
  /** `expired`: the membership's expiry has passed (it grants nothing; the sweep removes it later). */
  status: 'active' | 'pending' | 'expired';
  role: Role;
  scopes: string[];
  /** Only where the organization requires a second factor. */
  mfa?: { required: true; enrolled: boolean };
}

const TOKEN_PREFIX = { session: 'rs', api_key: 'rk', app: 'ra' } as const;
const INVALID_CREDENTIAL = 'The session, API key or app token is invalid or expired.';

export async function checkPermissions(
  ctx: Context,
  credential: string | null,
  orgRef: string,
  userId: string,
): Promise<PermissionAnswer> {
  if (!credential) throw CommonErrors.UNAUTHENTICATED();
  const kind = credential.startsWith('rk_') ? 'api_key' : credential.startsWith('ra_') ? 'app' : 'session';
  const parsed = parseToken(TOKEN_PREFIX[kind], credential);
  if (!parsed) throw CommonErrors.UNAUTHENTICATED(undefined, INVALID_CREDENTIAL);
  const uuid = isUuid(orgRef);
  const row = await repo.permissionLookup(ctx.db, {
    kind,
    credentialId: parsed.id,
    orgId: uuid ? orgRef.toLowerCase() : null,
    orgSlug: uuid ? null : orgRef,
    userId,
  });
  if (!row?.secret_hash || !secretMatches(parsed.secret, row.secret_hash)) {
    throw CommonErrors.UNAUTHENTICATED(undefined, INVALID_CREDENTIAL);
  }
  if (!row.org_id) throw OrganizationErrors.ORGANIZATION_NOT_FOUND();
  const grant =
    kind === 'api_key'
      ? grantForApiKey((row.key_scopes ?? []).filter(isScope))
      : kind === 'app'
        ? grantForApp((row.key_scopes ?? []).filter(isScope))
        : row.caller_status === 'active' && row.caller_role
          ? grantForRole(row.caller_role, row.caller_role_scopes)
          : null;
  if (!grant) throw OrganizationErrors.ORGANIZATION_NOT_FOUND();
  // A calling person held back for want of a second factor, as orgAccess holds them.
  if (kind === 'session' && row.mfa_required && row.caller_mfa !== true) {
    throw mfaRequired({ id: row.org_id, slug: row.org_slug ?? '', name: row.org_name ?? '' });
  }
  if (!hasScope(grant, 'member:read')) {
    throw CommonErrors.FORBIDDEN(
      { requiredScope: 'member:read' },
      "This needs the 'member:read' permission.",
    );
  }
  if (!row.status || !row.role) throw MemberErrors.MEMBER_NOT_FOUND();
  const answer: PermissionAnswer = {
    status: row.status,
    role: row.role,
    // A pending membership grants nothing yet, an expired one nothing more; nor does an active one
    // lacking a required second factor.
    scopes:
      row.status === 'active' && (!row.mfa_required || row.target_mfa === true)
        ? [...roleScopes(row.role, row.role_scopes)]
        : [],
  };
  if (row.mfa_required) answer.mfa = { required: true, enrolled: row.target_mfa === true };
  return answer;
}

/** The most questions one batch may ask. */
export const MAX_BATCH_CHECKS = 100;

/** Why a batch question was answered as it was (`explain`). */
export const CHECK_REASONS = [
  'granted',
  'scope_not_granted',
  'membership_pending',
  'expired',
  'mfa_required',
  'not_a_member',
  'organization_not_found',
] as const;
export type CheckReason = (typeof CHECK_REASONS)[number];

export interface CheckQuestion {
  organization: string;
  user: string;
  scope: Scope;
}

export interface CheckAnswer {
  organization: string;
  user: string;
  scope: Scope;
  allowed: boolean;
  /** With `explain`: why, and the membership the answer rests on. */
  explanation?: { reason: CheckReason; status: 'active' | 'pending' | 'expired' | null; role: Role | null };
}

/**
 * Up to MAX_BATCH_CHECKS questions "may this user do this in this organization?", answered in one
 * round trip (`POST /v1/permissions/check`), for the host application: the caller is an API key holding
 * `member:read`, or an app's token whose installation granted it (an app sees only the organization
 * that installed it; any other is answered as not found). A question is answered as the single check
 * would answer it: a pending membership grants nothing, nor does an active one lacking a second factor
 * the organization requires.
 */
export async function checkMany(
  ctx: Context,
  credential: string | null,
  questions: readonly CheckQuestion[],
  explain: boolean,
): Promise<CheckAnswer[]> {
  if (!credential) throw CommonErrors.UNAUTHENTICATED();
  const kind = credential.startsWith('rk_') ? 'api_key' : credential.startsWith('ra_') ? 'app' : null;
  if (kind === null) {
    throw CommonErrors.FORBIDDEN(undefined, "Batch permission checks take an API key or an app's token.");
  }
  const parsed = parseToken(TOKEN_PREFIX[kind], credential);
  if (!parsed) throw CommonErrors.UNAUTHENTICATED(undefined, INVALID_CREDENTIAL);
  const rows = await repo.batchPermissionLookup(
    ctx.db,
    kind,
    parsed.id,
    questions.map((q) => {
      const uuid = isUuid(q.organization);
      return {
        orgId: uuid ? q.organization.toLowerCase() : null,
        orgSlug: uuid ? null : q.organization.toLowerCase(),
        userId: q.user.toLowerCase(),
      };
    }),
  );
  const first = rows[0];
  if (!first?.secret_hash || !secretMatches(parsed.secret, first.secret_hash)) {
    throw CommonErrors.UNAUTHENTICATED(undefined, INVALID_CREDENTIAL);
  }
  const scopes = (first.key_scopes ?? []).filter(isScope);
  const grant = kind === 'api_key' ? grantForApiKey(scopes) : grantForApp(scopes);
  if (!hasScope(grant, 'member:read')) {
    throw CommonErrors.FORBIDDEN(
      { requiredScope: 'member:read' },
      "This needs the 'member:read' permission.",
    );
  }
  return questions.map((q, i) => {
    const row = rows[i] as repo.BatchPermissionRow;
    const reason = reasonOf(row, q.scope);
    const answer: CheckAnswer = {
      organization: q.organization,
      user: q.user,
      scope: q.scope,
      allowed: reason === 'granted',
    };
    if (explain) {
      const visible = reason !== 'organization_not_found';
      answer.explanation = {
        reason,
        status: visible ? row.status : null,
        role: visible ? row.role : null,
      };
    }
    return answer;
  });
}

function reasonOf(row: repo.BatchPermissionRow, scope: Scope): CheckReason {
  // An app's token reaches the organization that installed it, and no other.
  if (!row.org_id || (row.credential_org !== null && row.credential_org !== row.org_id))
    return 'organization_not_found';
  if (!row.status || !row.role) return 'not_a_member';
  if (row.status === 'expired') return 'expired';
  if (row.status !== 'active') return 'membership_pending';
  if (row.mfa_required && row.target_mfa !== true) return 'mfa_required';
  return roleScopes(row.role, row.role_scopes).includes(scope) ? 'granted' : 'scope_not_granted';
}

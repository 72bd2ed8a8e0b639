/** Organizations: create (the creator becomes owner), read, settings, delete, list mine. */
import { randomBytes } from 'node:crypto';
import type { Context } from '../../context.ts';
import { isUuid, uuidv7 } from '../../lib/ids.ts';
import type { OrgAccess } from '../access/org-access.ts';
import { lockAsCaller, requireScope, requireStanding } from '../access/org-access.ts';
import { scopesForRole } from '../access/scopes.ts';
import { type Actor, recordAudit } from '../audit/audit.repository.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { publishEvent } from '../events/event.service.ts';
import { insertMembership } from '../members/member.repository.ts';
import { hasSecondFactor } from '../mfa/mfa.repository.ts';
import { OrganizationErrors } from './organization.errors.ts';
import * as repo from './organization.repository.ts';

const SLUG_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export function checkSlug(slug: string): string {
  if (!SLUG_RE.test(slug) || slug.length < 2 || slug.length > 48 || isUuid(slug)) {
    throw OrganizationErrors.INVALID_SLUG([
      { field: 'slug', message: 'must be 2–48 of a-z, 0-9 and single hyphens' },
    ]);
  }
  return slug;
}

export function slugify(name: string): string {
  const base = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
  // `{org}` in a path is an id or a slug, so a slug must never read as a UUID (a name may look like one).
  return base.length >= 2 && !isUuid(base) ? base : `org-${base}`.replace(/-+$/g, '');
}

/** The unique index on `organizations.slug` said no: a concurrent writer took the slug first. */
function isSlugConflict(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string };
  return e.code === '23505' && e.constraint === 'organizations_slug_key';
}

/** Creates an organization owned by `ownerId`; `actor` is who asked (the owner, or an operator). */
export async function createOrganization(
  ctx: Context,
  ownerId: string,
  input: { name: string; slug?: string },
  actor: Actor,
) {
  const name = input.name.trim();
  const explicit = input.slug !== undefined;
  const firstSlug = explicit ? checkSlug(input.slug as string) : slugify(name);
  return ctx.transaction(async (trx) => {
    let org: Awaited<ReturnType<typeof repo.insertOrg>>;
    // A derived slug that is taken gets a short random suffix; an explicit one is the caller's to change.
    for (let attempt = 0; ; attempt++) {
      const slug = attempt === 0 ? firstSlug : `${firstSlug}-${randomBytes(3).toString('hex')}`;
      org = await repo.insertOrg(trx, { id: uuidv7(), slug, name });
      if (org) break;
      if (explicit) throw OrganizationErrors.SLUG_TAKEN([{ field: 'slug', message: 'is already taken' }]);
      if (attempt >= 5)
        throw OrganizationErrors.SLUG_TAKEN([
          { field: 'name', message: 'gives a slug already taken; pass a slug' },
        ]);
    }
    const userId = ownerId;
    await insertMembership(trx, {
      organizationId: org.id,
      userId,
      role: 'owner',
      status: 'active',
      source: 'created_org',
      addedBy: userId,
    });
    await recordAudit(trx, actor, {
      organizationId: org.id,
      action: 'organization.created',
      targetType: 'organization',
      targetId: org.id,
      data: { slug: org.slug, name: org.name },
    });
    await recordAudit(trx, actor, {
      organizationId: org.id,
      action: 'member.added',
      targetType: 'user',
      targetId: userId,
      data: { role: 'owner', source: 'created_org' },
    });
    // The creator is the organization's first member: analytics counts it like any other arrival
    // (no endpoint can be subscribed yet, so no webhook leaves).
    await publishEvent(trx, {
      organizationId: org.id,
      type: 'member.added',
      data: { userId, role: 'owner', source: 'created_org' },
      actor,
    });
    return { ...org, viewer: { role: 'owner' as const, scopes: [...scopesForRole('owner')] } };
  });
}

/** The caller's standing as `viewer` shows it; `mfa` only where the organization requires a factor. */
function viewerOf(access: OrgAccess) {
  return {
    role: access.role,
    scopes: [...access.grant.scopes],
    ...(access.mfa && { mfa: access.mfa }),
  };
}

/**
 * Reads the organization (org:read). A member held back until they have a second factor may read it
 * too — with no scopes and `viewer.mfa.enrolled: false` — so the console can say why and send them to
 * enrolment; everything else answers them MFA_REQUIRED.
 */
export function viewOrganization(access: OrgAccess) {
  if (!access.grant.mfaRequiredBy) requireScope(access, 'org:read');
  return { ...access.org, viewer: viewerOf(access) };
}

export interface SettingsInput {
  name?: string;
  slug?: string;
  memberLimit?: number | null;
  joinRequestsEnabled?: boolean;
  ssoEnforced?: boolean;
  mfaRequired?: boolean;
  inviteExpiryDays?: number;
  inviteVerifiedDomainsOnly?: boolean;
}

/** API field → column of each setting. */
const SETTING_COLUMNS = {
  name: 'name',
  slug: 'slug',
  memberLimit: 'member_limit',
  joinRequestsEnabled: 'join_requests_enabled',
  ssoEnforced: 'sso_enforced',
  mfaRequired: 'mfa_required',
  inviteExpiryDays: 'invite_expiry_days',
  inviteVerifiedDomainsOnly: 'invite_verified_domains_only',
} as const satisfies Record<keyof SettingsInput, keyof repo.OrgPatch>;

export async function updateOrganization(ctx: Context, access: OrgAccess, input: SettingsInput) {
  requireScope(access, 'org:write');
  const wanted: SettingsInput = {
    ...input,
    ...(input.name !== undefined && { name: input.name.trim() }),
    ...(input.slug !== undefined && { slug: checkSlug(input.slug) }),
  };
  return ctx.transaction(async (trx) => {
    const { org: current, standing } = await lockAsCaller(trx, access);
    requireStanding(standing, 'org:write');
    // Only what actually changes is written and audited, as `{ field: { from, to } }`.
    const patch: Record<string, unknown> = {};
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    for (const [field, column] of Object.entries(SETTING_COLUMNS)) {
      const to = wanted[field as keyof SettingsInput];
      const from = current[column];
      if (to === undefined || to === from) continue;
      patch[column] = to;
      changes[field] = { from, to };
    }
    if (wanted.memberLimit !== undefined && wanted.memberLimit !== null && changes.memberLimit) {
      const used = await repo.seatsInUse(trx, access.org.id);
      if (wanted.memberLimit < used) {
        throw OrganizationErrors.MEMBER_LIMIT_BELOW_USAGE([
          { field: 'memberLimit', message: `must be at least ${used}, the seats in use`, seatsInUse: used },
        ]);
      }
    }
    // Whoever turns the requirement on must meet it, or they would shut themselves out (a key or an
    // app is no person and has no factor to have). Read in the transaction, under the org's lock.
    if (changes.mfaRequired && wanted.mfaRequired === true && access.userId !== null) {
      if (!(await hasSecondFactor(trx, access.userId))) {
        throw OrganizationErrors.MFA_ENROLMENT_REQUIRED([
          { field: 'mfaRequired', message: 'set up a second factor for your own account first' },
        ]);
      }
    }
    // The caller got past org:write, so where a factor is required (before, or from now on) they have one.
    const requiredNow = wanted.mfaRequired ?? current.mfa_required;
    const viewer = {
      role: access.role,
      scopes: [...access.grant.scopes],
      ...(access.userId !== null && requiredNow && { mfa: { required: true as const, enrolled: true } }),
    };
    if (Object.keys(changes).length === 0) return { ...current, viewer };
    // No check-then-write on the slug: the unique index decides, even between concurrent renames.
    let org: typeof current;
    try {
      org = await repo.updateOrg(trx, access.org.id, patch as repo.OrgPatch);
    } catch (err) {
      if (isSlugConflict(err)) {
        throw OrganizationErrors.SLUG_TAKEN([{ field: 'slug', message: 'is already taken' }]);
      }
      throw err;
    }
    await recordAudit(trx, access.actor, {
      organizationId: access.org.id,
      action: 'organization.updated',
      targetType: 'organization',
      targetId: access.org.id,
      data: { changes },
    });
    return { ...org, viewer };
  });
}

export async function deleteOrganization(ctx: Context, access: OrgAccess) {
  requireScope(access, 'org:delete');
  await ctx.transaction(async (trx) => {
    // A concurrent delete that committed first leaves nothing to delete (nor to audit twice), and an
    // owner demoted while waiting for the lock no longer may.
    const { standing } = await lockAsCaller(trx, access);
    requireStanding(standing, 'org:delete');
    await repo.deleteOrg(trx, access.org.id);
    // The audit log keeps the organization's id without a foreign key, so this entry outlives it.
    await recordAudit(trx, access.actor, {
      organizationId: access.org.id,
      action: 'organization.deleted',
      targetType: 'organization',
      targetId: access.org.id,
      data: { slug: access.org.slug, name: access.org.name },
    });
  });
}

export function listMyOrganizations(ctx: Context, principal: UserPrincipal) {
  return repo.listUserOrgs(ctx.db, principal.user.id);
}

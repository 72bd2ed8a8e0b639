/**
 * Verified domains. An organization adds a domain and gets a TXT record to publish; verifying looks the
 * record up (outside any transaction: a DNS round trip holds no lock) and then, under the
 * organization's lock, marks the domain verified — unless another organization holds it verified (the
 * partial unique index decides a race). A verified domain takes a policy: `suggest` (people with a
 * verified email there see the organization and may ask to join) or `auto_join` with a role within the
 * admin's scopes, applied when someone's email there is verified and, in bulk, when the policy is
 * switched on; a full organization turns an auto-join into a request to join. A re-check flags a
 * domain whose record is gone (its policy stops applying) and unverifies it after RECORD_GRACE_MS.
 *
 * Audit actions: domain.added / verified / policy_changed / removed / record_missing / unverified.
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../../config.ts';
import type { Context, Trx } from '../../context.ts';
import { invalidField } from '../../lib/errors.ts';
import { uuidv7 } from '../../lib/ids.ts';
import {
  lockAsCaller,
  type OrgAccess,
  requireCeiling,
  requireScope,
  requireStanding,
  roleDefs,
} from '../access/org-access.ts';
import type { Role } from '../access/scopes.ts';
import { type Actor, recordAudit, SYSTEM_ACTOR } from '../audit/audit.repository.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { publishEvent } from '../events/event.service.ts';
import { tellAdminsOfRequest } from '../join-requests/join-request.service.ts';
import * as members from '../members/member.repository.ts';
import { lockOrg, seatsInUse } from '../organizations/organization.repository.ts';
import { DomainErrors } from './domain.errors.ts';
import * as repo from './domain.repository.ts';
import { createTxtLookup, recordName, recordValue, type TxtLookup } from './domain-dns.ts';

/** How long a verified domain's record may be missing before the domain is unverified. */
export const RECORD_GRACE_MS = 72 * 3600_000;

const lookups = new WeakMap<Config, TxtLookup>();
function lookupOf(config: Config): TxtLookup {
  let lookup = lookups.get(config);
  if (!lookup) {
    lookup = createTxtLookup(config.dnsServers);
    lookups.set(config, lookup);
  }
  return lookup;
}

export function serializeDomain(d: repo.DomainRow) {
  return {
    id: d.id,
    domain: d.domain,
    status:
      d.verified_at === null
        ? ('pending' as const)
        : d.record_missing_since
          ? ('record_missing' as const)
          : ('verified' as const),
    record: { type: 'TXT' as const, name: recordName(d.domain), value: recordValue(d.token) },
    policy: d.policy,
    role: d.role,
    verifiedAt: d.verified_at,
    lastCheckedAt: d.last_checked_at,
    recordMissingSince: d.record_missing_since,
    createdAt: d.created_at,
  };
}

/** A domain as typed: lowercased, without a trailing dot; an email's part after `@` is accepted too. */
function normalizeDomain(raw: string): string {
  const domain = raw.trim().toLowerCase().replace(/\.$/, '');
  const valid = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(domain);
  if (!valid || domain.length > 253) throw invalidField('domain', 'is not a domain name (example.com)');
  return domain;
}

export async function listDomains(ctx: Context, access: OrgAccess) {
  requireScope(access, 'member:read');
  return { data: (await repo.listDomains(ctx.db, access.org.id)).map(serializeDomain) };
}

export async function addDomain(ctx: Context, access: OrgAccess, raw: string) {
  requireScope(access, 'org:write');
  const domain = normalizeDomain(raw);
  return ctx.transaction(async (trx) => {
    const { org, standing } = await lockAsCaller(trx, access);
    requireStanding(standing, 'org:write');
    if ((await repo.countDomains(trx, org.id)) >= repo.MAX_DOMAINS) {
      throw DomainErrors.DOMAIN_LIMIT({ limit: repo.MAX_DOMAINS });
    }
    const row = await repo.insertDomain(trx, {
      id: uuidv7(),
      orgId: org.id,
      domain,
      token: randomBytes(16).toString('hex'),
      createdBy: access.userId,
    });
    if (!row) throw DomainErrors.DOMAIN_EXISTS({ domain });
    await recordAudit(trx, access.actor, {
      organizationId: org.id,
      action: 'domain.added',
      targetType: 'domain',
      targetId: row.id,
      data: { domain },
    });
    return serializeDomain(row as repo.DomainRow);
  });
}

export async function verifyDomain(ctx: Context, access: OrgAccess, id: string) {
  requireScope(access, 'org:write');
  const before = await repo.findDomain(ctx.db, access.org.id, id);
  if (!before) throw DomainErrors.DOMAIN_NOT_FOUND();
  const found = await lookupOf(ctx.config)(before.domain, before.token);
  if (found.kind === 'unreachable') throw DomainErrors.DNS_UNAVAILABLE({ error: found.error });
  if (found.kind === 'absent') {
    throw DomainErrors.DOMAIN_RECORD_MISSING({
      record: { type: 'TXT', name: recordName(before.domain), value: recordValue(before.token) },
      found: found.values,
    });
  }
  return ctx.transaction(async (trx) => {
    const { org, standing } = await lockAsCaller(trx, access);
    requireStanding(standing, 'org:write');
    const row = await repo.findDomain(trx, org.id, id);
    if (!row) throw DomainErrors.DOMAIN_NOT_FOUND();
    if (!(await repo.markVerified(trx, id))) throw DomainErrors.DOMAIN_TAKEN({ domain: row.domain });
    if (row.verified_at === null) {
      await recordAudit(trx, access.actor, {
        organizationId: org.id,
        action: 'domain.verified',
        targetType: 'domain',
        targetId: id,
        data: { domain: row.domain },
      });
    }
    return serializeDomain((await repo.findDomain(trx, org.id, id)) as repo.DomainRow);
  });
}

export interface PolicyChange {
  policy: 'off' | 'suggest' | 'auto_join';
  role?: Role;
}

/**
 * Sets a verified domain's policy (org:write; an auto-join role also takes member:admin and lies within
 * the caller's scopes). Switching auto-join on applies it at once to the people who already have a
 * verified email there, and the answer says what it did.
 */
export async function setDomainPolicy(ctx: Context, access: OrgAccess, id: string, change: PolicyChange) {
  requireScope(access, 'org:write');
  const role = change.role ?? 'member';
  if (role === 'owner') throw invalidField('role', 'a domain never makes anyone an owner');
  if (change.policy === 'auto_join') {
    requireScope(access, 'member:admin');
    await requireCeiling(ctx.db, access.org.id, access.grant, role);
  }
  return ctx.transaction(async (trx) => {
    const { org, standing } = await lockAsCaller(trx, access);
    // The role is stored whatever the policy, so it must be one the organization has (400 otherwise);
    // it is a grant, bounded by the caller's scopes, only when auto-join gives it.
    const roles = await roleDefs(trx, org.id, [role]);
    requireStanding(standing, 'org:write');
    if (change.policy === 'auto_join') requireStanding(standing, 'member:admin', roles);
    const row = await repo.findDomain(trx, org.id, id);
    if (!row) throw DomainErrors.DOMAIN_NOT_FOUND();
    if (change.policy !== 'off' && row.verified_at === null) throw DomainErrors.DOMAIN_NOT_VERIFIED();
    await repo.setPolicy(trx, id, change.policy, role);
    const applied = { joined: 0, requested: 0 };
    if (change.policy === 'auto_join' && row.record_missing_since === null) {
      for (const person of await repo.verifiedOutsiders(trx, org.id, row.domain)) {
        const outcome = await autoJoin(ctx, trx, { ...org, domainId: id, role }, person, access.actor);
        applied[outcome] += 1;
      }
    }
    await recordAudit(trx, access.actor, {
      organizationId: org.id,
      action: 'domain.policy_changed',
      targetType: 'domain',
      targetId: id,
      data: { domain: row.domain, from: row.policy, to: change.policy, role, applied },
    });
    const updated = (await repo.findDomain(trx, org.id, id)) as repo.DomainRow;
    return { ...serializeDomain(updated), applied };
  });
}

export async function removeDomain(ctx: Context, access: OrgAccess, id: string) {
  requireScope(access, 'org:write');
  await ctx.transaction(async (trx) => {
    const { org, standing } = await lockAsCaller(trx, access);
    requireStanding(standing, 'org:write');
    const row = await repo.findDomain(trx, org.id, id);
    if (!row) throw DomainErrors.DOMAIN_NOT_FOUND();
    await repo.deleteDomain(trx, id);
    await recordAudit(trx, access.actor, {
      organizationId: org.id,
      action: 'domain.removed',
      targetType: 'domain',
      targetId: id,
      data: { domain: row.domain, wasVerified: row.verified_at !== null },
    });
  });
}

/**
 * One person joins through a domain's auto-join, under the organization's lock (held by the caller):
 * an active member with the domain's role when a seat is free, otherwise a request to join the admins
 * answer. Audited and published as the other paths in are.
 */
async function autoJoin(
  ctx: Context,
  trx: Trx,
  org: { id: string; slug: string; name: string; member_limit: number | null; domainId: string; role: Role },
  person: { id: string; email: string; name: string },
  actor: Actor,
): Promise<'joined' | 'requested'> {
  const full = org.member_limit !== null && (await seatsInUse(trx, org.id)) >= org.member_limit;
  const row = await members.insertMembership(trx, {
    organizationId: org.id,
    userId: person.id,
    role: full ? 'member' : org.role,
    status: full ? 'pending' : 'active',
    source: full ? 'join_request' : 'domain',
    addedBy: null,
  });
  if (full) {
    await recordAudit(trx, actor, {
      organizationId: org.id,
      action: 'join_request.created',
      targetType: 'user',
      targetId: person.id,
      data: { membershipId: row.id, kind: 'user', domainId: org.domainId, reason: 'member_limit' },
    });
    await publishEvent(trx, {
      organizationId: org.id,
      type: 'join_request.created',
      data: { userId: person.id, membershipId: row.id, domainId: org.domainId },
      actor,
    });
    await tellAdminsOfRequest(ctx, trx, org, `${person.name} <${person.email}>`);
    return 'requested';
  }
  await recordAudit(trx, actor, {
    organizationId: org.id,
    action: 'member.added',
    targetType: 'user',
    targetId: person.id,
    data: { role: org.role, source: 'domain', domainId: org.domainId },
  });
  await publishEvent(trx, {
    organizationId: org.id,
    type: 'member.added',
    data: { userId: person.id, role: org.role, source: 'domain', domainId: org.domainId },
    actor,
  });
  return 'joined';
}

/**
 * In the transaction that verified `user`'s email — their own act, and `actor` — every organization
 * with a verified auto-join domain at that address takes them in (or, when full, records their request
 * to join). Organizations are
 * locked in id order, as every multi-organization write does.
 */
export async function applyDomainPolicies(
  ctx: Context,
  trx: Trx,
  user: { id: string; email: string; name: string },
  actor: Actor,
): Promise<void> {
  const matches = (await repo.domainsForEmail(trx, user.email, user.id))
    .filter((d) => d.policy === 'auto_join')
    .sort((a, b) => (a.org_id < b.org_id ? -1 : 1));
  for (const d of matches) {
    const org = await lockOrg(trx, d.org_id);
    if (!org) continue;
    // Read again under the lock: the membership may have been made, or the policy changed, meanwhile.
    const now = (await repo.domainsForEmail(trx, user.email, user.id)).find((x) => x.id === d.id);
    if (now?.policy !== 'auto_join') continue;
    await autoJoin(ctx, trx, { ...org, domainId: d.id, role: now.role }, user, actor);
  }
}

/** The organizations that suggest themselves to the signed-in person by their verified email's domain. */
export async function suggestedOrganizations(ctx: Context, principal: UserPrincipal) {
  const { user } = principal;
  if (!user.email_verified_at) return { data: [] };
  const rows = await repo.domainsForEmail(ctx.db, user.email, user.id);
  return {
    data: rows
      .filter((r) => r.policy === 'suggest')
      .map((r) => ({ organization: { id: r.org_id, slug: r.slug, name: r.name }, domain: r.domain })),
  };
}

/**
 * The re-check: each verified domain's record, looked up again (outside transactions); a missing one is
 * flagged (its policy stops applying) and, missing past RECORD_GRACE_MS, unverified. A lookup that gets
 * no answer changes nothing. Returns how many domains changed state.
 */
export async function recheckDomains(ctx: Context, olderThanMs: number): Promise<number> {
  const lookup = lookupOf(ctx.config);
  let changed = 0;
  for (const d of await repo.dueForRecheck(ctx.db, olderThanMs, 100)) {
    const found = await lookup(d.domain, d.token);
    if (found.kind === 'unreachable') continue;
    const present = found.kind === 'found';
    await ctx.transaction(async (trx) => {
      const after = await repo.recordChecked(trx, d.id, present);
      if (!after) return;
      const flagged = !present && d.record_missing_since === null;
      const cleared = present && d.record_missing_since !== null;
      if (flagged || cleared) changed += 1;
      if (flagged) {
        await recordAudit(trx, SYSTEM_ACTOR, {
          organizationId: d.organization_id,
          action: 'domain.record_missing',
          targetType: 'domain',
          targetId: d.id,
          data: { domain: d.domain },
        });
      }
      if (!present && (await repo.unverifyIfLongMissing(trx, d.id, RECORD_GRACE_MS))) {
        changed += 1;
        await recordAudit(trx, SYSTEM_ACTOR, {
          organizationId: d.organization_id,
          action: 'domain.unverified',
          targetType: 'domain',
          targetId: d.id,
          data: { domain: d.domain, missingSince: d.record_missing_since },
        });
      }
    });
  }
  return changed;
}

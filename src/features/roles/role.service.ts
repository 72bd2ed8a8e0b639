/**
 * An organization's own roles: owners and admins (scope `role:admin`) define roles as sets of scopes
 * from the catalog, beside the built-in owner, admin and member, which cannot be changed or deleted.
 *
 * The ceiling is a set rule (`canManageRole`): one may create, change or delete a role — and grant,
 * change or remove it on a member — only when each of its scopes is one of one's own; `owner` is never
 * a custom role and only owners make owners. Changing a role's scopes needs both the old and the new
 * set within one's own. Every change runs under the organization's exclusive lock, so a write that
 * reads a role's scopes under the shared lock (an invitation, a use of a join link) sees them before or
 * after the change, never during it.
 *
 * A role still held — by a member (active or pending), a pending invitation, a live join link or a
 * domain's auto-join — is
 * deleted only with `replaceWith`: its holders are moved to that role in the same transaction (each
 * active member's move audited and published as `member.role_changed`); the database refuses the
 * deletion otherwise (the foreign key from `custom_role`).
 *
 * Audit actions: role.created / role.updated / role.deleted.
 */
import type { Context } from '../../context.ts';
import { invalidField } from '../../lib/errors.ts';
import {
  lockAsCaller,
  type OrgAccess,
  requireRole,
  requireScope,
  requireStanding,
  roleDefs,
} from '../access/org-access.ts';
import { isBuiltInRole, ROLES, type Scope, scopesForRole } from '../access/scopes.ts';
import { recordAudit, recordAudits } from '../audit/audit.repository.ts';
import { publishEvent } from '../events/event.service.ts';
import { RoleErrors } from './role.errors.ts';
import * as repo from './role.repository.ts';
import { MAX_ORG_ROLES } from './role.schemas.ts';

/** The built-in roles as the roles list shows them. */
const BUILT_IN = {
  owner: {
    name: 'Owner',
    description: 'Everything, including deleting the organization and making other owners.',
  },
  admin: {
    name: 'Admin',
    description: 'Everything but deleting the organization; manages members, roles and integrations.',
  },
  member: { name: 'Member', description: 'Sees the organization and its members.' },
} as const;

function serializeBuiltIn(key: (typeof ROLES)[number]) {
  return {
    key,
    ...BUILT_IN[key],
    scopes: [...scopesForRole(key)],
    builtIn: true,
    memberCount: null,
    createdAt: null,
    updatedAt: null,
  };
}

export function serializeRole(r: repo.RoleRow, memberCount: number) {
  return {
    key: r.key,
    name: r.name,
    description: r.description,
    scopes: r.scopes,
    builtIn: false,
    memberCount,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Every role a member can be given, built-in first: what any member may read (org:read). */
export async function listRoles(ctx: Context, access: OrgAccess) {
  requireScope(access, 'org:read');
  const [rows, counts] = await Promise.all([
    repo.listRoles(ctx.db, access.org.id),
    repo.memberCounts(ctx.db, access.org.id),
  ]);
  return {
    data: [...ROLES.map(serializeBuiltIn), ...rows.map((r) => serializeRole(r, counts.get(r.key) ?? 0))],
  };
}

export async function getRole(ctx: Context, access: OrgAccess, key: string) {
  requireScope(access, 'org:read');
  if (isBuiltInRole(key)) return serializeBuiltIn(key);
  const row = await repo.findRole(ctx.db, access.org.id, key);
  if (!row) throw RoleErrors.ROLE_NOT_FOUND();
  const counts = await repo.memberCounts(ctx.db, access.org.id);
  return serializeRole(row, counts.get(key) ?? 0);
}

export interface RoleInput {
  key: string;
  name: string;
  description?: string;
  scopes: Scope[];
}

export async function createRole(ctx: Context, access: OrgAccess, input: RoleInput) {
  requireScope(access, 'role:admin');
  if (isBuiltInRole(input.key)) throw RoleErrors.ROLE_EXISTS({ key: input.key });
  const def = { key: input.key, scopes: input.scopes };
  requireRole(access.grant, def);
  const name = input.name.trim();
  if (!name) throw invalidField('name', 'must not be blank');
  return ctx.transaction(async (trx) => {
    const { org, standing } = await lockAsCaller(trx, access);
    requireStanding(standing, 'role:admin', [def]);
    if ((await repo.countRoles(trx, org.id)) >= MAX_ORG_ROLES) {
      throw RoleErrors.ROLE_LIMIT({ limit: MAX_ORG_ROLES });
    }
    const row = await repo.insertRole(trx, {
      orgId: org.id,
      key: input.key,
      name,
      description: input.description?.trim() ?? '',
      scopes: input.scopes,
      createdBy: access.userId,
    });
    if (!row) throw RoleErrors.ROLE_EXISTS({ key: input.key });
    await recordAudit(trx, access.actor, {
      organizationId: org.id,
      action: 'role.created',
      targetType: 'role',
      targetId: row.key,
      data: { name: row.name, scopes: row.scopes },
    });
    await publishEvent(trx, {
      organizationId: org.id,
      type: 'role.created',
      data: { key: row.key, name: row.name, scopes: row.scopes },
      actor: access.actor,
    });
    return serializeRole(row, 0);
  });
}

/** Locks the organization and reads one of its own roles (404; 409 for a built-in one). */
async function lockRole(trx: Parameters<typeof lockAsCaller>[0], access: OrgAccess, key: string) {
  const { org, standing } = await lockAsCaller(trx, access);
  const row = await repo.findRole(trx, org.id, key);
  if (!row) throw RoleErrors.ROLE_NOT_FOUND();
  return { org, standing, row };
}

export async function updateRole(
  ctx: Context,
  access: OrgAccess,
  key: string,
  patch: { name?: string; description?: string; scopes?: Scope[] },
) {
  requireScope(access, 'role:admin');
  if (isBuiltInRole(key)) throw RoleErrors.ROLE_BUILT_IN();
  if (patch.scopes) requireRole(access.grant, { key, scopes: patch.scopes });
  const name = patch.name?.trim();
  if (name === '') throw invalidField('name', 'must not be blank');
  return ctx.transaction(async (trx) => {
    const { org, standing, row } = await lockRole(trx, access, key);
    // Both the role as it is and as it would be must lie within the caller's own scopes.
    requireStanding(standing, 'role:admin', [
      { key, scopes: row.scopes },
      ...(patch.scopes ? [{ key, scopes: patch.scopes }] : []),
    ]);
    const updated = await repo.updateRole(trx, org.id, key, {
      ...(name !== undefined && { name }),
      ...(patch.description !== undefined && { description: patch.description.trim() }),
      ...(patch.scopes && { scopes: patch.scopes }),
    });
    const before = { name: row.name, description: row.description, scopes: row.scopes };
    const after = { name: updated.name, description: updated.description, scopes: updated.scopes };
    const fields = (Object.keys(before) as Array<keyof typeof before>).filter(
      (f) => JSON.stringify(before[f]) !== JSON.stringify(after[f]),
    );
    if (fields.length > 0) {
      await recordAudit(trx, access.actor, {
        organizationId: org.id,
        action: 'role.updated',
        targetType: 'role',
        targetId: key,
        data: { fields, before, after },
      });
      await publishEvent(trx, {
        organizationId: org.id,
        type: 'role.updated',
        data: { key, name: updated.name, scopes: updated.scopes, previousScopes: row.scopes },
        actor: access.actor,
      });
    }
    const counts = await repo.memberCounts(trx, org.id);
    return serializeRole(updated, counts.get(key) ?? 0);
  });
}

export async function deleteRole(
  ctx: Context,
  access: OrgAccess,
  key: string,
  replaceWith: string | undefined,
) {
  requireScope(access, 'role:admin');
  if (isBuiltInRole(key)) throw RoleErrors.ROLE_BUILT_IN();
  if (replaceWith === 'owner') throw invalidField('replaceWith', 'nobody is made an owner this way');
  if (replaceWith === key) throw invalidField('replaceWith', 'is the role being deleted');
  await ctx.transaction(async (trx) => {
    const { org, standing, row } = await lockRole(trx, access, key);
    requireStanding(standing, 'role:admin', [{ key, scopes: row.scopes }]);
    const holders = await repo.holdersOf(trx, org.id, key);
    const held = holders.members + holders.invitations + holders.joinLinks + holders.domains > 0;
    if (held && replaceWith === undefined) throw RoleErrors.ROLE_IN_USE(holders);
    let moved = { members: 0, invitations: 0, joinLinks: 0, domains: 0 };
    if (held && replaceWith !== undefined) {
      // Moving members is changing their roles: it takes member:admin and the replacement within reach.
      requireStanding(standing, 'member:admin', await roleDefs(trx, org.id, [replaceWith], 'replaceWith'));
      const result = await repo.moveHolders(trx, org.id, key, replaceWith);
      const active = result.members.filter((m) => m.status === 'active');
      await recordAudits(
        trx,
        access.actor,
        active.map((m) => ({
          organizationId: org.id,
          action: 'member.role_changed',
          targetType: 'user',
          targetId: m.user_id,
          data: { from: key, to: replaceWith, reason: 'role_deleted' },
        })),
      );
      for (const m of active) {
        await publishEvent(trx, {
          organizationId: org.id,
          type: 'member.role_changed',
          data: { userId: m.user_id, from: key, to: replaceWith },
          actor: access.actor,
        });
      }
      moved = {
        members: result.members.length,
        invitations: result.invitations,
        joinLinks: result.joinLinks,
        domains: result.domains,
      };
    }
    await repo.deleteRole(trx, org.id, key);
    await recordAudit(trx, access.actor, {
      organizationId: org.id,
      action: 'role.deleted',
      targetType: 'role',
      targetId: key,
      data: { name: row.name, scopes: row.scopes, replaceWith: replaceWith ?? null, moved },
    });
    await publishEvent(trx, {
      organizationId: org.id,
      type: 'role.deleted',
      data: { key, replaceWith: replaceWith ?? null },
      actor: access.actor,
    });
  });
}

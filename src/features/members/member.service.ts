/** Members: list, change role, remove, leave — with the role ceiling and last-owner rules. */
import type { Context, Trx } from '../../context.ts';
import { invalidField } from '../../lib/errors.ts';
import { isUuid } from '../../lib/ids.ts';
import { decodeCursor, encodeCursor } from '../../lib/pagination.ts';
import {
  lockAsCaller,
  type OrgAccess,
  requireCeiling,
  requireScope,
  requireStanding,
  roleDefs,
} from '../access/org-access.ts';
import type { Role } from '../access/scopes.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { publishEvent } from '../events/event.service.ts';
import { insertAnswer } from '../join-requests/join-request.repository.ts';
import { MemberErrors } from './member.errors.ts';
import * as repo from './member.repository.ts';

type MemberRow = NonNullable<Awaited<ReturnType<typeof repo.findMember>>>;

export function serializeMember(m: MemberRow) {
  return {
    id: m.id,
    userId: m.user_id,
    email: m.email,
    name: m.name,
    role: m.role,
    status: m.status,
    source: m.source,
    addedBy: m.added_by,
    createdAt: m.created_at,
    joinedAt: m.joined_at,
    expiresAt: m.expires_at,
  };
}

/**
 * A page of members, as the JSON text of the response (`{"data": [...], "nextCursor": ...}`): the
 * database writes the rows in the response's shape (listMembersJson), and they are passed on unread.
 */
export async function listMembers(
  ctx: Context,
  access: OrgAccess,
  q: Omit<repo.MemberQuery, 'organizationId' | 'afterId'> & { cursor?: string },
): Promise<string> {
  requireScope(access, 'member:read');
  // A role the organization has not defined is a mistake to name, not a filter that matches nobody.
  if (q.role) await roleDefs(ctx.db, access.org.id, [q.role]);
  const afterId = decodeCursor('m', q.cursor, isUuid);
  const page = await repo.listMembersJson(ctx.db, { ...q, organizationId: access.org.id, afterId });
  const next = page.lastIdIfMore === null ? null : encodeCursor('m', page.lastIdIfMore);
  return `{"data":${page.data},"nextCursor":${JSON.stringify(next)}}`;
}

export async function getMember(ctx: Context, access: OrgAccess, userId: string) {
  requireScope(access, 'member:read');
  const m = await repo.findMember(ctx.db, access.org.id, userId);
  if (!m) throw MemberErrors.MEMBER_NOT_FOUND();
  return serializeMember(m);
}

/**
 * Fails the transaction when the organization would be left without an active owner. Called after
 * the write, under the organization's row lock, so two concurrent demotions cannot both pass.
 */
async function assertOwnerRemains(trx: Trx, organizationId: string) {
  if ((await repo.countActiveOwners(trx, organizationId)) === 0) throw MemberErrors.LAST_OWNER();
}

/**
 * Locks the organization, then reads under that lock the caller's standing as it is now (checked
 * later, after the last-owner rule) and the target membership.
 */
async function lockedTarget(trx: Trx, access: OrgAccess, userId: string) {
  const { standing } = await lockAsCaller(trx, access);
  const target = await repo.findMember(trx, access.org.id, userId);
  if (!target) throw MemberErrors.MEMBER_NOT_FOUND();
  return { target, standing };
}

export interface MemberChange {
  role?: Role;
  /** ISO 8601 in the future, or null to remove the expiry. */
  expiresAt?: string | null;
}

/**
 * Changes a member's role, their membership's expiry, or both, in one transaction under the
 * organization's lock. The caller's role bounds what they grant and whom they touch (the target's
 * current role); an owner's membership never expires (`memberships_owner_never_expires`), so an
 * expiry on an owner, or on someone made owner in the same request, is refused, and becoming an owner
 * clears an expiry.
 */
export async function changeMember(ctx: Context, access: OrgAccess, userId: string, change: MemberChange) {
  requireScope(access, 'member:admin');
  if (change.role) await requireCeiling(ctx.db, access.org.id, access.grant, change.role);
  let expiresAt: Date | null | undefined;
  if (change.expiresAt !== undefined) {
    expiresAt = change.expiresAt === null ? null : new Date(change.expiresAt);
    if (expiresAt && !(expiresAt.getTime() > Date.now()))
      throw invalidField('expiresAt', 'must be in the future');
    if (expiresAt && change.role === 'owner')
      throw invalidField('expiresAt', "an owner's membership does not expire");
  }
  return ctx.transaction(async (trx) => {
    const { target, standing } = await lockedTarget(trx, access, userId);
    const [targetRole] = await requireCeiling(trx, access.org.id, access.grant, target.role);
    const role = change.role ?? target.role;
    if (expiresAt && role === 'owner')
      throw invalidField('expiresAt', "an owner's membership does not expire");
    let current = target;
    if (role !== target.role) {
      // Read under the lock: the role may have been deleted, or its scopes changed, since the pre-check.
      const roles = await roleDefs(trx, access.org.id, [target.role, role]);
      await repo.updateRole(trx, target.id, role);
      // The state rule first: two owners demoting each other at once learn that one owner must remain.
      await assertOwnerRemains(trx, access.org.id);
      requireStanding(standing, 'member:admin', roles);
      await recordAudit(trx, access.actor, {
        organizationId: access.org.id,
        action: 'member.role_changed',
        targetType: 'user',
        targetId: userId,
        data: { from: target.role, to: role },
      });
      await publishEvent(trx, {
        organizationId: access.org.id,
        type: 'member.role_changed',
        data: { userId, from: target.role, to: role },
        actor: access.actor,
      });
      current = { ...current, role, ...(role === 'owner' && { expires_at: null }) };
    } else {
      requireStanding(standing, 'member:admin', targetRole ? [targetRole] : []);
    }
    const before = target.expires_at?.getTime() ?? null;
    if (expiresAt !== undefined && (expiresAt?.getTime() ?? null) !== before) {
      await repo.updateExpiry(trx, target.id, expiresAt);
      await recordAudit(trx, access.actor, {
        organizationId: access.org.id,
        action: 'member.expiry_changed',
        targetType: 'user',
        targetId: userId,
        data: { from: target.expires_at, to: expiresAt },
      });
      current = { ...current, expires_at: expiresAt };
    }
    return serializeMember(current);
  });
}

/** Removes a member; on oneself it is "leave", which needs no scope beyond membership. */
export async function removeMember(ctx: Context, access: OrgAccess, userId: string) {
  const leaving = access.userId === userId;
  if (!leaving) requireScope(access, 'member:admin');
  await ctx.transaction(async (trx) => {
    const { target, standing } = await lockedTarget(trx, access, userId);
    const targetRoles = leaving ? [] : await requireCeiling(trx, access.org.id, access.grant, target.role);
    await repo.deleteMembership(trx, target.id);
    await assertOwnerRemains(trx, access.org.id);
    // Leaving needs only the membership, which was just read under the lock.
    if (!leaving) requireStanding(standing, 'member:admin', targetRoles);
    await recordAudit(trx, access.actor, {
      organizationId: access.org.id,
      action: leaving ? 'member.left' : 'member.removed',
      targetType: 'user',
      targetId: userId,
      data: { role: target.role, status: target.status, source: target.source },
    });
    // An admin removing a request to join still waiting answers it: the requester reads a refusal.
    if (!leaving && target.status === 'pending' && target.source === 'join_request') {
      await insertAnswer(trx, {
        membershipId: target.id,
        organizationId: access.org.id,
        userId,
        answer: 'rejected',
        requestedAt: target.created_at,
      });
    }
    // Withdrawing a pending membership removes no member: only an active one's end is an event.
    if (target.status === 'active') {
      await publishEvent(trx, {
        organizationId: access.org.id,
        type: 'member.removed',
        data: { userId, role: target.role, reason: leaving ? 'left' : 'removed' },
        actor: access.actor,
      });
    }
  });
}

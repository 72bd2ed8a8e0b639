/** Members: list, change role, remove, leave — with the role ceiling and last-owner rules. */
import type { Context, Trx } from '../../context.ts';
import { isUuid } from '../../lib/ids.ts';
import { decodeCursor, encodeCursor } from '../../lib/pagination.ts';
import {
  lockAsCaller,
  type OrgAccess,
  requireCeiling,
  requireScope,
  requireStanding,
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

export async function changeRole(ctx: Context, access: OrgAccess, userId: string, role: Role) {
  requireScope(access, 'member:admin');
  // The caller's own role bounds what they may grant; the target's current role bounds whom they may touch.
  requireCeiling(access.grant, role);
  return ctx.transaction(async (trx) => {
    const { target, standing } = await lockedTarget(trx, access, userId);
    requireCeiling(access.grant, target.role);
    if (target.role === role) return serializeMember(target);
    await repo.updateRole(trx, target.id, role);
    // The state rule first: two owners demoting each other at once learn that one owner must remain.
    await assertOwnerRemains(trx, access.org.id);
    requireStanding(standing, 'member:admin', [target.role, role]);
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
    return serializeMember({ ...target, role });
  });
}

/** Removes a member; on oneself it is "leave", which needs no scope beyond membership. */
export async function removeMember(ctx: Context, access: OrgAccess, userId: string) {
  const leaving = access.userId === userId;
  if (!leaving) requireScope(access, 'member:admin');
  await ctx.transaction(async (trx) => {
    const { target, standing } = await lockedTarget(trx, access, userId);
    if (!leaving) requireCeiling(access.grant, target.role);
    await repo.deleteMembership(trx, target.id);
    await assertOwnerRemains(trx, access.org.id);
    // Leaving needs only the membership, which was just read under the lock.
    if (!leaving) requireStanding(standing, 'member:admin', [target.role]);
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

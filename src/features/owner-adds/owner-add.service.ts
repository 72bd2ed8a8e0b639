/**
 * An admin adds an existing user: a `pending` membership (`source: owner_add`) that only that user can
 * turn active, by accepting. Nothing an admin does — role change, approval — activates it (consent).
 */
import type { Context } from '../../context.ts';
import { isValidEmail, normalizeEmail } from '../../lib/email.ts';
import { invalidField } from '../../lib/errors.ts';
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
import { findUserByEmail, findUserById } from '../auth/auth.repository.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { publishEvent } from '../events/event.service.ts';
import { MemberErrors } from '../members/member.errors.ts';
import * as members from '../members/member.repository.ts';
import { serializeMember } from '../members/member.service.ts';
import { lockOrg } from '../organizations/organization.repository.ts';
import { assertSeatFree } from '../organizations/seats.ts';
import { enqueueEmail } from '../outbox/outbox.repository.ts';
import { ownerAddEmail } from './owner-add.emails.ts';

/** Exact match after normalization only: `%`, `_` or a prefix find nobody. */
export async function searchUser(ctx: Context, access: OrgAccess, rawEmail: string) {
  requireScope(access, 'member:admin');
  const email = normalizeEmail(rawEmail);
  const user = isValidEmail(email) ? await findUserByEmail(ctx.db, email) : undefined;
  if (!user) throw MemberErrors.USER_NOT_FOUND();
  const m = await members.findMember(ctx.db, access.org.id, user.id);
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    membership: m ? { status: m.status, role: m.role, source: m.source } : null,
  };
}

export async function addExistingUser(
  ctx: Context,
  access: OrgAccess,
  input: { userId?: string; email?: string; role: Role },
) {
  requireScope(access, 'member:admin');
  if ((input.userId === undefined) === (input.email === undefined)) {
    throw invalidField('userId', 'give exactly one of userId or email');
  }
  await requireCeiling(ctx.db, access.org.id, access.grant, input.role);
  const user =
    input.userId !== undefined
      ? await findUserById(ctx.db, input.userId)
      : await findUserByEmail(ctx.db, normalizeEmail(input.email as string));
  if (!user) throw MemberErrors.USER_NOT_FOUND();

  return ctx.transaction(async (trx) => {
    const { org, standing } = await lockAsCaller(trx, access);
    requireStanding(standing, 'member:admin', await roleDefs(trx, org.id, [input.role]));
    const existing = await members.findMember(trx, org.id, user.id);
    if (existing) throw MemberErrors.ALREADY_MEMBER({ status: existing.status, source: existing.source });
    // A pending add holds no seat yet, but one it could never take is not worth sending.
    await assertSeatFree(trx, org);
    const row = await members.insertMembership(trx, {
      organizationId: org.id,
      userId: user.id,
      role: input.role,
      status: 'pending',
      source: 'owner_add',
      addedBy: access.userId,
    });
    await recordAudit(trx, access.actor, {
      organizationId: org.id,
      action: 'member.add_proposed',
      targetType: 'user',
      targetId: user.id,
      data: { role: input.role, membershipId: row.id },
    });
    const adder = access.userId ? await findUserById(trx, access.userId) : undefined;
    await enqueueEmail(
      trx,
      org.id,
      ownerAddEmail({
        to: user.email,
        orgName: org.name,
        addedBy: adder?.name ?? null,
        role: input.role,
        url: `${ctx.config.publicUrl}/me/invitations`,
      }),
    );
    return serializeMember({
      id: row.id,
      user_id: user.id,
      email: user.email,
      name: user.name,
      role: input.role,
      status: 'pending',
      source: 'owner_add',
      added_by: access.userId,
      created_at: row.created_at,
      joined_at: null,
      expires_at: null,
    });
  });
}

/**
 * The added user answers: accept (→ active, seats re-checked) or decline (→ deleted). Only that user
 * sees the membership: anyone else, and any membership that is not a pending owner-add, gets 404.
 */
export async function answerOwnerAdd(
  ctx: Context,
  principal: UserPrincipal,
  membershipId: string,
  answer: 'accept' | 'decline',
  ip: string | null,
) {
  const userId = principal.user.id;
  const first = await members.findMembershipById(ctx.db, membershipId);
  if (!first || first.user_id !== userId) throw MemberErrors.PENDING_ADD_NOT_FOUND();
  return ctx.transaction(async (trx) => {
    const org = await lockOrg(trx, first.organization_id);
    // Under the lock: an admin may have cancelled it, or another tab answered it, meanwhile.
    const m = org ? await members.findMembershipById(trx, membershipId) : undefined;
    if (!org || !m || m.status !== 'pending' || m.source !== 'owner_add') {
      throw MemberErrors.PENDING_ADD_NOT_FOUND();
    }
    const actor = { type: 'user' as const, id: userId, ip };
    if (answer === 'decline') {
      await members.deleteMembership(trx, m.id);
      await recordAudit(trx, actor, {
        organizationId: org.id,
        action: 'member.add_declined',
        targetType: 'user',
        targetId: userId,
        data: { role: m.role, membershipId: m.id },
      });
      return null;
    }
    await assertSeatFree(trx, org);
    await members.activateMembership(trx, m.id);
    await recordAudit(trx, actor, {
      organizationId: org.id,
      action: 'member.added',
      targetType: 'user',
      targetId: userId,
      data: { role: m.role, source: 'owner_add', addedBy: m.added_by },
    });
    await publishEvent(trx, {
      organizationId: org.id,
      type: 'member.added',
      data: { userId, role: m.role, source: 'owner_add' },
      actor,
    });
    return {
      id: m.id,
      role: m.role,
      status: 'active' as const,
      source: m.source,
      organization: { id: org.id, slug: org.slug, name: org.name },
    };
  });
}

/**
 * Ownership transfers the new owner accepts. An owner proposes to make an active member an owner
 * (`keepOwner`: whether the proposer stays an owner or becomes an admin); the member is emailed and
 * accepts or declines within 7 days; an owner may withdraw it. At most one proposal waits per
 * organization (a partial unique index; checked first under the lock for a clear 409).
 *
 * Accepting runs under the organization's exclusive lock, like every role change, and checks again
 * what the proposal rests on: the proposer still an active owner, the member still active. Then the
 * member becomes an owner and, unless `keepOwner`, the proposer an admin — the member is an owner
 * before the proposer steps down, so the last-owner rule holds whatever runs beside it.
 * Audit actions: ownership_transfer.proposed / accepted / declined / cancelled / expired.
 */
import type { Context, Trx } from '../../context.ts';
import { invalidField } from '../../lib/errors.ts';
import { uuidv7 } from '../../lib/ids.ts';
import { lockAsCaller, type OrgAccess, requireScope } from '../access/org-access.ts';
import type { Role } from '../access/scopes.ts';
import { type Actor, recordAudits } from '../audit/audit.repository.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { publishEvent } from '../events/event.service.ts';
import { MemberErrors } from '../members/member.errors.ts';
import * as members from '../members/member.repository.ts';
import { OrganizationErrors } from '../organizations/organization.errors.ts';
import { lockOrg } from '../organizations/organization.repository.ts';
import { enqueueEmail } from '../outbox/outbox.repository.ts';
import { transferAnsweredEmail, transferProposedEmail } from './ownership-transfer.emails.ts';
import { OwnershipTransferErrors } from './ownership-transfer.errors.ts';
import * as repo from './ownership-transfer.repository.ts';

export function serializeTransfer(t: repo.TransferRow) {
  return {
    id: t.id,
    organization: { id: t.organization_id, slug: t.org_slug, name: t.org_name },
    from: { userId: t.from_user_id, name: t.from_name, email: t.from_email },
    to: { userId: t.to_user_id, name: t.to_name, email: t.to_email },
    keepOwner: t.keep_owner,
    status: t.status,
    createdAt: t.created_at,
    expiresAt: t.expires_at,
    answeredAt: t.answered_at,
  };
}

/** Under the lock: the caller is a person and, as of now, an active owner of the organization. */
async function lockAsOwner(trx: Trx, access: OrgAccess) {
  if (access.userId === null) throw OwnershipTransferErrors.OWNERSHIP_TRANSFER_OWNER_ONLY();
  const { org, standing } = await lockAsCaller(trx, access);
  if (!standing) throw OrganizationErrors.ORGANIZATION_NOT_FOUND();
  if (!standing.ceiling.owner) throw OwnershipTransferErrors.OWNERSHIP_TRANSFER_OWNER_ONLY();
  return { org, userId: access.userId };
}

const expiredEntries = (organizationId: string, ids: string[]) =>
  ids.map((id) => ({
    organizationId,
    action: 'ownership_transfer.expired',
    targetType: 'ownership_transfer',
    targetId: id,
  }));

export async function proposeTransfer(
  ctx: Context,
  access: OrgAccess,
  input: { userId: string; keepOwner?: boolean },
) {
  // The scope check first: it answers MFA_REQUIRED for an owner held back for want of a second factor.
  requireScope(access, 'member:admin');
  if (access.role !== 'owner' || access.userId === null) {
    throw OwnershipTransferErrors.OWNERSHIP_TRANSFER_OWNER_ONLY();
  }
  if (input.userId === access.userId) throw invalidField('userId', 'is you: propose another member');
  const keepOwner = input.keepOwner ?? false;
  const id = uuidv7();
  await ctx.transaction(async (trx) => {
    const { org, userId } = await lockAsOwner(trx, access);
    const target = await members.findMember(trx, org.id, input.userId);
    if (target?.status !== 'active') throw MemberErrors.MEMBER_NOT_FOUND();
    if (target.role === 'owner') throw OwnershipTransferErrors.ALREADY_OWNER();
    const expired = await repo.expireStale(trx, org.id);
    const pending = await repo.livePending(trx, org.id);
    if (pending) throw OwnershipTransferErrors.OWNERSHIP_TRANSFER_PENDING({ transferId: pending.id });
    await repo.insertTransfer(trx, {
      id,
      organizationId: org.id,
      fromUserId: userId,
      toUserId: target.user_id,
      keepOwner,
    });
    await recordAudits(trx, access.actor, [
      ...expiredEntries(org.id, expired),
      {
        organizationId: org.id,
        action: 'ownership_transfer.proposed',
        targetType: 'user',
        targetId: target.user_id,
        data: { transferId: id, toUserId: target.user_id, keepOwner },
      },
    ]);
    const row = await repo.findTransfer(trx, id);
    if (!row) throw OwnershipTransferErrors.OWNERSHIP_TRANSFER_NOT_FOUND();
    await enqueueEmail(
      trx,
      org.id,
      transferProposedEmail({
        to: target.email,
        orgName: org.name,
        from: row.from_name,
        keepOwner,
        expiresAt: row.expires_at,
        url: `${ctx.config.publicUrl}/me/ownership-transfers`,
      }),
    );
  });
  const row = await repo.findTransfer(ctx.db, id);
  if (!row) throw OwnershipTransferErrors.OWNERSHIP_TRANSFER_NOT_FOUND();
  return serializeTransfer(row);
}

/** The organization's proposals, newest first (the last 20): owners and admins see them. */
export async function listTransfers(ctx: Context, access: OrgAccess) {
  requireScope(access, 'member:admin');
  const rows = await repo.listTransfers(ctx.db, access.org.id, 20);
  return { data: rows.map(serializeTransfer) };
}

/** An owner withdraws the organization's pending proposal (any owner: the proposer may be away). */
export async function cancelTransfer(ctx: Context, access: OrgAccess, id: string) {
  requireScope(access, 'member:admin');
  await ctx.transaction(async (trx) => {
    const { org } = await lockAsOwner(trx, access);
    const row = await repo.findTransfer(trx, id);
    if (!row || row.organization_id !== org.id) throw OwnershipTransferErrors.OWNERSHIP_TRANSFER_NOT_FOUND();
    if (row.status === 'expired') throw OwnershipTransferErrors.OWNERSHIP_TRANSFER_EXPIRED();
    if (!(await repo.endTransfer(trx, id, 'cancelled')))
      throw OwnershipTransferErrors.OWNERSHIP_TRANSFER_ANSWERED();
    await recordAudits(trx, access.actor, [
      {
        organizationId: org.id,
        action: 'ownership_transfer.cancelled',
        targetType: 'ownership_transfer',
        targetId: id,
        data: { reason: 'withdrawn', toUserId: row.to_user_id },
      },
    ]);
  });
}

/** Proposals waiting for the signed-in person's answer. */
export async function myTransfers(ctx: Context, principal: UserPrincipal) {
  const rows = await repo.pendingFor(ctx.db, principal.user.id);
  return { data: rows.map(serializeTransfer) };
}

/**
 * The member answers. Accept: under the organization's lock, with the proposal still pending and
 * unexpired, the proposer still an active owner and the member still active, the member becomes an
 * owner and (unless keepOwner) the proposer an admin. Decline: nothing changes but the proposal.
 * The proposer is emailed either way.
 */
export async function answerTransfer(
  ctx: Context,
  principal: UserPrincipal,
  id: string,
  answer: 'accept' | 'decline',
  ip: string | null,
) {
  const userId = principal.user.id;
  const first = await repo.findTransfer(ctx.db, id);
  if (!first || first.to_user_id !== userId) throw OwnershipTransferErrors.OWNERSHIP_TRANSFER_NOT_FOUND();
  const actor: Actor = { type: 'user', id: userId, ip };
  return ctx.transaction(async (trx) => {
    const org = await lockOrg(trx, first.organization_id);
    if (!org) throw OwnershipTransferErrors.OWNERSHIP_TRANSFER_NOT_FOUND();
    const t = await repo.findTransfer(trx, id);
    if (!t) throw OwnershipTransferErrors.OWNERSHIP_TRANSFER_NOT_FOUND();
    if (t.status === 'expired') throw OwnershipTransferErrors.OWNERSHIP_TRANSFER_EXPIRED();
    if (t.status !== 'pending')
      throw OwnershipTransferErrors.OWNERSHIP_TRANSFER_ANSWERED({ status: t.status });
    const accepted = answer === 'accept';
    const changes: Array<{ userId: string; from: Role; to: Role }> = [];
    if (accepted) {
      const me = await members.findMember(trx, org.id, userId);
      const proposer = await members.findMember(trx, org.id, t.from_user_id);
      if (me?.status !== 'active' || !proposer || proposer.status !== 'active' || proposer.role !== 'owner') {
        throw OwnershipTransferErrors.OWNERSHIP_TRANSFER_INVALID();
      }
      if (me.role !== 'owner') {
        await members.updateRole(trx, me.id, 'owner');
        changes.push({ userId, from: me.role, to: 'owner' });
      }
      if (!t.keep_owner) {
        await members.updateRole(trx, proposer.id, 'admin');
        changes.push({ userId: t.from_user_id, from: 'owner', to: 'admin' });
      }
    }
    if (!(await repo.endTransfer(trx, id, accepted ? 'accepted' : 'declined'))) {
      throw OwnershipTransferErrors.OWNERSHIP_TRANSFER_ANSWERED();
    }
    await recordAudits(trx, actor, [
      {
        organizationId: org.id,
        action: accepted ? 'ownership_transfer.accepted' : 'ownership_transfer.declined',
        targetType: 'ownership_transfer',
        targetId: id,
        data: { fromUserId: t.from_user_id, keepOwner: t.keep_owner },
      },
      ...changes.map((c) => ({
        organizationId: org.id,
        action: 'member.role_changed',
        targetType: 'user',
        targetId: c.userId,
        data: { from: c.from, to: c.to, transferId: id },
      })),
    ]);
    for (const c of changes) {
      await publishEvent(trx, {
        organizationId: org.id,
        type: 'member.role_changed',
        data: { userId: c.userId, from: c.from, to: c.to, transferId: id },
        actor,
      });
    }
    await enqueueEmail(
      trx,
      org.id,
      transferAnsweredEmail({
        to: t.from_email,
        orgName: org.name,
        member: t.to_name,
        accepted,
        url: `${ctx.config.publicUrl}/orgs/${org.slug}`,
      }),
    );
    const done = await repo.findTransfer(trx, id);
    if (!done) throw OwnershipTransferErrors.OWNERSHIP_TRANSFER_NOT_FOUND();
    return serializeTransfer(done);
  });
}

/**
 * Deleting one's own account. Refused while the person is the last active owner of an organization
 * (409 LAST_OWNER naming each one): race-proof, because the check runs in the transaction that
 * deletes, under the row locks of every organization the person owns (taken in id order, as every
 * other writer takes one at a time, so no two deletions deadlock) and of the person's memberships.
 * Deleting the user row cascades to memberships (pending ones too), sessions, links and factors;
 * invitations the person sent stay valid (invited_by becomes null); audit entries stay, their actor
 * id now naming a deleted account.
 */
import type { Context, Trx } from '../../context.ts';
import { type Actor, recordAudits } from '../audit/audit.repository.ts';
import type { SignInLimits } from '../auth/auth.service.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { publishEvent } from '../events/event.service.ts';
import { MemberErrors } from '../members/member.errors.ts';
import { lockOrg } from '../organizations/organization.repository.ts';
import { enqueueEmail } from '../outbox/outbox.repository.ts';
import { accountDeletedEmail } from './account.emails.ts';
import * as repo from './account.repository.ts';
import { checkOwnPassword } from './password-check.ts';

/** A promotion to owner landed between the first read and the locks: start again. */
class OwnershipMoved extends Error {}

/** Deadlock (a cascade meeting a concurrent writer) or serialization failure: worth another go. */
const RETRYABLE_PG = new Set(['40P01', '40001']);
const ATTEMPTS = 5;

export async function deleteAccount(
  ctx: Context,
  limits: SignInLimits,
  principal: UserPrincipal,
  password: string,
  ip: string | null,
) {
  const { user } = await checkOwnPassword(ctx, limits, principal, password, ip, 'password');
  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.transaction((trx) => deleteLocked(trx, user, ip));
      return;
    } catch (err) {
      const retry = err instanceof OwnershipMoved || RETRYABLE_PG.has((err as { code?: string }).code ?? '');
      if (!retry || attempt >= ATTEMPTS) throw err;
    }
  }
}

async function deleteLocked(trx: Trx, user: { id: string }, ip: string | null) {
  // 1. The organizations the person owns, locked in id order.
  const owned = await repo.ownedOrgIds(trx, user.id);
  for (const orgId of owned) await lockOrg(trx, orgId);
  // 2. Then the account and its memberships (no change of them can slip in now), read as last committed.
  const me = await repo.lockUser(trx, { id: user.id });
  if (!me) return; // deleted by a concurrent request of the same person
  const memberships = await repo.lockMembershipsOf(trx, user.id);
  const ownedNow = memberships.filter((m) => m.role === 'owner' && m.status === 'active');
  // Made owner somewhere after step 1: that organization is not locked. Locking it now would break
  // the order; start over instead (rare: a promotion within these milliseconds).
  if (ownedNow.some((m) => !owned.includes(m.organization_id))) throw new OwnershipMoved();
  // 3. Under the locks, the organizations that would be left without an owner.
  const orphaned: Array<{ id: string; slug: string; name: string }> = [];
  for (const m of ownedNow) {
    if ((await repo.countOtherOwners(trx, m.organization_id, user.id)) === 0) {
      orphaned.push({ id: m.organization_id, slug: m.slug, name: m.name });
    }
  }
  if (orphaned.length > 0) {
    throw MemberErrors.LAST_OWNER(
      { organizations: orphaned },
      `You are the last owner of ${orphaned.map((o) => o.name).join(', ')}: make another member an owner, or delete the organization, before deleting your account.`,
    );
  }
  // 4. Each membership's end, recorded where the organization reads it; then the account goes.
  const actor: Actor = { type: 'user', id: user.id, ip };
  await recordAudits(trx, actor, [
    ...memberships.map((m) => ({
      organizationId: m.organization_id,
      action: 'member.removed',
      targetType: 'user',
      targetId: user.id,
      data: { role: m.role, status: m.status, source: m.source, reason: 'account_deleted' },
    })),
    {
      organizationId: null,
      action: 'user.deleted',
      targetType: 'user',
      targetId: user.id,
      data: { organizations: memberships.filter((m) => m.status === 'active').length },
    },
  ]);
  for (const m of memberships) {
    // Withdrawing a pending membership removes no member: only an active one's end is an event.
    if (m.status !== 'active') continue;
    await publishEvent(trx, {
      organizationId: m.organization_id,
      type: 'member.removed',
      data: { userId: user.id, role: m.role, reason: 'account_deleted' },
      actor,
    });
  }
  await enqueueEmail(trx, null, accountDeletedEmail({ to: me.email, name: me.name }));
  await repo.deleteUser(trx, user.id);
}

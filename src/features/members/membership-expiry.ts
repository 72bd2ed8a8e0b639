/**
 * Access that ends on its own. A membership past `expires_at` already grants nothing (every read of a
 * standing, and the permission check, see to that); this pass removes it — under the organization's
 * lock, as every removal — with an audit entry (`member.expired`) and a `member.removed` event
 * (`data.reason: expired`), and emails the people whose access ends within a week, once per expiry.
 */
import { sql } from 'kysely';
import type { Context } from '../../context.ts';
import { renderEmail } from '../../lib/email-layout.ts';
import { recordAudit, SYSTEM_ACTOR } from '../audit/audit.repository.ts';
import { publishEvent } from '../events/event.service.ts';
import { lockOrg } from '../organizations/organization.repository.ts';
import { enqueueEmail } from '../outbox/outbox.repository.ts';

/** How long before its end a person is told their access ends. */
export const EXPIRY_REMINDER_DAYS = 7;

/** Removes memberships past their expiry, up to `batch` a pass; returns how many it removed. */
export async function sweepExpiredMemberships(ctx: Context, batch = 200): Promise<number> {
  const due = await ctx.db
    .selectFrom('memberships')
    .select(['id', 'organization_id'])
    .where('expires_at', '<=', sql<Date>`now()`)
    .orderBy('expires_at')
    .limit(batch)
    .execute();
  let removed = 0;
  for (const m of due) {
    const done = await ctx.transaction(async (trx) => {
      if (!(await lockOrg(trx, m.organization_id))) return false;
      // Under the lock: still past its expiry (an admin may have extended it meanwhile).
      const row = await trx
        .deleteFrom('memberships')
        .where('id', '=', m.id)
        .where('expires_at', '<=', sql<Date>`now()`)
        .returning(['user_id', 'role', 'status', 'expires_at'])
        .executeTakeFirst();
      if (!row) return false;
      await recordAudit(trx, SYSTEM_ACTOR, {
        organizationId: m.organization_id,
        action: 'member.expired',
        targetType: 'user',
        targetId: row.user_id,
        data: { role: row.role, status: row.status, expiresAt: row.expires_at },
      });
      if (row.status === 'active') {
        await publishEvent(trx, {
          organizationId: m.organization_id,
          type: 'member.removed',
          data: { userId: row.user_id, role: row.role, reason: 'expired' },
          actor: SYSTEM_ACTOR,
        });
      }
      return true;
    });
    if (done) removed += 1;
  }
  return removed;
}

/**
 * Emails each person whose active membership ends within EXPIRY_REMINDER_DAYS and who has not been
 * told of this expiry yet (`expiry_reminded_at`, cleared when the expiry changes). The mark and the
 * emails commit together; returns how many were told.
 */
export async function remindExpiringMemberships(ctx: Context, batch = 200): Promise<number> {
  return ctx.transaction(async (trx) => {
    const rows = await sql<{
      organization_id: string;
      expires_at: Date;
      email: string;
      org_name: string;
      slug: string;
    }>`
      WITH due AS MATERIALIZED (
        SELECT id FROM memberships
        WHERE status = 'active' AND expiry_reminded_at IS NULL AND expires_at > now()
          AND expires_at <= now() + make_interval(days => ${EXPIRY_REMINDER_DAYS})
        ORDER BY expires_at
        LIMIT ${batch}
        FOR UPDATE SKIP LOCKED
      )
      UPDATE memberships m SET expiry_reminded_at = now()
      FROM due, users u, organizations o
      WHERE m.id = due.id AND u.id = m.user_id AND o.id = m.organization_id
      RETURNING m.organization_id, m.expires_at, u.email, o.name AS org_name, o.slug
    `.execute(trx);
    for (const r of rows.rows) {
      await enqueueEmail(trx, r.organization_id, {
        to: r.email,
        ...renderEmail({
          subject: `Your access to ${r.org_name} ends on ${new Date(r.expires_at).toUTCString()}`,
          heading: `Your access to ${r.org_name} ends soon`,
          paragraphs: [
            `Your membership of ${r.org_name} ends on ${new Date(r.expires_at).toUTCString()}.`,
            'If you still need access after that, ask one of its admins to extend it.',
          ],
          action: { label: `Open ${r.org_name}`, url: `${ctx.config.publicUrl}/orgs/${r.slug}` },
        }),
      });
    }
    return rows.rows.length;
  });
}

/** One pass of both: what the membership sweeper runs. */
export async function sweepMembershipExpiry(ctx: Context): Promise<number> {
  return (await remindExpiringMemberships(ctx)) + (await sweepExpiredMemberships(ctx));
}

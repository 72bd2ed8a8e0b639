/**
 * The analytics sink: one interface, `record(trx, event)`. Events go to the `analytics_events` table,
 * in the transaction of the change (so a rolled-back change records nothing, and each change records
 * once); with ANALYTICS_LOG they are also written to the log once the change commits.
 */
import { type Trx, transactionScope } from '../../context.ts';
import type { Actor } from '../audit/audit.repository.ts';
import type { EventType } from './event-types.ts';

export interface AnalyticsEvent {
  id: string;
  organizationId: string | null;
  type: EventType;
  actor: Actor;
  data: Record<string, unknown>;
  createdAt: Date;
}

export interface AnalyticsSink {
  record(trx: Trx, event: AnalyticsEvent): Promise<void>;
}

/** The row of `analytics_events` an event is stored as. */
export function analyticsRow(e: AnalyticsEvent) {
  return {
    id: e.id,
    organization_id: e.organizationId,
    type: e.type,
    actor_type: e.actor.type,
    actor_id: e.actor.id,
    data: JSON.stringify(e.data),
    created_at: e.createdAt,
  };
}

export const tableSink: AnalyticsSink = {
  async record(trx, e) {
    await trx.insertInto('analytics_events').values(analyticsRow(e)).execute();
  },
};

/** Writes the event to the context's log after the transaction commits. */
export const logSink: AnalyticsSink = {
  async record(trx, e) {
    const scope = transactionScope(trx);
    if (!scope) return;
    const { actor, ...rest } = e;
    scope.afterCommit.push(() =>
      scope.ctx.log.info(
        { analytics: { ...rest, actor: { type: actor.type, id: actor.id } } },
        'analytics event',
      ),
    );
  },
};

/** The sinks for a transaction: the table always, the log when the configuration asks for it. */
export function sinksFor(trx: Trx): AnalyticsSink[] {
  return transactionScope(trx)?.ctx.config.analyticsLog ? [tableSink, logSink] : [tableSink];
}

export async function recordAnalytics(trx: Trx, event: AnalyticsEvent): Promise<void> {
  for (const sink of sinksFor(trx)) await sink.record(trx, event);
}

/** SQL for webhook endpoints (their delivery log: webhook-deliveries.repository.ts). */
import { type Kysely, sql, type Updateable } from 'kysely';
import type { DB, WebhookEndpointsTable } from '../../db/schema.ts';

/**
 * The organization's enabled endpoints with the event types they subscribe to: the one definition of
 * who receives an organization's events, as a query to run alone or inside another statement (the
 * invite and the accept read it in a round trip they make anyway). `organization`: an id, or a column.
 */
export function subscribersOf(organization: string | ReturnType<typeof sql.ref>) {
  return sql`SELECT e.id, e.event_types FROM webhook_endpoints e
    WHERE e.organization_id = ${organization} AND e.disabled_at IS NULL`;
}

const ENDPOINT_COLUMNS = [
  'id',
  'organization_id',
  'url',
  'description',
  'event_types',
  'disabled_at',
  'disabled_reason',
  'last_success_at',
  'last_failure_at',
  'created_at',
  'updated_at',
] as const;

export type EndpointRow = Awaited<ReturnType<typeof findEndpoint>> & {};

export function insertEndpoint(
  db: Kysely<DB>,
  values: {
    id: string;
    organizationId: string;
    url: string;
    description: string | null;
    eventTypes: string[];
    secret: string;
    createdBy: string | null;
  },
) {
  return db
    .insertInto('webhook_endpoints')
    .values({
      id: values.id,
      organization_id: values.organizationId,
      url: values.url,
      description: values.description,
      event_types: values.eventTypes,
      secret: values.secret,
      created_by: values.createdBy,
    })
    .returning(ENDPOINT_COLUMNS)
    .executeTakeFirstOrThrow();
}

export function findEndpoint(db: Kysely<DB>, organizationId: string, id: string) {
  return db
    .selectFrom('webhook_endpoints')
    .select(ENDPOINT_COLUMNS)
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export function listEndpoints(db: Kysely<DB>, organizationId: string) {
  return db
    .selectFrom('webhook_endpoints')
    .select(ENDPOINT_COLUMNS)
    .where('organization_id', '=', organizationId)
    .orderBy('id')
    .execute();
}

export async function countEndpoints(db: Kysely<DB>, organizationId: string): Promise<number> {
  const row = await db
    .selectFrom('webhook_endpoints')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('organization_id', '=', organizationId)
    .executeTakeFirstOrThrow();
  return row.n;
}

export type EndpointPatch = Omit<Updateable<WebhookEndpointsTable>, 'id' | 'organization_id' | 'created_at'>;

export function updateEndpoint(db: Kysely<DB>, organizationId: string, id: string, patch: EndpointPatch) {
  return db
    .updateTable('webhook_endpoints')
    .set({ ...patch, updated_at: sql`now()` })
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .returning(ENDPOINT_COLUMNS)
    .executeTakeFirst();
}

export function deleteEndpoint(db: Kysely<DB>, organizationId: string, id: string) {
  return db
    .deleteFrom('webhook_endpoints')
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .returning('id')
    .executeTakeFirst();
}

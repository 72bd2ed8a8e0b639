import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { decodeCursor, PageQuery, pageEnvelope, toPage } from '../../lib/pagination.ts';
import { Timestamp, withErrors } from '../../lib/schemas.ts';
import { authorize } from '../access/org-access.ts';
import { OrgParams } from '../organizations/organization.schemas.ts';
import { listAudit } from './audit.repository.ts';

const MAX_BIGINT = 2n ** 63n - 1n;
/** An audit id is a positive bigint; a cursor key past its range is not one this list returned. */
const isAuditId = (key: string) => /^[1-9]\d{0,18}$/.test(key) && BigInt(key) <= MAX_BIGINT;

const AuditEntry = Type.Object({
  id: Type.String(),
  actor: Type.Object({
    type: Type.Union(['user', 'api_key', 'app', 'system'].map((t) => Type.Literal(t))),
    id: Type.Union([Type.String(), Type.Null()]),
    name: Type.Union([Type.String(), Type.Null()], {
      description:
        "a person's, an API key's or an app's name as it is now; null for the system or when deleted",
    }),
    email: Type.Union([Type.String(), Type.Null()], { description: "a person's email as it is now" }),
    deleted: Type.Boolean({
      description: 'the account, key or app has been deleted since: the entry keeps its id only',
    }),
  }),
  action: Type.String({ description: 'e.g. member.role_changed' }),
  target: Type.Union([
    Type.Object({ type: Type.String(), id: Type.Union([Type.String(), Type.Null()]) }),
    Type.Null(),
  ]),
  ip: Type.Union([Type.String(), Type.Null()]),
  data: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Timestamp,
});

const AuditQuery = Type.Object(
  {
    ...PageQuery,
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    actorId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
);

export default async function auditRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/organizations/:org/audit-log',
    {
      schema: {
        tags: ['audit'],
        summary: "The organization's audit log, newest first (audit:read)",
        params: OrgParams,
        querystring: AuditQuery,
        response: withErrors({ 200: pageEnvelope(AuditEntry) }, 400, 401, 403, 404),
      },
    },
    async (request) => {
      const access = await authorize(
        app.ctx,
        request.principal,
        request.params.org,
        'audit:read',
        request.ip,
      );
      const { limit, cursor, action, actorId } = request.query;
      const beforeId = decodeCursor('a', cursor, isAuditId);
      const rows = await listAudit(app.ctx.db, {
        organizationId: access.org.id,
        limit,
        beforeId,
        action,
        actorId,
      });
      return toPage(
        rows,
        limit,
        (r) => String(r.id),
        'a',
        (r) => ({
          id: String(r.id),
          actor: {
            type: r.actor_type,
            id: r.actor_id,
            name: r.actor_name,
            email: r.actor_email,
            deleted: r.actor_deleted,
          },
          action: r.action,
          target: r.target_type ? { type: r.target_type, id: r.target_id } : null,
          ip: r.ip,
          data: r.data,
          createdAt: r.created_at,
        }),
      );
    },
  );
}

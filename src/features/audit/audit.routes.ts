/**
 * The audit log over HTTP: a page of an organization's entries (filtered by action, actor, target and
 * date range), every entry of a filtered range exported as CSV or JSON, and the catalog of actions the
 * filters pick from. Reading and exporting need audit:read; an export is itself audited.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type TSchema, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { PageQuery, pageEnvelope } from '../../lib/pagination.ts';
import { ref, Timestamp, withErrors } from '../../lib/schemas.ts';
import { orgAccess } from '../access/org-access.ts';
import { OrgParams } from '../organizations/organization.schemas.ts';
import { EXPORT_LIMIT, exportAudit, listAuditEntries } from './audit.service.ts';
import { auditActionList } from './audit-actions.ts';

const Nullable = <T extends TSchema>(schema: T, description?: string) =>
  Type.Union([schema, Type.Null()], description ? { description } : {});

export const AuditEntry = Type.Object(
  {
    id: Type.String({ description: 'Increasing: a later entry has a larger id.' }),
    actor: Type.Object({
      type: Type.Union(['user', 'api_key', 'app', 'system'].map((t) => Type.Literal(t))),
      id: Nullable(Type.String()),
      name: Nullable(
        Type.String(),
        "a person's, an API key's or an app's name as it is now; null for the system or when deleted",
      ),
      email: Nullable(Type.String(), "a person's email as it is now"),
      deleted: Type.Boolean({
        description: 'the account, key or app has been deleted since: the entry keeps its id only',
      }),
    }),
    action: Type.String({ description: 'One of `GET /v1/audit/actions`, e.g. member.role_changed' }),
    target: Nullable(
      Type.Object({
        type: Type.String({ description: 'user, invitation, app, installation, webhook_endpoint …' }),
        id: Nullable(Type.String()),
        name: Nullable(
          Type.String(),
          "what the target is called now: a person's or an app's name (an installation's app), a webhook endpoint's description or URL, the organization's or an API key's name",
        ),
        email: Nullable(Type.String(), "a person's email, or the address an invitation went to"),
        slug: Nullable(Type.String(), "an app's URL name (for an app, or an installation of one)"),
        deleted: Type.Boolean({
          description: 'the target has been deleted since (a person, app, invitation, endpoint …)',
        }),
      }),
      'what the action was done to; null when nothing but the organization',
    ),
    ip: Nullable(Type.String()),
    data: Type.Record(Type.String(), Type.Unknown(), { description: 'What changed (see the catalog).' }),
    createdAt: Timestamp,
  },
  { $id: 'AuditEntry', title: 'AuditEntry' },
);

const Filters = {
  action: Type.Optional(
    Type.String({ minLength: 1, maxLength: 100, description: 'An action of `GET /v1/audit/actions`.' }),
  ),
  actorId: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 100,
      description: "The actor's id: a person, an API key or an app.",
    }),
  ),
  targetType: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 50,
      pattern: '^[a-z_]+$',
      description: 'The kind of target: user, invitation, app, installation, webhook_endpoint …',
    }),
  ),
  targetId: Type.Optional(
    Type.String({ minLength: 1, maxLength: 100, description: "The target's id (with `targetType`)." }),
  ),
  since: Type.Optional(
    Type.String({ format: 'date-time', description: 'Entries at or after this instant (ISO 8601).' }),
  ),
  until: Type.Optional(
    Type.String({
      format: 'date-time',
      description: 'Entries before this instant (ISO 8601); later than `since` (else VALIDATION_FAILED).',
    }),
  ),
};

const AuditQuery = Type.Object({ ...PageQuery, ...Filters }, { additionalProperties: false });

const ExportQuery = Type.Object(
  {
    format: Type.Union([Type.Literal('csv'), Type.Literal('json')], {
      description: 'csv: a header row, then one line per entry; json: one array of entries',
    }),
    ...Filters,
  },
  { additionalProperties: false },
);

const ActionList = Type.Object({
  data: Type.Array(
    Type.Object({
      action: Type.String({ description: 'e.g. member.role_changed' }),
      category: Type.String({ description: 'The part before the dot: member, invitation, app …' }),
      description: Type.String(),
    }),
  ),
});

export default async function auditRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(AuditEntry);

  app.get(
    '/v1/audit/actions',
    {
      schema: {
        tags: ['audit'],
        summary: 'The actions the audit log records, each with what it means: what its filter picks from',
        response: { 200: ActionList },
      },
    },
    async () => ({ data: auditActionList() }),
  );

  app.get(
    '/v1/organizations/:org/audit-log',
    {
      schema: {
        tags: ['audit'],
        summary:
          "The organization's audit log, newest first, filtered by action, actor, target and date range (audit:read)",
        params: OrgParams,
        querystring: AuditQuery,
        response: withErrors({ 200: pageEnvelope(ref(AuditEntry)) }, 400, 401, 403, 404),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return listAuditEntries(app.ctx, access, request.query);
    },
  );

  app.get(
    '/v1/organizations/:org/audit-log/export',
    {
      // A HEAD would record an export that sent nothing.
      exposeHeadRoute: false,
      schema: {
        tags: ['audit'],
        summary: `Every entry matching the filters, newest first, as a CSV or JSON download (audit:read; audited as audit_log.exported; at most ${EXPORT_LIMIT.toLocaleString('en')} entries, the newest — \`x-export-truncated: true\` says more matched)`,
        params: OrgParams,
        querystring: ExportQuery,
        response: withErrors(
          {
            200: Type.Unsafe({
              description: 'The entries, as an attachment (`content-disposition`)',
              content: {
                'text/csv': {
                  schema: Type.String({
                    description:
                      'RFC 4180, CRLF line ends; columns id, createdAt, action, actorType, actorId, actorName, actorEmail, actorDeleted, targetType, targetId, targetName, targetEmail, targetDeleted, ip, data (JSON). A text starting with =, +, -, @, a tab or a CR is prefixed with an apostrophe.',
                  }),
                },
                'application/json': { schema: Type.Array(ref(AuditEntry)) },
              },
            }),
          },
          400,
          401,
          403,
          404,
        ),
      },
    },
    async (request, reply) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      const { format, ...filters } = request.query;
      const out = await exportAudit(app.ctx, access, format, filters);
      reply
        .header('content-type', out.contentType)
        .header('content-disposition', `attachment; filename="${out.filename}"`)
        .header('cache-control', 'no-store')
        .header('x-export-truncated', String(out.truncated));
      return reply.send(out.stream);
    },
  );
}

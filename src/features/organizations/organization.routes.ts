import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ref, withErrors } from '../../lib/schemas.ts';
import { requireUser } from '../../plugins/auth.plugin.ts';
import { orgAccess } from '../access/org-access.ts';
import { actorOf } from '../auth/principal.ts';
import {
  CreateOrganizationBody,
  MyOrganization,
  Organization,
  OrgParams,
  serializeOrganization,
  UpdateOrganizationBody,
} from './organization.schemas.ts';
import * as orgs from './organization.service.ts';

export default async function organizationRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(Organization);

  app.post(
    '/v1/organizations',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Create an organization; the caller becomes its owner',
        body: CreateOrganizationBody,
        response: withErrors({ 201: ref(Organization) }, 400, 401, 403, 409),
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const org = await orgs.createOrganization(
        app.ctx,
        user.user.id,
        request.body,
        actorOf(user, request.ip),
      );
      return reply.status(201).send(serializeOrganization(org));
    },
  );

  app.get(
    '/v1/me/organizations',
    {
      schema: {
        tags: ['me'],
        summary: "The signed-in user's memberships, with organization and role",
        response: withErrors({ 200: Type.Object({ data: Type.Array(MyOrganization) }) }, 401, 403),
      },
    },
    async (request) => {
      const rows = await orgs.listMyOrganizations(app.ctx, requireUser(request));
      return {
        data: rows.map((r) => ({
          organization: { id: r.id, slug: r.slug, name: r.name, mfaRequired: r.mfa_required },
          membershipId: r.membership_id,
          role: r.role,
          status: r.status,
          source: r.source,
          joinedAt: r.joined_at,
        })),
      };
    },
  );

  app.get(
    '/v1/organizations/:org',
    {
      schema: {
        tags: ['organizations'],
        summary:
          'Read an organization and its settings (org:read; a member held back by mfaRequired may read it too, with viewer.mfa.enrolled false and no scopes)',
        params: OrgParams,
        response: withErrors({ 200: ref(Organization) }, 401, 403, 404),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return serializeOrganization(orgs.viewOrganization(access));
    },
  );

  app.patch(
    '/v1/organizations/:org',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Change name, slug or settings (org:write)',
        params: OrgParams,
        body: UpdateOrganizationBody,
        response: withErrors({ 200: ref(Organization) }, 400, 401, 403, 404, 409),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return serializeOrganization(await orgs.updateOrganization(app.ctx, access, request.body));
    },
  );

  app.delete(
    '/v1/organizations/:org',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Delete an organization and its memberships (org:delete)',
        params: OrgParams,
        response: withErrors({ 204: Type.Null() }, 401, 403, 404),
      },
    },
    async (request, reply) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      await orgs.deleteOrganization(app.ctx, access);
      return reply.status(204).send(null);
    },
  );
}

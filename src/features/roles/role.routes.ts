import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ref, withErrors } from '../../lib/schemas.ts';
import { orgAccess } from '../access/org-access.ts';
import { OrgParams } from '../organizations/organization.schemas.ts';
import { CreateRoleBody, DeleteRoleQuery, OrgRole, RoleParams, UpdateRoleBody } from './role.schemas.ts';
import * as roles from './role.service.ts';

export default async function roleRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(OrgRole);

  app.get(
    '/v1/organizations/:org/roles',
    {
      schema: {
        tags: ['members'],
        summary: "The roles a member can hold: the built-in ones, then the organization's own (org:read)",
        params: OrgParams,
        response: withErrors({ 200: Type.Object({ data: Type.Array(ref(OrgRole)) }) }, 400, 401, 403, 404),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return roles.listRoles(app.ctx, access);
    },
  );

  app.post(
    '/v1/organizations/:org/roles',
    {
      schema: {
        tags: ['members'],
        summary: 'Define a role of the organization: a set of scopes, all within your own (role:admin)',
        params: OrgParams,
        body: CreateRoleBody,
        response: withErrors({ 201: ref(OrgRole) }, 400, 401, 403, 404, 409),
      },
    },
    async (request, reply) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return reply.status(201).send(await roles.createRole(app.ctx, access, request.body));
    },
  );

  app.get(
    '/v1/organizations/:org/roles/:key',
    {
      schema: {
        tags: ['members'],
        summary: 'One role, built-in or the organization’s own (org:read)',
        params: RoleParams,
        response: withErrors({ 200: ref(OrgRole) }, 400, 401, 403, 404),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return roles.getRole(app.ctx, access, request.params.key);
    },
  );

  app.patch(
    '/v1/organizations/:org/roles/:key',
    {
      schema: {
        tags: ['members'],
        summary:
          "Rename, describe or change the scopes of one of the organization's own roles; its members hold the new scopes at once (role:admin)",
        params: RoleParams,
        body: UpdateRoleBody,
        response: withErrors({ 200: ref(OrgRole) }, 400, 401, 403, 404, 409),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return roles.updateRole(app.ctx, access, request.params.key, request.body);
    },
  );

  app.delete(
    '/v1/organizations/:org/roles/:key',
    {
      schema: {
        tags: ['members'],
        summary:
          "Delete one of the organization's own roles; while anything holds it, `replaceWith` names the role its holders move to (role:admin, and member:admin to move them)",
        params: RoleParams,
        querystring: DeleteRoleQuery,
        response: withErrors({ 204: Type.Null() }, 400, 401, 403, 404, 409),
      },
    },
    async (request, reply) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      await roles.deleteRole(app.ctx, access, request.params.key, request.query.replaceWith);
      return reply.status(204).send(null);
    },
  );
}

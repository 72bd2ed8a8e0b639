import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ref, withErrors } from '../../lib/schemas.ts';
import { createSweeper } from '../../lib/sweeper.ts';
import { credentialOf } from '../../plugins/auth.plugin.ts';
import { orgAccess } from '../access/org-access.ts';
import { checkMany, checkPermissions } from '../access/permission-check.ts';
import { OrgParams } from '../organizations/organization.schemas.ts';
import {
  ChangeMemberBody,
  ListMembersQuery,
  Member,
  MemberPage,
  MemberParams,
  PermissionCheckResults,
  PermissionChecksBody,
  Permissions,
} from './member.schemas.ts';
import * as members from './member.service.ts';
import { sweepMembershipExpiry } from './membership-expiry.ts';

export default async function memberRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const sweeper = createSweeper({
    what: 'memberships past their expiry removed, or their people told it is near',
    run: () => sweepMembershipExpiry(app.ctx),
    log: app.log as Logger,
    intervalMs: app.ctx.config.membershipSweepMs,
  });
  app.addHook('onReady', async () => sweeper.start());
  app.addHook('onClose', async () => sweeper.stop());

  app.get(
    '/v1/organizations/:org/members',
    {
      schema: {
        tags: ['members'],
        summary: 'List members, in join order, cursor-paginated (member:read)',
        params: OrgParams,
        querystring: ListMembersQuery,
        response: withErrors({ 200: MemberPage }, 400, 401, 403, 404),
      },
      // The page arrives as the response's JSON text, written by the database in the schema's shape
      // (members.listMembers), and is sent as it is (a string with a JSON content type is not
      // serialized again). Error envelopes are written by JSON.stringify, as the schema's serializer
      // would write them, at a fraction of its cost. The schema still documents the page.
      serializerCompiler: () => (data) => JSON.stringify(data),
    },
    async (request, reply) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      const page = await members.listMembers(app.ctx, access, request.query);
      return reply.type('application/json; charset=utf-8').send(page);
    },
  );

  app.get(
    '/v1/organizations/:org/members/:userId',
    {
      schema: {
        tags: ['members'],
        summary: 'Read one membership (member:read)',
        params: MemberParams,
        response: withErrors({ 200: ref(Member) }, 400, 401, 403, 404),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return members.getMember(app.ctx, access, request.params.userId);
    },
  );

  app.get(
    '/v1/organizations/:org/members/:userId/permissions',
    {
      config: { auth: 'manual' },
      schema: {
        tags: ['members'],
        summary: 'Is this user a member, with which role and scopes? (member:read; one database round trip)',
        params: MemberParams,
        response: withErrors({ 200: Permissions }, 400, 401, 403, 404),
      },
    },
    async (request) =>
      checkPermissions(app.ctx, credentialOf(request), request.params.org, request.params.userId),
  );

  app.post(
    '/v1/permissions/check',
    {
      config: { auth: 'manual' },
      schema: {
        tags: ['members'],
        summary:
          'Ask up to 100 "may this user do this in this organization?" questions at once (API key or app token with member:read; one database round trip)',
        body: PermissionChecksBody,
        response: withErrors({ 200: PermissionCheckResults }, 400, 401, 403),
      },
    },
    async (request) => ({
      results: await checkMany(
        app.ctx,
        credentialOf(request),
        request.body.checks,
        request.body.explain ?? false,
      ),
    }),
  );

  app.patch(
    '/v1/organizations/:org/members/:userId',
    {
      schema: {
        tags: ['members'],
        summary:
          "Change a member's role, or when their membership ends on its own (member:admin; at or below your own role)",
        params: MemberParams,
        body: ChangeMemberBody,
        response: withErrors({ 200: ref(Member) }, 400, 401, 403, 404, 409),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return members.changeMember(app.ctx, access, request.params.userId, request.body);
    },
  );

  app.delete(
    '/v1/organizations/:org/members/:userId',
    {
      schema: {
        tags: ['members'],
        summary: 'Remove a member (member:admin), or leave when the user is yourself',
        params: MemberParams,
        response: withErrors({ 204: Type.Null() }, 400, 401, 403, 404, 409),
      },
    },
    async (request, reply) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      await members.removeMember(app.ctx, access, request.params.userId);
      return reply.status(204).send(null);
    },
  );
}

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ref, withErrors } from '../../lib/schemas.ts';
import { requireUser } from '../../plugins/auth.plugin.ts';
import { orgAccess } from '../access/org-access.ts';
import { Member } from '../members/member.schemas.ts';
import { OrgParams } from '../organizations/organization.schemas.ts';
import {
  AcceptedMembership,
  AddMemberBody,
  MembershipParams,
  SearchQuery,
  UserProfile,
} from './owner-add.schemas.ts';
import * as ownerAdds from './owner-add.service.ts';

export default async function ownerAddRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/v1/organizations/:org/members/search',
    {
      schema: {
        tags: ['members'],
        summary: 'Find a user by exact email, to add them (member:admin); 404 when there is none',
        params: OrgParams,
        querystring: SearchQuery,
        response: withErrors({ 200: UserProfile }, 400, 401, 403, 404),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return ownerAdds.searchUser(app.ctx, access, request.query.email);
    },
  );

  app.post(
    '/v1/organizations/:org/members',
    {
      schema: {
        tags: ['members'],
        summary:
          'Add an existing user (member:admin): a pending membership that becomes active only when they accept',
        params: OrgParams,
        body: AddMemberBody,
        response: withErrors({ 201: ref(Member) }, 400, 401, 403, 404, 409),
      },
    },
    async (request, reply) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return reply.status(201).send(await ownerAdds.addExistingUser(app.ctx, access, request.body));
    },
  );

  app.post(
    '/v1/me/memberships/:id/accept',
    {
      schema: {
        tags: ['me'],
        summary: 'Accept a pending owner-add: you become an active member',
        params: MembershipParams,
        response: withErrors({ 200: AcceptedMembership }, 400, 401, 403, 404, 409),
      },
    },
    async (request) => {
      const user = requireUser(request);
      return ownerAdds.answerOwnerAdd(app.ctx, user, request.params.id, 'accept', request.ip);
    },
  );

  app.post(
    '/v1/me/memberships/:id/decline',
    {
      schema: {
        tags: ['me'],
        summary: 'Decline a pending owner-add: the membership is deleted',
        params: MembershipParams,
        response: withErrors({ 204: Type.Null() }, 400, 401, 403, 404),
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      await ownerAdds.answerOwnerAdd(app.ctx, user, request.params.id, 'decline', request.ip);
      return reply.status(204).send(null);
    },
  );
}

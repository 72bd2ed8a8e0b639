import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { bodyOptional, ref, withErrors } from '../../lib/schemas.ts';
import { requireUser } from '../../plugins/auth.plugin.ts';
import { orgAccess } from '../access/org-access.ts';
import { Member } from '../members/member.schemas.ts';
import { OrgParams } from '../organizations/organization.schemas.ts';
import { MembershipParams } from '../owner-adds/owner-add.schemas.ts';
import {
  ApproveBody,
  JoinRequest,
  JoinRequestPage,
  JoinRequestParams,
  ListJoinRequestsQuery,
} from './join-request.schemas.ts';
import * as joinRequests from './join-request.service.ts';

export default async function joinRequestRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(JoinRequest);

  app.post(
    '/v1/organizations/:org/join-requests',
    {
      schema: {
        tags: ['join requests'],
        summary: 'Ask to join (signed in, no body): a pending membership an admin approves or rejects',
        params: OrgParams,
        response: withErrors({ 201: ref(Member) }, 400, 401, 403, 404, 409),
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const member = await joinRequests.requestToJoin(app.ctx, user, request.params.org, request.ip);
      return reply.status(201).send(member);
    },
  );

  app.get(
    '/v1/organizations/:org/join-requests',
    {
      schema: {
        tags: ['join requests'],
        summary: 'The approval queue: pending requests to join, oldest first (member:admin)',
        params: OrgParams,
        querystring: ListJoinRequestsQuery,
        response: withErrors({ 200: JoinRequestPage }, 400, 401, 403, 404),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return joinRequests.listJoinRequests(app.ctx, access, request.query);
    },
  );

  app.post(
    '/v1/organizations/:org/join-requests/:id/approve',
    {
      preValidation: bodyOptional,
      schema: {
        tags: ['join requests'],
        summary: 'Approve a request to join (member:admin): the user becomes an active member',
        params: JoinRequestParams,
        body: ApproveBody,
        response: withErrors({ 200: ref(Member) }, 400, 401, 403, 404, 409),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return joinRequests.answerJoinRequest(app.ctx, access, request.params.id, 'approve', request.body.role);
    },
  );

  app.post(
    '/v1/organizations/:org/join-requests/:id/reject',
    {
      schema: {
        tags: ['join requests'],
        summary: 'Reject a request to join (member:admin): it is deleted and the user may ask again',
        params: JoinRequestParams,
        response: withErrors({ 204: Type.Null() }, 400, 401, 403, 404, 409),
      },
    },
    async (request, reply) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      await joinRequests.answerJoinRequest(app.ctx, access, request.params.id, 'reject');
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/v1/me/memberships/:id',
    {
      schema: {
        tags: ['me'],
        summary: 'Withdraw your own pending request to join',
        params: MembershipParams,
        response: withErrors({ 204: Type.Null() }, 400, 401, 403, 404),
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      await joinRequests.cancelJoinRequest(app.ctx, user, request.params.id, request.ip);
      return reply.status(204).send(null);
    },
  );
}

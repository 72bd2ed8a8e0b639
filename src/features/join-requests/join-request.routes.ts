import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { invalidField } from '../../lib/errors.ts';
import { clientKey } from '../../lib/rate-limit.ts';
import { bodyOptional, ref, withErrors } from '../../lib/schemas.ts';
import { requireUser } from '../../plugins/auth.plugin.ts';
import { orgAccess } from '../access/org-access.ts';
import { CreatedInvitation } from '../invitations/invitation.schemas.ts';
import { invitationLimits } from '../invitations/invitation.service.ts';
import { Member } from '../members/member.schemas.ts';
import { OrgParams } from '../organizations/organization.schemas.ts';
import { MembershipParams } from '../owner-adds/owner-add.schemas.ts';
import {
  ApproveBody,
  AskBody,
  JoinPage,
  JoinRequest,
  JoinRequestPage,
  JoinRequestParams,
  ListJoinRequestsQuery,
  MyJoinRequest,
  MyJoinRequestList,
  MyJoinRequestParams,
  Received,
} from './join-request.schemas.ts';
import * as joinRequests from './join-request.service.ts';

export default async function joinRequestRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(JoinRequest);
  app.addSchema(MyJoinRequest);
  app.addSchema(JoinPage);
  const limits = invitationLimits(app.rateLimits, app.ctx.config);
  const perIp = app.rateLimits.limiter({
    name: 'join-ip',
    points: app.ctx.config.joinRequestLimitPerIp,
    durationSeconds: app.ctx.config.joinRequestLimitWindowSeconds,
  });
  // The join page reads this once per visit; the bound is on walking through addresses.
  const pagePerIp = app.rateLimits.limiter({ name: 'join-page-ip', points: 60, durationSeconds: 60 });

  app.get(
    '/v1/organizations/:org/public',
    {
      schema: {
        tags: ['organizations'],
        summary:
          'What the public join page shows, to anyone: the slug, whether the organization takes requests to join, and its name only if it does (60 a minute per client IP)',
        params: OrgParams,
        response: withErrors({ 200: ref(JoinPage) }, 404, 429),
      },
    },
    async (request) => {
      await pagePerIp.consume(clientKey(request.ip));
      return joinRequests.joinPageOf(app.ctx, request.params.org);
    },
  );

  app.post(
    '/v1/organizations/:org/join-requests',
    {
      preValidation: bodyOptional,
      schema: {
        tags: ['join requests'],
        summary:
          'Ask to join: anyone by `{email}` (always 202, the same answer whatever the address), or signed in with no body (201, a pending membership)',
        params: OrgParams,
        body: AskBody,
        response: withErrors({ 201: ref(Member), 202: Received }, 400, 401, 403, 404, 409, 429),
      },
    },
    async (request, reply) => {
      const email = request.body.email;
      if (email !== undefined || request.principal?.kind !== 'user') {
        // Every anonymous attempt counts, whatever it asks: probing costs the same as asking.
        await perIp.consume(clientKey(request.ip));
        if (email === undefined) throw invalidField('email', 'is required (or sign in to ask as yourself)');
        const answer = await joinRequests.askToJoinByEmail(app.ctx, request.params.org, email, request.ip);
        return reply.status(202).send(answer);
      }
      const member = await joinRequests.requestToJoin(
        app.ctx,
        request.principal,
        request.params.org,
        request.ip,
      );
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
        summary:
          "Approve a request to join (member:admin): a user's becomes an active membership (`role`, default member); one by email becomes an invitation with a link, emailed",
        params: JoinRequestParams,
        body: ApproveBody,
        response: withErrors(
          { 200: Type.Union([ref(Member), CreatedInvitation]) },
          400,
          401,
          403,
          404,
          409,
          429,
        ),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return joinRequests.answerAnyJoinRequest(
        app.ctx,
        limits,
        access,
        request.params.id,
        'approve',
        request.body.role,
      );
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
      await joinRequests.answerAnyJoinRequest(app.ctx, limits, access, request.params.id, 'reject');
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/me/join-requests',
    {
      schema: {
        tags: ['me'],
        summary:
          'Your requests to join: those waiting, and those answered (approved or rejected) in the last 30 days',
        response: withErrors({ 200: MyJoinRequestList }, 401, 403),
      },
    },
    async (request) => joinRequests.listMyJoinRequests(app.ctx, requireUser(request)),
  );

  app.post(
    '/v1/me/join-requests/:id/dismiss',
    {
      schema: {
        tags: ['me'],
        summary:
          'Say you have read the answer to one of your requests to join: it stays listed, with dismissedAt (204; again changes nothing)',
        params: MyJoinRequestParams,
        response: withErrors({ 204: Type.Null() }, 401, 403, 404),
      },
    },
    async (request, reply) => {
      await joinRequests.dismissMyJoinRequest(app.ctx, requireUser(request), request.params.id);
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

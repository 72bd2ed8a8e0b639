import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { clientKey } from '../../lib/rate-limit.ts';
import { withErrors } from '../../lib/schemas.ts';
import { requireUser } from '../../plugins/auth.plugin.ts';
import { orgAccess } from '../access/org-access.ts';
import { OrgParams } from '../organizations/organization.schemas.ts';
import {
  CreateJoinLinkBody,
  IssuedJoinLink,
  JoinLink,
  JoinLinkPage,
  JoinLinkParams,
  JoinLinkPreview,
  JoinLinkTokenBody,
  JoinLinkTokenParams,
  JoinLinkUse,
  ListJoinLinksQuery,
} from './join-link.schemas.ts';
import * as joinLinks from './join-link.service.ts';

export default async function joinLinkRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(JoinLink);
  // A landing page reads its link once per visit; the bound is on walking through tokens.
  const previewPerIp = app.rateLimits.limiter({ name: 'join-link-ip', points: 60, durationSeconds: 60 });

  app.post(
    '/v1/organizations/:org/join-links',
    {
      schema: {
        tags: ['join links'],
        summary:
          'Make a shareable join link (member:admin): 201 with the link, its URL and its token, shown this once',
        params: OrgParams,
        body: CreateJoinLinkBody,
        response: withErrors({ 201: IssuedJoinLink }, 400, 401, 403, 404, 409),
      },
    },
    async (request, reply) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return reply.status(201).send(await joinLinks.createJoinLink(app.ctx, access, request.body));
    },
  );

  app.get(
    '/v1/organizations/:org/join-links',
    {
      schema: {
        tags: ['join links'],
        summary: "The organization's join links, newest first, with their state and uses (member:admin)",
        params: OrgParams,
        querystring: ListJoinLinksQuery,
        response: withErrors({ 200: JoinLinkPage }, 400, 401, 403, 404),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return joinLinks.listJoinLinks(app.ctx, access, request.query);
    },
  );

  app.delete(
    '/v1/organizations/:org/join-links/:id',
    {
      schema: {
        tags: ['join links'],
        summary: 'Revoke a join link: it admits no one from now on (member:admin; revoking twice is a no-op)',
        params: JoinLinkParams,
        response: withErrors({ 204: Type.Null() }, 400, 401, 403, 404),
      },
    },
    async (request, reply) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      await joinLinks.revokeJoinLink(app.ctx, access, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/organizations/:org/join-links/:id/rotate',
    {
      schema: {
        tags: ['join links'],
        summary:
          'Replace the token of a join link: the old URL stops working; settings and uses stay (member:admin)',
        params: JoinLinkParams,
        response: withErrors({ 200: IssuedJoinLink }, 400, 401, 403, 404, 410),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return joinLinks.rotateJoinLink(app.ctx, access, request.params.id);
    },
  );

  app.get(
    '/v1/join-links/:token',
    {
      schema: {
        tags: ['join links'],
        summary:
          'What a join link gives, without signing in: the organization, the role, approval, expiry, domains — or why it admits no one (60 a minute per client IP)',
        params: JoinLinkTokenParams,
        response: withErrors({ 200: JoinLinkPreview }, 400, 429),
      },
    },
    async (request) => {
      await previewPerIp.consume(clientKey(request.ip));
      return joinLinks.previewJoinLink(app.ctx, request.params.token);
    },
  );

  app.post(
    '/v1/join-links/preview',
    {
      schema: {
        tags: ['join links'],
        summary: 'The same, with the token in the body (keeps it out of URLs and access logs)',
        body: JoinLinkTokenBody,
        response: withErrors({ 200: JoinLinkPreview }, 400, 429),
      },
    },
    async (request) => {
      await previewPerIp.consume(clientKey(request.ip));
      return joinLinks.previewJoinLink(app.ctx, request.body.token);
    },
  );

  app.post(
    '/v1/join-links/:token/use',
    {
      schema: {
        tags: ['join links'],
        summary:
          'Join through a link, signed in with a verified email: an active membership, or a request to join when the link asks for approval',
        params: JoinLinkTokenParams,
        response: withErrors({ 200: JoinLinkUse }, 400, 401, 403, 404, 409, 410),
      },
    },
    async (request) => joinLinks.useJoinLink(app.ctx, requireUser(request), request.params.token, request.ip),
  );

  app.post(
    '/v1/join-links/use',
    {
      schema: {
        tags: ['join links'],
        summary: 'The same, with the token in the body (keeps it out of URLs and access logs)',
        body: JoinLinkTokenBody,
        response: withErrors({ 200: JoinLinkUse }, 400, 401, 403, 404, 409, 410),
      },
    },
    async (request) => joinLinks.useJoinLink(app.ctx, requireUser(request), request.body.token, request.ip),
  );
}

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ref, withErrors } from '../../lib/schemas.ts';
import { createSweeper } from '../../lib/sweeper.ts';
import { requireUser } from '../../plugins/auth.plugin.ts';
import { orgAccess } from '../access/org-access.ts';
import { OrgParams } from '../organizations/organization.schemas.ts';
import {
  AddDomainBody,
  Applied,
  DomainParams,
  DomainPolicyBody,
  OrgDomain,
  SuggestedOrganizations,
} from './domain.schemas.ts';
import * as domains from './domain.service.ts';

export default async function domainRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(OrgDomain);
  const sweeper = createSweeper({
    what: 'verified domains whose TXT record went missing, came back, or stayed missing too long',
    run: () => domains.recheckDomains(app.ctx, app.ctx.config.domainRecheckMs),
    log: app.log as Logger,
    intervalMs: app.ctx.config.domainRecheckMs,
  });
  app.addHook('onReady', async () => sweeper.start());
  app.addHook('onClose', async () => sweeper.stop());

  app.get(
    '/v1/organizations/:org/domains',
    {
      schema: {
        tags: ['organizations'],
        summary: "The organization's domains, verified or not, with the TXT record each needs (member:read)",
        params: OrgParams,
        response: withErrors({ 200: Type.Object({ data: Type.Array(ref(OrgDomain)) }) }, 400, 401, 403, 404),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return domains.listDomains(app.ctx, access);
    },
  );

  app.post(
    '/v1/organizations/:org/domains',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Add a domain: the answer holds the DNS TXT record to publish before verifying (org:write)',
        params: OrgParams,
        body: AddDomainBody,
        response: withErrors({ 201: ref(OrgDomain) }, 400, 401, 403, 404, 409),
      },
    },
    async (request, reply) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return reply.status(201).send(await domains.addDomain(app.ctx, access, request.body.domain));
    },
  );

  app.post(
    '/v1/organizations/:org/domains/:id/verify',
    {
      schema: {
        tags: ['organizations'],
        summary:
          'Look the TXT record up and, when it is there, verify the domain (org:write); one organization holds a domain verified at a time',
        params: DomainParams,
        response: withErrors({ 200: ref(OrgDomain) }, 400, 401, 403, 404, 409, 503),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return domains.verifyDomain(app.ctx, access, request.params.id);
    },
  );

  app.patch(
    '/v1/organizations/:org/domains/:id',
    {
      schema: {
        tags: ['organizations'],
        summary:
          "Set a verified domain's policy (org:write; auto_join also member:admin, its role within your scopes); switching auto_join on applies it to the people already verified there",
        params: DomainParams,
        body: DomainPolicyBody,
        response: withErrors(
          { 200: Type.Intersect([ref(OrgDomain), Type.Object({ applied: Applied })]) },
          400,
          401,
          403,
          404,
          409,
        ),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return domains.setDomainPolicy(app.ctx, access, request.params.id, request.body);
    },
  );

  app.delete(
    '/v1/organizations/:org/domains/:id',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Remove a domain (org:write); its policy stops, the members it brought stay',
        params: DomainParams,
        response: withErrors({ 204: Type.Null() }, 400, 401, 403, 404),
      },
    },
    async (request, reply) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      await domains.removeDomain(app.ctx, access, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/me/suggested-organizations',
    {
      schema: {
        tags: ['me'],
        summary:
          'Organizations that suggest themselves to you by your verified email’s domain; ask to join with POST …/join-requests',
        response: withErrors({ 200: SuggestedOrganizations }, 401, 403),
      },
    },
    async (request) => domains.suggestedOrganizations(app.ctx, requireUser(request)),
  );
}

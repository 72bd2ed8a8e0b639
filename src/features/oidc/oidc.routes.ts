/**
 * Roster's own routes for OpenID Connect (the provider's endpoints are outside Fastify's route table,
 * see oidc.plugin.ts): the clients, for the operator's API key with `clients:admin`, and the
 * interaction API that the console's sign-in page calls.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CommonErrors } from '../../lib/errors.ts';
import { bodyOptional, ref, withErrors } from '../../lib/schemas.ts';
import { requirePrincipal, requireUser } from '../../plugins/auth.plugin.ts';
import { keyHasOperatorScope } from '../access/scopes.ts';
import { createClient, deleteClient, listClients } from './oidc.clients.ts';
import { abortInteraction, completeConsent, completeLogin, interactionDetails } from './oidc.interactions.ts';
import {
  ClientParams,
  ConsentBody,
  CreatedOidcClient,
  CreateOidcClientBody,
  InteractionDetails,
  InteractionParams,
  NextStep,
  OidcClient,
} from './oidc.schemas.ts';

/** The caller must be an operator API key holding `clients:admin`. */
function requireClientsAdmin(request: FastifyRequest) {
  const principal = requirePrincipal(request);
  if (principal.kind !== 'api_key' || !keyHasOperatorScope(principal.scopes, 'clients:admin')) {
    throw CommonErrors.FORBIDDEN(
      { requiredScope: 'clients:admin' },
      "This needs an API key with the 'clients:admin' scope.",
    );
  }
}

export default async function oidcRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(OidcClient);
  const raw = (request: FastifyRequest, reply: { raw: import('node:http').ServerResponse }) => ({
    req: request.raw,
    res: reply.raw,
  });

  app.post(
    '/v1/oidc/clients',
    {
      schema: {
        tags: ['oidc'],
        summary: 'Register an OpenID Connect client; its secret is shown once (API key with clients:admin)',
        body: CreateOidcClientBody,
        response: withErrors({ 201: CreatedOidcClient }, 400, 401, 403),
      },
    },
    async (request, reply) => {
      requireClientsAdmin(request);
      return reply.status(201).send(await createClient(app.ctx.db, request.body));
    },
  );

  app.get(
    '/v1/oidc/clients',
    {
      schema: {
        tags: ['oidc'],
        summary: 'The registered OpenID Connect clients, never their secrets (API key with clients:admin)',
        response: withErrors({ 200: Type.Object({ data: Type.Array(ref(OidcClient)) }) }, 401, 403),
      },
    },
    async (request) => {
      requireClientsAdmin(request);
      return { data: await listClients(app.ctx.db) };
    },
  );

  app.delete(
    '/v1/oidc/clients/:id',
    {
      schema: {
        tags: ['oidc'],
        summary: 'Remove a client: its grants, codes and tokens stop working (API key with clients:admin)',
        params: ClientParams,
        response: withErrors({ 204: Type.Null() }, 400, 401, 403, 404),
      },
    },
    async (request, reply) => {
      requireClientsAdmin(request);
      await deleteClient(app.ctx.db, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/oidc/interactions/:uid',
    {
      schema: {
        tags: ['oidc'],
        summary:
          'What a sign-in request asks: the application, scopes, the step (login or consent), the organizations to pick from (the browser that started it only)',
        params: InteractionParams,
        response: withErrors({ 200: InteractionDetails }, 400, 401, 404),
      },
    },
    async (request, reply) => {
      const principal = request.principal?.kind === 'user' ? request.principal : null;
      return interactionDetails(
        app.ctx,
        app.oidc.provider,
        raw(request, reply),
        request.params.uid,
        principal,
      );
    },
  );

  app.post(
    '/v1/oidc/interactions/:uid/login',
    {
      schema: {
        tags: ['oidc'],
        summary: 'Complete the login step with the signed-in Roster session → the URL to send the browser to',
        params: InteractionParams,
        response: withErrors({ 200: NextStep }, 400, 401, 403, 404, 409),
      },
    },
    async (request, reply) =>
      completeLogin(
        app.ctx,
        app.oidc.provider,
        raw(request, reply),
        request.params.uid,
        requireUser(request),
      ),
  );

  app.post(
    '/v1/oidc/interactions/:uid/consent',
    {
      preValidation: bodyOptional,
      schema: {
        tags: ['oidc'],
        summary:
          'Grant what the application asks for, with the organization picked (optional) → the URL to send the browser to',
        params: InteractionParams,
        body: ConsentBody,
        response: withErrors({ 200: NextStep }, 400, 401, 403, 404, 409),
      },
    },
    async (request, reply) =>
      completeConsent(
        app.ctx,
        app.oidc.provider,
        raw(request, reply),
        request.params.uid,
        requireUser(request),
        request.body.organizationId,
      ),
  );

  app.post(
    '/v1/oidc/interactions/:uid/abort',
    {
      schema: {
        tags: ['oidc'],
        summary:
          'Decline the request: the application receives access_denied → the URL to send the browser to',
        params: InteractionParams,
        response: withErrors({ 200: NextStep }, 400, 404),
      },
    },
    async (request, reply) => abortInteraction(app.oidc.provider, raw(request, reply), request.params.uid),
  );
}

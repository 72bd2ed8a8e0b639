import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ref, withErrors } from '../../lib/schemas.ts';
import { orgAccess } from '../access/org-access.ts';
import { EVENT_CATALOG } from '../events/event-types.ts';
import { OrgParams } from '../organizations/organization.schemas.ts';
import {
  CreatedWebhookEndpoint,
  CreateEndpointBody,
  DeliveryPage,
  DeliveryQuery,
  EndpointParams,
  EventTypeList,
  SigningSecret,
  UpdateEndpointBody,
  WebhookEndpoint,
} from './webhook.schemas.ts';
import * as webhooks from './webhook.service.ts';

export default async function webhookRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(WebhookEndpoint);

  app.get(
    '/v1/webhook-event-types',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'The event types Roster publishes',
        response: { 200: EventTypeList },
      },
    },
    async () => ({
      data: Object.entries(EVENT_CATALOG).map(([type, description]) => ({ type, description })),
    }),
  );

  app.post(
    '/v1/organizations/:org/webhooks',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Register a webhook endpoint; the signing secret is shown once (org:integrations)',
        params: OrgParams,
        body: CreateEndpointBody,
        response: withErrors({ 201: CreatedWebhookEndpoint }, 400, 401, 403, 404, 409),
      },
    },
    async (request, reply) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return reply.status(201).send(await webhooks.createEndpoint(app.ctx, access, request.body));
    },
  );

  app.get(
    '/v1/organizations/:org/webhooks',
    {
      schema: {
        tags: ['webhooks'],
        summary: "The organization's webhook endpoints (org:integrations)",
        params: OrgParams,
        response: withErrors({ 200: Type.Object({ data: Type.Array(ref(WebhookEndpoint)) }) }, 401, 403, 404),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return webhooks.listEndpoints(app.ctx, access);
    },
  );

  app.get(
    '/v1/organizations/:org/webhooks/:id',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'One webhook endpoint (org:integrations)',
        params: EndpointParams,
        response: withErrors({ 200: ref(WebhookEndpoint) }, 400, 401, 403, 404),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return webhooks.getEndpoint(app.ctx, access, request.params.id);
    },
  );

  app.patch(
    '/v1/organizations/:org/webhooks/:id',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Change the URL, events or description; enable or disable (org:integrations)',
        params: EndpointParams,
        body: UpdateEndpointBody,
        response: withErrors({ 200: ref(WebhookEndpoint) }, 400, 401, 403, 404),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return webhooks.updateEndpoint(app.ctx, access, request.params.id, request.body);
    },
  );

  app.post(
    '/v1/organizations/:org/webhooks/:id/rotate-secret',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Replace the signing secret; the new one is shown once (org:integrations)',
        params: EndpointParams,
        response: withErrors({ 200: SigningSecret }, 400, 401, 403, 404),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return webhooks.rotateEndpointSecret(app.ctx, access, request.params.id);
    },
  );

  app.delete(
    '/v1/organizations/:org/webhooks/:id',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Remove a webhook endpoint; its pending messages are dropped (org:integrations)',
        params: EndpointParams,
        response: withErrors({ 204: Type.Null() }, 400, 401, 403, 404),
      },
    },
    async (request, reply) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      await webhooks.deleteEndpoint(app.ctx, access, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/organizations/:org/webhooks/:id/deliveries',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'The delivery log: one entry per attempt, newest first (org:integrations)',
        params: EndpointParams,
        querystring: DeliveryQuery,
        response: withErrors({ 200: DeliveryPage }, 400, 401, 403, 404),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return webhooks.listEndpointDeliveries(app.ctx, access, request.params.id, request.query);
    },
  );
}

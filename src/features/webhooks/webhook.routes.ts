import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ref, withErrors } from '../../lib/schemas.ts';
import { orgAccess } from '../access/org-access.ts';
import { EVENT_CATALOG, type EventType, isSubscribable } from '../events/event-types.ts';
import { OrgParams } from '../organizations/organization.schemas.ts';
import { createWebhookRetentionSweeper } from './webhook.retention.ts';
import {
  AppDeliveryParams,
  CreatedWebhookEndpoint,
  CreateEndpointBody,
  DeliveryPage,
  DeliveryParams,
  DeliveryQuery,
  EndpointParams,
  EventTypeList,
  SigningSecret,
  UpdateEndpointBody,
  WebhookDelivery,
  WebhookEndpoint,
} from './webhook.schemas.ts';
import * as webhooks from './webhook.service.ts';
import * as deliveries from './webhook-deliveries.service.ts';

export default async function webhookRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(WebhookEndpoint);
  app.addSchema(WebhookDelivery);

  // Payloads and response bodies leave the delivery log after 30 days; swept where the worker runs.
  if (app.ctx.config.outboxWorker) {
    const sweeper = createWebhookRetentionSweeper({ db: app.ctx.db, log: app.log as Logger });
    app.addHook('onReady', async () => sweeper.start());
    app.addHook('onClose', async () => sweeper.stop());
  }

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
      data: Object.entries(EVENT_CATALOG).map(([type, description]) => ({
        type,
        description,
        subscribable: isSubscribable(type as EventType),
      })),
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
        summary:
          'The delivery log: one entry per attempt, newest first; `deliveryId` reads its message whole (org:integrations)',
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

  app.get(
    '/v1/organizations/:org/webhooks/:id/deliveries/:deliveryId',
    {
      schema: {
        tags: ['webhooks'],
        summary:
          'One delivery: the payload as sent (kept 30 days), and every attempt with the start of its answer (org:integrations)',
        params: DeliveryParams,
        response: withErrors({ 200: ref(WebhookDelivery) }, 400, 401, 403, 404),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return deliveries.getEndpointDelivery(app.ctx, access, request.params.id, request.params.deliveryId);
    },
  );

  app.post(
    '/v1/organizations/:org/webhooks/:id/test',
    {
      schema: {
        tags: ['webhooks'],
        summary:
          'Send a `webhook.test` event to this endpoint alone; answers the queued delivery (org:integrations)',
        params: EndpointParams,
        response: withErrors({ 202: ref(WebhookDelivery) }, 400, 401, 403, 404, 409),
      },
    },
    async (request, reply) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return reply.status(202).send(await deliveries.sendTestEvent(app.ctx, access, request.params.id));
    },
  );

  app.post(
    '/v1/organizations/:org/webhooks/:id/deliveries/:deliveryId/replay',
    {
      schema: {
        tags: ['webhooks'],
        summary:
          'Send a given-up delivery again: a new delivery under the same `webhook-id`, newly signed; answers it (org:integrations)',
        description:
          "Refused while a message under its webhook-id is under way (409 `WEBHOOK_DELIVERY_PENDING`) or once one was acknowledged (409 `WEBHOOK_DELIVERY_SUCCEEDED`), when its endpoint is disabled (409 `WEBHOOK_ENDPOINT_DISABLED`), when a field of it is never kept (409 `WEBHOOK_DELIVERY_REDACTED`), and once its payload is past the 30-day retention (410 `WEBHOOK_DELIVERY_EXPIRED`). The delivery's `replayRefusal` says which applies now.",
        params: DeliveryParams,
        response: withErrors({ 202: ref(WebhookDelivery) }, 400, 401, 403, 404, 409, 410),
      },
    },
    async (request, reply) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return reply
        .status(202)
        .send(
          await deliveries.replayEndpointDelivery(
            app.ctx,
            access,
            request.params.id,
            request.params.deliveryId,
          ),
        );
    },
  );

  app.get(
    '/v1/organizations/:org/apps/:slug/deliveries/:deliveryId',
    {
      schema: {
        tags: ['apps'],
        summary:
          "One delivery to the app's webhook: the payload as sent, less its grant code (kept 30 days), and every attempt (org:integrations)",
        params: AppDeliveryParams,
        response: withErrors({ 200: ref(WebhookDelivery) }, 400, 401, 403, 404),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return deliveries.getAppDelivery(app.ctx, access, request.params.slug, request.params.deliveryId);
    },
  );

  app.post(
    '/v1/organizations/:org/apps/:slug/deliveries/:deliveryId/replay',
    {
      schema: {
        tags: ['apps'],
        summary:
          "Send a given-up delivery to the app's webhook again, under the same `webhook-id` (org:integrations)",
        description:
          'As for an endpoint; an `installation.created` is never replayed (409 `WEBHOOK_DELIVERY_REDACTED`): its grant code is not kept.',
        params: AppDeliveryParams,
        response: withErrors({ 202: ref(WebhookDelivery) }, 400, 401, 403, 404, 409, 410),
      },
    },
    async (request, reply) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return reply
        .status(202)
        .send(
          await deliveries.replayAppDelivery(app.ctx, access, request.params.slug, request.params.deliveryId),
        );
    },
  );
}

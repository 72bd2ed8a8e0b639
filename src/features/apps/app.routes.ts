import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ref, withErrors } from '../../lib/schemas.ts';
import { orgAccess } from '../access/org-access.ts';
import { OrgParams } from '../organizations/organization.schemas.ts';
import { DeliveryPage, DeliveryQuery } from '../webhooks/webhook.schemas.ts';
import {
  App,
  AppParams,
  ClientSecret,
  CreateAppBody,
  CreatedApp,
  Installation,
  InstallationPage,
  InstallationParams,
  InstallBody,
  ListInstallationsQuery,
  TokenBody,
  TokenResponse,
  UpdateAppBody,
  UpdateInstallationBody,
  WebhookSecret,
} from './app.schemas.ts';
import * as apps from './app.service.ts';
import * as installations from './installation.service.ts';
import { exchange } from './token.service.ts';

export default async function appRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(App);
  app.addSchema(Installation);

  app.post(
    '/v1/organizations/:org/apps',
    {
      schema: {
        tags: ['apps'],
        summary: 'Publish an app; its client secret and webhook secret are shown once (org:integrations)',
        params: OrgParams,
        body: CreateAppBody,
        response: withErrors({ 201: CreatedApp }, 400, 401, 403, 404, 409),
      },
    },
    async (request, reply) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return reply.status(201).send(await apps.createApp(app.ctx, access, request.body));
    },
  );

  app.get(
    '/v1/organizations/:org/apps',
    {
      schema: {
        tags: ['apps'],
        summary: 'The apps this organization publishes (org:integrations)',
        params: OrgParams,
        response: withErrors({ 200: Type.Object({ data: Type.Array(ref(App)) }) }, 401, 403, 404),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return apps.listApps(app.ctx, access);
    },
  );

  app.get(
    '/v1/organizations/:org/apps/:slug',
    {
      schema: {
        tags: ['apps'],
        summary: 'One of the apps this organization publishes (org:integrations)',
        params: AppParams,
        response: withErrors({ 200: ref(App) }, 401, 403, 404),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return apps.getApp(app.ctx, access, request.params.slug);
    },
  );

  app.patch(
    '/v1/organizations/:org/apps/:slug',
    {
      schema: {
        tags: ['apps'],
        summary: 'Change name, scopes, URLs or published (org:integrations)',
        params: AppParams,
        body: UpdateAppBody,
        response: withErrors({ 200: ref(App) }, 400, 401, 403, 404),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return apps.updateApp(app.ctx, access, request.params.slug, request.body);
    },
  );

  app.delete(
    '/v1/organizations/:org/apps/:slug',
    {
      schema: {
        tags: ['apps'],
        summary: 'Delete an app and every installation of it (org:integrations)',
        params: AppParams,
        response: withErrors({ 204: Type.Null() }, 401, 403, 404),
      },
    },
    async (request, reply) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      await apps.deleteApp(app.ctx, access, request.params.slug);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/organizations/:org/apps/:slug/rotate-secret',
    {
      schema: {
        tags: ['apps'],
        summary: 'Replace the client secret; the old one stops working (org:integrations)',
        params: AppParams,
        response: withErrors({ 200: ClientSecret }, 401, 403, 404),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return apps.rotateClientSecret(app.ctx, access, request.params.slug);
    },
  );

  app.post(
    '/v1/organizations/:org/apps/:slug/rotate-webhook-secret',
    {
      schema: {
        tags: ['apps'],
        summary: "Replace the signing secret of the app's webhooks (org:integrations)",
        params: AppParams,
        response: withErrors({ 200: WebhookSecret }, 401, 403, 404),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return apps.rotateWebhookSecret(app.ctx, access, request.params.slug);
    },
  );

  app.get(
    '/v1/organizations/:org/apps/:slug/deliveries',
    {
      schema: {
        tags: ['apps'],
        summary: "The delivery log of the app's webhooks, newest first (org:integrations)",
        params: AppParams,
        querystring: DeliveryQuery,
        response: withErrors({ 200: DeliveryPage }, 400, 401, 403, 404),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return apps.listAppDeliveries(app.ctx, access, request.params.slug, request.query);
    },
  );

  app.post(
    '/v1/organizations/:org/installations',
    {
      schema: {
        tags: ['installations'],
        summary:
          'Install an app (org:integrations and every scope it asks for): 201 pending, or 200 with the existing installation',
        params: OrgParams,
        body: InstallBody,
        response: withErrors({ 200: ref(Installation), 201: ref(Installation) }, 400, 401, 403, 404),
      },
    },
    async (request, reply) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      const { created, installation } = await installations.install(app.ctx, access, request.body.app);
      return reply.status(created ? 201 : 200).send(installation);
    },
  );

  app.get(
    '/v1/organizations/:org/installations',
    {
      schema: {
        tags: ['installations'],
        summary: "The organization's installed apps (org:integrations)",
        params: OrgParams,
        querystring: ListInstallationsQuery,
        response: withErrors({ 200: InstallationPage }, 400, 401, 403, 404),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return installations.listInstallations(app.ctx, access, request.query);
    },
  );

  app.get(
    '/v1/installations/:uuid',
    {
      schema: {
        tags: ['installations'],
        summary: "Read an installation (the app's own token, or org:integrations)",
        params: InstallationParams,
        response: withErrors({ 200: ref(Installation) }, 400, 401, 403, 404),
      },
    },
    async (request) =>
      installations.getInstallation(app.ctx, request.principal, request.params.uuid, request.ip),
  );

  app.put(
    '/v1/installations/:uuid',
    {
      schema: {
        tags: ['installations'],
        summary: "The app marks its installation installed: {status: 'installed'} (the app's own token only)",
        params: InstallationParams,
        body: UpdateInstallationBody,
        response: withErrors({ 200: ref(Installation) }, 400, 401, 403, 404),
      },
    },
    async (request) =>
      installations.updateInstallation(
        app.ctx,
        request.principal,
        request.params.uuid,
        request.body.status,
        request.ip,
      ),
  );

  app.delete(
    '/v1/installations/:uuid',
    {
      schema: {
        tags: ['installations'],
        summary: 'Uninstall: its tokens stop working at once (org:integrations)',
        params: InstallationParams,
        response: withErrors({ 204: Type.Null() }, 400, 401, 403, 404),
      },
    },
    async (request, reply) => {
      await installations.uninstall(app.ctx, request.principal, request.params.uuid, request.ip);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/apps/token',
    {
      config: { auth: 'manual' },
      schema: {
        tags: ['apps'],
        summary:
          'Client id + secret + grant code (or refresh token) → installation access and refresh tokens',
        body: TokenBody,
        response: withErrors({ 200: TokenResponse }, 400, 401),
      },
    },
    async (request) => exchange(app.ctx, request.body, request.ip),
  );
}

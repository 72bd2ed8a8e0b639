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
  AcceptBody,
  AcceptResult,
  BulkInvitationBody,
  BulkResult,
  CopyLink,
  CreatedInvitation,
  CreateInvitationBody,
  Invitation,
  InvitationLinks,
  InvitationPage,
  InvitationParams,
  ListInvitationsQuery,
  MyInvitationParams,
  MyInvitations,
  RequestedInvitation,
  ResentInvitation,
  TokenCheck,
  TokenParams,
} from './invitation.schemas.ts';
import * as invitations from './invitation.service.ts';
import * as invitee from './invitation-accept.service.ts';
import * as links from './invitation-links.service.ts';
import { MAX_LINKS_PER_INVITATION } from './invitation-links.service.ts';

export default async function invitationRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const limits = invitations.invitationLimits(app.rateLimits, app.ctx.config);

  // Pending invitations past their expiry are stored as expired (reads already report them so).
  const sweeper = createSweeper({
    what: 'invitations marked expired',
    run: () => invitations.sweepExpiredInvitations(app.ctx),
    log: app.log as Logger,
    intervalMs: app.ctx.config.invitationSweepMs,
  });
  app.addHook('onReady', async () => sweeper.start());
  app.addHook('onClose', async () => sweeper.stop());

  const access = (request: { principal: Parameters<typeof orgAccess>[1]; ip: string }, org: string) =>
    orgAccess(app.ctx, request.principal, org, request.ip);

  app.post(
    '/v1/organizations/:org/invitations',
    {
      schema: {
        tags: ['invitations'],
        summary: 'Invite one email (member:invite); the answer carries the copy-link, shown once',
        params: OrgParams,
        body: CreateInvitationBody,
        response: withErrors({ 201: CreatedInvitation }, 400, 401, 403, 404, 409, 429),
      },
    },
    async (request, reply) => {
      const a = await access(request, request.params.org);
      const body = { ...request.body, role: request.body.role ?? 'member' };
      return reply.status(201).send(await invitations.createInvitation(app.ctx, limits, a, body));
    },
  );

  app.post(
    '/v1/organizations/:org/invitations/bulk',
    {
      schema: {
        tags: ['invitations'],
        summary: 'Invite up to 1,000 emails at once (member:invite), one result per email',
        params: OrgParams,
        body: BulkInvitationBody,
        response: withErrors({ 200: BulkResult }, 400, 401, 403, 404, 429),
      },
    },
    async (request) => {
      const a = await access(request, request.params.org);
      const body = { ...request.body, role: request.body.role ?? 'member' };
      return invitations.bulkInvite(app.ctx, limits, a, body);
    },
  );

  app.post(
    '/v1/organizations/:org/invitations/requests',
    {
      schema: {
        tags: ['invitations'],
        summary: 'Ask for someone to be invited (any member); approvers are notified',
        params: OrgParams,
        body: CreateInvitationBody,
        response: withErrors({ 201: RequestedInvitation }, 400, 401, 403, 404, 409, 429),
      },
    },
    async (request, reply) => {
      const a = await access(request, request.params.org);
      const body = { ...request.body, role: request.body.role ?? 'member' };
      return reply.status(201).send(await invitations.requestInvitation(app.ctx, limits, a, body));
    },
  );

  app.get(
    '/v1/organizations/:org/invitations',
    {
      schema: {
        tags: ['invitations'],
        summary: 'List invitations, newest first, with counts per status (member:read)',
        params: OrgParams,
        querystring: ListInvitationsQuery,
        response: withErrors({ 200: InvitationPage }, 400, 401, 403, 404),
      },
    },
    async (request) => {
      const a = await access(request, request.params.org);
      return invitations.listInvitations(app.ctx, a, request.query);
    },
  );

  app.get(
    '/v1/organizations/:org/invitations/:id',
    {
      schema: {
        tags: ['invitations'],
        summary: 'Read one invitation (member:read); never its token',
        params: InvitationParams,
        response: withErrors({ 200: ref(Invitation) }, 400, 401, 403, 404),
      },
    },
    async (request) => {
      const a = await access(request, request.params.org);
      return invitations.getInvitation(app.ctx, a, request.params.id);
    },
  );

  app.delete(
    '/v1/organizations/:org/invitations/:id',
    {
      schema: {
        tags: ['invitations'],
        summary: 'Revoke a pending invitation (member:invite): every link of it stops working',
        params: InvitationParams,
        response: withErrors({ 200: ref(Invitation) }, 400, 401, 403, 404, 409),
      },
    },
    async (request) => {
      const a = await access(request, request.params.org);
      return invitations.revokeInvitation(app.ctx, a, request.params.id);
    },
  );

  app.post(
    '/v1/organizations/:org/invitations/:id/resend',
    {
      schema: {
        tags: ['invitations'],
        summary:
          'Email a new link (member:invite): every link the invitation had (emailed or copied) stops working, the expiry starts again',
        params: InvitationParams,
        response: withErrors({ 200: ResentInvitation }, 400, 401, 403, 404, 409, 429),
      },
    },
    async (request) => {
      const a = await access(request, request.params.org);
      return links.resendInvitation(app.ctx, limits, a, request.params.id);
    },
  );

  app.post(
    '/v1/organizations/:org/invitations/:id/link',
    {
      schema: {
        tags: ['invitations'],
        summary: `One more link to share, not emailed (member:invite): the links already made keep working; at most ${MAX_LINKS_PER_INVITATION} (409 INVITATION_LINK_LIMIT)`,
        params: InvitationParams,
        response: withErrors({ 200: CopyLink }, 400, 401, 403, 404, 409),
      },
    },
    async (request) => {
      const a = await access(request, request.params.org);
      return links.newInvitationLink(app.ctx, a, request.params.id);
    },
  );

  app.get(
    '/v1/organizations/:org/invitations/:id/links',
    {
      schema: {
        tags: ['invitations'],
        summary:
          "An invitation's links: kind, when and by whom each was made, whether it works (member:read)",
        params: InvitationParams,
        response: withErrors({ 200: InvitationLinks }, 400, 401, 403, 404),
      },
    },
    async (request) => {
      const a = await access(request, request.params.org);
      return links.listInvitationLinks(app.ctx, a, request.params.id);
    },
  );

  app.post(
    '/v1/organizations/:org/invitations/:id/approve',
    {
      schema: {
        tags: ['invitations'],
        summary: 'Approve a request (member:admin): the invitation gets its link and is emailed',
        params: InvitationParams,
        response: withErrors({ 200: CreatedInvitation }, 400, 401, 403, 404, 409, 429),
      },
    },
    async (request) => {
      const a = await access(request, request.params.org);
      return invitations.approveInvitation(app.ctx, limits, a, request.params.id);
    },
  );

  app.post(
    '/v1/organizations/:org/invitations/:id/reject',
    {
      schema: {
        tags: ['invitations'],
        summary: 'Reject a request (member:admin)',
        params: InvitationParams,
        response: withErrors({ 200: ref(Invitation) }, 400, 401, 403, 404, 409),
      },
    },
    async (request) => {
      const a = await access(request, request.params.org);
      return invitations.rejectInvitation(app.ctx, a, request.params.id);
    },
  );

  app.get(
    '/v1/invitations/:token',
    {
      schema: {
        tags: ['invitations'],
        summary: 'Check an invitation link without signing in: what it offers, or why it is no good',
        params: TokenParams,
        response: withErrors({ 200: TokenCheck }, 400),
      },
    },
    async (request) => invitee.validateToken(app.ctx, request.params.token),
  );

  app.post(
    '/v1/invitations/:token/accept',
    {
      schema: {
        tags: ['invitations'],
        summary: 'Accept, signed in with the invited (verified) email',
        params: TokenParams,
        response: withErrors({ 200: AcceptResult }, 400, 401, 403, 404, 409, 410),
      },
    },
    async (request) =>
      invitee.acceptInvitation(app.ctx, requireUser(request), request.params.token, request.ip),
  );

  app.post(
    '/v1/invitations/accept',
    {
      schema: {
        tags: ['invitations'],
        summary: 'Accept with the token in the body (keeps it out of URLs and access logs)',
        body: AcceptBody,
        response: withErrors({ 200: AcceptResult }, 400, 401, 403, 404, 409, 410),
      },
    },
    async (request) =>
      invitee.acceptInvitation(app.ctx, requireUser(request), request.body.token, request.ip),
  );

  app.get(
    '/v1/me/invitations',
    {
      schema: {
        tags: ['me'],
        summary: 'Your pending invitations (to your verified email) and owner-adds, oldest first',
        response: withErrors({ 200: MyInvitations }, 401, 403),
      },
    },
    async (request) => invitee.myInvitations(app.ctx, requireUser(request)),
  );

  app.post(
    '/v1/me/invitations/:id/accept',
    {
      schema: {
        tags: ['me'],
        summary: 'Accept an invitation to your verified email from your inbox (no link needed)',
        params: MyInvitationParams,
        response: withErrors({ 200: AcceptResult }, 400, 401, 403, 404, 409, 410),
      },
    },
    async (request) =>
      invitee.acceptOwnInvitation(app.ctx, requireUser(request), request.params.id, request.ip),
  );

  app.post(
    '/v1/me/invitations/:id/decline',
    {
      schema: {
        tags: ['me'],
        summary: 'Decline an invitation to your verified email: it is revoked',
        params: MyInvitationParams,
        response: withErrors({ 204: Type.Null() }, 400, 401, 403, 404, 409),
      },
    },
    async (request, reply) => {
      await invitee.declineOwnInvitation(app.ctx, requireUser(request), request.params.id, request.ip);
      return reply.status(204).send(null);
    },
  );
}

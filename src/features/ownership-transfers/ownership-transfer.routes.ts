import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ref, withErrors } from '../../lib/schemas.ts';
import { requireUser } from '../../plugins/auth.plugin.ts';
import { orgAccess } from '../access/org-access.ts';
import { OrgParams } from '../organizations/organization.schemas.ts';
import {
  MyTransferParams,
  OwnershipTransfer,
  ProposeTransferBody,
  TransferParams,
} from './ownership-transfer.schemas.ts';
import * as transfers from './ownership-transfer.service.ts';

export default async function ownershipTransferRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(OwnershipTransfer);
  const List = Type.Object({ data: Type.Array(ref(OwnershipTransfer)) });

  app.post(
    '/v1/organizations/:org/ownership-transfers',
    {
      schema: {
        tags: ['members'],
        summary:
          'Propose to make an active member an owner (owners only): they are emailed and accept or decline within 7 days',
        params: OrgParams,
        body: ProposeTransferBody,
        response: withErrors({ 201: ref(OwnershipTransfer) }, 400, 401, 403, 404, 409),
      },
    },
    async (request, reply) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return reply.status(201).send(await transfers.proposeTransfer(app.ctx, access, request.body));
    },
  );

  app.get(
    '/v1/organizations/:org/ownership-transfers',
    {
      schema: {
        tags: ['members'],
        summary: "The organization's ownership transfers, newest first (the last 20; member:admin)",
        params: OrgParams,
        response: withErrors({ 200: List }, 400, 401, 403, 404),
      },
    },
    async (request) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      return transfers.listTransfers(app.ctx, access);
    },
  );

  app.delete(
    '/v1/organizations/:org/ownership-transfers/:id',
    {
      schema: {
        tags: ['members'],
        summary: 'Withdraw the pending ownership transfer (owners only)',
        params: TransferParams,
        response: withErrors({ 204: Type.Null() }, 400, 401, 403, 404, 409, 410),
      },
    },
    async (request, reply) => {
      const access = await orgAccess(app.ctx, request.principal, request.params.org, request.ip);
      await transfers.cancelTransfer(app.ctx, access, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/me/ownership-transfers',
    {
      schema: {
        tags: ['me'],
        summary: 'Ownership transfers waiting for your answer',
        response: withErrors({ 200: List }, 401, 403),
      },
    },
    async (request) => transfers.myTransfers(app.ctx, requireUser(request)),
  );

  for (const answer of ['accept', 'decline'] as const) {
    app.post(
      `/v1/me/ownership-transfers/:id/${answer}`,
      {
        schema: {
          tags: ['me'],
          summary:
            answer === 'accept'
              ? 'Accept: you become an owner, and the proposer an admin unless they chose to stay an owner'
              : 'Decline: nothing changes; the proposer is told',
          params: MyTransferParams,
          response: withErrors({ 200: ref(OwnershipTransfer) }, 400, 401, 403, 404, 409, 410),
        },
      },
      async (request) =>
        transfers.answerTransfer(app.ctx, requireUser(request), request.params.id, answer, request.ip),
    );
  }
}

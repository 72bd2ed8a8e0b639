/** Helpers for the invitation tests: verified users, invitations, tokens taken from the outbox. */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { bearer, type SignedUp, type TestApp, tokenOf } from './helpers.ts';

export { emailsTo, tokenOf, verifiedUser } from './helpers.ts';

export function invite(
  app: FastifyInstance,
  actor: SignedUp | string,
  org: string,
  payload: Record<string, unknown>,
) {
  const token = typeof actor === 'string' ? actor : actor.token;
  return app.inject({
    method: 'POST',
    url: `/v1/organizations/${org}/invitations`,
    headers: bearer(token),
    payload,
  });
}

/** Invites and returns the invitation and its raw token (from the copy-link). */
export async function invited(
  app: FastifyInstance,
  actor: SignedUp | string,
  org: string,
  email: string,
  role = 'member',
) {
  const res = await invite(app, actor, org, { email, role });
  if (res.statusCode !== 201) throw new Error(`invite failed: ${res.statusCode} ${res.body}`);
  const body = res.json();
  return { invitation: body.invitation, token: tokenOf(body.acceptUrl), acceptUrl: body.acceptUrl as string };
}

export function accept(app: FastifyInstance, session: string, token: string) {
  return app.inject({
    method: 'POST',
    url: `/v1/invitations/${encodeURIComponent(token)}/accept`,
    headers: bearer(session),
  });
}

export function validate(app: FastifyInstance, token: string) {
  return app.inject({ method: 'GET', url: `/v1/invitations/${encodeURIComponent(token)}` });
}

/** Moves an invitation's expiry into the past, as time passing would. */
export async function backdateExpiry(t: TestApp, invitationId: string) {
  await t.database.db
    .updateTable('invitations')
    .set({ expires_at: sql<Date>`now() - interval '1 minute'` })
    .where('id', '=', invitationId)
    .execute();
}

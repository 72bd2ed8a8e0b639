/** Helpers for the invitation tests: verified users, invitations, tokens taken from the outbox. */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { bearer, type SignedUp, signUp, type TestApp, uniqueEmail } from './helpers.ts';

/** The emails waiting in (or sent from) the outbox for `to`, oldest first. */
export async function emailsTo(t: TestApp, to: string) {
  const rows = await t.database.db
    .selectFrom('outbox')
    .select(['payload', 'status', 'organization_id'])
    .where(sql<string>`payload->>'to'`, '=', to)
    .orderBy('created_at')
    .execute();
  return rows.map((r) => ({
    ...(r.payload as { to: string; subject: string; text: string; html: string; links: string[] }),
    status: r.status,
    organizationId: r.organization_id,
  }));
}

/** The token of a link `…?token=…`. */
export function tokenOf(link: string): string {
  return new URL(link).searchParams.get('token') ?? '';
}

/** Signs up and verifies the email through the emailed link, as a person would. */
export async function verifiedUser(t: TestApp, email = uniqueEmail('verified'), name = 'Verified User') {
  const u = await signUp(t.app, email, name);
  const [mail] = await emailsTo(t, email);
  const link = mail?.links[0];
  if (!link) throw new Error('no verification email');
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/auth/verify-email',
    payload: { token: tokenOf(link) },
  });
  if (res.statusCode !== 200) throw new Error(`verify failed: ${res.statusCode} ${res.body}`);
  return u;
}

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

/** The signed-in person's own account: profile, password, email, sessions, deletion; password reset. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { clientKey } from '../../lib/rate-limit.ts';
import { ref, withErrors } from '../../lib/schemas.ts';
import { clearSessionCookie, requireUser } from '../../plugins/auth.plugin.ts';
import { serializeUser, User } from '../auth/auth.schemas.ts';
import { signInLimits } from '../auth/auth.service.ts';
import {
  ChangePasswordBody,
  DeleteAccountBody,
  EmailChangeBody,
  EmailChangeConfirmBody,
  EmailChangePending,
  PasswordResetBody,
  PasswordResetConfirmBody,
  PasswordResetReceived,
  ProfileBody,
  Revoked,
  SessionInfo,
  SessionList,
  SessionParams,
  UserEnvelope,
} from './account.schemas.ts';
import { deleteAccount } from './account-deletion.service.ts';
import { confirmEmailChange, requestEmailChange } from './email-change.service.ts';
import { confirmPasswordReset, requestPasswordReset } from './password-reset.service.ts';
import { changePassword, updateProfile } from './profile.service.ts';
import { listSessions, revokeOtherSessions, revokeSession } from './session.service.ts';

export default async function accountRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(SessionInfo);
  // A password asked again is a sign-in attempt: the same limits and counters.
  const passwordLimits = await signInLimits(app.ctx, app.rateLimits);
  const resetPerIp = app.rateLimits.limiter({
    name: 'password-reset-ip',
    points: app.ctx.config.passwordResetLimitPerIp,
    durationSeconds: app.ctx.config.passwordResetLimitWindowSeconds,
  });

  app.post(
    '/v1/auth/password-reset',
    {
      schema: {
        tags: ['auth'],
        summary:
          'Ask for a password-reset link by email: always 202 with the same body, whether or not an account has the address (400 malformed address, 429 past PASSWORD_RESET_LIMIT_PER_IP)',
        body: PasswordResetBody,
        response: withErrors({ 202: PasswordResetReceived }, 400, 429),
      },
    },
    async (request, reply) => {
      // Every attempt counts, whatever it asks: probing costs the same as asking.
      await resetPerIp.consume(clientKey(request.ip));
      const answer = await requestPasswordReset(app.ctx, request.body.email, request.ip);
      return reply.status(202).send(answer);
    },
  );

  app.post(
    '/v1/auth/password-reset/confirm',
    {
      schema: {
        tags: ['auth'],
        summary:
          "Set a new password with the emailed link's token: every session of the account ends (sign in again); the address counts as verified",
        body: PasswordResetConfirmBody,
        response: withErrors({ 200: UserEnvelope }, 400, 410),
      },
    },
    async (request) => {
      const user = await confirmPasswordReset(app.ctx, request.body, request.ip);
      return { user: serializeUser(user) };
    },
  );

  app.post(
    '/v1/auth/email-change/confirm',
    {
      schema: {
        tags: ['auth'],
        summary:
          "Make the new address the account's, with the token of the link sent to it (no session needed); the old address is told",
        body: EmailChangeConfirmBody,
        response: withErrors({ 200: UserEnvelope }, 400, 409, 410),
      },
    },
    async (request) => {
      const user = await confirmEmailChange(app.ctx, request.body.token, request.ip);
      return { user: serializeUser(user) };
    },
  );

  app.patch(
    '/v1/me',
    {
      schema: {
        tags: ['me'],
        summary: 'Change your profile: `name` (trimmed, 1–100 characters)',
        body: ProfileBody,
        response: withErrors({ 200: ref(User) }, 400, 401, 403),
      },
    },
    async (request) => {
      const user = await updateProfile(app.ctx, requireUser(request), request.body, request.ip);
      return serializeUser(user);
    },
  );

  app.post(
    '/v1/me/password',
    {
      schema: {
        tags: ['me'],
        summary:
          'Change your password, giving the current one (a wrong one counts as a failed sign-in): your other sessions end, this one stays',
        body: ChangePasswordBody,
        response: withErrors({ 200: Revoked }, 400, 401, 403, 429),
      },
    },
    async (request) =>
      changePassword(app.ctx, passwordLimits, requireUser(request), request.body, request.ip),
  );

  app.post(
    '/v1/me/email',
    {
      schema: {
        tags: ['me'],
        summary:
          'Ask to change your email address, giving your password: a link (24 hours) goes to the new address, which replaces the old one when the link is followed',
        body: EmailChangeBody,
        response: withErrors({ 202: EmailChangePending }, 400, 401, 403, 409, 429),
      },
    },
    async (request, reply) => {
      const pending = await requestEmailChange(
        app.ctx,
        passwordLimits,
        requireUser(request),
        request.body,
        request.ip,
      );
      return reply.status(202).send(pending);
    },
  );

  app.get(
    '/v1/me/sessions',
    {
      schema: {
        tags: ['me'],
        summary: 'Your live sessions, newest first; `current` marks this one',
        response: withErrors({ 200: SessionList }, 401, 403),
      },
    },
    async (request) => listSessions(app.ctx, requireUser(request)),
  );

  app.delete(
    '/v1/me/sessions/:id',
    {
      schema: {
        tags: ['me'],
        summary: 'End one of your sessions (this one too: that signs you out); anyone else’s is 404',
        params: SessionParams,
        response: withErrors({ 204: Type.Null() }, 400, 401, 403, 404),
      },
    },
    async (request, reply) => {
      const { current } = await revokeSession(app.ctx, requireUser(request), request.params.id, request.ip);
      if (current) clearSessionCookie(reply);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/me/sessions/revoke-others',
    {
      schema: {
        tags: ['me'],
        summary: 'End every session of yours but this one',
        response: withErrors({ 200: Revoked }, 401, 403),
      },
    },
    async (request) => revokeOtherSessions(app.ctx, requireUser(request), request.ip),
  );

  app.delete(
    '/v1/me',
    {
      schema: {
        tags: ['me'],
        summary:
          'Delete your account, giving your password: refused (409 LAST_OWNER, `details.organizations`) while you are the last owner of an organization',
        body: DeleteAccountBody,
        response: withErrors({ 204: Type.Null() }, 400, 401, 403, 409, 429),
      },
    },
    async (request, reply) => {
      await deleteAccount(app.ctx, passwordLimits, requireUser(request), request.body.password, request.ip);
      clearSessionCookie(reply);
      return reply.status(204).send(null);
    },
  );
}

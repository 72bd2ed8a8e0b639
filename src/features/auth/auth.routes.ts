import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ref, withErrors } from '../../lib/schemas.ts';
import { clearSessionCookie, requireUser, setSessionCookie } from '../../plugins/auth.plugin.ts';
import { SignInBody, SignUpBody, serializeUser, TokenBody, User, UserAndSession } from './auth.schemas.ts';
import * as auth from './auth.service.ts';

const client = (request: FastifyRequest) => ({
  ip: request.ip,
  userAgent: request.headers['user-agent'] ?? null,
});

export default async function authRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const signInLimits = await auth.signInLimits(app.ctx, app.rateLimits);

  app.post(
    '/v1/auth/sign-up',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create an account and sign in; with `invitationToken`, also accept that invitation',
        body: SignUpBody,
        response: withErrors({ 201: UserAndSession }, 400, 403, 404, 409, 410),
      },
    },
    async (request, reply) => {
      const { user, session } = await auth.signUp(app.ctx, request.body, client(request));
      setSessionCookie(app, reply, session.token, session.expiresAt);
      return reply.status(201).send({ user: serializeUser(user), session });
    },
  );

  app.post(
    '/v1/auth/sign-in',
    {
      schema: {
        tags: ['auth'],
        summary:
          'Sign in with email and password; failed attempts are limited per email and client IP, per email and per client IP (429 past any)',
        body: SignInBody,
        response: withErrors({ 200: UserAndSession }, 400, 401, 429),
      },
    },
    async (request, reply) => {
      const { user, session } = await auth.signIn(app.ctx, signInLimits, request.body, client(request));
      setSessionCookie(app, reply, session.token, session.expiresAt);
      return { user: serializeUser(user), session };
    },
  );

  app.post(
    '/v1/auth/sign-out',
    {
      schema: {
        tags: ['auth'],
        summary: 'End the current session',
        response: withErrors({ 204: Type.Null() }, 401, 403),
      },
    },
    async (request, reply) => {
      await auth.signOut(app.ctx, requireUser(request));
      clearSessionCookie(reply);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/auth/verify-email',
    {
      schema: {
        tags: ['auth'],
        summary: 'Verify an email address with the emailed token',
        body: TokenBody,
        response: withErrors({ 200: Type.Object({ user: ref(User) }) }, 400),
      },
    },
    async (request) => {
      const user = await auth.verifyEmail(app.ctx, request.body.token, request.ip);
      return { user: serializeUser(user as NonNullable<typeof user>) };
    },
  );

  app.post(
    '/v1/auth/verify-email/resend',
    {
      schema: {
        tags: ['auth'],
        summary: 'Email a new verification link to the signed-in user',
        response: withErrors({ 202: Type.Object({ sent: Type.Boolean() }) }, 401, 403, 409),
      },
    },
    async (request, reply) => {
      await auth.resendVerification(app.ctx, requireUser(request));
      return reply.status(202).send({ sent: true });
    },
  );

  app.get(
    '/v1/me',
    {
      schema: {
        tags: ['me'],
        summary: 'The signed-in user',
        response: withErrors({ 200: ref(User) }, 401, 403),
      },
    },
    async (request) => serializeUser(requireUser(request).user),
  );
}

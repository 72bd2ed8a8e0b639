/** Second factors: TOTP, recovery codes, passkeys, and the second step of a sign-in. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { withErrors } from '../../lib/schemas.ts';
import { requireUser, setSessionCookie } from '../../plugins/auth.plugin.ts';
import { serializeUser, UserAndSession } from '../auth/auth.schemas.ts';
import { signInLimits } from '../auth/auth.service.ts';
import {
  AddedPasskey,
  AddPasskeyBody,
  ChallengeBody,
  CodeBody,
  MfaAnswerBody,
  MfaOverview,
  OptionsEnvelope,
  Passkey,
  PasskeyList,
  PasskeyParams,
  PasskeySignInBody,
  PasskeySignInOptions,
  PasswordBody,
  RecoveryCodes,
  RenamePasskeyBody,
  TotpConfirmed,
  TotpEnrolment,
} from './mfa.schemas.ts';
import * as mfa from './mfa.service.ts';
import { answerChallenge, passkeyOptionsFor } from './mfa.sign-in.ts';
import * as passkeys from './passkey.service.ts';
import * as totp from './totp.service.ts';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from './webauthn.ts';

const client = (request: FastifyRequest) => ({
  ip: request.ip,
  userAgent: request.headers['user-agent'] ?? null,
});

export default async function mfaRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const limits = mfa.mfaLimits(app.rateLimits, await signInLimits(app.ctx, app.rateLimits));

  // --- The signed-in person's factors --------------------------------------------------------------

  app.get(
    '/v1/me/mfa',
    {
      schema: {
        tags: ['mfa'],
        summary: 'Your second factors: authenticator app, passkeys, recovery codes left',
        response: withErrors({ 200: MfaOverview }, 401, 403),
      },
    },
    async (request) => mfa.overview(app.ctx, requireUser(request)),
  );

  app.post(
    '/v1/me/mfa/totp',
    {
      schema: {
        tags: ['mfa'],
        summary:
          'Start setting up an authenticator app (replaces a set-up not yet confirmed): its secret and otpauth:// URL',
        response: withErrors({ 201: TotpEnrolment }, 401, 403, 409),
      },
    },
    async (request, reply) => {
      const started = await totp.startEnrolment(app.ctx, requireUser(request), request.ip);
      return reply.status(201).send({ secret: started.secret, otpauthUrl: started.otpauthUrl });
    },
  );

  app.post(
    '/v1/me/mfa/totp/confirm',
    {
      schema: {
        tags: ['mfa'],
        summary: 'Confirm the authenticator app with a code it shows; answers 10 recovery codes, shown once',
        body: CodeBody,
        response: withErrors({ 200: TotpConfirmed }, 400, 401, 403, 404, 409, 503),
      },
    },
    async (request) => totp.confirmEnrolment(app.ctx, requireUser(request), request.body.code, request.ip),
  );

  app.delete(
    '/v1/me/mfa/totp',
    {
      schema: {
        tags: ['mfa'],
        summary:
          'Remove the authenticator app (with your password); with no passkey left, the recovery codes go too',
        body: PasswordBody,
        response: withErrors({ 204: Type.Null() }, 400, 401, 403, 404, 429),
      },
    },
    async (request, reply) => {
      await totp.disable(app.ctx, limits, requireUser(request), request.body.password, request.ip);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/me/mfa/recovery-codes',
    {
      schema: {
        tags: ['mfa'],
        summary: 'New recovery codes (with your password); the earlier ones stop working',
        body: PasswordBody,
        response: withErrors({ 200: RecoveryCodes }, 400, 401, 403, 409, 429),
      },
    },
    async (request) =>
      mfa.regenerateRecoveryCodes(app.ctx, limits, requireUser(request), request.body.password, request.ip),
  );

  app.post(
    '/v1/me/passkeys/options',
    {
      schema: {
        tags: ['mfa'],
        summary: 'Options for navigator.credentials.create() to register a passkey (valid 5 minutes, once)',
        response: withErrors({ 200: OptionsEnvelope }, 401, 403),
      },
    },
    async (request) => passkeys.startRegistration(app.ctx, requireUser(request), client(request)),
  );

  app.post(
    '/v1/me/passkeys',
    {
      schema: {
        tags: ['mfa'],
        summary:
          'Register a passkey with the browser’s answer to the options; the first second factor also gets recovery codes',
        body: AddPasskeyBody,
        response: withErrors({ 201: AddedPasskey }, 400, 401, 403, 409),
      },
    },
    async (request, reply) => {
      const added = await passkeys.finishRegistration(
        app.ctx,
        requireUser(request),
        {
          response: request.body.response as unknown as RegistrationResponseJSON,
          name: request.body.name,
        },
        request.ip,
      );
      return reply.status(201).send(added);
    },
  );

  app.get(
    '/v1/me/passkeys',
    {
      schema: {
        tags: ['mfa'],
        summary: 'Your passkeys',
        response: withErrors({ 200: PasskeyList }, 401, 403),
      },
    },
    async (request) => ({ data: await passkeys.listPasskeys(app.ctx, requireUser(request)) }),
  );

  app.patch(
    '/v1/me/passkeys/:id',
    {
      schema: {
        tags: ['mfa'],
        summary: 'Rename one of your passkeys',
        params: PasskeyParams,
        body: RenamePasskeyBody,
        response: withErrors({ 200: Passkey }, 400, 401, 403, 404),
      },
    },
    async (request) =>
      passkeys.renamePasskey(app.ctx, requireUser(request), request.params.id, request.body.name, request.ip),
  );

  app.delete(
    '/v1/me/passkeys/:id',
    {
      schema: {
        tags: ['mfa'],
        summary: 'Remove one of your passkeys; with no second factor left, the recovery codes go too',
        params: PasskeyParams,
        response: withErrors({ 204: Type.Null() }, 400, 401, 403, 404),
      },
    },
    async (request, reply) => {
      await passkeys.deletePasskey(app.ctx, requireUser(request), request.params.id, request.ip);
      return reply.status(204).send(null);
    },
  );

  // --- Signing in -----------------------------------------------------------------------------------

  app.post(
    '/v1/auth/sign-in/mfa',
    {
      schema: {
        tags: ['auth'],
        summary:
          'Second step of a sign-in: the challenge from MFA_REQUIRED and one of code, recoveryCode, passkey → a session',
        body: MfaAnswerBody,
        response: withErrors({ 200: UserAndSession }, 400, 401, 410, 429, 503),
      },
    },
    async (request, reply) => {
      const { user, session } = await answerChallenge(
        app.ctx,
        limits,
        {
          ...request.body,
          passkey: request.body.passkey as unknown as AuthenticationResponseJSON | undefined,
        },
        client(request),
      );
      setSessionCookie(app, reply, session.token, session.expiresAt);
      return { user: serializeUser(user), session };
    },
  );

  app.post(
    '/v1/auth/sign-in/mfa/passkey-options',
    {
      schema: {
        tags: ['auth'],
        summary: 'WebAuthn options to answer a sign-in challenge with one of the account’s passkeys',
        body: ChallengeBody,
        response: withErrors({ 200: OptionsEnvelope }, 400, 401, 410, 429),
      },
    },
    async (request) => passkeyOptionsFor(app.ctx, request.body.challenge),
  );

  app.post(
    '/v1/auth/passkey/options',
    {
      schema: {
        tags: ['auth'],
        summary:
          'Start a passwordless sign-in: WebAuthn options for a discoverable passkey (valid 5 minutes)',
        response: withErrors({ 200: PasskeySignInOptions }, 429),
      },
    },
    async (request) => passkeys.startPasskeySignIn(app.ctx, limits, client(request)),
  );

  app.post(
    '/v1/auth/passkey',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with a passkey alone (user-verified: no second step)',
        body: PasskeySignInBody,
        response: withErrors({ 200: UserAndSession }, 400, 401),
      },
    },
    async (request, reply) => {
      const { user, session } = await passkeys.finishPasskeySignIn(
        app.ctx,
        {
          challengeId: request.body.challengeId,
          response: request.body.response as unknown as AuthenticationResponseJSON,
        },
        client(request),
      );
      setSessionCookie(app, reply, session.token, session.expiresAt);
      return { user: serializeUser(user), session };
    },
  );
}

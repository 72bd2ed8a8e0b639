/**
 * Helpers of the second-factor tests: enrol an authenticator app through the API and compute its codes
 * in the test with `otpauth` (as a phone would), and walk the two steps of a sign-in.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { type TOTP, URI } from 'otpauth';
import { expect } from 'vitest';
import { bearer } from './helpers.ts';

export const PASSWORD = 'correct horse battery';
const PERIOD_MS = 30_000;

export interface Authenticator {
  totp: TOTP;
  secret: string;
  otpauthUrl: string;
  recoveryCodes: string[];
  /** The step the confirming code was for: spent, so the next code to sign in is a later step's. */
  confirmedStep: number;
}

export const stepNow = () => Math.floor(Date.now() / PERIOD_MS);

/** The code of `step` (a 30-second step number). */
export function codeFor(totp: TOTP, step: number): string {
  return totp.generate({ timestamp: step * PERIOD_MS + 1 });
}

/** Sets up and confirms an authenticator app for the holder of `token`. */
export async function enrolTotp(app: FastifyInstance, token: string): Promise<Authenticator> {
  const start = await app.inject({ method: 'POST', url: '/v1/me/mfa/totp', headers: bearer(token) });
  expect(start.statusCode, start.body).toBe(201);
  const { secret, otpauthUrl } = start.json() as { secret: string; otpauthUrl: string };
  const totp = URI.parse(otpauthUrl) as TOTP;
  const confirmedStep = stepNow();
  const confirm = await app.inject({
    method: 'POST',
    url: '/v1/me/mfa/totp/confirm',
    headers: bearer(token),
    payload: { code: codeFor(totp, confirmedStep) },
  });
  expect(confirm.statusCode, confirm.body).toBe(200);
  return { totp, secret, otpauthUrl, recoveryCodes: confirm.json().recoveryCodes, confirmedStep };
}

export function signIn(app: FastifyInstance, email: string, password = PASSWORD) {
  return app.inject({ method: 'POST', url: '/v1/auth/sign-in', payload: { email, password } });
}

export interface MfaChallenge {
  challenge: string;
  methods: string[];
  expiresAt: string;
}

/** Signs in with the password and expects the second step to be asked for. */
export async function passwordStep(app: FastifyInstance, email: string): Promise<MfaChallenge> {
  const res = await signIn(app, email);
  expect(res.statusCode, res.body).toBe(401);
  const error = res.json().error as { code: string; details: MfaChallenge };
  expect(error.code).toBe('MFA_REQUIRED');
  return error.details;
}

export function secondStep(app: FastifyInstance, payload: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: '/v1/auth/sign-in/mfa', payload });
}

export function details(res: LightMyRequestResponse): Record<string, unknown> {
  return (res.json() as { error: { details: Record<string, unknown> } }).error.details;
}

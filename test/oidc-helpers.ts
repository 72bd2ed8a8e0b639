/**
 * For the OpenID Connect tests: a Roster listening on a real port (its PUBLIC_URL, the issuer, is that
 * address), a browser stand-in that follows redirects over HTTP with a cookie jar honouring cookie
 * paths, and the sign-in journey of a relying party (openid-client) whose interaction steps are
 * completed through Roster's interaction API, as the console's page will. No vitest here: the
 * verifier bench (bench/verifier.ts) drives the same journey.
 */
import type { FastifyInstance } from 'fastify';
import * as client from 'openid-client';
import type { Config } from '../src/config.ts';
import type { DatabaseHandle } from '../src/db/database.ts';
import { createTestApp, type TestApp } from './helpers.ts';
import { freePort } from './roster-process.ts';

/** Throws with `what` and the answer unless `ok`. */
function check(ok: boolean, what: string, answer?: unknown): void {
  if (!ok) throw new Error(`${what}: ${JSON.stringify(answer)}`);
}

export interface LiveRoster extends TestApp {
  issuer: string;
  port: number;
}

/** A Roster on a free port of 127.0.0.1 whose issuer (PUBLIC_URL) is that address. */
export async function liveRoster(
  overrides: Partial<Config> = {},
  database?: DatabaseHandle,
  issuer?: string,
): Promise<LiveRoster> {
  const port = await freePort();
  const publicUrl = issuer ?? `http://127.0.0.1:${port}`;
  const t = await createTestApp(
    { publicUrl, port, host: '127.0.0.1', cookieSecure: false, ...overrides },
    database,
  );
  await t.app.listen({ port, host: '127.0.0.1' });
  return { ...t, issuer: publicUrl, port };
}

interface Cookie {
  name: string;
  value: string;
  path: string;
}

/** A browser, as far as cookies and redirects go. */
export class Browser {
  cookies: Cookie[] = [];

  constructor(readonly origin: string) {}

  private cookieHeader(url: URL): string {
    return this.cookies
      .filter(
        (c) =>
          url.pathname === c.path ||
          url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) ||
          c.path === '/',
      )
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  private store(url: URL, res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = (pair as string).indexOf('=');
      const name = (pair as string).slice(0, eq);
      const value = (pair as string).slice(eq + 1);
      let path = url.pathname.replace(/\/[^/]*$/, '') || '/';
      let expired = value === '';
      for (const a of attrs) {
        const [k, v] = a.split('=');
        if (k?.toLowerCase() === 'path' && v) path = v;
        if (k?.toLowerCase() === 'expires' && v && new Date(v).getTime() < Date.now()) expired = true;
        if (k?.toLowerCase() === 'max-age' && Number(v) <= 0) expired = true;
      }
      this.cookies = this.cookies.filter((c) => !(c.name === name && c.path === path));
      if (!expired) this.cookies.push({ name, value, path });
    }
  }

  has(name: string): boolean {
    return this.cookies.some((c) => c.name === name);
  }

  /** One request, no redirect followed; cookies sent and stored. */
  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url, this.origin);
    const headers = new Headers(init.headers);
    const cookie = this.cookieHeader(target);
    if (cookie && target.origin === this.origin) headers.set('cookie', cookie);
    const res = await fetch(target, { ...init, headers, redirect: 'manual' });
    if (target.origin === this.origin) this.store(target, res);
    return res;
  }

  /** JSON in and out, same origin (as the console calls the API). */
  async api(method: string, path: string, body?: unknown) {
    const res = await this.fetch(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  /**
   * Follows redirects from `url` until it leaves Roster's provider: lands on the console's interaction
   * page (`/oidc/interaction/:uid`), on another origin (the client's redirect URI), or on a page.
   */
  async follow(url: string | URL): Promise<{ url: URL; status: number; body: string }> {
    let current = new URL(url, this.origin);
    for (let hops = 0; hops < 20; hops++) {
      if (current.origin !== this.origin || current.pathname.startsWith('/oidc/interaction/')) {
        return { url: current, status: 0, body: '' };
      }
      const res = await this.fetch(current);
      if (res.status >= 300 && res.status < 400) {
        current = new URL(res.headers.get('location') as string, current);
        continue;
      }
      return { url: current, status: res.status, body: await res.text() };
    }
    throw new Error('too many redirects');
  }

  async signIn(email: string, password = 'correct horse battery') {
    const res = await this.api('POST', '/v1/auth/sign-in', { email, password });
    check(res.status === 200, 'sign-in', res.body);
    return res.body as { user: { id: string } };
  }
}

export interface Rp {
  config: client.Configuration;
  clientId: string;
  clientSecret: string | null;
  redirectUri: string;
}

/** Registers a client through the API (an API key with clients:admin) and discovers Roster as an RP would. */
export async function registerRp(
  roster: LiveRoster,
  adminKey: string,
  body: Record<string, unknown> = {},
  fetchOverride?: typeof fetch,
): Promise<Rp> {
  const redirectUri = 'http://localhost:4000/callback';
  const res = await roster.app.inject({
    method: 'POST',
    url: '/v1/oidc/clients',
    headers: { authorization: `Bearer ${adminKey}` },
    payload: {
      name: 'Acme Notes',
      redirectUris: [redirectUri],
      postLogoutRedirectUris: ['http://localhost:4000/signed-out'],
      ...body,
    },
  });
  check(res.statusCode === 201, 'client registration', res.body);
  const created = res.json() as { id: string; clientSecret: string | null };
  return { ...(await discover(roster.issuer, created.id, created.clientSecret, fetchOverride)), redirectUri };
}

export async function discover(
  issuer: string,
  clientId: string,
  clientSecret: string | null,
  fetchOverride?: typeof fetch,
) {
  const config = await client.discovery(
    new URL(issuer),
    clientId,
    undefined,
    clientSecret ? client.ClientSecretBasic(clientSecret) : client.None(),
    { execute: [client.allowInsecureRequests] },
  );
  if (fetchOverride) config[client.customFetch] = fetchOverride as never;
  return { config, clientId, clientSecret };
}

export interface AuthorizationRun {
  /** Where the browser landed: the client's redirect URI with `code` (or `error`). */
  callback: URL;
  verifier: string;
  state: string;
  /** The interaction steps the browser went through ('login', 'consent'). */
  steps: string[];
}

export interface StepChoices {
  /** The organization picked at consent. */
  organizationId?: string;
  /** Decline at this step. */
  abortAt?: 'login' | 'consent';
  /** Called with each interaction's details before it is completed. */
  onDetails?: (details: Record<string, unknown>) => void | Promise<void>;
}

/** Runs an authorization request in `browser`, completing each interaction through Roster's API. */
export async function authorize(
  rp: Rp,
  browser: Browser,
  params: Record<string, string> = {},
  choices: StepChoices = {},
): Promise<AuthorizationRun> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(rp.config, {
    redirect_uri: rp.redirectUri,
    scope: 'openid email profile organizations offline_access',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...params,
  });
  let landed = await browser.follow(url);
  const steps: string[] = [];
  for (let i = 0; i < 4 && landed.url.pathname.startsWith('/oidc/interaction/'); i++) {
    const uid = landed.url.pathname.split('/')[3] as string;
    const details = await browser.api('GET', `/v1/oidc/interactions/${uid}`);
    check(details.status === 200, 'interaction details', details.body);
    await choices.onDetails?.(details.body);
    const step = details.body.prompt as 'login' | 'consent';
    steps.push(step);
    const next =
      choices.abortAt === step
        ? await browser.api('POST', `/v1/oidc/interactions/${uid}/abort`)
        : step === 'login'
          ? await browser.api('POST', `/v1/oidc/interactions/${uid}/login`)
          : await browser.api(
              'POST',
              `/v1/oidc/interactions/${uid}/consent`,
              choices.organizationId ? { organizationId: choices.organizationId } : {},
            );
    check(next.status === 200, `interaction ${step}`, next.body);
    landed = await browser.follow(next.body.redirectTo);
  }
  if (landed.url.origin === browser.origin) {
    throw new Error(
      `the authorization did not return to the client: ${landed.status} ${landed.url} ${landed.body.slice(0, 300)}`,
    );
  }
  return { callback: landed.url, verifier, state, steps };
}

/** Exchanges the code the run brought back (openid-client checks state, PKCE, the ID token). */
export function redeem(rp: Rp, run: AuthorizationRun, params: Record<string, string> = {}) {
  return client.authorizationCodeGrant(
    rp.config,
    run.callback,
    { pkceCodeVerifier: run.verifier, expectedState: run.state },
    params,
  );
}

/** An API key with the scopes given, straight through the CLI's service. */
export async function apiKey(app: FastifyInstance, scopes: string) {
  const { createApiKey, parseScopes } = await import('../src/features/api-keys/api-key.service.ts');
  return (await createApiKey(app.ctx.db, 'oidc-tests', parseScopes(scopes))).token;
}

export const orgResource = (id: string) => `urn:roster:organization:${id}`;

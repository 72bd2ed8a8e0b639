/**
 * `roster/verifier`: verifies, inside a host application's own process, the organization access
 * tokens Roster issues (OpenID Connect, resource `urn:roster:organization:<id>`), and answers its
 * authorization question with no network round trip: `verify(token)` → who, in which organization,
 * with which role and permissions, and `can(scope)`.
 *
 * Roster's JWKS is fetched and cached with `jose` (for 10 minutes; fetched again at once for a key id it
 * lacks, at most once a second, so a key rotation is picked up by itself); signatures are checked with
 * node:crypto, synchronously — Node.js only (20.19+), which is where a host verifies. Every refusal is an error of its own
 * class with a stable `code`: wrong issuer, wrong audience, an algorithm outside ES256/RS256 (`none`
 * included), expired, a signature that does not hold (a tampered token), an unknown key, a token that
 * is not an access token (an ID token), a malformed one.
 *
 * @example
 *   import { createVerifier } from 'roster/verifier';
 *   const roster = createVerifier({ issuer: 'https://roster.example.com', audience: process.env.ROSTER_CLIENT_ID });
 *   const who = await roster.verify(bearerToken);     // throws a VerifierError subclass when refused
 *   if (!who.can('member:invite')) return forbidden();
 *   console.log(who.userId, who.orgId, who.orgSlug, who.role);
 */
import {
  createPublicKey,
  verify as cryptoVerify,
  type KeyObject,
  type VerifyKeyObjectInput,
} from 'node:crypto';
import { createRemoteJWKSet, type JSONWebKeySet, type JWTPayload } from 'jose';

/** Why a token was refused; `code` is stable. */
export class VerifierError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
export class TokenExpiredError extends VerifierError {
  constructor(
    readonly expiredAt: Date | null,
    options?: { cause?: unknown },
  ) {
    super('TOKEN_EXPIRED', 'The token has expired.', options);
  }
}
export class WrongIssuerError extends VerifierError {
  constructor(options?: { cause?: unknown }) {
    super('WRONG_ISSUER', 'The token was not issued by the expected Roster.', options);
  }
}
export class WrongAudienceError extends VerifierError {
  constructor(options?: { cause?: unknown }) {
    super('WRONG_AUDIENCE', 'The token was issued to another client.', options);
  }
}
export class AlgorithmNotAllowedError extends VerifierError {
  constructor(readonly alg: unknown) {
    super('ALGORITHM_NOT_ALLOWED', `Tokens signed with '${String(alg)}' are refused.`);
  }
}
export class InvalidSignatureError extends VerifierError {
  constructor(options?: { cause?: unknown }) {
    super(
      'INVALID_SIGNATURE',
      'The token’s signature does not verify (it was altered, or not signed by Roster).',
      options,
    );
  }
}
export class UnknownKeyError extends VerifierError {
  constructor(options?: { cause?: unknown }) {
    super('UNKNOWN_KEY', 'No key Roster publishes signed this token.', options);
  }
}
export class WrongTokenTypeError extends VerifierError {
  constructor(readonly typ: unknown) {
    super(
      'NOT_AN_ACCESS_TOKEN',
      `This is not an access token (typ '${String(typ)}'); ID tokens are not accepted.`,
    );
  }
}
export class NoOrganizationError extends VerifierError {
  constructor() {
    super('NO_ORGANIZATION', 'The token is not scoped to an organization.');
  }
}
export class MalformedTokenError extends VerifierError {
  constructor(message = 'This is not a well-formed token.', options?: { cause?: unknown }) {
    super('MALFORMED_TOKEN', message, options);
  }
}
export class JwksUnavailableError extends VerifierError {
  constructor(options?: { cause?: unknown }) {
    super('JWKS_UNAVAILABLE', 'Roster’s signing keys could not be fetched.', options);
  }
}

export interface VerifierOptions {
  /** Roster's issuer: its PUBLIC_URL, e.g. `https://roster.example.com`. */
  issuer: string;
  /** Your client_id (organization access tokens are issued with it as their audience). */
  audience: string | string[];
  /** Accepted signing algorithms. @default ['ES256', 'RS256'] */
  algorithms?: Array<'ES256' | 'RS256'>;
  /** Refuse tokens without an organization (`org_id`). @default true */
  requireOrganization?: boolean;
  /** Clock skew tolerated on `exp`/`nbf`, in seconds. @default 5 */
  clockToleranceSeconds?: number;
  /** Where the keys are. @default `${issuer}/oidc/jwks` */
  jwksUri?: string;
  /** Fixed keys instead of fetching them (tests, air-gapped hosts). */
  jwks?: JSONWebKeySet;
  /**
   * How many verified tokens to remember (by their exact text, until they expire), so a token seen
   * again is not checked again; 0 = check every time. @default 1000
   */
  cacheSize?: number;
}

export interface VerifiedToken {
  /** The person (`sub`). */
  userId: string;
  /** The client the token was issued to. */
  clientId: string | null;
  orgId: string | null;
  orgSlug: string | null;
  /**
   * The person's role in the organization when the token was issued: `owner`, `admin`, `member`, or
   * the key of one of the organization's own roles (its scopes are in `scopes`).
   */
  role: string | null;
  /** The role's permission scopes when the token was issued (`org:read`, `member:invite`, …). */
  scopes: string[];
  expiresAt: Date;
  /** Every claim, as signed. */
  claims: JWTPayload;
  /** Does the token carry this permission scope? */
  can(scope: string): boolean;
}

export interface Verifier {
  verify(token: string): Promise<VerifiedToken>;
}

/** What a role key looks like (built-in or the organization's own). */
const ROLE_KEY = /^[a-z][a-z0-9_-]{1,39}$/;

export function createVerifier(options: VerifierOptions): Verifier {
  const issuer = options.issuer.replace(/\/+$/, '');
  const allowed = new Set<string>(options.algorithms ?? ['ES256', 'RS256']);
  const audiences = new Set(Array.isArray(options.audience) ? options.audience : [options.audience]);
  const requireOrganization = options.requireOrganization ?? true;
  const tolerance = options.clockToleranceSeconds ?? 5;
  const remote = options.jwks
    ? null
    : createRemoteJWKSet(new URL(options.jwksUri ?? `${issuer}/oidc/jwks`), {
        cooldownDuration: 30_000,
        cacheMaxAge: 10 * 60_000,
      });

  // Public keys by key id, as Node KeyObjects: the signature is checked with node:crypto, synchronously
  // (about twice as fast as WebCrypto's asynchronous verify, which matters on a host's hot path).
  let keys = new Map<string, { alg: string; key: KeyObject | VerifyKeyObjectInput }>();
  let keysOf: JSONWebKeySet | undefined;
  const index = (jwks: JSONWebKeySet | undefined) => {
    if (!jwks || jwks === keysOf) return;
    keysOf = jwks;
    const next = new Map<string, { alg: string; key: KeyObject | VerifyKeyObjectInput }>();
    for (const jwk of jwks.keys) {
      if (typeof jwk.kid !== 'string' || typeof jwk.alg !== 'string' || !allowed.has(jwk.alg)) continue;
      if (jwk.use !== undefined && jwk.use !== 'sig') continue;
      try {
        const key = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
        next.set(jwk.kid, {
          alg: jwk.alg,
          key: jwk.alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key,
        });
      } catch {
        // a key this runtime cannot read is as good as absent
      }
    }
    keys = next;
  };
  if (options.jwks) index(options.jwks);

  let lastForced = 0;
  let reloading: Promise<void> | null = null;
  /**
   * Fetches the JWKS: when none is cached or the cache has aged out, and — for a key id not known yet,
   * Roster may just have rotated — at most once a second, however many tokens ask. One fetch at a time.
   */
  const reload = async (unknownKid: boolean) => {
    if (!remote) return;
    if (!reloading) {
      const due = !keysOf || !remote.fresh;
      if (!due && !(unknownKid && Date.now() - lastForced >= 1000)) return;
      if (!due) lastForced = Date.now();
      reloading = remote.reload().finally(() => {
        reloading = null;
      });
    }
    try {
      await reloading;
    } catch (cause) {
      throw new JwksUnavailableError({ cause });
    }
    index(remote.jwks());
  };

  async function keyFor(kid: unknown, alg: string) {
    if (typeof kid !== 'string') throw new UnknownKeyError();
    if (remote && (!keysOf || !remote.fresh)) await reload(false);
    let found = keys.get(kid);
    if (!found && remote) {
      await reload(true);
      found = keys.get(kid);
    }
    if (!found) throw new UnknownKeyError();
    if (found.alg !== alg) throw new AlgorithmNotAllowedError(alg);
    return found.key;
  }

  // Tokens verified before, by their exact text (signature included), until they expire: a host sees
  // the same token on every request of a session; its signature need not be checked each time.
  const cacheSize = options.cacheSize ?? 1000;
  const verified = new Map<string, VerifiedToken>();

  return {
    async verify(token: string): Promise<VerifiedToken> {
      const known = cacheSize > 0 ? verified.get(token) : undefined;
      if (known) {
        if (known.expiresAt.getTime() > Date.now() - tolerance * 1000) return known;
        verified.delete(token);
        throw new TokenExpiredError(known.expiresAt);
      }
      const parts = typeof token === 'string' ? token.split('.') : [];
      if (parts.length !== 3) throw new MalformedTokenError();
      const [h, p, sig] = parts as [string, string, string];
      const header = decodeJson(h) as { alg?: unknown; typ?: unknown; kid?: unknown };
      // Checked before anything else: `none`, HS256 with the public key as secret, … never get further.
      if (typeof header.alg !== 'string' || !allowed.has(header.alg))
        throw new AlgorithmNotAllowedError(header.alg);
      if (header.typ !== 'at+jwt' && header.typ !== 'application/at+jwt')
        throw new WrongTokenTypeError(header.typ);
      const key = await keyFor(header.kid, header.alg);
      const signed = cryptoVerify(
        'sha256',
        Buffer.from(token.slice(0, h.length + 1 + p.length)),
        key,
        Buffer.from(sig, 'base64url'),
      );
      if (!signed) throw new InvalidSignatureError();
      const payload = decodeJson(p) as JWTPayload;
      checkClaims(payload, issuer, audiences, tolerance);
      const orgId = typeof payload.org_id === 'string' ? payload.org_id : null;
      if (requireOrganization && !orgId) throw new NoOrganizationError();
      const scopes = Array.isArray(payload.permissions)
        ? payload.permissions.filter((s): s is string => typeof s === 'string')
        : [];
      const result: VerifiedToken = {
        userId: payload.sub as string,
        clientId: typeof payload.client_id === 'string' ? payload.client_id : null,
        orgId,
        orgSlug: typeof payload.org_slug === 'string' ? payload.org_slug : null,
        role:
          typeof payload.org_role === 'string' && ROLE_KEY.test(payload.org_role) ? payload.org_role : null,
        scopes,
        expiresAt: new Date((payload.exp as number) * 1000),
        claims: payload,
        can: (scope) => scopes.includes(scope),
      };
      if (cacheSize > 0) {
        // Oldest first out: a Map keeps insertion order.
        if (verified.size >= cacheSize) verified.delete(verified.keys().next().value as string);
        verified.set(token, result);
      }
      // Shared by every caller of a cached token: read-only.
      Object.freeze(scopes);
      Object.freeze(payload);
      return Object.freeze(result);
    },
  };
}

function decodeJson(part: string): Record<string, unknown> {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value;
  } catch {
    // fall through
  }
  throw new MalformedTokenError();
}

/** RFC 9068 §4: iss, aud, exp (and nbf, iat, sub) — each refusal its own error. */
function checkClaims(payload: JWTPayload, issuer: string, audiences: Set<string>, tolerance: number) {
  if (payload.iss !== issuer) throw new WrongIssuerError();
  const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!aud.some((a) => typeof a === 'string' && audiences.has(a))) throw new WrongAudienceError();
  const now = Math.floor(Date.now() / 1000);
  if (typeof payload.exp !== 'number') throw new MalformedTokenError("The token has no 'exp' claim.");
  if (payload.exp <= now - tolerance) throw new TokenExpiredError(new Date(payload.exp * 1000));
  if (typeof payload.nbf === 'number' && payload.nbf > now + tolerance) {
    throw new MalformedTokenError('The token is not valid yet.');
  }
  if (typeof payload.iat !== 'number') throw new MalformedTokenError("The token has no 'iat' claim.");
  if (typeof payload.sub !== 'string' || !payload.sub)
    throw new MalformedTokenError("The token has no 'sub' claim.");
}

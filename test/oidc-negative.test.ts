/**
 * What "Sign in with Roster" refuses (issue 12): an unregistered redirect URI, PKCE missing or wrong, a
 * code used twice (and the tokens it gave revoked), a wrong client secret, a token of another client;
 * and what the host verifier refuses, each with its own error: `alg: none` and HS256, an expired token,
 * a tampered one, a wrong issuer, an ID token. Key rotation: old tokens verify until they expire, new
 * ones use the new key, and the old key leaves the JWKS once its last token has expired. Secrets at
 * rest: client secrets hashed, signing keys sealed with SECRETS_KEY; concurrent first starts make one key.
 */
import { randomBytes } from 'node:crypto';
import { importJWK, type JWK, SignJWT } from 'jose';
import * as client from 'openid-client';
import {
  AlgorithmNotAllowedError,
  createVerifier,
  InvalidSignatureError,
  TokenExpiredError,
  UnknownKeyError,
  WrongAudienceError,
  WrongIssuerError,
  WrongTokenTypeError,
} from 'roster/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliHost, execute } from '../src/commands.ts';
import { ensureSigningKey, rotateSigningKey } from '../src/features/oidc/oidc.keys.ts';
import { unseal } from '../src/lib/secret-box.ts';
import { createOrg, createTestApp, onPostgres, signUp } from './helpers.ts';
import {
  apiKey,
  authorize,
  Browser,
  discover,
  type LiveRoster,
  liveRoster,
  orgResource,
  type Rp,
  redeem,
  registerRp,
} from './oidc-helpers.ts';

let roster: LiveRoster;
let adminKey: string;
let rp: Rp;
let other: Rp;
let ada: { token: string; user: { id: string; email: string } };
let acme: { id: string };

beforeAll(async () => {
  roster = await liveRoster();
  adminKey = await apiKey(roster.app, 'clients:admin');
  [rp, other] = [
    await registerRp(roster, adminKey),
    await registerRp(roster, adminKey, { name: 'Other App' }),
  ];
  ada = await signUp(roster.app, undefined, 'Ada');
  acme = await createOrg(roster.app, ada.token, 'Acme');
});
afterAll(() => roster.close());

async function browser() {
  const b = new Browser(roster.issuer);
  await b.signIn(ada.user.email);
  return b;
}

async function orgToken(using: Rp = rp) {
  const tokens = await redeem(using, await authorize(using, await browser()));
  const org = await client.refreshTokenGrant(using.config, tokens.refresh_token as string, {
    resource: orgResource(acme.id),
  });
  return { tokens, org };
}

/** A 401 with `WWW-Authenticate: Basic error="invalid_client"`, as openid-client reports it. */
const INVALID_CLIENT = {
  status: 401,
  cause: [expect.objectContaining({ parameters: expect.objectContaining({ error: 'invalid_client' }) })],
};

const verifier = (audience = rp.clientId) => createVerifier({ issuer: roster.issuer, audience });

describe('the authorization endpoint and the token endpoint refuse', () => {
  it('a redirect URI that is not registered: an error page, never a redirect there', async () => {
    const b = await browser();
    const url = client.buildAuthorizationUrl(rp.config, {
      redirect_uri: 'https://evil.example/callback',
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const res = await b.fetch(url);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('redirect_uri');
  });

  it('a request without PKCE (every client must use it), and a wrong code_verifier', async () => {
    const b = await browser();
    const noPkce = client.buildAuthorizationUrl(rp.config, {
      redirect_uri: rp.redirectUri,
      scope: 'openid',
      state: 's',
    });
    const landed = await b.follow(noPkce);
    expect(landed.url.origin).toBe('http://localhost:4000');
    expect(landed.url.searchParams.get('error')).toBe('invalid_request');
    expect(landed.url.searchParams.get('error_description')).toMatch(/PKCE/);

    const plain = client.buildAuthorizationUrl(rp.config, {
      redirect_uri: rp.redirectUri,
      scope: 'openid',
      code_challenge: 'a'.repeat(43),
      code_challenge_method: 'plain',
    });
    expect((await b.follow(plain)).url.searchParams.get('error')).toBe('invalid_request');

    const run = await authorize(rp, b);
    await expect(
      client.authorizationCodeGrant(rp.config, run.callback, {
        pkceCodeVerifier: client.randomPKCECodeVerifier(),
        expectedState: run.state,
      }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('a code used twice: refused, and the tokens the first use gave are revoked', async () => {
    const run = await authorize(rp, await browser());
    const first = await redeem(rp, run);
    expect((await client.tokenIntrospection(rp.config, first.access_token)).active).toBe(true);
    await expect(redeem(rp, run)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await client.tokenIntrospection(rp.config, first.access_token)).active).toBe(false);
    await expect(client.refreshTokenGrant(rp.config, first.refresh_token as string)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('a code or refresh token presented by another client', async () => {
    const run = await authorize(rp, await browser());
    const otherRun = { ...run };
    await expect(
      client.authorizationCodeGrant(other.config, otherRun.callback, {
        pkceCodeVerifier: run.verifier,
        expectedState: run.state,
      }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
    const { tokens } = await orgToken();
    await expect(
      client.refreshTokenGrant(other.config, tokens.refresh_token as string),
    ).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('a wrong client secret (compared with the stored hash), and the secret is never stored', async () => {
    const wrong = await discover(
      roster.issuer,
      rp.clientId,
      `ro_${randomBytes(16).toString('hex')}${randomBytes(32).toString('base64url')}`,
    );
    await expect(client.clientCredentialsGrant(wrong.config)).rejects.toMatchObject(INVALID_CLIENT);
    const run = await authorize(rp, await browser());
    await expect(redeem({ ...wrong, redirectUri: rp.redirectUri }, run)).rejects.toMatchObject(
      INVALID_CLIENT,
    );
    const row = await roster.database.db
      .selectFrom('oidc_clients')
      .select('secret_hash')
      .where('id', '=', rp.clientId)
      .executeTakeFirstOrThrow();
    expect(Buffer.from(row.secret_hash as Uint8Array)).toHaveLength(32);
    expect(Buffer.from(row.secret_hash as Uint8Array).toString('utf8')).not.toContain(
      rp.clientSecret as string,
    );
    const listed = await roster.app.inject({
      url: '/v1/oidc/clients',
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(listed.body).not.toContain(rp.clientSecret as string);
  });
});

describe('the host verifier refuses', () => {
  it('a token of another client (wrong audience) and a wrong issuer', async () => {
    const { org } = await orgToken(other);
    await expect(verifier(rp.clientId).verify(org.access_token)).rejects.toBeInstanceOf(WrongAudienceError);
    expect((await verifier(other.clientId).verify(org.access_token)).orgId).toBe(acme.id);
    const elsewhere = createVerifier({
      issuer: 'https://roster.example.com',
      audience: other.clientId,
      jwksUri: `${roster.issuer}/oidc/jwks`,
    });
    await expect(elsewhere.verify(org.access_token)).rejects.toBeInstanceOf(WrongIssuerError);
  });

  it('alg none and HS256, before looking at anything else', async () => {
    const { org } = await orgToken();
    const [, payload] = org.access_token.split('.');
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const none = `${b64({ alg: 'none', typ: 'at+jwt' })}.${payload}.`;
    const err = await verifier()
      .verify(none)
      .catch((e) => e);
    expect(err).toBeInstanceOf(AlgorithmNotAllowedError);
    expect(err.code).toBe('ALGORITHM_NOT_ALLOWED');
    // HS256 "signed" with the public key as a shared secret: the classic confusion attack.
    const jwks = (await (await fetch(`${roster.issuer}/oidc/jwks`)).json()) as { keys: JWK[] };
    const hs = await new SignJWT(JSON.parse(Buffer.from(payload as string, 'base64url').toString()))
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .sign(new TextEncoder().encode(JSON.stringify(jwks.keys[0])));
    await expect(verifier().verify(hs)).rejects.toBeInstanceOf(AlgorithmNotAllowedError);
  });

  it('a tampered token, an ID token, an expired token (signed with Roster’s real key)', async () => {
    const { org, tokens } = await orgToken();
    const [h, p, sig] = org.access_token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const promoted = Buffer.from(
      JSON.stringify({ ...claims, org_role: 'owner', permissions: ['org:delete'] }),
    ).toString('base64url');
    const tampered = await verifier()
      .verify(`${h}.${promoted}.${sig}`)
      .catch((e) => e);
    expect(tampered).toBeInstanceOf(InvalidSignatureError);
    expect(tampered.code).toBe('INVALID_SIGNATURE');

    await expect(verifier().verify(tokens.id_token as string)).rejects.toBeInstanceOf(WrongTokenTypeError);

    const key = await roster.database.db
      .selectFrom('oidc_signing_keys')
      .select(['private_jwk'])
      .where('retired_at', 'is', null)
      .executeTakeFirstOrThrow();
    const jwk = JSON.parse(unseal(key.private_jwk, null)) as JWK;
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ ...claims, iat: now - 600, exp: now - 300 })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: jwk.kid as string })
      .sign(await importJWK(jwk, 'ES256'));
    const err = await verifier()
      .verify(expired)
      .catch((e) => e);
    expect(err).toBeInstanceOf(TokenExpiredError);
    expect(err.code).toBe('TOKEN_EXPIRED');
    // The same claims, not expired, verify: the refusal above was the expiry and nothing else.
    const fresh = await new SignJWT({ ...claims, iat: now, exp: now + 60 })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: jwk.kid as string })
      .sign(await importJWK(jwk, 'ES256'));
    expect((await verifier().verify(fresh)).orgId).toBe(acme.id);
  });
});

describe('signing keys', () => {
  it('rotation: old tokens verify until they expire, new ones use the new key (RS256 here), then the old key is dropped', async () => {
    const { org: before } = await orgToken();
    const oldKid = JSON.parse(
      Buffer.from(before.access_token.split('.')[0] as string, 'base64url').toString(),
    ).kid;
    const host = verifier();
    await host.verify(before.access_token); // the host has the old JWKS cached

    const cli = await execute(
      ['keys', 'rotate', '--alg', 'RS256'],
      cliHost(roster.config, roster.database.db),
    );
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/current: \S+ \(RS256\)/);
    expect(cli.stdout).toContain(`retired: ${oldKid}`);
    expect(await roster.app.oidc.refreshKeys()).toBe(true);

    const jwks = (await (await fetch(`${roster.issuer}/oidc/jwks`)).json()) as { keys: JWK[] };
    expect(jwks.keys.map((k) => k.alg)).toEqual(['RS256', 'ES256']);
    // A relying party reads the discovery document again to learn the new algorithm (ID tokens).
    const rediscovered = {
      ...(await discover(roster.issuer, rp.clientId, rp.clientSecret)),
      redirectUri: rp.redirectUri,
    };
    expect(rediscovered.config.serverMetadata().id_token_signing_alg_values_supported).toContain('RS256');
    const after = await client.refreshTokenGrant(rediscovered.config, before.refresh_token as string, {
      resource: orgResource(acme.id),
    });
    const header = JSON.parse(
      Buffer.from(after.access_token.split('.')[0] as string, 'base64url').toString(),
    );
    expect(header.alg).toBe('RS256');
    expect(header.kid).not.toBe(oldKid);
    // The same host verifier: the unknown kid makes it fetch the JWKS again.
    expect((await host.verify(after.access_token)).orgId).toBe(acme.id);
    expect((await host.verify(before.access_token)).orgId).toBe(acme.id);
    expect(
      JSON.parse(Buffer.from((after.id_token as string).split('.')[0] as string, 'base64url').toString()).alg,
    ).toBe('RS256');

    // Once every token the old key signed has expired, the sweep drops it and it is no longer published.
    await roster.database.db
      .updateTable('oidc_signing_keys')
      .set({ drop_after: new Date(Date.now() - 1000) })
      .where('kid', '=', oldKid)
      .execute();
    expect(await roster.app.oidc.sweep()).toBeGreaterThanOrEqual(1);
    expect(await roster.app.oidc.refreshKeys()).toBe(true);
    const later = (await (await fetch(`${roster.issuer}/oidc/jwks`)).json()) as { keys: JWK[] };
    expect(later.keys.map((k) => k.kid)).not.toContain(oldKid);
    await expect(verifier().verify(before.access_token)).rejects.toBeInstanceOf(UnknownKeyError);
  });

  it('with SECRETS_KEY the private key is sealed; concurrent first starts create one key', async () => {
    const secretsKey = randomBytes(32);
    const t = await createTestApp({ secretsKey });
    try {
      const rows = await t.database.db
        .selectFrom('oidc_signing_keys')
        .select(['private_jwk', 'alg'])
        .execute();
      expect(rows).toHaveLength(1);
      expect(rows[0]?.alg).toBe('ES256');
      expect(rows[0]?.private_jwk.startsWith('gcm1:')).toBe(true);
      expect(rows[0]?.private_jwk).not.toContain('"d"');
      expect(JSON.parse(unseal(rows[0]?.private_jwk as string, secretsKey)).d).toEqual(expect.any(String));

      await t.database.db.deleteFrom('oidc_signing_keys').execute();
      const config = { secretsKey };
      await Promise.all(
        Array.from({ length: onPostgres ? 8 : 3 }, () => ensureSigningKey(t.database.db, config)),
      );
      const after = await t.database.db.selectFrom('oidc_signing_keys').select('kid').execute();
      expect(after).toHaveLength(1);
      // Two rotations at once still leave one current key.
      await Promise.all([
        rotateSigningKey(t.database.db, { ...config, oidcAccessTokenTtlSeconds: 300 }, 'ES256'),
        rotateSigningKey(t.database.db, { ...config, oidcAccessTokenTtlSeconds: 300 }, 'ES256'),
      ]);
      const current = await t.database.db
        .selectFrom('oidc_signing_keys')
        .select('kid')
        .where('retired_at', 'is', null)
        .execute();
      expect(current).toHaveLength(1);
    } finally {
      await t.close();
    }
  });

  it('under a SECRETS_KEY that does not open them, the provider answers 503 and the rest of Roster works; a new key brings it back', async () => {
    const t = await createTestApp({ secretsKey: randomBytes(32) });
    const rekeyed = await createTestApp({ secretsKey: randomBytes(32) }, t.database);
    try {
      const down = await rekeyed.app.inject({ url: '/.well-known/openid-configuration' });
      expect(down.statusCode).toBe(503);
      expect(down.json()).toMatchObject({ error: 'temporarily_unavailable' });
      expect(down.json().error_description).toContain('roster keys rotate');
      const interaction = await rekeyed.app.inject({ url: '/v1/oidc/interactions/anything' });
      expect(interaction.statusCode).toBe(503);
      expect(interaction.json().error.code).toBe('OIDC_UNAVAILABLE');
      // Everything else answers.
      expect((await signUp(rekeyed.app)).token).toMatch(/^rs_/);
      // A new key, sealed with this instance's SECRETS_KEY, is signing at the next check.
      await rotateSigningKey(rekeyed.database.db, { ...rekeyed.config }, 'ES256');
      expect(await rekeyed.app.oidc.refreshKeys()).toBe(true);
      const up = await rekeyed.app.inject({ url: '/.well-known/openid-configuration' });
      expect(up.statusCode).toBe(200);
    } finally {
      await rekeyed.close();
      await t.close();
    }
  });
});

describe('clients: CLI and API', () => {
  it('roster client create | list | delete, and the API under clients:admin only', async () => {
    const host = cliHost(roster.config, roster.database.db);
    const created = await execute(
      [
        'client',
        'create',
        '--name',
        'CLI App',
        '--redirect-uri',
        'https://app.example.com/cb',
        '--redirect-uri',
        'http://localhost:3001/cb',
      ],
      host,
    );
    expect(created.code, created.stderr).toBe(0);
    const id = /client_id:\s+(\S+)/.exec(created.stdout)?.[1] as string;
    expect(created.stdout).toMatch(/client_secret: ro_\S+/);
    expect(created.stderr).toContain('Store the client secret now');
    expect((await execute(['client', 'list'], host)).stdout).toContain(`${id}  CLI App  confidential`);

    const bad = await execute(
      ['client', 'create', '--name', 'Bad', '--redirect-uri', 'http://evil.example/cb'],
      host,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('INVALID_REDIRECT_URI');
    expect(
      (await execute(['client', 'create', '--name', 'X', '--grant', 'implicit'], host)).stderr,
    ).toContain('--grant must be');

    const memberKey = await apiKey(roster.app, 'member:read,org:read');
    for (const auth of [`Bearer ${memberKey}`, `Bearer ${ada.token}`]) {
      const res = await roster.app.inject({ url: '/v1/oidc/clients', headers: { authorization: auth } });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.details).toEqual({ requiredScope: 'clients:admin' });
    }
    expect((await roster.app.inject({ url: '/v1/oidc/clients' })).statusCode).toBe(401);
    // An owner's role never carries the operator's scope.
    const orgRes = await roster.app.inject({
      url: `/v1/organizations/${acme.id}`,
      headers: { authorization: `Bearer ${ada.token}` },
    });
    expect(orgRes.json().viewer.scopes).not.toContain('clients:admin');

    const deleted = await roster.app.inject({
      method: 'DELETE',
      url: `/v1/oidc/clients/${id}`,
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(deleted.statusCode).toBe(204);
    const again = await execute(['client', 'delete', id], host);
    expect(again.stderr).toContain('CLIENT_NOT_FOUND');
  });

  it('a deleted client’s refresh tokens stop working', async () => {
    const doomed = await registerRp(roster, adminKey, { name: 'Doomed' });
    const tokens = await redeem(doomed, await authorize(doomed, await browser()));
    await roster.app.inject({
      method: 'DELETE',
      url: `/v1/oidc/clients/${doomed.clientId}`,
      headers: { authorization: `Bearer ${adminKey}` },
    });
    await expect(
      client.refreshTokenGrant(doomed.config, tokens.refresh_token as string),
    ).rejects.toMatchObject(INVALID_CLIENT);
    const left = await roster.database.db
      .selectFrom('oidc_payloads')
      .select('id')
      .where((eb) => eb(eb.ref('payload', '->>').key('clientId' as never), '=', doomed.clientId))
      .execute();
    expect(left).toEqual([]);
  });
});

/**
 * Roster's OpenID Connect provider as the rest of Roster sees it: the engine built with the current
 * signing keys, the requests it answers, and its upkeep (keys re-read, expired artifacts swept).
 *
 * The engine holds its keys from construction, so when the published key set changes — a rotation by
 * any instance or by the CLI, or a retired key past its last token — the next check builds a new
 * engine with the new set and swaps it in; requests already inside the old one finish there. Nothing
 * else lives in the engine: codes, tokens, grants, sessions and interactions are in the database.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { Context } from '../../context.ts';
import { installKey } from '../../lib/install-keys.ts';
import { SealedSecretError } from '../../lib/secret-box.ts';
import { sweepExpired } from './oidc.adapter.ts';
import { loadEngine } from './oidc.engine.ts';
import { OidcErrors } from './oidc.errors.ts';
import { ensureSigningKey, loadSigningKeys, signingKeysVersion, sweepRetiredKeys } from './oidc.keys.ts';
import { createProvider } from './oidc.provider.ts';

const DISCOVERY = '/.well-known/openid-configuration';

/** Is this path one of the provider's (`/.well-known/openid-configuration`, `/oidc/…` but the console's interaction pages)? */
export function isProviderPath(url: string): boolean {
  const path = url.split('?', 1)[0] as string;
  if (path === DISCOVERY) return true;
  return path.startsWith('/oidc/') && !/^\/oidc\/interaction(\/|$)/.test(path);
}

type Engine = {
  provider: Provider;
  callback: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  version: string;
};

export class OidcService {
  /**
   * Null while the signing keys cannot be opened (SECRETS_KEY changed): the provider's endpoints then
   * answer 503 and the rest of Roster works on; the keys are tried again at each check.
   */
  private engine: Engine | null;
  /** The key set last found unopenable, so that one failure is logged once, not at every check. */
  private failedVersion: string | null = null;

  private constructor(
    private readonly ctx: Context,
    private readonly cookieKeys: string[],
    engine: Engine | null,
  ) {
    this.engine = engine;
  }

  static async start(ctx: Context): Promise<OidcService> {
    await ensureSigningKey(ctx.db, ctx.config);
    const cookieKey = await installKey(ctx.db, ctx.config, 'oidc-cookies');
    const service = new OidcService(ctx, [cookieKey.toString('base64url')], null);
    await service.tryBuild(await signingKeysVersion(ctx.db));
    return service;
  }

  /** Builds the engine with the published keys; on keys that do not open, stays (or becomes) unavailable. */
  private async tryBuild(version: string): Promise<void> {
    try {
      const keys = await loadSigningKeys(this.ctx.db, this.ctx.config);
      const provider = createProvider({
        engine: await loadEngine(),
        ctx: this.ctx,
        keys,
        cookieKeys: this.cookieKeys,
      });
      this.engine = { provider, callback: provider.callback() as never, version: keys.version };
      this.failedVersion = null;
    } catch (err) {
      if (!(err instanceof SealedSecretError)) throw err;
      // Never sign with anything else: no engine until the keys open or a new key is made.
      this.engine = null;
      if (this.failedVersion !== version) {
        this.ctx.log.error({ err: err.message }, OidcErrors.OIDC_UNAVAILABLE().message);
      }
      this.failedVersion = version;
    }
  }

  /** The engine now in use; 503 OIDC_UNAVAILABLE while its keys cannot be opened. */
  get provider(): Provider {
    if (!this.engine) throw OidcErrors.OIDC_UNAVAILABLE();
    return this.engine.provider;
  }

  /** Answers one of the provider's requests (raw Node request and response). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.engine) {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '60' });
      res.end(
        JSON.stringify({
          error: 'temporarily_unavailable',
          error_description: OidcErrors.OIDC_UNAVAILABLE().message,
        }),
      );
      return;
    }
    return this.engine.callback(req, res);
  }

  /** Rebuilds the engine when the published keys changed (or could not be opened); true when it did. */
  async refreshKeys(): Promise<boolean> {
    const version = await signingKeysVersion(this.ctx.db);
    if (this.engine ? version === this.engine.version : version === this.failedVersion) return false;
    await ensureSigningKey(this.ctx.db, this.ctx.config);
    await this.tryBuild(version);
    if (this.engine) this.ctx.log.info({ keys: this.engine.version }, 'OpenID Connect signing keys changed');
    return this.engine !== null;
  }

  /** Deletes expired artifacts and retired keys past their last token; returns how many rows went. */
  async sweep(): Promise<number> {
    const [artifacts, keys] = await Promise.all([sweepExpired(this.ctx.db), sweepRetiredKeys(this.ctx.db)]);
    return artifacts + keys;
  }
}

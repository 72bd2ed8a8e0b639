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
import { sweepExpired } from './oidc.adapter.ts';
import { loadEngine } from './oidc.engine.ts';
import { ensureSigningKey, loadSigningKeys, signingKeysVersion, sweepRetiredKeys } from './oidc.keys.ts';
import { createProvider } from './oidc.provider.ts';

const DISCOVERY = '/.well-known/openid-configuration';

/** Is this path one of the provider's (`/.well-known/openid-configuration`, `/oidc/…` but the console's interaction pages)? */
export function isProviderPath(url: string): boolean {
  const path = url.split('?', 1)[0] as string;
  if (path === DISCOVERY) return true;
  return path.startsWith('/oidc/') && !/^\/oidc\/interaction(\/|$)/.test(path);
}

export class OidcService {
  private engine: {
    provider: Provider;
    callback: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    version: string;
  };

  private constructor(
    private readonly ctx: Context,
    private readonly cookieKeys: string[],
    engine: OidcService['engine'],
  ) {
    this.engine = engine;
  }

  static async start(ctx: Context): Promise<OidcService> {
    await ensureSigningKey(ctx.db, ctx.config);
    const cookieKey = await installKey(ctx.db, ctx.config, 'oidc-cookies');
    const cookieKeys = [cookieKey.toString('base64url')];
    return new OidcService(ctx, cookieKeys, await OidcService.build(ctx, cookieKeys));
  }

  private static async build(ctx: Context, cookieKeys: string[]) {
    const keys = await loadSigningKeys(ctx.db, ctx.config);
    const provider = createProvider({ engine: await loadEngine(), ctx, keys, cookieKeys });
    return { provider, callback: provider.callback() as never, version: keys.version };
  }

  /** The engine now in use. */
  get provider(): Provider {
    return this.engine.provider;
  }

  /** Answers one of the provider's requests (raw Node request and response). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return this.engine.callback(req, res);
  }

  /** Rebuilds the engine when the published keys changed; true when it did. */
  async refreshKeys(): Promise<boolean> {
    const version = await signingKeysVersion(this.ctx.db);
    if (version === this.engine.version) return false;
    await ensureSigningKey(this.ctx.db, this.ctx.config);
    this.engine = await OidcService.build(this.ctx, this.cookieKeys);
    this.ctx.log.info({ keys: this.engine.version }, 'OpenID Connect signing keys changed');
    return true;
  }

  /** Deletes expired artifacts and retired keys past their last token; returns how many rows went. */
  async sweep(): Promise<number> {
    const [artifacts, keys] = await Promise.all([sweepExpired(this.ctx.db), sweepRetiredKeys(this.ctx.db)]);
    return artifacts + keys;
  }
}

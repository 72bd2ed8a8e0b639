/**
 * The `roster` command: serve, migrate, api-key create|list|revoke.
 */
import { parseArgs } from 'node:util';
import { CONFIG_DOC, type Config, ConfigError, loadConfig } from './config.ts';
import { openDatabase } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { SCOPES } from './features/access/scopes.ts';
import { createApiKey, listApiKeys, parseScopes, revokeApiKey } from './features/api-keys/api-key.service.ts';
import { parseToken } from './lib/crypto.ts';
import { AppError } from './lib/errors.ts';
import { startServer } from './server.ts';
import { VERSION } from './version.ts';

const USAGE = `roster ${VERSION}

Usage:
  roster serve                                   start the API (runs pending migrations first)
  roster migrate                                 apply pending database migrations
  roster api-key create --name NAME --scopes S   create an API key; prints the key once
  roster api-key list                            list API keys (never their secrets)
  roster api-key revoke ID                       revoke an API key
  roster <command> --help                        this help, with the configuration

Scopes: ${SCOPES.join(', ')}
`;

const ENV_HELP = `Configuration (environment variables):\n${CONFIG_DOC.map(([k, v]) => `  ${k.padEnd(18)}${v}`).join('\n')}\n`;

async function withDatabase<T>(
  config: Config,
  fn: (db: Awaited<ReturnType<typeof openDatabase>>['db']) => Promise<T>,
) {
  const handle = await openDatabase(config);
  try {
    await migrateToLatest(handle.db);
    return await fn(handle.db);
  } finally {
    await handle.close();
  }
}

/** A mistake in how the command was called: exit code 2, like a bad configuration. */
class UsageError extends Error {}

const COMMANDS = new Set(['serve', 'migrate', 'api-key']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function parse(rest: string[]) {
  try {
    return parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        name: { type: 'string' },
        scopes: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

/** Runs one command; returns the exit code, or -1 when the process keeps running (`serve`). */
export async function main(argv: string[], out = process.stdout, err = process.stderr): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    out.write(`${USAGE}\n${ENV_HELP}`);
    return 0;
  }
  if (!COMMANDS.has(command)) {
    err.write(`error: unknown command '${command}'\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parse(rest);
  if (values.help) {
    out.write(`${USAGE}\n${ENV_HELP}`);
    return 0;
  }
  const config = loadConfig();
  switch (command) {
    case 'serve':
      await startServer(config);
      return -1; // keeps running
    case 'migrate': {
      const handle = await openDatabase(config);
      try {
        const result = await migrateToLatest(handle.db);
        const applied = result.results?.map((r) => r.migrationName) ?? [];
        out.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
      } finally {
        await handle.close();
      }
      return 0;
    }
    default: {
      const [verb, arg] = positionals;
      if (verb === 'create') {
        if (!values.name?.trim()) throw new UsageError('--name is required');
        const scopes = parseScopes(values.scopes ?? '');
        const key = await withDatabase(config, (db) => createApiKey(db, values.name as string, scopes));
        out.write(
          `id:     ${key.id}\nname:   ${key.name}\nscopes: ${key.scopes.join(',')}\nkey:    ${key.token}\n`,
        );
        err.write('Store the key now: Roster keeps only its hash and cannot show it again.\n');
        return 0;
      }
      if (verb === 'list') {
        const keys = await withDatabase(config, listApiKeys);
        if (keys.length === 0) out.write('no API keys\n');
        for (const k of keys) {
          const status = k.revoked_at ? 'revoked' : 'active';
          out.write(`${k.id}  ${k.name}  ${k.scopes.join(',')}  ${status}  ${k.created_at.toISOString()}\n`);
        }
        return 0;
      }
      if (verb === 'revoke' && arg) {
        // The key itself is accepted too: its first part is the id.
        const id = parseToken('rk', arg)?.id ?? arg;
        if (!UUID.test(id))
          throw new UsageError(`'${arg}' is not an API key id (a UUID, as 'api-key list' shows)`);
        const ok = await withDatabase(config, (db) => revokeApiKey(db, id));
        out.write(ok ? `revoked ${id}\n` : `no active key ${id}\n`);
        return ok ? 0 : 1;
      }
      err.write('usage: roster api-key create --name NAME --scopes a,b | list | revoke ID\n');
      return 2;
    }
  }
}

function isSystemError(e: unknown): e is Error & { code: string } {
  const code = (e as { code?: unknown } | null)?.code;
  return e instanceof Error && typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

export async function run(argv: string[]) {
  try {
    const code = await main(argv);
    if (code >= 0) process.exitCode = code;
  } catch (e) {
    if (e instanceof ConfigError || e instanceof AppError || e instanceof UsageError) {
      process.stderr.write(`error: ${e.message}\n`);
      process.exitCode = 2;
    } else if (isSystemError(e)) {
      // EADDRINUSE, ECONNREFUSED…: the message says it all; a stack would only bury it.
      process.stderr.write(`error: ${e.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`error: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exitCode = 1;
    }
  }
}

/**
 * The `roster` command: serve, migrate, api-key, org, invite (verbs in commands.ts).
 *
 * On PostgreSQL every command opens the database itself, beside any number of servers. On an
 * embedded data folder, one process at a time may open it (db/data-folder.ts): when a server holds
 * the folder, commands other than `serve` are handed to that server over the folder's admin channel
 * and run there, so their changes are the server's at once; when nobody does, the command opens the
 * folder itself. A folder held by another CLI command, or a second `serve`, is refused in one line.
 *
 * The heavy modules (the database drivers, the server) load only when the command needs them, so
 * help, mistakes and commands handed to a server answer quickly.
 */
import { type CommandHost, cliHost, execute, parseCommand, refusal } from './commands.ts';
import { loadConfig } from './config.ts';
import { ChannelError, type CommandResult, DataFolderBusyError, sendCommand } from './db/data-folder.ts';

interface Io {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

/** Runs `argv` on a database this process opens (and closes). */
async function runHere(argv: string[], host: () => Promise<{ host: CommandHost; close(): Promise<void> }>) {
  const opened = await host();
  try {
    return await execute(argv, opened.host);
  } finally {
    await opened.close();
  }
}

/**
 * Runs one command; returns the exit code, or -1 when the process keeps running (`serve`).
 * Errors a person caused (configuration, usage, a rule, a busy folder) are printed in one line.
 */
export async function main(
  argv: string[],
  io: Io = { out: process.stdout, err: process.stderr },
): Promise<number> {
  const parsed = parseCommand(argv);
  if (parsed.kind === 'help') {
    io.out.write(parsed.text);
    return 0;
  }
  const config = loadConfig();
  if (parsed.spec.command === 'serve') {
    const { startServer } = await import('./server.ts');
    await startServer(config);
    return -1; // keeps running
  }
  const embedded = !config.databaseUrl;
  const open = async () => {
    const { openDatabase } = await import('./db/database.ts');
    const { migrateIfPending } = await import('./db/migrate.ts');
    const handle = await openDatabase(config, {
      kind: 'cli',
      command: `roster ${argv.slice(0, 2).join(' ')}`,
    });
    try {
      // `migrate` reports what it applied itself; every other command first brings the schema up to date.
      if (parsed.spec.command !== 'migrate') await migrateIfPending(handle.db);
    } catch (err) {
      await handle.close();
      throw err;
    }
    return { host: cliHost(config, handle.db), close: () => handle.close() };
  };

  let result: CommandResult | null = null;
  for (let attempt = 0; result === null; attempt++) {
    if (embedded) {
      // A running server on the folder takes the command; it waits here while the server starts.
      const fs = await import('node:fs');
      if (fs.existsSync(config.dataDir)) {
        result = await sendCommand(config.dataDir, argv, (holder) =>
          io.err.write(`waiting for \`${holder.command}\` (pid ${holder.pid}) to finish starting…\n`),
        );
        if (result) break;
      }
    }
    try {
      result = await runHere(argv, open);
    } catch (err) {
      // The folder was taken between asking and opening: ask the new holder, once.
      if (err instanceof DataFolderBusyError && err.holder?.kind === 'server' && attempt === 0) continue;
      throw err;
    }
  }
  io.out.write(result.stdout);
  io.err.write(result.stderr);
  return result.code;
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
    const line = refusal(e);
    if (line !== null) {
      process.stderr.write(line);
      process.exitCode = 2;
    } else if (e instanceof DataFolderBusyError || e instanceof ChannelError || isSystemError(e)) {
      // A folder in use, EADDRINUSE…: the message says it all; a stack would only bury it.
      process.stderr.write(`error: ${e.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`error: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exitCode = 1;
    }
  }
}

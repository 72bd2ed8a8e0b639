/**
 * The embedded database's folder (ROSTER_DATA_DIR): checked before anything loads, and owned by one
 * process at a time.
 *
 * PGlite is PostgreSQL in one process: two processes on one folder each believe they own it, and one
 * silently overwrites the other's writes. So a process that opens the folder first claims it by
 * listening on a local socket named after the folder's real path — on Linux in the abstract
 * namespace, elsewhere a socket file (Windows: a named pipe). The operating system lets one process
 * listen on a name, and frees it when that process ends however it ends, so a lock left by a killed
 * process cannot exist on Linux; a socket file left behind elsewhere answers no one and is replaced.
 *
 * The same socket is the folder's admin channel. Anyone may ask who holds the folder (`GET /holder`);
 * a running server also takes CLI commands (`POST /commands`) from whoever can read the secret it
 * writes into the folder (`roster-owner.json`, mode 0600) — the people who could open the database
 * files themselves. That is how `roster org create` works beside a running `roster serve`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../config.ts';

/** Who holds a data folder, as the holder itself describes it. */
export interface Holder {
  pid: number;
  /** `server` (roster serve), `cli` (another roster command), or any other process using the folder. */
  kind: 'server' | 'cli' | 'process';
  /** What it runs, e.g. `roster serve` or `roster org list`. */
  command: string;
  startedAt: string;
  /** The server's public URL, once it listens. */
  url?: string;
  /** True once a server takes CLI commands on the admin channel. */
  accepting?: boolean;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type CommandHandler = (argv: string[]) => Promise<CommandResult>;

/** The folder is held by another live process. */
export class DataFolderBusyError extends Error {
  constructor(
    readonly dir: string,
    readonly holder: Holder | null,
  ) {
    super(
      holder
        ? `ROSTER_DATA_DIR '${dir}' is in use by \`${holder.command}\` (pid ${holder.pid}${holder.url ? `, ${holder.url}` : ''}); an embedded database serves one process at a time`
        : `ROSTER_DATA_DIR '${dir}' is in use by another process; an embedded database serves one process at a time`,
    );
  }
}

/** A claimed folder: the lock and the admin channel, until `release()`. */
export interface DataFolderClaim {
  readonly dir: string;
  /** Changes what `GET /holder` says (the URL once listening). */
  describe(update: Partial<Holder>): void;
  /** Starts taking CLI commands (a server, once its database is open and migrated). */
  acceptCommands(handler: CommandHandler): void;
  release(): Promise<void>;
}

/** The file, in the folder, where the holder writes its description and the channel's secret. */
export const OWNER_FILE = 'roster-owner.json';
/** Files Roster itself keeps in the folder beside PostgreSQL's. */
const OWN_FILES = new Set([OWNER_FILE, `${OWNER_FILE}.tmp`, 'roster.sock']);
/** Largest command request accepted on the channel. */
const MAX_BODY = 64 * 1024;

function describeFsError(dir: string, err: unknown, doing: string): ConfigError {
  const code = (err as { code?: string }).code;
  const why =
    code === 'EROFS'
      ? 'it is on a read-only file system'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'ENOTDIR'
          ? 'a part of the path is a file'
          : code === 'ENOSPC'
            ? 'the disk is full'
            : ((err as Error).message ?? String(err));
  return new ConfigError(`ROSTER_DATA_DIR '${dir}' ${doing} (${why})`);
}

/**
 * Makes sure the folder can hold the embedded database: creates it when missing; refuses a file, a
 * folder it cannot write, and a folder holding other things than a database (PGlite would spread a
 * new database among them).
 */
export async function prepareDataFolder(dir: string): Promise<void> {
  const stat = await fs.stat(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw describeFsError(dir, err, 'cannot be read');
  });
  if (stat && !stat.isDirectory()) {
    throw new ConfigError(`ROSTER_DATA_DIR '${dir}' is a file, not a folder`);
  }
  if (!stat) {
    await fs.mkdir(dir, { recursive: true }).catch(async (err) => {
      // A recursive mkdir reports ENOENT where it could not create a parent: the first folder that
      // exists says why (a read-only file system, no permission).
      let ancestor = path.dirname(dir);
      while (
        !(await fs.stat(ancestor).then(
          () => true,
          () => false,
        )) &&
        path.dirname(ancestor) !== ancestor
      ) {
        ancestor = path.dirname(ancestor);
      }
      const why = await fs.access(ancestor, fs.constants.W_OK).then(
        () => err,
        (e: unknown) => e,
      );
      throw describeFsError(dir, why, 'cannot be created');
    });
  }
  await fs.access(dir, fs.constants.W_OK | fs.constants.R_OK | fs.constants.X_OK).catch((err) => {
    throw describeFsError(dir, err, 'is not writable');
  });
  const entries = await fs.readdir(dir).catch((err) => {
    throw describeFsError(dir, err, 'cannot be read');
  });
  if (entries.includes('PG_VERSION')) return;
  const foreign = entries.filter((e) => !OWN_FILES.has(e) && !e.startsWith('.') && e !== 'lost+found');
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? ', …' : '');
    throw new ConfigError(
      `ROSTER_DATA_DIR '${dir}' is neither empty nor a database (it holds ${shown}); point it at a new or empty folder`,
    );
  }
}

/** The name a folder's holder listens on. */
export function channelAddress(realDir: string): string {
  const id = createHash('sha256').update(realDir).digest('hex').slice(0, 32);
  if (process.platform === 'linux') return `\0roster-${id}`;
  if (process.platform === 'win32') return `\\\\?\\pipe\\roster-${id}`;
  const inFolder = path.join(realDir, 'roster.sock');
  // Socket paths are limited to about 100 bytes.
  return Buffer.byteLength(inFolder) < 100 ? inFolder : path.join(os.tmpdir(), `roster-${id}.sock`);
}

const isFileSocket = (address: string) => !address.startsWith('\0') && !address.startsWith('\\\\');

function listen(server: http.Server, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(address);
  });
}

interface ChannelReply {
  status: number;
  body: unknown;
}

/** One request on a folder's channel; rejects when nobody listens there. */
function request(
  address: string,
  method: 'GET' | 'POST',
  urlPath: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ChannelReply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        socketPath: address,
        method,
        path: urlPath,
        headers: {
          ...headers,
          ...(payload
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null });
          } catch (err) {
            reject(err);
          }
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Asks whoever listens on the folder's channel who they are; null when nobody answers. */
export async function askHolder(dir: string): Promise<Holder | null> {
  const address = channelAddress(await fs.realpath(dir));
  try {
    const reply = await request(address, 'GET', '/holder');
    return reply.status === 200 ? (reply.body as Holder) : null;
  } catch {
    return null;
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Claims the folder for this process, or throws {@link DataFolderBusyError} naming the holder.
 * The folder must exist (see {@link prepareDataFolder}).
 */
export async function claimDataFolder(
  dir: string,
  holder: Pick<Holder, 'kind' | 'command'>,
  /** The name to listen on instead of the platform's (tests of the socket-file fallback). */
  address?: string,
): Promise<DataFolderClaim> {
  const realDir = await fs.realpath(dir);
  address ??= channelAddress(realDir);
  const secret = randomBytes(32).toString('base64url');
  const secretDigest = digest(secret);
  const info: Holder = { pid: process.pid, ...holder, startedAt: new Date().toISOString() };
  let handler: CommandHandler | null = null;

  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/holder') {
      reply(200, { ...info, accepting: handler !== null });
      return;
    }
    if (req.method !== 'POST' || req.url !== '/commands') {
      reply(404, { error: 'not found' });
      return;
    }
    const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    if (!timingSafeEqual(digest(given), secretDigest)) {
      reply(401, { error: `the secret in ${OWNER_FILE} is required` });
      return;
    }
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reply(413, { error: 'command too large' });
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      const run = handler;
      if (!run) {
        reply(409, { error: `\`${info.command}\` (pid ${info.pid}) does not take commands` });
        return;
      }
      let argv: unknown;
      try {
        argv = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { argv?: unknown }).argv;
      } catch {
        argv = null;
      }
      if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string')) {
        reply(400, { error: 'expected {"argv": [string…]}' });
        return;
      }
      run(argv).then(
        (result) => reply(200, result),
        (err) => reply(500, { error: err instanceof Error ? err.message : String(err) }),
      );
    });
  });
  // The channel never keeps a process alive on its own: the process's real work does.
  server.unref();

  try {
    await listen(server, address);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    const current = await request(address, 'GET', '/holder').catch(() => null);
    if (current === null && isFileSocket(address)) {
      // A socket file nobody listens on: left by a process that was killed. Take it over.
      await fs.rm(address, { force: true });
      try {
        await listen(server, address);
      } catch (again) {
        if ((again as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw again;
        const winner = await request(address, 'GET', '/holder').catch(() => null);
        throw new DataFolderBusyError(dir, winner?.status === 200 ? (winner.body as Holder) : null);
      }
    } else {
      throw new DataFolderBusyError(dir, current?.status === 200 ? (current.body as Holder) : null);
    }
  }

  // Written only once the name is ours, so a process that lost the race never overwrites the file.
  const ownerFile = path.join(realDir, OWNER_FILE);
  try {
    const tmp = `${ownerFile}.tmp`;
    await fs.writeFile(tmp, `${JSON.stringify({ ...info, secret })}\n`, { mode: 0o600 });
    await fs.chmod(tmp, 0o600);
    await fs.rename(tmp, ownerFile);
  } catch (err) {
    await new Promise((r) => server.close(r));
    throw describeFsError(dir, err, 'is not writable');
  }

  let released = false;
  return {
    dir,
    describe(update) {
      Object.assign(info, update);
    },
    acceptCommands(h) {
      handler = h;
    },
    async release() {
      if (released) return;
      released = true;
      handler = null;
      await fs.rm(ownerFile, { force: true }).catch(() => {});
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      // Node removes a socket file it listened on when the server closes; nothing is left to take over.
    },
  };
}

/** Why a command could not be handed to the folder's holder. */
export class ChannelError extends Error {}

/**
 * Hands a CLI command to the server holding the folder and returns what it printed. Waits while the
 * server is still starting (opening the database, migrating). Returns null when the folder is free
 * by the time it asks (the caller then opens the folder itself).
 */
export async function sendCommand(
  dir: string,
  argv: string[],
  onWait: (holder: Holder) => void = () => {},
): Promise<CommandResult | null> {
  const realDir = await fs.realpath(dir);
  const address = channelAddress(realDir);
  let waited = false;
  for (;;) {
    const reply = await request(address, 'GET', '/holder').catch(() => null);
    if (reply?.status !== 200) return null;
    const holder = reply.body as Holder;
    if (holder.kind !== 'server') throw new DataFolderBusyError(dir, holder);
    if (!holder.accepting) {
      if (!waited) onWait(holder);
      waited = true;
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    let owner: { pid?: number; secret?: string };
    try {
      owner = JSON.parse(await fs.readFile(path.join(realDir, OWNER_FILE), 'utf8'));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') {
        throw new ChannelError(
          `cannot read ${path.join(dir, OWNER_FILE)} (permission denied): run the command as the user that runs \`${holder.command}\` (pid ${holder.pid})`,
        );
      }
      // Being rewritten by a server that has just started: ask again.
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    if (owner.pid !== holder.pid || !owner.secret) {
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    const result = await request(
      address,
      'POST',
      '/commands',
      { argv },
      { authorization: `Bearer ${owner.secret}` },
    );
    if (result.status === 200) return result.body as CommandResult;
    const message = (result.body as { error?: string } | null)?.error ?? `status ${result.status}`;
    throw new ChannelError(`\`${holder.command}\` (pid ${holder.pid}) did not run the command: ${message}`);
  }
}

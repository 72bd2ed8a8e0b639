/**
 * Serves the web console (console/, built by Vite into `config.consoleDir`) from the API's own process
 * and port. Built files are answered as they are (hashed assets cached for a year); any other GET that
 * a browser makes for a page (`Accept: text/html`) outside `/v1` gets `index.html`, and the console's
 * router draws the page. API clients keep getting the JSON 404 for unknown paths.
 *
 * Every answer carries a Content-Security-Policy without inline scripts, `Referrer-Policy: no-referrer`
 * (emailed links carry tokens in their query string, which must not leak to other sites), and
 * `X-Content-Type-Options: nosniff`. Query strings (tokens included) are redacted from the request log
 * by the logger (lib/redact.ts).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

interface StaticFile {
  body: Buffer;
  type: string;
  etag: string;
  /** Vite's hashed output: its name changes whenever its content does. */
  immutable: boolean;
}

/** Every file under `dir`, keyed by its URL path (`/assets/index-abc.js`); dotfiles are left out. */
async function loadFiles(dir: string): Promise<Map<string, StaticFile>> {
  const files = new Map<string, StaticFile>();
  async function walk(folder: string, prefix: string) {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(folder, entry.name);
      const url = `${prefix}/${entry.name}`;
      if (entry.isDirectory()) await walk(full, url);
      else if (entry.isFile()) {
        const body = await readFile(full);
        files.set(url, {
          body,
          type: TYPES[path.extname(entry.name).toLowerCase()] ?? 'application/octet-stream',
          etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
          immutable: url.startsWith('/assets/'),
        });
      }
    }
  }
  await walk(dir, '');
  return files;
}

async function hasIndex(dir: string): Promise<boolean> {
  try {
    return (await stat(path.join(dir, 'index.html'))).isFile();
  } catch {
    return false;
  }
}

/** Paths the console never answers: the API and the operational endpoints keep their own 404s. */
const NOT_CONSOLE = /^\/(v1|docs|healthz|readyz|metrics)(\/|$)/;

function send(request: FastifyRequest, reply: FastifyReply, file: StaticFile) {
  reply.headers(CONSOLE_SECURITY_HEADERS);
  reply.header('content-type', file.type);
  reply.header('etag', file.etag);
  reply.header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (request.headers['if-none-match'] === file.etag) return reply.status(304).send();
  return reply.send(file.body);
}

async function consolePlugin(app: FastifyInstance, opts: { dir: string | null }) {
  if (!opts.dir) return;
  if (!(await hasIndex(opts.dir))) {
    app.log.warn({ dir: opts.dir }, 'the web console is not built (npm run build); serving the API only');
    return;
  }
  const files = await loadFiles(opts.dir);
  const index = files.get('/index.html') as StaticFile;

  app.get('/*', { schema: { hide: true }, config: { auth: 'manual' } }, async (request, reply) => {
    let pathname: string;
    try {
      pathname = decodeURIComponent(request.url.split('?')[0] ?? '/');
    } catch {
      return reply.callNotFound();
    }
    if (NOT_CONSOLE.test(pathname)) return reply.callNotFound();
    const file = files.get(pathname);
    if (file) return send(request, reply, file);
    // A page of the console, asked for by a browser: its router draws it. A missing asset stays a 404.
    const wantsPage = (request.headers.accept ?? '').includes('text/html');
    if (wantsPage && !path.extname(pathname)) return send(request, reply, index);
    return reply.callNotFound();
  });
}

export default fp(consolePlugin, { name: 'console', dependencies: ['error-handler', 'auth'] });

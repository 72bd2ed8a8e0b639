/**
 * The one place errors become responses: `{ error: { code, message, details? } }`. Known errors keep
 * their code and status; validation and body-parsing failures get stable codes naming the field;
 * constraint violations become 409/400; anything else is a 500 whose internals are only logged.
 * It also sets what the API accepts as a body: JSON only (anything else is 415), with no NUL character
 * in any string (PostgreSQL text cannot hold one; such input is a 400 naming the field, not a 500).
 * The answers given before any route runs use the same envelope: the HTTP parser's refusals
 * (`clientErrorHandler`: 400, 408, 414, 431) and the 503 to a request that arrives on a kept-alive
 * connection while the instance closes. Every route declares what it can answer this way
 * (`declareAnswerableErrors`, an `onRoute` hook), so the OpenAPI document lists those statuses too.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionError, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError, CommonErrors, invalidField } from '../lib/errors.ts';
import { declareAnswerableErrors } from '../lib/schemas.ts';
import { fieldIssues, findNulCharacter } from '../lib/validation.ts';

interface PgError {
  code?: string;
  constraint?: string;
}

const PG_CONFLICT = new Set(['23505', '23P01']);
// 22021: a NUL byte in text; 22P05: one in jsonb. The preValidation hook catches them first.
const PG_INVALID = new Set(['22P02', '22001', '22003', '22007', '22008', '22021', '22P05', '23514', '23502']);

export function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  const e = err as FastifyError & PgError & { validationContext?: string };
  if (e.validation) {
    const issues = fieldIssues(e.validation as never, e.validationContext);
    const first = issues[0];
    return CommonErrors.VALIDATION_FAILED(issues, first ? `${first.field}: ${first.message}` : undefined);
  }
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return CommonErrors.INVALID_JSON([{ field: 'body', message: 'is not valid JSON' }]);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return CommonErrors.INVALID_JSON(
        [{ field: 'body', message: 'is empty' }],
        'The request body is empty but declared as JSON.',
      );
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return CommonErrors.PAYLOAD_TOO_LARGE();
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return CommonErrors.UNSUPPORTED_MEDIA_TYPE();
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return CommonErrors.VALIDATION_FAILED(undefined, 'Content-Length does not match the body.');
    case 'FST_ERR_BAD_URL':
      return new AppError('INVALID_URL', 400, 'The URL is not validly encoded.');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new AppError('URI_TOO_LONG', 414, 'A path segment of the URL is too long.');
  }
  if (e instanceof SyntaxError && e.statusCode === 400) return CommonErrors.INVALID_JSON();
  if (e.code && PG_CONFLICT.has(e.code)) return CommonErrors.CONFLICT({ constraint: e.constraint });
  if (e.code && PG_INVALID.has(e.code)) return CommonErrors.VALIDATION_FAILED({ constraint: e.constraint });
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    if (e.statusCode === 401) return CommonErrors.UNAUTHENTICATED();
    if (e.statusCode === 404) return CommonErrors.NOT_FOUND();
    if (e.statusCode === 405) return CommonErrors.METHOD_NOT_ALLOWED();
    if (e.statusCode === 413) return CommonErrors.PAYLOAD_TOO_LARGE();
    if (e.statusCode === 415) return CommonErrors.UNSUPPORTED_MEDIA_TYPE();
    if (e.statusCode === 429) return CommonErrors.RATE_LIMITED();
    return new AppError('BAD_REQUEST', e.statusCode, e.message);
  }
  return null;
}

/** Writes `err` as the error envelope (a 500 hides its internals and is logged). */
export function sendError(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const known = toAppError(err);
  if (!known) {
    request.log.error({ err }, 'unhandled error');
    const internal = CommonErrors.INTERNAL();
    return reply.status(500).send({ error: { code: internal.code, message: internal.message } });
  }
  if (known.statusCode >= 500) request.log.error({ err }, known.message);
  const retryAfter = (known.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
  if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
  return reply.status(known.statusCode).send({
    error: {
      code: known.code,
      message: known.message,
      ...(known.details === undefined ? {} : { details: known.details }),
    },
  });
}

/**
 * For Fastify's `frameworkErrors` option: errors the router raises before any route runs (a URL that
 * is not validly percent-encoded, a path segment longer than `maxParamLength`) get the same envelope
 * instead of Fastify's own `{statusCode, code, error, message}`.
 */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  sendError(err, request, reply);
}

/** What the HTTP parser's refusals answer: status, code and message. */
const CLIENT_ERRORS = {
  400: ['BAD_REQUEST', 'The request is not valid HTTP.'],
  408: ['REQUEST_TIMEOUT', 'The request did not arrive in time.'],
  414: ['URI_TOO_LONG', 'The URL is too long.'],
  431: ['HEADERS_TOO_LARGE', 'The request headers are too large.'],
} as const satisfies Record<number, readonly [string, string]>;

/** A request line at the start of a packet: `METHOD /target…`. */
const REQUEST_LINE_START = /^[A-Z]+ \S/;

/**
 * The status for an error Node's HTTP parser (or its request timer) raised. The parser counts the
 * request line with the headers against one limit (16 KiB unless `--max-http-header-size` says
 * otherwise); when the request line alone takes more than half of it, the URL is what is too long (414),
 * otherwise the headers are (431).
 */
export function clientErrorStatus(err: { code?: string; rawPacket?: unknown }): keyof typeof CLIENT_ERRORS {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  if (err.code !== 'HPE_HEADER_OVERFLOW') return 400;
  const packet = err.rawPacket;
  if (Buffer.isBuffer(packet) && REQUEST_LINE_START.test(packet.subarray(0, 32).toString('latin1'))) {
    const end = packet.indexOf('\r\n');
    if ((end === -1 ? packet.length : end) > http.maxHeaderSize / 2) return 414;
  }
  return 431;
}

/**
 * For Fastify's `clientErrorHandler` option (the server's `clientError` event): a request Node's HTTP
 * parser refuses before any route runs — not valid HTTP, headers or URL too large, headers too late —
 * gets the error envelope (Fastify's default writes `{statusCode, error, message}`), then the
 * connection is closed: what is left of the refused request is not read.
 */
export function clientErrorHandler(this: FastifyInstance, err: ConnectionError, socket: Socket) {
  // A reset connection has no one to answer; a refused request is answered once (the parser reports
  // every further packet of it too).
  if (err.code === 'ECONNRESET' || socket.destroyed || socket.writableEnded) return;
  const status = clientErrorStatus(err);
  const [code, message] = CLIENT_ERRORS[status];
  this.log.debug({ code: err.code, status }, 'refused a request the HTTP parser could not take');
  const body = JSON.stringify({ error: { code, message } });
  // As Node's own handler does: never write into the middle of a response already under way on this
  // connection (a pipelined request refused while an earlier one is being answered).
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  }
  // Half-closed, so the client reads the answer while it may still be sending; gone soon after.
  setTimeout(() => socket.destroy(), 2000).unref();
}

async function errorHandler(app: FastifyInstance) {
  // Registered before every route: each one declares the error statuses it can answer.
  app.addHook('onRoute', declareAnswerableErrors);

  // The API speaks JSON: without Fastify's text/plain parser, a text body is a 415, not a string that
  // fails validation as "body must be object".
  app.removeContentTypeParser('text/plain');

  // While the instance closes (app.ts turns off Fastify's own `return503OnClosing` answer, which is not
  // in the envelope), a request that still arrives — on a kept-alive connection, or pipelined — is
  // answered 503 at once, and Fastify closes its connection after the answer.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async () => {
    if (closing)
      throw CommonErrors.UNAVAILABLE(undefined, 'The server is shutting down; retry on a new connection.');
  });

  app.addHook('preValidation', async (request) => {
    const parts: Array<[string, unknown]> = [
      ['params', request.params],
      ['querystring', request.query],
      ['body', request.body],
    ];
    for (const [part, value] of parts) {
      const field = findNulCharacter(value);
      if (field !== null) throw invalidField(field || part, 'must not contain a NUL character');
    }
  });

  app.setErrorHandler((err, request, reply) => sendError(err, request, reply));

  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({
      error: { code: 'NOT_FOUND', message: `No route ${request.method} ${request.url.split('?')[0]}.` },
    });
  });
}

export default fp(errorHandler, { name: 'error-handler' });

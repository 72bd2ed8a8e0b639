/**
 * The one place errors become responses: `{ error: { code, message, details? } }`. Known errors keep
 * their code and status; validation and body-parsing failures get stable codes naming the field;
 * constraint violations become 409/400; anything else is a 500 whose internals are only logged.
 * It also sets what the API accepts as a body: JSON only (anything else is 415), with no NUL character
 * in any string (PostgreSQL text cannot hold one; such input is a 400 naming the field, not a 500).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError, CommonErrors, invalidField } from '../lib/errors.ts';
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

async function errorHandler(app: FastifyInstance) {
  // The API speaks JSON: without Fastify's text/plain parser, a text body is a 415, not a string that
  // fails validation as "body must be object".
  app.removeContentTypeParser('text/plain');

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

/** JSON logs with pino: credentials and URL tokens redacted from every line. */
import type { FastifyServerOptions } from 'fastify';
import type { Config } from '../config.ts';
import { REDACT_PATHS, redactUrl } from './redact.ts';

interface RawRequest {
  method: string;
  url: string;
  id?: string;
  hostname?: string;
  ip?: string;
  socket?: { remoteAddress?: string };
}

export function loggerOptions(
  config: Pick<Config, 'logLevel'>,
  stream?: NodeJS.WritableStream,
): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    serializers: {
      req(req: RawRequest) {
        return {
          id: req.id,
          method: req.method,
          url: redactUrl(req.url),
          remoteAddress: req.ip ?? req.socket?.remoteAddress,
        };
      },
    },
    ...(stream ? { stream } : {}),
  } as FastifyServerOptions['logger'];
}

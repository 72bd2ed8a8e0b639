/**
 * One error class for everything the API answers with a 4xx/5xx, and the catalog helper each feature
 * uses for its own codes. The error handler (plugins/error-handler.plugin.ts) turns these into
 * `{ error: { code, message, details? } }`.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly statusCode: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export interface ErrorSpec {
  status: number;
  message: string;
}

export type ErrorFactory = ((details?: unknown, message?: string) => AppError) & {
  code: string;
  status: number;
};

/** Turns `{ CODE: { status, message } }` into `{ CODE: (details?) => AppError }`, the code being the key. */
export function defineErrors<T extends Record<string, ErrorSpec>>(
  catalog: T,
): { [K in keyof T]: ErrorFactory } {
  const out = {} as { [K in keyof T]: ErrorFactory };
  for (const [code, spec] of Object.entries(catalog)) {
    const factory = ((details?: unknown, message?: string) =>
      new AppError(code, spec.status, message ?? spec.message, details)) as ErrorFactory;
    factory.code = code;
    factory.status = spec.status;
    out[code as keyof T] = factory;
  }
  return out;
}

/** Codes shared by every feature. */
export const CommonErrors = defineErrors({
  VALIDATION_FAILED: { status: 400, message: 'The request is invalid.' },
  INVALID_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  INVALID_CURSOR: { status: 400, message: 'The cursor is not one this list returned.' },
  UNAUTHENTICATED: { status: 401, message: 'Sign in or present a valid API key.' },
  FORBIDDEN: { status: 403, message: 'You do not have the permission this needs.' },
  NOT_FOUND: { status: 404, message: 'No such resource.' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'This method is not allowed here.' },
  CONFLICT: { status: 409, message: 'This conflicts with existing data.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send the request body as application/json.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests; retry later.' },
  INTERNAL: { status: 500, message: 'Something went wrong on our side.' },
  UNAVAILABLE: { status: 503, message: 'The service is not ready.' },
});

/** One entry of `details` for a validation error: the field at fault and what is wrong with it. */
export interface FieldIssue {
  field: string;
  message: string;
}

export function invalidField(field: string, message: string): AppError {
  return CommonErrors.VALIDATION_FAILED([{ field, message }], `${field}: ${message}`);
}

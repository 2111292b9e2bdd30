/**
 * The closed set of error codes of the control plane, with their HTTP status. Services throw
 * `AppError`; only the API layer (app.ts onError) turns it into an HTTP response
 * `{ error: { code, message, details? } }`. Add new codes here, nowhere else.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  ENROLL_TOKEN_INVALID: 401,
  FORBIDDEN: 403,
  CSRF_REJECTED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  ENROLL_TOKEN_USED: 409,
  ENROLL_TOKEN_EXPIRED: 410,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = ERROR_STATUS[code];
  }
}

export const notFound = (what: string, id: string): AppError => new AppError('NOT_FOUND', `${what} "${id}" does not exist`, { id });

/** At the edge: anything that is not an AppError becomes INTERNAL, keeping the original as `cause`. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  return new AppError('INTERNAL', 'internal error', undefined, { cause: err });
}

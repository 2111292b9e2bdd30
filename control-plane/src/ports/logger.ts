/**
 * The logging the adapters need: what went wrong in background work nobody awaits
 * (a job that failed for good, a Redis connection that dropped, a subscriber that threw).
 * Console-compatible on purpose, so `console` or a pino child bound to this shape both fit.
 */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const consoleLogger: Logger = {
  info: (message, fields) => console.info(message, fields ?? ''),
  warn: (message, fields) => console.warn(message, fields ?? ''),
  error: (message, fields) => console.error(message, fields ?? ''),
};

/** Error details worth logging, without a stack trace nobody asked for. */
export function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof Error) return { error: error.message, errorName: error.name };
  return { error: String(error) };
}

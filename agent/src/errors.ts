/**
 * The closed set of errors the agent reports to a person (CLI) rather than to the control
 * plane. Each carries what the user needs to fix the problem; the CLI maps `exitCode`.
 */
export const AgentErrorCode = {
  USAGE: 2,
  NOT_ENROLLED: 3,
  ALREADY_ENROLLED: 4,
  UNREACHABLE: 5,
  ENROLL_REJECTED: 6,
  BAD_RESPONSE: 7,
  BAD_CONFIG: 8,
  DATA_DIR: 9,
  ALREADY_RUNNING: 10,
} as const;
export type AgentErrorCode = keyof typeof AgentErrorCode;

export class AgentError extends Error {
  override readonly name = 'AgentError';
  constructor(
    readonly code: AgentErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get exitCode(): number {
    return AgentErrorCode[this.code];
  }
}

/** A short human message for anything thrown, including Node system errors. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    const cause = err.cause instanceof Error ? `: ${describeError(err.cause)}` : '';
    return `${err.message}${code && !err.message.includes(code) ? ` (${code})` : ''}${cause}`;
  }
  return String(err);
}

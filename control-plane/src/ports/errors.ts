/**
 * Errors the port adapters throw to their callers. One class, a closed set of codes, each
 * message saying what to fix. The HTTP edge maps them like any other domain error.
 */
export type PortErrorCode =
  | 'invalid_job_name'
  | 'handler_already_registered'
  | 'closed'
  | 'invalid_cron'
  | 'invalid_time_zone'
  | 'event_not_json'
  | 'redis_unreachable';

export class PortError extends Error {
  override readonly name = 'PortError';

  constructor(
    readonly code: PortErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Job names become BullMQ queue names (no `:`) and Redis key parts, so keep them plain. */
const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function assertJobName(name: string): void {
  if (!JOB_NAME.test(name)) {
    throw new PortError(
      'invalid_job_name',
      `Job name ${JSON.stringify(name)} is not allowed: use 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit.`,
    );
  }
}

/** Events cross process boundaries as JSON in scale-out mode; both adapters insist on it. */
export function toJson(topic: string, event: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(event);
  } catch (cause) {
    throw new PortError('event_not_json', `Event on topic ${JSON.stringify(topic)} is not JSON-serialisable (${String(cause)}).`, { cause });
  }
  if (text === undefined) {
    throw new PortError('event_not_json', `Event on topic ${JSON.stringify(topic)} is not JSON-serialisable (got ${typeof event}).`);
  }
  return text;
}

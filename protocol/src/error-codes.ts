/**
 * The codes of the `error` message, either direction. Plain data (no zod) so the agent's
 * zod-free frame parser (control-frame.ts) and the schema (messages.ts) share one list.
 */
export const ERROR_CODES = ['MALFORMED', 'UNKNOWN_TYPE', 'UNSUPPORTED_VERSION', 'BAD_SIGNATURE', 'WRONG_AGENT', 'UNKNOWN_STEP', 'INTERNAL'] as const;

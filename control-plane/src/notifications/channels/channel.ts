import type { NotificationMessage } from '../message.js';
import type { ChannelType } from '../types.js';

/** What the provider answered (HTTP status and body, or the SMTP reply). */
export interface ProviderReply {
  status: number | null;
  body: string;
}

/** One way of telling people: Slack, e-mail, a webhook… Throws `ChannelError` when the provider refuses. */
export interface NotificationChannel {
  readonly type: ChannelType;
  send(message: NotificationMessage): Promise<ProviderReply>;
}

/**
 * The provider refused or could not be reached. `retryable` is false for answers that another
 * try cannot change (400, 401, 403, 404: a wrong URL or token), so the job stops at once.
 */
export class ChannelError extends Error {
  override readonly name = 'ChannelError';
  constructor(
    readonly channel: ChannelType,
    message: string,
    readonly status: number | null,
    readonly body: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Longest provider body kept (errors and delivery history). */
export const MAX_BODY = 2000;

export const clip = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/** Host of a URL for messages and the API: the path of a webhook URL holds its token. */
export const hostOf = (url: string): string => {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid URL)';
  }
};

import type { ChannelType } from '../types.js';
import { ChannelError, clip, hostOf, MAX_BODY, type ProviderReply } from './channel.js';

export const HTTP_TIMEOUT_MS = 10_000;

export interface HttpRequest {
  url: string;
  method?: 'POST' | 'PUT';
  headers?: Record<string, string>;
  body: string;
}

/** Statuses worth another try: the provider's trouble, timeouts, rate limits. */
const retryableStatus = (status: number): boolean => status >= 500 || status === 408 || status === 429;

/**
 * Sends one request to a provider; a non-2xx answer or a network failure becomes a
 * `ChannelError` with the status and body. The URL's path (it holds the token) never appears in errors.
 */
export async function sendHttp(channel: ChannelType, req: HttpRequest): Promise<ProviderReply> {
  let res: Response;
  try {
    res = await fetch(req.url, {
      method: req.method ?? 'POST',
      headers: { 'user-agent': 'DevFlow-Notifications', ...req.headers },
      body: req.body,
      redirect: 'error',
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
  } catch (err) {
    const why = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${HTTP_TIMEOUT_MS / 1000}s` : describeNetworkError(err);
    throw new ChannelError(channel, `${channel}: cannot reach ${hostOf(req.url)}: ${why}`, null, '', true, { cause: err });
  }
  const body = clip(await readHead(res, MAX_BODY * 4).catch(() => ''), MAX_BODY);
  if (!res.ok) {
    // The body stays out of the message (shown by test sends and the delivery history): the URL is user-given.
    throw new ChannelError(channel, `${channel}: ${hostOf(req.url)} answered ${res.status}`, res.status, body, retryableStatus(res.status));
  }
  return { status: res.status, body };
}

/**
 * The first `maxBytes` of a response body, then the connection is dropped: the URL is set by a
 * project maintainer and its server could answer with gigabytes, which `res.text()` would buffer.
 */
async function readHead(res: Response, maxBytes: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}

function describeNetworkError(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

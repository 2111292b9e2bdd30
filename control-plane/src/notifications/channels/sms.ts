import type { NotificationMessage } from '../message.js';
import { render } from '../template.js';
import { clip, type NotificationChannel, type ProviderReply } from './channel.js';
import { sendHttp } from './http.js';

export interface SmsOptions {
  url: string;
  method: 'POST' | 'PUT';
  authHeaderName: string;
  authHeader?: string | undefined;
  contentType: 'form' | 'json';
  body: Record<string, string>;
  to: string[];
}

/** Two SMS segments: the subject and the link, nothing a phone would split into five. */
export const smsText = (m: NotificationMessage): string => clip(`${m.subject}\n${m.url}`, 300);

/** The request body for one recipient: each field rendered with {{to}} and {{message}}. */
export function smsBody(options: Pick<SmsOptions, 'body' | 'contentType'>, to: string, message: string): string {
  const fields = Object.fromEntries(Object.entries(options.body).map(([k, v]) => [k, render(v, { to, message })]));
  return options.contentType === 'form' ? new URLSearchParams(fields).toString() : JSON.stringify(fields);
}

/**
 * SMS through any HTTP provider (Twilio-compatible form post by default): one request per
 * recipient. A failure names the recipient; a retry sends to every recipient again.
 */
export class SmsChannel implements NotificationChannel {
  readonly type = 'sms' as const;
  constructor(private readonly options: SmsOptions) {}

  async send(message: NotificationMessage): Promise<ProviderReply> {
    const o = this.options;
    const headers: Record<string, string> = { 'content-type': o.contentType === 'form' ? 'application/x-www-form-urlencoded' : 'application/json' };
    if (o.authHeader) headers[o.authHeaderName] = o.authHeader;
    let last: ProviderReply = { status: null, body: '' };
    for (const to of o.to) {
      last = await sendHttp('sms', { url: o.url, method: o.method, headers, body: smsBody(o, to, smsText(message)) });
    }
    return last;
  }
}

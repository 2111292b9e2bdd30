import { createHmac } from 'node:crypto';
import type { NotificationMessage } from '../message.js';
import type { NotificationChannel, ProviderReply } from './channel.js';
import { sendHttp } from './http.js';

/** `sha256=<hex HMAC-SHA256 of the raw body>`, as GitHub signs its webhooks. */
export const signBody = (secret: string, body: string): string => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** The JSON a custom webhook receives: the rendered text plus every field as data. */
export function webhookPayload(m: NotificationMessage): Record<string, unknown> {
  const c = m.context;
  return {
    id: m.deliveryId,
    event: m.event,
    test: m.test,
    subject: m.subject,
    text: m.text,
    url: m.url,
    deployment: {
      id: c.deploymentId,
      project: c.project,
      environment: c.environment,
      status: c.status,
      kind: c.kind,
      trigger: c.trigger,
      triggeredBy: c.triggeredBy,
      branch: c.branch || null,
      commit: c.commitSha ? { sha: c.commitSha, message: c.commitMessage, author: c.commitAuthor } : null,
      duration: c.duration || null,
      reason: c.reason || null,
    },
    sentAt: new Date().toISOString(),
  };
}

/**
 * A signed POST to the user's own endpoint. `X-DevFlow-Delivery` stays the same across
 * retries, so a receiver can drop a repeat.
 */
export class WebhookChannel implements NotificationChannel {
  readonly type = 'webhook' as const;
  constructor(
    private readonly url: string,
    private readonly secret: string,
  ) {}

  send(message: NotificationMessage): Promise<ProviderReply> {
    const body = JSON.stringify(webhookPayload(message));
    return sendHttp('webhook', {
      url: this.url,
      headers: {
        'content-type': 'application/json',
        'x-devflow-event': message.event,
        'x-devflow-delivery': message.deliveryId,
        'x-devflow-signature': signBody(this.secret, body),
      },
      body,
    });
  }
}

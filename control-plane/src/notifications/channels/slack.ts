import type { NotificationMessage } from '../message.js';
import { clip, type NotificationChannel, type ProviderReply } from './channel.js';
import { sendHttp } from './http.js';

/** Slack mrkdwn needs &, < and > escaped; everything else is literal. */
const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Slack incoming webhook: `text` (what notifications and old clients show) plus one attachment
 * carrying the colour of the event, with Block Kit blocks inside.
 */
export function slackPayload(m: NotificationMessage): Record<string, unknown> {
  return {
    text: m.subject,
    attachments: [
      {
        color: m.color,
        fallback: m.subject,
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: clip(`*<${m.url}|${escape(m.subject)}>*\n${escape(m.text)}`, 3000) } },
          { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open deployment' }, url: m.url }] },
        ],
      },
    ],
  };
}

export class SlackChannel implements NotificationChannel {
  readonly type = 'slack' as const;
  constructor(private readonly webhookUrl: string) {}

  send(message: NotificationMessage): Promise<ProviderReply> {
    return sendHttp('slack', { url: this.webhookUrl, headers: { 'content-type': 'application/json' }, body: JSON.stringify(slackPayload(message)) });
  }
}

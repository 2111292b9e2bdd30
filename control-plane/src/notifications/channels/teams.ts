import type { NotificationMessage } from '../message.js';
import type { NotificationChannel, ProviderReply } from './channel.js';
import { sendHttp } from './http.js';

/** Adaptive Card 1.4 in the message envelope that Teams Workflows webhooks expect. */
export function adaptiveCardPayload(m: NotificationMessage): Record<string, unknown> {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          msteams: { width: 'Full' },
          body: [
            { type: 'TextBlock', text: m.subject, weight: 'Bolder', size: 'Medium', wrap: true, color: tone(m) },
            { type: 'TextBlock', text: m.text.replace(/\n/g, '\n\n'), wrap: true },
          ],
          actions: [{ type: 'Action.OpenUrl', title: 'Open deployment', url: m.url }],
        },
      },
    ],
  };
}

/** Legacy Office 365 connector card. */
export function messageCardPayload(m: NotificationMessage): Record<string, unknown> {
  return {
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    summary: m.subject,
    themeColor: m.color.slice(1),
    title: m.subject,
    text: m.text.replace(/\n/g, '  \n'),
    potentialAction: [{ '@type': 'OpenUri', name: 'Open deployment', targets: [{ os: 'default', uri: m.url }] }],
  };
}

const tone = (m: NotificationMessage): string =>
  m.event === 'deployment.failed' ? 'Attention' : m.event === 'deployment.succeeded' ? 'Good' : m.event === 'deployment.started' || m.event === 'deployment.cancelled' ? 'Default' : 'Warning';

export class TeamsChannel implements NotificationChannel {
  readonly type = 'teams' as const;
  constructor(
    private readonly webhookUrl: string,
    private readonly format: 'adaptive' | 'messagecard',
  ) {}

  send(message: NotificationMessage): Promise<ProviderReply> {
    const payload = this.format === 'adaptive' ? adaptiveCardPayload(message) : messageCardPayload(message);
    return sendHttp('teams', { url: this.webhookUrl, headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
  }
}

import type { NotificationMessage } from '../message.js';
import { clip, type NotificationChannel, type ProviderReply } from './channel.js';
import { sendHttp } from './http.js';

/** Discord webhook: one embed (title 256, description 4096 characters at most) in the colour of the event. */
export function discordPayload(m: NotificationMessage): Record<string, unknown> {
  return {
    username: 'DevFlow',
    // No pings from text a commit author wrote.
    allowed_mentions: { parse: [] },
    embeds: [
      {
        title: clip(m.subject, 256),
        url: m.url,
        description: clip(m.text, 4096),
        color: Number.parseInt(m.color.slice(1), 16),
        timestamp: new Date().toISOString(),
        footer: { text: `DevFlow · ${m.event}` },
      },
    ],
  };
}

export class DiscordChannel implements NotificationChannel {
  readonly type = 'discord' as const;
  constructor(private readonly webhookUrl: string) {}

  send(message: NotificationMessage): Promise<ProviderReply> {
    // `?wait=true` makes Discord answer with the message it created instead of an empty 204.
    const url = new URL(this.webhookUrl);
    url.searchParams.set('wait', 'true');
    return sendHttp('discord', { url: url.toString(), headers: { 'content-type': 'application/json' }, body: JSON.stringify(discordPayload(message)) });
  }
}

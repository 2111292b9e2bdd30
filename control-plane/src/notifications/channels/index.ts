import { AppError } from '../../errors.js';
import type { SmtpConfig } from '../smtp-config.js';
import type { InternalAddressPolicy } from '../../net/internal-addresses.js';
import type { ChannelConfig } from '../types.js';
import type { NotificationChannel } from './channel.js';
import { DiscordChannel } from './discord.js';
import { EmailChannel } from './email.js';
import { SlackChannel } from './slack.js';
import { SmsChannel } from './sms.js';
import { TeamsChannel } from './teams.js';
import { WebhookChannel } from './webhook.js';

export { ChannelError, type NotificationChannel, type ProviderReply } from './channel.js';

export const smtpMissing = (): AppError =>
  new AppError('VALIDATION_FAILED', 'channel: e-mail needs an SMTP server: set SMTP_URL (smtp://user:password@host:587) or DEVFLOW_SMTP_HOST', { field: 'channel' });

/** The channel for a stored configuration (secrets already opened). */
export function createChannel(config: ChannelConfig, smtp: SmtpConfig | undefined): NotificationChannel {
  switch (config.type) {
    case 'email':
      if (!smtp) throw smtpMissing();
      return new EmailChannel(smtp, config.to);
    case 'slack':
      return new SlackChannel(config.webhookUrl);
    case 'discord':
      return new DiscordChannel(config.webhookUrl);
    case 'teams':
      return new TeamsChannel(config.webhookUrl, config.format);
    case 'sms':
      return new SmsChannel(config);
    case 'webhook':
      return new WebhookChannel(config.url, config.secret);
  }
}

/** The URL an HTTP channel posts to (null for e-mail: the SMTP server is the admin's setting). */
export function channelUrl(config: ChannelConfig): string | null {
  switch (config.type) {
    case 'email':
      return null;
    case 'slack':
    case 'discord':
    case 'teams':
      return config.webhookUrl;
    case 'sms':
    case 'webhook':
      return config.url;
  }
}

/** Refuses (400) a channel whose URL reaches a loopback, private or link-local address, checked after DNS. */
export async function assertChannelTarget(policy: InternalAddressPolicy, config: ChannelConfig): Promise<void> {
  const url = channelUrl(config);
  if (url) await policy.assertHost(new URL(url).hostname, 'channel url', 'channel');
}

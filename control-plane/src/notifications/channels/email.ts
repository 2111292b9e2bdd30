import nodemailer from 'nodemailer';
import type { NotificationMessage } from '../message.js';
import type { SmtpConfig } from '../smtp-config.js';
import { ChannelError, clip, MAX_BODY, type NotificationChannel, type ProviderReply } from './channel.js';

const TIMEOUT_MS = 15_000;

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function emailHtml(m: NotificationMessage): string {
  const lines = m.text.split('\n').map((l) => (l === m.url ? `<a href="${escapeHtml(m.url)}">Open the deployment</a>` : escapeHtml(l)));
  return `<div style="border-left:4px solid ${m.color};padding:4px 12px;font-family:sans-serif"><p><strong>${escapeHtml(m.subject)}</strong></p><p>${lines.join('<br>')}</p></div>`;
}

/** E-mail through the global SMTP server (SMTP_URL / DEVFLOW_SMTP_*) to the channel's recipients. */
export class EmailChannel implements NotificationChannel {
  readonly type = 'email' as const;
  constructor(
    private readonly smtp: SmtpConfig,
    private readonly to: readonly string[],
  ) {}

  async send(m: NotificationMessage): Promise<ProviderReply> {
    const s = this.smtp;
    const transport = nodemailer.createTransport({
      host: s.host,
      port: s.port,
      secure: s.secure,
      ...(s.user ? { auth: { user: s.user, pass: s.password ?? '' } } : {}),
      connectionTimeout: TIMEOUT_MS,
      greetingTimeout: TIMEOUT_MS,
      socketTimeout: TIMEOUT_MS,
    });
    try {
      const info = await transport.sendMail({
        from: s.from,
        to: [...this.to],
        subject: m.subject,
        text: m.text,
        html: emailHtml(m),
        headers: { 'X-DevFlow-Event': m.event, 'X-DevFlow-Delivery': m.deliveryId },
      });
      return { status: 250, body: clip(String(info.response ?? ''), MAX_BODY) };
    } catch (err) {
      const e = err as { responseCode?: number; response?: string; message?: string };
      // SMTP 5xx is permanent (bad recipient, refused sender); 4xx and lost connections are worth a retry.
      const code = typeof e.responseCode === 'number' ? e.responseCode : null;
      throw new ChannelError('email', `email: ${s.host}:${s.port} refused: ${e.message ?? String(err)}`, code, clip(e.response ?? '', MAX_BODY), code === null || code < 500, { cause: err });
    } finally {
      transport.close();
    }
  }
}

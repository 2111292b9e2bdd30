import { z } from 'zod';
import { NOTIFICATION_EVENTS, type NotificationEvent } from './events.js';

const HttpUrl = z
  .string()
  .trim()
  .max(2048)
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'must start with http:// or https://')
  // Credentials in a URL end up in logs and screenshots; providers take them in a header (SMS authHeader).
  .refine((u) => !hasUrlCredentials(u), 'must not contain a user name or password (user:pass@); put credentials in authHeader');

function hasUrlCredentials(u: string): boolean {
  try {
    const url = new URL(u);
    return url.username !== '' || url.password !== '';
  } catch {
    return false; // .url() reports a malformed URL
  }
}

/** E.164-ish: a "+" and 6-15 digits. */
const Phone = z.string().trim().regex(/^\+[1-9][0-9]{5,14}$/, 'must be a phone number in E.164 form, e.g. +14155550100');

export const EmailChannel = z.object({ type: z.literal('email'), to: z.array(z.string().trim().email()).min(1).max(50) }).strict();
export const SlackChannel = z.object({ type: z.literal('slack'), webhookUrl: HttpUrl }).strict();
export const DiscordChannel = z.object({ type: z.literal('discord'), webhookUrl: HttpUrl }).strict();
export const TeamsChannel = z
  .object({
    type: z.literal('teams'),
    webhookUrl: HttpUrl,
    /** `adaptive` for Workflows webhooks (the current kind), `messagecard` for legacy Office 365 connectors. */
    format: z.enum(['adaptive', 'messagecard']).default('adaptive'),
  })
  .strict();
export const SmsChannel = z
  .object({
    type: z.literal('sms'),
    url: HttpUrl,
    method: z.enum(['POST', 'PUT']).default('POST'),
    authHeaderName: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'an HTTP header name').default('Authorization'),
    /** The whole header value, e.g. `Basic <base64 sid:token>` (Twilio) or `Bearer <key>`. */
    authHeader: z.string().min(1).max(4096).regex(/^[\x20-\x7e]+$/, 'printable characters only').optional(),
    contentType: z.enum(['form', 'json']).default('form'),
    /** Fields of the request body; values may use {{to}} and {{message}}. Twilio: {To: "{{to}}", From: "+1…", Body: "{{message}}"}. */
    body: z.record(z.string().min(1).max(100), z.string().max(2000)).refine((b) => Object.keys(b).length > 0, 'at least one field'),
    to: z.array(Phone).min(1).max(20),
  })
  .strict();
export const WebhookChannel = z
  .object({
    type: z.literal('webhook'),
    url: HttpUrl,
    /** HMAC-SHA256 key for `X-DevFlow-Signature`. */
    secret: z.string().min(16, 'at least 16 characters').max(512),
  })
  .strict();

export const ChannelConfig = z.discriminatedUnion('type', [EmailChannel, SlackChannel, DiscordChannel, TeamsChannel, SmsChannel, WebhookChannel]);
export type ChannelConfig = z.infer<typeof ChannelConfig>;
export type ChannelType = ChannelConfig['type'];

/** Placeholders an SMS body field may use (besides nothing else: the message is already rendered). */
export const SMS_PLACEHOLDERS = ['to', 'message'] as const;

export const Template = z
  .object({
    subject: z.string().min(1).max(500).optional(),
    text: z.string().min(1).max(8000).optional(),
  })
  .strict();

export const Rule = z
  .object({
    events: z.array(z.enum(NOTIFICATION_EVENTS)).min(1).transform((e) => [...new Set(e)]),
    /** Environment names; absent or empty = every environment of the project. */
    environments: z.array(z.string().min(1).max(40)).max(50).default([]),
    template: Template.optional(),
  })
  .strict();
export type Rule = z.infer<typeof Rule>;

export const CreateNotification = z
  .object({
    name: z.string().trim().min(1).max(100),
    enabled: z.boolean().default(true),
    channel: ChannelConfig,
    rules: z.array(Rule).min(1).max(20),
  })
  .strict();
export type CreateNotification = z.input<typeof CreateNotification>;

/**
 * `channel` is merged into the stored one when the type stays the same, so secrets (webhook
 * URLs, keys) need not be sent again to change a recipient; a new type needs every field.
 */
export const UpdateNotification = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    enabled: z.boolean().optional(),
    channel: z.object({ type: z.enum(['email', 'slack', 'discord', 'teams', 'sms', 'webhook']) }).passthrough().optional(),
    rules: z.array(Rule).min(1).max(20).optional(),
  })
  .strict();
export type UpdateNotification = z.input<typeof UpdateNotification>;

export const TestNotification = z.object({ event: z.enum(NOTIFICATION_EVENTS).default('deployment.succeeded') }).strict();

/** What the API shows of a channel: never a secret, URLs only by host. */
export type PublicChannel =
  | { type: 'email'; to: string[] }
  | { type: 'slack' | 'discord'; host: string }
  | { type: 'teams'; host: string; format: 'adaptive' | 'messagecard' }
  | { type: 'sms'; host: string; method: string; contentType: string; authHeaderName: string; authHeader: boolean; body: Record<string, string>; to: string[] }
  | { type: 'webhook'; host: string; secret: true };

export interface Notification {
  id: string;
  projectId: string;
  name: string;
  enabled: boolean;
  channel: PublicChannel;
  rules: Rule[];
  createdAt: number;
  updatedAt: number;
}

export type DeliveryStatus = 'pending' | 'retrying' | 'sent' | 'failed';

export interface Delivery {
  id: string;
  notificationId: string;
  notificationName: string;
  channel: ChannelType;
  deploymentId: string;
  event: NotificationEvent;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  /** The provider's HTTP status (or SMTP code) of the last try. */
  responseStatus: number | null;
  createdAt: number;
  updatedAt: number;
  sentAt: number | null;
}

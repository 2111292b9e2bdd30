import type { Deployment, Instant } from './types.js';

/**
 * Shapes of the approval, webhook, schedule and notification answers
 * (control-plane/src/{approvals,webhooks,schedules,notifications}).
 */
export interface ApprovalRule {
  required: boolean;
  approvers: number;
  expiresAfterSeconds: number;
}

export interface ApprovalDecision {
  userId: string;
  email: string;
  decision: 'approved' | 'rejected';
  reason: string | null;
  at: Instant;
}

export interface ApprovalRequest {
  deployment: Deployment;
  project: string;
  environment: string;
  required: number;
  approvals: ApprovalDecision[];
  rejection: ApprovalDecision | null;
  expiresAt: Instant;
}

export interface WebhookInfo {
  url: string;
  configured: boolean;
  createdAt: Instant | null;
}

export interface WebhookSecret {
  url: string;
  secret: string;
  setup?: Record<string, string>;
}

export interface WebhookDelivery {
  provider: 'github' | 'gitlab' | 'bitbucket';
  deliveryId: string;
  event: string;
  branch: string | null;
  sha: string | null;
  outcome: 'processing' | 'deployed' | 'skipped' | 'ignored' | 'pong' | 'failed';
  detail: string | null;
  deployments: { environment: string; deploymentId: string | null; status: string | null; reason: string | null }[];
  receivedAt: Instant;
}

export interface Schedule {
  environmentId: string;
  cron: string;
  timezone: string;
  enabled: boolean;
  updatedBy: string | null;
  updatedAt: Instant;
}

export interface ScheduleFire {
  firedAt: Instant;
  deploymentId: string | null;
  outcome: string;
  error: string | null;
}

export const NOTIFICATION_EVENTS = [
  'deployment.started',
  'deployment.succeeded',
  'deployment.failed',
  'deployment.needs_approval',
  'deployment.rolled_back',
  'deployment.cancelled',
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

export const CHANNEL_TYPES = ['email', 'slack', 'discord', 'teams', 'sms', 'webhook'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** A channel as the API shows it: never a secret, URLs by host only. */
export type PublicChannel =
  | { type: 'email'; to: string[] }
  | { type: 'slack' | 'discord'; host: string }
  | { type: 'teams'; host: string; format: 'adaptive' | 'messagecard' }
  | { type: 'sms'; host: string; method: string; contentType: string; authHeaderName: string; authHeader: boolean; body: Record<string, string>; to: string[] }
  | { type: 'webhook'; host: string; secret: true };

export interface NotificationRule {
  events: NotificationEvent[];
  environments: string[];
  template?: { subject?: string; text?: string };
}

export interface Notification {
  id: string;
  name: string;
  enabled: boolean;
  channel: PublicChannel;
  rules: NotificationRule[];
  createdAt: Instant;
  updatedAt: Instant;
}

/** What is sent to create or change a channel: secrets go in, never come out. */
export interface NotificationInput {
  name?: string;
  enabled?: boolean;
  channel?: { type: ChannelType } & Record<string, unknown>;
  rules?: NotificationRule[];
}

export interface NotificationTestResult {
  ok: boolean;
  status?: number | null;
  error: string | null;
}

export interface NotificationDelivery {
  id: string;
  notificationId: string;
  notificationName: string;
  channel: ChannelType;
  deploymentId: string;
  event: NotificationEvent;
  status: 'pending' | 'retrying' | 'sent' | 'failed';
  attempts: number;
  lastError: string | null;
  responseStatus: number | null;
  createdAt: Instant;
  sentAt: Instant | null;
}

/** A freeze window (control-plane/src/freeze/types.ts). */
export interface FreezeWindow {
  id: string;
  environment: string | null;
  kind: 'once' | 'recurring';
  startsAt: number | null;
  endsAt: number | null;
  cron: string | null;
  durationMinutes: number | null;
  timezone: string | null;
  reason: string;
  createdBy: string;
  createdAt: number;
}

export interface FreezePeriod {
  windowId: string;
  start: number;
  end: number;
  reason: string;
  environment: string | null;
}

export interface FreezeInput {
  environment?: string;
  from?: string;
  to?: string;
  cron?: string;
  durationMinutes?: number;
  timezone?: string;
  reason: string;
}

import { api } from './client.js';
import * as norm from './normalize.js';
import type {
  ApprovalRequest,
  Notification,
  NotificationDelivery,
  NotificationEvent,
  NotificationInput,
  NotificationTestResult,
  Schedule,
  ScheduleFire,
  WebhookDelivery,
  WebhookInfo,
  WebhookSecret,
  FreezeInput,
  FreezePeriod,
  FreezeWindow,
} from './feature-types.js';

/** Typed calls for approvals, push webhooks, schedules and notifications (README API table). */
const e = encodeURIComponent;
const proj = (p: string) => `/api/projects/${e(p)}`;
const env = (p: string, en: string) => `${proj(p)}/environments/${e(en)}`;

const request = (raw: unknown): ApprovalRequest => {
  const r = raw as ApprovalRequest;
  return { ...r, deployment: norm.deployment(r.deployment) };
};

export const approvals = {
  pending: () => api.get<{ approvals: unknown[] }>('/api/approvals').then((d) => d.approvals.map(request)),
  get: (id: string) => api.get<{ approval: unknown }>(`/api/deployments/${e(id)}/approval`).then((d) => request(d.approval)),
  approve: (id: string) => api.post<{ approval: unknown }>(`/api/deployments/${e(id)}/approve`).then((d) => request(d.approval)),
  reject: (id: string, reason: string) =>
    api.post<{ approval: unknown }>(`/api/deployments/${e(id)}/reject`, reason ? { reason } : {}).then((d) => request(d.approval)),
};

export const webhooks = {
  info: (p: string) => api.get<{ webhook: WebhookInfo }>(`${proj(p)}/webhook`).then((d) => d.webhook),
  rotate: (p: string) => api.post<WebhookSecret>(`${proj(p)}/webhook`),
  deliveries: (p: string, limit = 20) => api.get<{ deliveries: WebhookDelivery[] }>(`${proj(p)}/webhook/deliveries?limit=${limit}`).then((d) => d.deliveries),
};

export interface ScheduleInput {
  cron: string;
  timezone: string;
  enabled: boolean;
}

export const schedules = {
  get: (p: string, en: string) => api.get<{ schedule: Schedule | null; fires: ScheduleFire[] }>(`${env(p, en)}/schedule`),
  set: (p: string, en: string, body: ScheduleInput) => api.put<{ schedule: Schedule }>(`${env(p, en)}/schedule`, body).then((d) => d.schedule),
  remove: (p: string, en: string) => api.del<unknown>(`${env(p, en)}/schedule`),
};

const notif = (p: string) => `${proj(p)}/notifications`;

export const notifications = {
  list: (p: string) => api.get<{ notifications: Notification[] }>(notif(p)).then((d) => d.notifications),
  create: (p: string, body: NotificationInput) => api.post<{ notification: Notification }>(notif(p), body).then((d) => d.notification),
  update: (p: string, id: string, body: NotificationInput) => api.patch<{ notification: Notification }>(`${notif(p)}/${e(id)}`, body).then((d) => d.notification),
  remove: (p: string, id: string) => api.del<unknown>(`${notif(p)}/${e(id)}`),
  test: (p: string, id: string, event: NotificationEvent) =>
    api.post<{ result: NotificationTestResult }>(`${notif(p)}/${e(id)}/test`, { event }).then((d) => d.result),
  deliveries: (p: string, limit = 20) =>
    api.get<{ deliveries: NotificationDelivery[] }>(`${notif(p)}/deliveries?limit=${limit}`).then((d) => d.deliveries),
};

export const freezes = {
  /** The environment's windows (its own and the project's) and their periods between from and to. */
  calendar: (p: string, en: string, from: Date, to: Date) =>
    api.get<{ from: number; to: number; windows: FreezeWindow[]; periods: FreezePeriod[] }>(`${env(p, en)}/freezes?from=${e(from.toISOString())}&to=${e(to.toISOString())}`),
  add: (p: string, body: FreezeInput) => api.post<{ freeze: FreezeWindow }>(`${proj(p)}/freezes`, body).then((d) => d.freeze),
  remove: (p: string, id: string) => api.del<unknown>(`${proj(p)}/freezes/${e(id)}`),
};

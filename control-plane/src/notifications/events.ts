import type { Deployment } from '../deployments/types.js';

/** What a notification rule can subscribe to. */
export const NOTIFICATION_EVENTS = [
  'deployment.started',
  'deployment.succeeded',
  'deployment.failed',
  'deployment.needs_approval',
  'deployment.rolled_back',
  'deployment.cancelled',
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/**
 * The notification a deployment's new status stands for, or null when it is not worth one
 * (queued, skipped). A rollback that succeeds is "rolled back", not "succeeded"; a timeout is a
 * failure; an approver's rejection ends the deployment like a cancel.
 */
export function eventForStatus(d: Pick<Deployment, 'status' | 'kind'>): NotificationEvent | null {
  switch (d.status) {
    case 'running':
      return 'deployment.started';
    case 'succeeded':
      return d.kind === 'rollback' ? 'deployment.rolled_back' : 'deployment.succeeded';
    case 'failed':
    case 'timed_out':
      return 'deployment.failed';
    case 'pending_approval':
      return 'deployment.needs_approval';
    case 'cancelled':
    case 'rejected':
      return 'deployment.cancelled';
    case 'queued':
    case 'skipped':
      return null;
  }
}

/** Colour and words per event, shared by every channel. */
export const EVENT_LOOK: Record<NotificationEvent, { tone: 'good' | 'bad' | 'warn' | 'info'; hex: string; verb: string }> = {
  'deployment.started': { tone: 'info', hex: '#2f81f7', verb: 'started' },
  'deployment.succeeded': { tone: 'good', hex: '#2da44e', verb: 'succeeded' },
  'deployment.failed': { tone: 'bad', hex: '#cf222e', verb: 'failed' },
  'deployment.needs_approval': { tone: 'warn', hex: '#bf8700', verb: 'needs approval' },
  'deployment.rolled_back': { tone: 'warn', hex: '#8250df', verb: 'rolled back' },
  'deployment.cancelled': { tone: 'info', hex: '#6e7781', verb: 'cancelled' },
};

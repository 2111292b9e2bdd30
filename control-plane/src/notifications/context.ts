import type { Deployment } from '../deployments/types.js';
import type { NotificationEvent } from './events.js';
import type { TemplateContext } from './template.js';

/** "850ms", "12.4s", "3m 05s", "1h 02m". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

export interface ContextInput {
  event: NotificationEvent;
  deployment: Deployment;
  projectName: string;
  environmentName: string;
  /** E-mail of the user who triggered it, or null (webhook, schedule, system). */
  triggeredBy: string | null;
  publicUrl: string;
}

/** Everything a template can show about one deployment, as text. */
export function deploymentContext(i: ContextInput): TemplateContext {
  const d = i.deployment;
  const duration = d.durationMs ?? (d.startedAt !== null && d.finishedAt !== null ? d.finishedAt - d.startedAt : null);
  // Rendered when the job runs, the deployment may have moved on: a "started" message still says running.
  const early = i.event === 'deployment.started' || i.event === 'deployment.needs_approval';
  const failure = d.failure ? `${d.failure.serverName}: ${d.failure.stage}/${d.failure.step}${d.failure.exitCode === null ? '' : ` exited ${d.failure.exitCode}`}` : '';
  return {
    event: i.event,
    status: i.event === 'deployment.started' ? 'running' : i.event === 'deployment.needs_approval' ? 'pending_approval' : d.status,
    project: i.projectName,
    environment: i.environmentName,
    kind: d.kind,
    trigger: d.trigger,
    triggeredBy: i.triggeredBy ?? (d.userId === 'system' || d.userId === null ? d.trigger : d.userId),
    branch: d.branch ?? '',
    commit: d.commit?.sha.slice(0, 7) ?? '',
    commitSha: d.commit?.sha ?? '',
    commitMessage: firstLine(d.commit?.message ?? ''),
    commitAuthor: d.commit?.author ?? '',
    duration: duration === null || early ? '' : formatDuration(duration),
    url: `${i.publicUrl.replace(/\/+$/, '')}/deployments/${d.id}`,
    reason: early ? '' : [d.reason ?? '', failure].filter(Boolean).join(' — '),
    deploymentId: d.id,
  };
}

const firstLine = (s: string): string => s.split('\n')[0]?.trim() ?? '';

/** A plausible deployment for "send test message". */
export function sampleContext(projectName: string, publicUrl: string, event: NotificationEvent): TemplateContext {
  return {
    event,
    status: event === 'deployment.failed' ? 'failed' : 'succeeded',
    project: projectName,
    environment: 'production',
    kind: 'deploy',
    trigger: 'manual',
    triggeredBy: 'devflow test',
    branch: 'main',
    commit: '0000000',
    commitSha: '0000000000000000000000000000000000000000',
    commitMessage: 'Test notification from DevFlow',
    commitAuthor: 'DevFlow',
    duration: '42.0s',
    url: `${publicUrl.replace(/\/+$/, '')}/deployments/test`,
    reason: event === 'deployment.failed' ? 'this is a test: nothing failed' : '',
    deploymentId: 'test',
  };
}

import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import type { Deployment } from '../deployments/types.js';
import { deploymentContext, formatDuration } from './context.js';
import { eventForStatus } from './events.js';
import { buildMessage } from './message.js';
import { render, validateTemplate } from './template.js';

const deployment: Deployment = {
  id: 'dep_1', projectId: 'prj_1', environmentId: 'env_1', kind: 'deploy', trigger: 'manual', userId: 'usr_1', branch: 'main',
  projectName: 'shop', environmentName: 'production', triggeredBy: { id: 'usr_1', email: 'ada@example.com' }, requestedBy: null,
  commit: { sha: 'abcdef0123456789abcdef0123456789abcdef01', message: 'Fix checkout\n\nlong body', author: 'Ada' },
  options: {}, status: 'failed', reason: 'install failed', position: null, releaseId: null, rollbackOf: null, causedBy: null, blockedBy: null,
  failure: { serverId: 'srv_1', serverName: 'web-1', stage: 'install', step: 'npm ci', exitCode: 1, error: null, lastLines: [] },
  createdAt: 0, startedAt: 1000, activatedAt: null, finishedAt: 66_000, durationMs: null,
};
const ctx = (event: Parameters<typeof deploymentContext>[0]['event'], d: Partial<Deployment> = {}) =>
  deploymentContext({ event, deployment: { ...deployment, ...d }, projectName: 'shop', environmentName: 'production', triggeredBy: 'ada@example.com', publicUrl: 'https://cp.example.com/' });

describe('events', () => {
  it('maps statuses to events; a successful rollback is "rolled back"; queued and skipped notify nobody', () => {
    expect(eventForStatus({ status: 'running', kind: 'deploy' })).toBe('deployment.started');
    expect(eventForStatus({ status: 'succeeded', kind: 'deploy' })).toBe('deployment.succeeded');
    expect(eventForStatus({ status: 'succeeded', kind: 'rollback' })).toBe('deployment.rolled_back');
    expect(eventForStatus({ status: 'timed_out', kind: 'deploy' })).toBe('deployment.failed');
    expect(eventForStatus({ status: 'pending_approval', kind: 'deploy' })).toBe('deployment.needs_approval');
    expect(eventForStatus({ status: 'rejected', kind: 'deploy' })).toBe('deployment.cancelled');
    expect(eventForStatus({ status: 'queued', kind: 'deploy' })).toBeNull();
    expect(eventForStatus({ status: 'skipped', kind: 'deploy' })).toBeNull();
  });
});

describe('templates', () => {
  it('validates placeholders at save time, naming the unknown one and the field', () => {
    expect(() => validateTemplate('{{project}} on {{ environment }}', 'rules.0.template.text')).not.toThrow();
    try {
      validateTemplate('{{project}} by {{autor}}', 'rules.0.template.text');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).status).toBe(400);
      expect((err as AppError).message).toMatch(/^rules\.0\.template\.text: unknown placeholder \{\{autor\}\}; use one of \{\{event\}\}/);
      expect((err as AppError).details).toEqual({ field: 'rules.0.template.text', placeholder: 'autor' });
    }
  });

  it('builds the context: short sha, first line of the message, duration, link, failure reason', () => {
    const c = ctx('deployment.failed');
    expect(c).toMatchObject({
      commit: 'abcdef0', commitMessage: 'Fix checkout', triggeredBy: 'ada@example.com', duration: '1m 05s',
      url: 'https://cp.example.com/deployments/dep_1', reason: 'install failed — web-1: install/npm ci exited 1',
    });
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(12_400)).toBe('12.4s');
    expect(formatDuration(3_720_000)).toBe('1h 02m');
  });

  it('default message drops lines whose placeholders are all empty', () => {
    const started = buildMessage({ event: 'deployment.started', deliveryId: 'd', context: ctx('deployment.started', { status: 'running', reason: null, failure: null, finishedAt: null }) });
    expect(started.subject).toBe('Deploying shop to production (abcdef0)');
    expect(started.text).not.toMatch(/Duration|Reason/);
    expect(started.text).toContain('Triggered by: ada@example.com (manual)');
    expect(started.text.split('\n').at(-1)).toBe('https://cp.example.com/deployments/dep_1');
    const noCommit = buildMessage({ event: 'deployment.cancelled', deliveryId: 'd', context: ctx('deployment.cancelled', { commit: null }) });
    expect(noCommit.subject).toBe('Deployment of shop to production cancelled');
  });

  it('renders a rule override', () => {
    const m = buildMessage({ event: 'deployment.failed', deliveryId: 'd', context: ctx('deployment.failed'), template: { subject: '{{project}}@{{environment}} {{status}}', text: 'by {{commitAuthor}}: {{reason}}' } });
    expect(m.subject).toBe('shop@production failed');
    expect(m.text).toBe('by Ada: install failed — web-1: install/npm ci exited 1');
    expect(render('{{to}} {{x}}', { to: '+1' })).toBe('+1 {{x}}');
  });
});

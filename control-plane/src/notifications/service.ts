import { parseInput } from '../api/env.js';
import type { Actor, AuditLog } from '../audit/audit.js';
import type { EnvironmentService } from '../environments/service.js';
import { AppError } from '../errors.js';
import type { ProjectService } from '../projects/service.js';
import { assertChannelTarget, ChannelError, createChannel, smtpMissing } from './channels/index.js';
import type { InternalAddressPolicy } from '../net/internal-addresses.js';
import { sampleContext } from './context.js';
import type { DeliveryStore } from './deliveries.js';
import { buildMessage } from './message.js';
import type { SmtpConfig } from './smtp-config.js';
import { publicNotification, type NotificationFields, type NotificationStore } from './store.js';
import { validateTemplate } from './template.js';
import { CreateNotification, SMS_PLACEHOLDERS, TestNotification, UpdateNotification, type Delivery, type Notification } from './types.js';
import { newId } from '../crypto/random.js';

export interface NotificationServiceDeps {
  store: NotificationStore;
  deliveries: DeliveryStore;
  projects: ProjectService;
  environments: EnvironmentService;
  audit: AuditLog;
  smtp: SmtpConfig | undefined;
  /** Refuses channel URLs that reach internal addresses (DEVFLOW_ALLOWED_INTERNAL_HOSTS). */
  outbound: InternalAddressPolicy;
  publicUrl: string;
}

/** The answer to "send a test message": what the provider said, success or not. */
/**
 * What a test send reports: whether it worked and the provider's status, never its body: the URL
 * is user-given, and echoing what it answered would read any page the control plane can reach.
 */
export interface TestResult {
  ok: boolean;
  status: number | null;
  error: string | null;
}

/** Notification channels and rules of a project: create, change, remove, test; delivery history. */
export class NotificationService {
  constructor(private readonly d: NotificationServiceDeps) {}

  async list(projectRef: string): Promise<Notification[]> {
    const project = await this.d.projects.get(projectRef);
    return (await this.d.store.list(project.id)).map(publicNotification);
  }

  async get(projectRef: string, id: string): Promise<Notification> {
    const project = await this.d.projects.get(projectRef);
    return publicNotification(await this.d.store.get(project.id, id));
  }

  async create(actor: Actor, projectRef: string, input: unknown): Promise<Notification> {
    const project = await this.d.projects.get(projectRef);
    const fields = await this.validate(projectRef, parseInput(CreateNotification, input));
    const n = await this.d.store.insert(project.id, fields);
    await this.d.audit.record(actor, 'notification.create', n.id, { project: project.name, name: n.name, channel: n.channel, rules: n.rules.length });
    return publicNotification(n);
  }

  async update(actor: Actor, projectRef: string, id: string, input: unknown): Promise<Notification> {
    const project = await this.d.projects.get(projectRef);
    const patch = parseInput(UpdateNotification, input);
    const current = await this.d.store.get(project.id, id);
    // Same type: merge, so secrets stay unless sent again. Another type: a whole new configuration.
    const channel = patch.channel ? (patch.channel.type === current.config.type ? { ...current.config, ...patch.channel } : patch.channel) : current.config;
    const fields = await this.validate(
      projectRef,
      parseInput(CreateNotification, { name: patch.name ?? current.name, enabled: patch.enabled ?? current.enabled, channel, rules: patch.rules ?? current.rules }),
    );
    const n = await this.d.store.update(project.id, id, fields);
    await this.d.audit.record(actor, 'notification.update', id, { project: project.name, changed: Object.keys(patch), channel: n.channel });
    return publicNotification(n);
  }

  async remove(actor: Actor, projectRef: string, id: string): Promise<void> {
    const project = await this.d.projects.get(projectRef);
    const n = await this.d.store.get(project.id, id);
    await this.d.store.remove(project.id, id);
    await this.d.audit.record(actor, 'notification.delete', id, { project: project.name, name: n.name });
  }

  /** Sends a sample message now (no queue, no retry) and returns the provider's answer. */
  async test(actor: Actor, projectRef: string, id: string, input: unknown): Promise<TestResult> {
    const project = await this.d.projects.get(projectRef);
    const { event } = parseInput(TestNotification, input ?? {});
    const n = await this.d.store.get(project.id, id);
    const rule = n.rules.find((r) => r.events.includes(event));
    const message = buildMessage({ event, deliveryId: newId('test'), context: sampleContext(project.name, this.d.publicUrl, event), template: rule?.template ?? null, test: true });
    let result: TestResult;
    try {
      await assertChannelTarget(this.d.outbound, n.config);
      const reply = await createChannel(n.config, this.d.smtp).send(message);
      result = { ok: true, status: reply.status, error: null };
    } catch (err) {
      if (!(err instanceof ChannelError)) throw err;
      result = { ok: false, status: err.status, error: err.message };
    }
    await this.d.audit.record(actor, 'notification.test', id, { project: project.name, ok: result.ok, status: result.status });
    return result;
  }

  async deliveries(projectRef: string, options: { limit?: number; notificationId?: string | undefined; deploymentId?: string | undefined } = {}): Promise<Delivery[]> {
    const project = await this.d.projects.get(projectRef);
    return this.d.deliveries.list(project.id, { ...options, limit: Math.min(Math.max(options.limit ?? 50, 1), 500) });
  }

  /** Checks what the schema cannot: placeholders, environment names, SMTP configured. */
  private async validate(projectRef: string, f: NotificationFields): Promise<NotificationFields> {
    if (f.channel.type === 'email' && !this.d.smtp) throw smtpMissing();
    await assertChannelTarget(this.d.outbound, f.channel);
    if (f.channel.type === 'sms') for (const [k, v] of Object.entries(f.channel.body)) validateTemplate(v, `channel.body.${k}`, SMS_PLACEHOLDERS);
    const names = (await this.d.environments.list(projectRef)).map((e) => e.name);
    f.rules.forEach((rule, i) => {
      if (rule.template?.subject) validateTemplate(rule.template.subject, `rules.${i}.template.subject`);
      if (rule.template?.text) validateTemplate(rule.template.text, `rules.${i}.template.text`);
      for (const env of rule.environments) {
        if (!names.includes(env)) {
          throw new AppError('VALIDATION_FAILED', `rules.${i}.environments: the project has no environment "${env}" (it has: ${names.join(', ') || 'none'})`, { field: `rules.${i}.environments` });
        }
      }
    });
    return f;
  }
}

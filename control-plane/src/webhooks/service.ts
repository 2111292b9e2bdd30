import { randomBytes } from 'node:crypto';
import type { AuditLog } from '../audit/audit.js';
import type { DeploymentRequests } from '../deployments/requests.js';
import type { EnvironmentService } from '../environments/service.js';
import { AppError } from '../errors.js';
import { readDeliveryBody, type DeliveryBody } from './body.js';
import { startVerification } from './signature.js';
import { SourceLimiter } from './source-limit.js';
import type { ReplayGuard } from './replay.js';
import type { Logger } from '../logger.js';
import type { ProjectService } from '../projects/service.js';
import type { Delivery, DeliveryDeployment, DeliveryStore } from './deliveries.js';
import { detectProvider } from './providers/index.js';
import type { WebhookSecrets } from './secrets.js';
import { WebhookPayloadError, type HeaderLookup, type ProviderAdapter, type PushChange, type WebhookEvent } from './types.js';

export interface WebhookDeps {
  /** Base of the URL users paste into their git host. */
  publicUrl: string;
  projects: Pick<ProjectService, 'find' | 'get'>;
  environments: Pick<EnvironmentService, 'list'>;
  requests: Pick<DeploymentRequests, 'deploy'>;
  secrets: WebhookSecrets;
  deliveries: DeliveryStore;
  audit: AuditLog;
  logger: Logger;
  /** DEVFLOW_WEBHOOK_MAX_BODY_BYTES: larger deliveries get 413 before more is read. */
  maxBodyBytes: number;
  /** Refuses pushes older than what an environment has live or queued from a webhook. */
  replays: Pick<ReplayGuard, 'staleReason'>;
  /** DEVFLOW_WEBHOOK_CONCURRENCY: unauthenticated bodies read at once per client address. */
  concurrencyPerSource: number;
}

/** 200 (pong, ignored, duplicate) or 202 (deployments requested). Failures throw AppError (401/400/404). */
export interface WebhookReply {
  status: 200 | 202;
  body: Record<string, unknown>;
}

const UNKNOWN_SENDER =
  'unknown webhook sender: expected the headers of GitHub (X-GitHub-Event), GitLab (X-Gitlab-Event) or Bitbucket Cloud (X-Event-Key)';

/**
 * Git push webhooks: authenticate the delivery by its signature over the raw body, ignore
 * replays, and deploy the pushed commit to every environment of the project that auto-deploys
 * the pushed branch (DeploymentRequests, trigger `webhook`: locks and approvals apply).
 */
export class WebhookService {
  private readonly sources: SourceLimiter;

  constructor(private readonly d: WebhookDeps) {
    this.sources = new SourceLimiter(d.concurrencyPerSource);
  }

  /** A new secret for the project (shown once; replaces any previous one). */
  async createSecret(actor: string, projectRef: string): Promise<{ url: string; secret: string; createdAt: number }> {
    const project = await this.d.projects.get(projectRef);
    const { secret, createdAt } = await this.d.secrets.rotate(project.id, actor);
    await this.d.audit.record(actor, 'project.webhook_secret', project.id, { project: project.name });
    return { url: this.url(project.id), secret, createdAt };
  }

  async info(projectRef: string): Promise<{ url: string; configured: boolean; createdAt: number | null }> {
    const project = await this.d.projects.get(projectRef);
    const info = await this.d.secrets.info(project.id);
    return { url: this.url(project.id), configured: info !== null, createdAt: info?.createdAt ?? null };
  }

  async deliveries(projectRef: string, limit: number): Promise<Delivery[]> {
    const project = await this.d.projects.get(projectRef);
    return this.d.deliveries.list(project.id, limit);
  }

  url(projectId: string): string {
    return `${this.d.publicUrl}/webhooks/${projectId}`;
  }

  /**
   * One delivery, read from `body` as it streams in (capped, hashed and signature-checked on the
   * way). An unknown project, a project without a secret and a wrong signature answer the same
   * 401, so the receiver does not tell which project ids exist; the log says which it was.
   */
  async receive(projectRef: string, headers: HeaderLookup, body: ReadableStream<Uint8Array> | null, source: string): Promise<WebhookReply> {
    const adapter = detectProvider(headers);
    // A refused body is left unread (not cancelled): Node discards it after the answer (see body.ts).
    if (!adapter) throw new AppError('UNAUTHENTICATED', UNKNOWN_SENDER);
    const release = this.sources.acquire(source);
    let project: { id: string; name: string } | null;
    let read: DeliveryBody;
    try {
      project = await this.d.projects.find(projectRef);
      const secret = project ? await this.d.secrets.get(project.id) : null;
      // Without a secret the delivery is checked against a random one: same work, same answer.
      const started = startVerification(adapter.auth, headers(adapter.auth.header), secret ?? randomBytes(32).toString('hex'));
      if ('refused' in started) throw this.refuse(adapter, started.refused, projectRef, project, secret !== null);
      read = await readDeliveryBody(body, headers('content-length'), this.d.maxBodyBytes, (chunk) => started.verifier.update(chunk));
      const refused = started.verifier.result();
      if (refused || !project || secret === null) throw this.refuse(adapter, refused ?? `${adapter.auth.headerName} does not match the body signed with this project's webhook secret (wrong secret, or the body was changed on the way)`, projectRef, project, secret !== null);
    } finally {
      release();
    }

    const deliveryId = headers(adapter.deliveryHeader)?.trim();
    if (!deliveryId || deliveryId.length > 200) throw new AppError('VALIDATION_FAILED', `header ${adapter.deliveryHeader} (the delivery id) is missing or too long`);
    let event: WebhookEvent;
    try {
      event = adapter.parse(headers, read.raw);
    } catch (err) {
      if (err instanceof WebhookPayloadError) throw new AppError('VALIDATION_FAILED', `${adapter.name} ${headers(adapter.eventHeader)} delivery: ${err.message}`);
      throw err;
    }
    const first = event.kind === 'push' ? event.changes[0] : undefined;
    const claim = await this.d.deliveries.claim(project.id, {
      provider: adapter.name, deliveryId, event: event.event, branch: first?.branch ?? first?.tag ?? null, sha: first?.sha ?? null, payloadHash: read.sha256,
    });
    if (claim.duplicateOf === deliveryId) return { status: 200, body: { ignored: 'duplicate delivery', deliveryId } };
    if (claim.duplicateOf !== null) {
      return { status: 200, body: { ignored: `duplicate payload: the same body was delivered as ${claim.duplicateOf} (a replay with a new delivery id)`, deliveryId } };
    }

    try {
      return await this.handle(project, adapter, deliveryId, event);
    } catch (err) {
      await this.d.deliveries.settle(project.id, adapter.name, deliveryId, 'failed', err instanceof Error ? err.message : String(err));
      throw err;
    }
  }

  /** The one 401 every unauthenticated delivery gets; the log keeps the real reason. */
  private refuse(adapter: ProviderAdapter, reason: string, projectRef: string, project: { name: string } | null, hasSecret: boolean): AppError {
    const why = !project ? 'no such project' : !hasSecret ? `project "${project.name}" has no webhook secret yet (POST /api/projects/${project.name}/webhook)` : reason;
    this.d.logger.warn('webhook delivery refused', { provider: adapter.name, project: projectRef.slice(0, 100), why });
    return new AppError('UNAUTHENTICATED', reason, { provider: adapter.name });
  }

  private async handle(project: { id: string; name: string }, adapter: ProviderAdapter, deliveryId: string, event: WebhookEvent): Promise<WebhookReply> {
    const settle = this.d.deliveries.settle.bind(this.d.deliveries, project.id, adapter.name, deliveryId);
    if (event.kind === 'ping') {
      await settle('pong', event.note);
      return { status: 200, body: { pong: true, project: project.name } };
    }
    if (event.kind === 'other') {
      const why = `event "${event.event}" is not handled; DevFlow deploys on push events`;
      await settle('ignored', why);
      return { status: 200, body: { ignored: why } };
    }
    let deployments: (DeliveryDeployment & { outcome?: string })[] = [];
    const ignored: string[] = [];
    for (const change of event.changes) {
      const skip = await this.skipReason(project.id, change);
      if (skip) ignored.push(skip);
      else deployments.push(...(await this.deploy(project.id, adapter, deliveryId, change, event.pusher)));
    }
    // Replayed (older) pushes are refused per environment; when nothing else was requested, the delivery is ignored with why.
    for (const x of deployments.filter((x) => x.outcome === 'replay')) ignored.push(`${x.environment}: ${x.reason ?? ''}`);
    deployments = deployments.filter((x) => x.outcome !== 'replay');
    if (deployments.length === 0) {
      await settle('ignored', ignored.join('; '));
      return { status: 200, body: { ignored: ignored.join('; ') } };
    }
    const outcome = deployments.every((x) => x.deploymentId === null) ? 'failed' : deployments.every((x) => x.status === 'skipped') ? 'skipped' : 'deployed';
    await settle(outcome, ignored.length ? ignored.join('; ') : null, deployments);
    return { status: 202, body: { deployments, ...(ignored.length ? { ignored: ignored.join('; ') } : {}) } };
  }

  private async skipReason(projectId: string, change: PushChange): Promise<string | null> {
    if (change.tag !== null) return `tag push (${change.tag}) ignored: DevFlow deploys branches`;
    if (change.branch === null) return `ref ${change.ref} ignored: not a branch`;
    if (change.deleted) return `branch ${change.branch} was deleted; nothing to deploy`;
    const envs = (await this.d.environments.list(projectId)).filter((e) => e.branch === change.branch);
    if (envs.some((e) => e.autoDeploy)) return null;
    const off = envs.map((e) => e.name);
    return `no environment deploys branch ${change.branch}${off.length ? ` (${off.join(', ')} track${off.length === 1 ? 's' : ''} it with autoDeploy off)` : ''}`;
  }

  private async deploy(projectId: string, adapter: ProviderAdapter, deliveryId: string, change: PushChange, pusher: string | null): Promise<(DeliveryDeployment & { outcome?: string })[]> {
    const envs = (await this.d.environments.list(projectId)).filter((e) => e.autoDeploy && e.branch === change.branch);
    const out: (DeliveryDeployment & { outcome?: string })[] = [];
    for (const env of envs) {
      const stale = change.sha ? await this.d.replays.staleReason(projectId, env, change.sha) : null;
      if (stale) {
        out.push({ environment: env.name, deploymentId: null, status: null, outcome: 'replay', reason: stale });
        continue;
      }
      try {
        const r = await this.d.requests.deploy(`webhook:${adapter.name}`, projectId, env.id, { branch: change.branch ?? env.branch, ...(change.sha ? { commit: change.sha } : {}) }, 'webhook', undefined, pusher ? `${pusher} (${adapter.name})` : null);
        out.push({ environment: env.name, deploymentId: r.deployment.id, status: r.deployment.status, outcome: r.outcome, reason: r.deployment.reason });
      } catch (err) {
        // One environment failing (e.g. the commit is not in the repository yet) must not hide the others.
        if (!(err instanceof AppError) || err.code === 'INTERNAL') this.d.logger.error('webhook deploy failed', { projectId, environment: env.name, err });
        out.push({ environment: env.name, deploymentId: null, status: null, reason: err instanceof AppError && err.code !== 'INTERNAL' ? err.message : 'internal error; see the control-plane log' });
      }
    }
    await this.d.audit.record(`webhook:${adapter.name}`, 'webhook.push', projectId, {
      deliveryId, branch: change.branch, sha: change.sha, pusher, deployments: out.map((x) => x.deploymentId),
    });
    return out;
  }
}

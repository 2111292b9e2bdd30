import type { Hono } from 'hono';
import type { AppEnv } from './api/env.js';
import { healthApi } from './api/health.js';
import { authApi } from './api/auth.js';
import { tokensApi } from './api/tokens.js';
import { usersApi } from './api/users.js';
import { serversApi } from './api/servers.js';
import { agentEnrollApi } from './api/agent-enroll.js';
import { stepsApi } from './api/steps.js';
import { agentDistributionApi } from './api/agent-dist.js';
import { projectsApi } from './api/projects.js';
import { environmentsApi } from './api/environments.js';
import { schedulesApi } from './api/schedules.js';
import { deploymentsApi, projectDeploymentsApi } from './api/deployments.js';
import { projectQueueApi, queueApi } from './api/queue.js';
import { eventsApi } from './api/events.js';
import { approvalsApi, deploymentApprovalsApi } from './api/approvals.js';
import { projectWebhookApi, webhookReceiverApi } from './api/webhooks.js';
import { metricsApi, prometheusApi } from './api/metrics.js';
import { openapiApi } from './api/openapi.js';
import { notificationsApi } from './api/notifications.js';
import { authenticate, csrf } from './api/middleware.js';
import { apiBodyLimit } from './api/body-limit.js';
import { createMetrics } from './metrics/index.js';
import type { Services } from './services.js';

/** Every resource sub-app, mounted in one place. `/api/*` is authenticated and CSRF-checked here. */
export function mountRoutes(app: Hono<AppEnv>, s: Services): void {
  // First, so that requests refused by later middleware are counted too.
  const metrics = createMetrics({ db: s.db, agentsConnected: () => s.hub.size });
  app.use('*', metrics.http);
  app.use('/api/*', apiBodyLimit());
  app.use('/agent/*', apiBodyLimit());
  app.use('/api/*', authenticate(s.sessions, s.apiTokens, s.publicUrl.startsWith('https://')), csrf(s.publicUrl));
  app.route('/', healthApi(s.db, s.engine.instanceId));
  app.route('/', prometheusApi(metrics, s.config.metricsToken));
  app.route('/agent', agentEnrollApi(s));
  app.route('/', agentDistributionApi(s.publicUrl));
  app.route('/api/auth', authApi(s));
  app.route('/api/tokens', tokensApi(s));
  app.route('/api/users', usersApi(s));
  app.route('/api/servers', serversApi(s));
  app.route('/api/steps', stepsApi(s));
  app.route('/api/projects', projectsApi(s));
  app.route('/api/projects', environmentsApi(s));
  app.route('/api/projects', schedulesApi(s));
  app.route('/api/projects', projectDeploymentsApi(s));
  app.route('/api/projects', projectQueueApi(s));
  app.route('/api/deployments', deploymentsApi(s));
  app.route('/api/deployments', deploymentApprovalsApi(s));
  app.route('/api/approvals', approvalsApi(s));
  app.route('/api/projects', projectWebhookApi(s));
  app.route('/webhooks', webhookReceiverApi(s));
  app.route('/api/projects', notificationsApi(s));
  app.route('/api/queue', queueApi(s));
  app.route('/api/events', eventsApi(s));
  app.route('/api/metrics', metricsApi(s));
  app.route('/api', openapiApi(s.publicUrl));
}

import { z } from 'zod';
import { HistoryQuery } from '../deployments/history.js';
import { DeployOptions, RollbackOptions } from '../deployments/types.js';
import { CreateEnvironment, LockInput, SetVariables, UpdateEnvironment } from '../environments/types.js';
import { ScheduleInput } from '../schedules/types.js';
import { CalendarQuery, FreezeInput } from '../freeze/types.js';
import { CreateNotification, TestNotification, UpdateNotification } from '../notifications/types.js';
import { MetricsQuery, MetricsSummary } from '../metrics/summary/schema.js';
import { CreateProject, UpdateProject } from '../projects/types.js';
import { AuditFilterQuery, AuditListQuery } from '../api/audit.js';
import { RotateKey } from '../api/admin.js';
import { MarkInput } from '../api/deployments.js';
import { ResetPassword, UpdateUser } from '../api/users.js';
import * as Q from './requests.js';
import * as R from './schemas.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Body = z.ZodType | { contentType: string; description: string };

/** One route under /api, as the document describes it. `path` uses Hono's `:param` form. */
export interface Operation {
  method: Method;
  path: string;
  summary: string;
  tag: string;
  /** false: no session or token needed. */
  auth?: boolean;
  /** Roles besides admin allowed to call it (unset: any signed-in user). */
  roles?: readonly string[];
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Status -> body (a JSON schema, or another content type); null = no body. */
  responses: Record<number, Body | null>;
}

const text = (description: string) => ({ contentType: 'text/plain', description });
const sse = (description: string) => ({ contentType: 'text/event-stream', description });
const env = '/api/projects/:project/environments/:env';
const notif = '/api/projects/:project/notifications';
const maintainer = ['maintainer'];
const deployer = ['deployer', 'maintainer'];

export const OPERATIONS = [
  { method: 'post', path: '/api/auth/login', summary: 'Sign in; sets the session cookie', tag: 'auth', auth: false, body: Q.Login, responses: { 200: z.object({ user: R.User }) } },
  { method: 'post', path: '/api/auth/logout', summary: 'Sign out (clears the session cookie)', tag: 'auth', auth: false, responses: { 200: R.Ok } },
  { method: 'get', path: '/api/auth/me', summary: 'The signed-in user', tag: 'auth', responses: { 200: R.Me } },
  { method: 'get', path: '/api/tokens', summary: "The caller's API tokens", tag: 'auth', responses: { 200: z.object({ tokens: z.array(R.ApiToken) }) } },
  { method: 'post', path: '/api/tokens', summary: 'Create an API token (its value is shown once)', tag: 'auth', body: Q.CreateToken, responses: { 201: R.CreatedToken } },
  { method: 'delete', path: '/api/tokens/:id', summary: 'Revoke an API token', tag: 'auth', responses: { 204: null } },
  { method: 'get', path: '/api/audit', summary: 'The audit log, newest first (filters: actor, action or "prefix.", target, from, to; pages with before=next)', tag: 'audit', roles: [], query: AuditListQuery, responses: { 200: z.object({ entries: z.array(z.record(z.string(), z.unknown())), next: z.number().nullable() }) } },
  { method: 'get', path: '/api/audit/export', summary: 'The whole audit log (same filters) as JSON lines, oldest first', tag: 'audit', roles: [], query: AuditFilterQuery, responses: { 200: { contentType: 'application/x-ndjson', description: 'one JSON object per line: id, at, actor, action, target, details' } } },
  { method: 'get', path: '/api/users', summary: 'Users', tag: 'users', roles: [], responses: { 200: z.object({ users: z.array(R.User) }) } },
  { method: 'post', path: '/api/users', summary: 'Create a user with a role', tag: 'users', roles: [], body: Q.CreateUser, responses: { 201: z.object({ user: R.User }) } },
  { method: 'patch', path: '/api/users/:id', summary: 'Change a user\'s role, or disable/enable them (their sessions end, their tokens stop at once)', tag: 'users', roles: [], body: UpdateUser, responses: { 200: z.object({ user: R.User }) } },
  { method: 'delete', path: '/api/users/:id', summary: 'Delete a user (not yourself, not the last enabled admin)', tag: 'users', roles: [], responses: { 204: null } },
  { method: 'post', path: '/api/users/:id/password', summary: 'Reset a user\'s password (their sessions end)', tag: 'users', roles: [], body: ResetPassword, responses: { 200: z.object({ ok: z.literal(true), sessionsEnded: z.boolean() }) } },
  { method: 'get', path: '/api/users/:id/tokens', summary: "A user's API tokens", tag: 'users', roles: [], responses: { 200: z.object({ tokens: z.array(R.ApiToken) }) } },
  { method: 'delete', path: '/api/users/:id/tokens/:tokenId', summary: "Revoke one of a user's API tokens", tag: 'users', roles: [], responses: { 204: null } },
  { method: 'post', path: '/api/admin/rotate-key', summary: 'Re-seal every secret with a new master key (body optional: {"newKey"}; required when DEVFLOW_SECRET_KEY is set)', tag: 'admin', roles: [], body: RotateKey, responses: { 200: z.looseObject({ rotated: z.literal(true), resealed: z.record(z.string(), z.number().int()).describe('table.column -> values re-sealed'), keyFile: z.string().nullable(), note: z.string() }) } },

  { method: 'get', path: '/api/servers', summary: 'Servers', tag: 'servers', responses: { 200: z.object({ servers: z.array(R.Server) }) } },
  { method: 'post', path: '/api/servers', summary: 'Add a server; returns the one-command install line', tag: 'servers', roles: maintainer, body: Q.CreateServer, responses: { 201: R.CreatedServer } },
  { method: 'get', path: '/api/servers/:id', summary: 'One server', tag: 'servers', responses: { 200: z.object({ server: R.Server }) } },
  { method: 'patch', path: '/api/servers/:id', summary: 'Rename or relabel a server', tag: 'servers', roles: maintainer, body: Q.PatchServer, responses: { 200: z.object({ server: R.Server }) } },
  { method: 'delete', path: '/api/servers/:id', summary: 'Remove a server', tag: 'servers', roles: maintainer, responses: { 204: null } },
  { method: 'post', path: '/api/servers/:id/token', summary: 'A new enrolment token and install line', tag: 'servers', roles: maintainer, responses: { 201: R.EnrollToken } },

  { method: 'get', path: '/api/steps/:id', summary: 'One agent step', tag: 'steps', responses: { 200: z.object({ step: R.Step }) } },
  { method: 'get', path: '/api/steps/:id/logs', summary: "A page of a step's log", tag: 'steps', query: Q.StepLogQuery, responses: { 200: R.StepLogPage } },
  { method: 'get', path: '/api/steps/:id/logs.txt', summary: "A step's whole log as text", tag: 'steps', responses: { 200: text('the log, one line per line') } },
  { method: 'post', path: '/api/steps/:id/cancel', summary: 'Cancel a running step', tag: 'steps', roles: deployer, responses: { 200: R.Ok } },

  { method: 'get', path: '/api/projects', summary: 'Projects, each with its environments (branch, strategy, live release, lock)', tag: 'projects', responses: { 200: z.object({ projects: z.array(R.ProjectWithEnvironments) }) } },
  { method: 'post', path: '/api/projects', summary: 'Create a project', tag: 'projects', roles: maintainer, body: CreateProject, responses: { 201: z.object({ project: R.Project }) } },
  { method: 'get', path: '/api/projects/:project', summary: 'One project (id or name)', tag: 'projects', responses: { 200: z.object({ project: R.Project }) } },
  { method: 'patch', path: '/api/projects/:project', summary: 'Change a project', tag: 'projects', roles: maintainer, body: UpdateProject, responses: { 200: z.object({ project: R.Project }) } },
  { method: 'delete', path: '/api/projects/:project', summary: 'Delete a project', tag: 'projects', roles: maintainer, responses: { 204: null } },
  { method: 'get', path: '/api/projects/:project/webhook', summary: "The project's push webhook: URL and whether a secret is set", tag: 'webhooks', responses: { 200: z.object({ webhook: z.record(z.string(), z.unknown()) }) } },
  { method: 'post', path: '/api/projects/:project/webhook', summary: 'Create or rotate the webhook secret (shown once) with setup hints per provider', tag: 'webhooks', roles: maintainer, responses: { 201: z.looseObject({ setup: z.record(z.string(), z.string()) }) } },
  { method: 'get', path: '/api/projects/:project/webhook/deliveries', summary: 'Recent webhook deliveries and what they deployed', tag: 'webhooks', query: Q.DeliveriesQuery, responses: { 200: z.object({ deliveries: z.array(z.record(z.string(), z.unknown())) }) } },
  { method: 'post', path: '/webhooks/:projectId', summary: 'Push deliveries from GitHub, GitLab and Bitbucket (authenticated by their signature, not a session)', tag: 'webhooks', auth: false, responses: { 200: z.record(z.string(), z.unknown()), 202: z.record(z.string(), z.unknown()) } },
  { method: 'get', path: `${notif}`, summary: 'Notification channels of a project with their rules', tag: 'notifications', roles: maintainer, responses: { 200: z.object({ notifications: z.array(R.Notification) }) } },
  { method: 'post', path: `${notif}`, summary: 'Add a channel (email, Slack, Discord, Teams, SMS, webhook) with rules and templates', tag: 'notifications', roles: maintainer, body: CreateNotification, responses: { 201: z.object({ notification: R.Notification }) } },
  { method: 'get', path: `${notif}/deliveries`, summary: 'Notification deliveries (filters: notification, deployment, limit)', tag: 'notifications', roles: maintainer, query: Q.NotificationDeliveriesQuery, responses: { 200: z.object({ deliveries: z.array(z.record(z.string(), z.unknown())) }) } },
  { method: 'get', path: `${notif}/:id`, summary: 'One notification channel', tag: 'notifications', roles: maintainer, responses: { 200: z.object({ notification: R.Notification }) } },
  { method: 'patch', path: `${notif}/:id`, summary: 'Change a channel, its rules or templates', tag: 'notifications', roles: maintainer, body: UpdateNotification, responses: { 200: z.object({ notification: R.Notification }) } },
  { method: 'delete', path: `${notif}/:id`, summary: 'Remove a channel', tag: 'notifications', roles: maintainer, responses: { 204: null } },
  { method: 'post', path: `${notif}/:id/test`, summary: 'Send a test message now (body optional: {"event": ...})', tag: 'notifications', roles: maintainer, body: TestNotification, responses: { 200: z.object({ result: z.record(z.string(), z.unknown()) }) } },
  { method: 'get', path: '/api/projects/:project/branches', summary: "Branches of the project's repository", tag: 'projects', responses: { 200: z.object({ branches: z.array(z.looseObject({ name: z.string(), sha: z.string(), committedAt: z.string() })) }) } },
  { method: 'get', path: '/api/projects/:project/commits', summary: 'Recent commits of a branch', tag: 'projects', query: Q.CommitsQuery, responses: { 200: z.object({ branch: z.string(), commits: z.array(R.Commit) }) } },

  { method: 'get', path: '/api/projects/:project/environments', summary: "A project's environments", tag: 'environments', responses: { 200: z.object({ environments: z.array(R.Environment) }) } },
  { method: 'post', path: '/api/projects/:project/environments', summary: 'Create an environment', tag: 'environments', roles: maintainer, body: CreateEnvironment, responses: { 201: z.object({ environment: R.Environment }) } },
  { method: 'get', path: env, summary: 'One environment', tag: 'environments', responses: { 200: z.object({ environment: R.Environment }) } },
  { method: 'patch', path: env, summary: 'Change an environment (branch, servers, strategy, pipeline, approval, ...)', tag: 'environments', roles: maintainer, body: UpdateEnvironment, responses: { 200: z.object({ environment: R.Environment }) } },
  { method: 'delete', path: env, summary: 'Delete an environment', tag: 'environments', roles: maintainer, responses: { 204: null } },
  { method: 'get', path: `${env}/variables`, summary: 'Variable names (values are never returned)', tag: 'environments', responses: { 200: z.object({ variables: z.array(z.string()) }) } },
  { method: 'put', path: `${env}/variables`, summary: 'Set, change or remove variables', tag: 'environments', roles: maintainer, body: SetVariables, responses: { 200: z.object({ variables: z.array(z.string()) }) } },
  { method: 'post', path: `${env}/lock`, summary: 'Lock deployments to an environment', tag: 'environments', roles: maintainer, body: LockInput, responses: { 200: z.object({ environment: R.Environment }) } },
  { method: 'delete', path: `${env}/lock`, summary: 'Unlock an environment', tag: 'environments', roles: maintainer, responses: { 200: z.object({ environment: R.Environment }) } },

  { method: 'get', path: `${env}/schedule`, summary: "The environment's cron schedule and its recent ticks", tag: 'schedules', responses: { 200: z.object({ schedule: R.Schedule.nullable(), fires: z.array(R.ScheduleFire) }) } },
  { method: 'put', path: `${env}/schedule`, summary: 'Set the cron schedule (scheduled deployments)', tag: 'schedules', roles: maintainer, body: ScheduleInput, responses: { 200: z.object({ schedule: R.Schedule }) } },
  { method: 'delete', path: `${env}/schedule`, summary: 'Remove the schedule', tag: 'schedules', roles: maintainer, responses: { 204: null } },
  { method: 'get', path: '/api/projects/:project/freezes', summary: 'Freeze windows of the project (?environment= adds only those covering it)', tag: 'freezes', responses: { 200: z.object({ freezes: z.array(R.FreezeWindow) }) } },
  { method: 'post', path: '/api/projects/:project/freezes', summary: 'Add a freeze window: one-off (from, to) or recurring (cron, durationMinutes, timezone), with a reason', tag: 'freezes', roles: maintainer, body: FreezeInput, responses: { 201: z.object({ freeze: R.FreezeWindow }) } },
  { method: 'delete', path: '/api/projects/:project/freezes/:id', summary: 'Remove a freeze window', tag: 'freezes', roles: maintainer, responses: { 204: null } },
  { method: 'get', path: `${env}/freezes`, summary: "The environment's frozen periods between from and to (default: four weeks from today), for the calendar", tag: 'freezes', query: CalendarQuery, responses: { 200: z.object({ from: R.ms, to: R.ms, windows: z.array(R.FreezeWindow), periods: z.array(R.FreezePeriod) }) } },
  { method: 'post', path: `${env}/deployments`, summary: 'Deploy (branch or commit, skip migrations/cache, force, server subset)', tag: 'deployments', roles: deployer, body: DeployOptions, responses: { 200: R.DeployOutcome, 201: R.DeployOutcome } },
  { method: 'post', path: `${env}/rollback`, summary: 'Roll back to a release still on disk', tag: 'deployments', roles: deployer, body: RollbackOptions, responses: { 201: R.RollbackOutcome } },
  { method: 'get', path: `${env}/releases`, summary: 'Releases on disk: per server (releases) and one row per release with commit, deployer and variables snapshot (byRelease)', tag: 'deployments', query: Q.ReleasesQuery, responses: { 200: z.object({ releases: z.array(R.Release), byRelease: z.array(R.ReleaseRow) }) } },
  { method: 'post', path: `${env}/releases/:release/mark`, summary: 'Mark a release that never went live (or went bad) as a rollback target, with a reason', tag: 'deployments', roles: maintainer, body: MarkInput, responses: { 200: z.object({ mark: z.record(z.string(), z.unknown()) }) } },
  { method: 'delete', path: `${env}/releases/:release/mark`, summary: 'Remove a rollback-target mark', tag: 'deployments', roles: maintainer, responses: { 204: null } },
  { method: 'get', path: '/api/projects/:project/deployments', summary: "A project's deployment history", tag: 'deployments', query: HistoryQuery, responses: { 200: R.DeploymentPage } },
  { method: 'get', path: '/api/projects/:project/queue', summary: "A project's running and queued deployments", tag: 'queue', responses: { 200: z.object({ queue: z.array(R.Deployment) }) } },
  { method: 'post', path: '/api/projects/:project/queue/reorder', summary: 'Reorder queued deployments (admins)', tag: 'queue', roles: [], body: Q.Reorder, responses: { 200: z.object({ queue: z.array(R.Deployment) }) } },
  { method: 'get', path: '/api/deployments', summary: 'Deployment history with filters and commit search', tag: 'deployments', query: HistoryQuery, responses: { 200: R.DeploymentPage } },
  { method: 'get', path: '/api/deployments/:id', summary: 'One deployment with targets and steps', tag: 'deployments', responses: { 200: z.object({ deployment: R.DeploymentDetail }) } },
  { method: 'post', path: '/api/deployments/:id/cancel', summary: 'Cancel a queued or running deployment', tag: 'deployments', roles: deployer, responses: { 200: z.object({ deployment: R.Deployment }) } },
  { method: 'get', path: '/api/deployments/:id/rollout', summary: 'A canary\'s steps: each weight, each analysis window with its figures, pauses, promote/abort requests, the end', tag: 'deployments', responses: { 200: z.object({ rollout: z.array(R.RolloutEvent) }) } },
  { method: 'post', path: '/api/deployments/:id/promote', summary: 'Promote a running canary to its next step now (the last step is all traffic)', tag: 'deployments', roles: deployer, responses: { 202: z.object({ request: R.RolloutEvent }) } },
  { method: 'post', path: '/api/deployments/:id/abort', summary: 'Abort a running canary: all traffic back on the baseline, the canary stopped, the deployment failed', tag: 'deployments', roles: deployer, responses: { 202: z.object({ request: R.RolloutEvent }) } },
  { method: 'get', path: '/api/deployments/:id/logs', summary: 'The deployment log: a text download, or JSON pages (format=json)', tag: 'deployments', query: Q.DeploymentLogQuery, responses: { 200: R.DeploymentLogPage } },
  { method: 'get', path: '/api/deployments/:id/logs/stream', summary: 'The live log (SSE; resumes from Last-Event-ID)', tag: 'deployments', responses: { 200: sse('`log` events `{lines}` (id = cursor), `status` events `{status, reason, failure}`, then `end` `{status}` once finished and drained') } },
  { method: 'get', path: '/api/deployments/:id/approval', summary: "A deployment's approval state", tag: 'approvals', responses: { 200: z.object({ approval: R.Approval }) } },
  { method: 'post', path: '/api/deployments/:id/approve', summary: 'Approve a deployment (not your own)', tag: 'approvals', roles: ['approver', 'maintainer'], responses: { 200: z.object({ approval: R.Approval }) } },
  { method: 'post', path: '/api/deployments/:id/reject', summary: 'Reject a deployment, optionally with a reason', tag: 'approvals', roles: ['approver', 'maintainer'], body: Q.RejectInput, responses: { 200: z.object({ approval: R.Approval }) } },
  { method: 'get', path: '/api/approvals', summary: 'Deployments waiting for approval, oldest first', tag: 'approvals', responses: { 200: z.object({ approvals: z.array(R.Approval) }) } },
  { method: 'get', path: '/api/queue', summary: 'Running and queued deployments of every project', tag: 'queue', responses: { 200: z.object({ queue: z.array(R.Deployment) }) } },
  { method: 'get', path: '/api/events', summary: 'Console events (SSE): deployment, queue, server', tag: 'events', responses: { 200: sse('`ready`, then `deployment`, `queue` and `server` events naming what changed') } },
  { method: 'get', path: '/api/metrics', summary: 'Deployment frequency, success rate, durations, MTTR and rollbacks per bucket and in total', tag: 'metrics', query: MetricsQuery, responses: { 200: MetricsSummary } },
  { method: 'get', path: '/api/openapi.json', summary: 'This document', tag: 'meta', auth: false, responses: { 200: z.record(z.string(), z.unknown()) } },
] as const satisfies readonly Operation[];

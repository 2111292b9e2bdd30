import type { z } from 'zod';
import type { ROLES } from '../auth/users.js';
import type { DeployOptions, RollbackOptions } from '../deployments/types.js';
import type { MetricsSummary as MetricsSummarySchema } from '../metrics/summary/schema.js';
import type * as R from '../openapi/schemas.js';
import type { Command as CommandSchema, PipelineSettings } from '../pipeline/settings.js';

/**
 * The answer shapes of the REST API, as the response schemas of openapi/schemas.ts give them
 * (the same schemas openapi.test checks real answers against). Types only.
 */
export type Role = (typeof ROLES)[number];
export type User = z.output<typeof R.User>;
export type Me = z.output<typeof R.Me>;
export type ApiToken = z.output<typeof R.ApiToken>;
export type CreatedToken = z.output<typeof R.CreatedToken>;
export type Server = z.output<typeof R.Server>;
export type CreatedServer = z.output<typeof R.CreatedServer>;
export type EnrollToken = z.output<typeof R.EnrollToken>;
export type Project = z.output<typeof R.Project>;
export type Environment = z.output<typeof R.Environment>;
export type Deployment = z.output<typeof R.Deployment>;
export type DeploymentDetail = z.output<typeof R.DeploymentDetail>;
export type DeploymentPage = z.output<typeof R.DeploymentPage>;
export type DeployOutcome = z.output<typeof R.DeployOutcome>;
export type Release = z.output<typeof R.Release>;
export type ReleaseRow = z.output<typeof R.ReleaseRow>;
export type EnvironmentOverview = z.output<typeof R.EnvironmentOverview>;
export type ProjectWithEnvironments = z.output<typeof R.ProjectWithEnvironments>;
export type LogLine = z.output<typeof R.LogLine>;
export type DeploymentLogPage = z.output<typeof R.DeploymentLogPage>;
export type StepLogPage = z.output<typeof R.StepLogPage>;
export type Step = z.output<typeof R.Step>;
export type Approval = z.output<typeof R.Approval>;
export type Commit = z.output<typeof R.Commit>;
export type Notification = z.output<typeof R.Notification>;
export type Schedule = z.output<typeof R.Schedule>;
export type ScheduleFire = z.output<typeof R.ScheduleFire>;
export type FreezeWindow = z.output<typeof R.FreezeWindow>;
export type FreezePeriod = z.output<typeof R.FreezePeriod>;
export type MetricsSummary = z.output<typeof MetricsSummarySchema>;
export type ErrorBody = z.output<typeof R.ErrorBody>;

/** Inputs the console builds itself (the rest it takes from the route types). */
export type PipelineOverrides = z.input<typeof PipelineSettings>;
export type Preset = NonNullable<PipelineOverrides['preset']>;
export type Strategy = NonNullable<PipelineOverrides['strategy']>;
export type Command = z.input<typeof CommandSchema>;
export type DeployInput = z.input<typeof DeployOptions>;
export type RollbackInput = z.input<typeof RollbackOptions>;

-- Scheduled deployments (issue 7 item 6; DESIGN "Environment ... schedule"): one cron schedule
-- per environment, and one row per handled tick so a tick delivered twice (at-least-once when
-- an instance dies mid-handler) creates one deployment.

CREATE TABLE environment_schedules (
  environment_id TEXT PRIMARY KEY REFERENCES environments(id) ON DELETE CASCADE,
  cron TEXT NOT NULL,
  timezone TEXT NOT NULL DEFAULT 'UTC',
  enabled INTEGER NOT NULL DEFAULT 1,
  updated_by TEXT,
  updated_at INTEGER NOT NULL
);

CREATE TABLE schedule_fires (
  environment_id TEXT NOT NULL,
  fired_at INTEGER NOT NULL,
  -- The deployment the tick created (queued, skipped, failed) or merged into; NULL when the request failed.
  deployment_id TEXT,
  outcome TEXT NOT NULL,
  -- Why no deployment was created (project gone, repository unreachable, ...).
  error TEXT,
  handled_by TEXT NOT NULL,
  handled_at INTEGER NOT NULL,
  PRIMARY KEY (environment_id, fired_at)
);

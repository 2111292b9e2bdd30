-- Deployment rules (issue 13 items 1 and 3).
-- "Only if the previous deployment succeeded": on by default. When the environment's latest
-- deployment that ran to an end failed, a webhook or schedule deployment is recorded `skipped`
-- naming it (blocked_by), and a person needs force.
ALTER TABLE environments ADD COLUMN require_previous_success INTEGER NOT NULL DEFAULT 1;
-- The deployment whose failure, or the freeze window whose period, made this one `skipped`.
ALTER TABLE deployments ADD COLUMN blocked_by TEXT;

-- Freeze windows: per project (environment_id NULL) or per environment; one-off (starts_at ..
-- ends_at) or recurring (every cron fire in `timezone` starts a window of duration_minutes).
CREATE TABLE freeze_windows (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  environment_id TEXT REFERENCES environments(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('once', 'recurring')),
  starts_at INTEGER,
  ends_at INTEGER,
  cron TEXT,
  duration_minutes INTEGER,
  timezone TEXT,
  reason TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX freeze_windows_project ON freeze_windows(project_id);

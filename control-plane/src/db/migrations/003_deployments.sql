-- Deployments (issue 3 items 4-9): records, per-server targets, per-step records linked to
-- the foundation's `steps` table, control-plane log lines, and releases per environment+server.

CREATE TABLE deployments (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL,
  environment_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('deploy', 'rollback')),
  trigger TEXT NOT NULL CHECK (trigger IN ('manual', 'webhook', 'schedule', 'rollback', 'api')),
  user_id TEXT,
  branch TEXT,
  commit_sha TEXT,
  commit_message TEXT,
  commit_author TEXT,
  -- {skipMigrations, skipCache, force, serverIds, restoreVariables, runDownMigration, autoRollback}
  options TEXT NOT NULL DEFAULT '{}',
  status TEXT NOT NULL CHECK (status IN ('pending_approval', 'queued', 'running', 'succeeded', 'failed', 'cancelled', 'rejected', 'skipped', 'timed_out')),
  -- Why it ended this way (skipped, failed, cancelled, timed out), in words a user can act on.
  reason TEXT,
  -- {serverId, serverName, stage, step, exitCode, lastLines[]} of the step that failed.
  failure TEXT,
  -- FIFO key among queued deployments of the project (reorder rewrites it).
  queue_key REAL,
  release_id TEXT,
  -- Rollback: the deployment whose release it re-activates.
  rollback_of TEXT,
  -- Auto-rollback: the failed deployment that caused this rollback.
  caused_by TEXT,
  -- The plan (DeploymentPlan JSON incl. secrets), sealed with the secret key; read back to resume.
  plan_enc TEXT,
  -- Variables snapshot of the release being deployed, sealed; restored by rollback on request.
  variables_enc TEXT,
  claimed_by TEXT,
  heartbeat_at INTEGER,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  log_seq INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  activated_at INTEGER,
  finished_at INTEGER
);
CREATE INDEX deployments_project_status ON deployments(project_id, status, queue_key);
CREATE INDEX deployments_env_created ON deployments(environment_id, created_at);
CREATE INDEX deployments_created ON deployments(created_at);
CREATE INDEX deployments_status ON deployments(status);

CREATE TABLE deployment_targets (
  deployment_id TEXT NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
  server_id TEXT NOT NULL,
  server_name TEXT NOT NULL,
  position INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'staged', 'succeeded', 'failed', 'cancelled', 'timed_out')),
  started_at INTEGER,
  finished_at INTEGER,
  PRIMARY KEY (deployment_id, server_id)
);

CREATE TABLE deployment_steps (
  deployment_id TEXT NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
  server_id TEXT NOT NULL,
  idx INTEGER NOT NULL,
  -- Global order in the deployment (log cursor and download order).
  ordinal INTEGER NOT NULL,
  stage TEXT NOT NULL,
  phase TEXT NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  -- The `steps` row once dispatched (its log lines are in log_lines under this id).
  step_id TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out', 'rejected', 'skipped')),
  skip_reason TEXT,
  exit_code INTEGER,
  error TEXT,
  started_at INTEGER,
  finished_at INTEGER,
  PRIMARY KEY (deployment_id, server_id, idx)
);
CREATE INDEX deployment_steps_ordinal ON deployment_steps(deployment_id, ordinal);

CREATE TABLE releases (
  environment_id TEXT NOT NULL,
  server_id TEXT NOT NULL,
  release_id TEXT NOT NULL,
  deployment_id TEXT NOT NULL,
  commit_sha TEXT,
  -- staged: on disk, never live; live; previous: was live, still on disk; bad: failed after activation; pruned: removed.
  status TEXT NOT NULL CHECK (status IN ('staged', 'live', 'previous', 'bad', 'pruned')),
  -- Blue-green: the slot the release serves from once traffic was switched to it.
  slot TEXT,
  created_at INTEGER NOT NULL,
  activated_at INTEGER,
  PRIMARY KEY (environment_id, server_id, release_id)
);
CREATE INDEX releases_env_status ON releases(environment_id, status);

-- Git push webhooks (auto-deploy) and deployment approvals.

-- Deploy this environment when its branch is pushed (webhook), and its approval rule:
-- NULL = no approval; else {"required": true, "approvers": n, "expiresAfterSeconds": s}.
ALTER TABLE environments ADD COLUMN auto_deploy INTEGER NOT NULL DEFAULT 0;
ALTER TABLE environments ADD COLUMN approval TEXT;

-- One webhook secret per project (HMAC key for GitHub/Bitbucket, token for GitLab), sealed.
CREATE TABLE project_webhooks (
  project_id TEXT PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
  secret_enc TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

-- Every delivery that passed its signature check; the primary key refuses a replayed delivery id.
-- Rows older than the retention (webhooks/deliveries.ts) are purged, so ids are remembered that long.
CREATE TABLE webhook_deliveries (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  provider TEXT NOT NULL CHECK (provider IN ('github', 'gitlab', 'bitbucket')),
  delivery_id TEXT NOT NULL,
  event TEXT NOT NULL,
  branch TEXT,
  sha TEXT,
  -- processing (claimed), deployed, ignored, pong, failed
  outcome TEXT NOT NULL,
  detail TEXT,
  -- [{environment, deploymentId, status, reason}] as JSON
  deployments TEXT NOT NULL DEFAULT '[]',
  received_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, provider, delivery_id)
);
CREATE INDEX webhook_deliveries_received ON webhook_deliveries(project_id, received_at);

-- A deployment created pending_approval: the rule as it was when it was requested.
CREATE TABLE deployment_approvals (
  deployment_id TEXT PRIMARY KEY,
  required INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);

-- Who approved or rejected it; one decision per user and deployment.
CREATE TABLE approval_decisions (
  deployment_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  user_email TEXT NOT NULL,
  decision TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
  reason TEXT,
  at INTEGER NOT NULL,
  PRIMARY KEY (deployment_id, user_id)
);

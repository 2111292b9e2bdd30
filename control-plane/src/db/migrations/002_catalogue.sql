-- Catalogue (issue 3 item 1): projects, their environments, the servers each environment deploys
-- to, and environment variables (values sealed with the secret key, AES-256-GCM).

CREATE TABLE projects (
  id TEXT PRIMARY KEY,
  -- Slug: [a-z0-9][a-z0-9-]*; part of the app directory name on servers.
  name TEXT NOT NULL UNIQUE,
  repository_url TEXT NOT NULL,
  preset TEXT NOT NULL CHECK (preset IN ('node', 'laravel', 'static', 'custom')),
  default_branch TEXT NOT NULL,
  -- {sshPrivateKey?, httpsToken?} as JSON, sealed; never returned by the API.
  credentials_enc TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE environments (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  branch TEXT NOT NULL,
  strategy TEXT NOT NULL CHECK (strategy IN ('in-place', 'blue-green')),
  port INTEGER,
  -- Blue-green slot ports; NULL = port + 1 (blue) and port + 2 (green).
  blue_port INTEGER,
  green_port INTEGER,
  start_command TEXT,
  healthcheck_path TEXT NOT NULL,
  keep_releases INTEGER NOT NULL,
  -- {stage: seconds} overriding the defaults.
  stage_timeouts TEXT NOT NULL DEFAULT '{}',
  -- Pipeline overrides (PipelineSettings JSON, the same shape as devflow.yml).
  pipeline TEXT NOT NULL DEFAULT '{}',
  auto_rollback INTEGER NOT NULL DEFAULT 0,
  locked_by TEXT,
  locked_reason TEXT,
  locked_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (project_id, name)
);

CREATE TABLE environment_servers (
  environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
  server_id TEXT NOT NULL REFERENCES servers(id) ON DELETE CASCADE,
  -- Order of deployment; the first server runs migrations.
  position INTEGER NOT NULL,
  PRIMARY KEY (environment_id, server_id)
);
CREATE INDEX environment_servers_server ON environment_servers(server_id);

CREATE TABLE environment_variables (
  environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  -- Sealed with context "env:<environment id>:<key>", so a value copied to another row fails to open.
  value_enc TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (environment_id, key)
);

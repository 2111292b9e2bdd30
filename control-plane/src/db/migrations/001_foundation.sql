-- Foundation: settings, users and sessions, API tokens, audit log, servers and enrolment,
-- agent JWT replay protection, steps and their log lines.

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'maintainer', 'deployer', 'approver', 'viewer')),
  created_at INTEGER NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  refreshed_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE login_failures (
  key TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX login_failures_key ON login_failures(key, at);

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT,
  details TEXT
);
CREATE INDEX audit_log_at ON audit_log(at);

CREATE TABLE servers (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  labels TEXT NOT NULL DEFAULT '{}',
  status TEXT NOT NULL DEFAULT 'offline' CHECK (status IN ('online', 'offline')),
  public_key TEXT,
  agent_version TEXT,
  host TEXT,
  last_seen_at INTEGER,
  -- The live WebSocket connection (any instance); only it may mark the server offline.
  connection_id TEXT,
  enrolled_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE enroll_tokens (
  token_hash TEXT PRIMARY KEY,
  server_id TEXT NOT NULL REFERENCES servers(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
);
CREATE INDEX enroll_tokens_server ON enroll_tokens(server_id);

CREATE TABLE agent_jtis (
  jti TEXT PRIMARY KEY,
  agent_id TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX agent_jtis_expires ON agent_jtis(expires_at);

CREATE TABLE steps (
  id TEXT PRIMARY KEY,
  agent_id TEXT NOT NULL,
  deployment_id TEXT,
  kind TEXT NOT NULL,
  spec TEXT NOT NULL,
  -- Secret values (masked by the agent) encrypted with the secret key, never in clear.
  secrets_enc TEXT,
  status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out', 'rejected')),
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  result TEXT,
  log_acked_seq INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  sent_at INTEGER,
  started_at INTEGER,
  finished_at INTEGER
);
CREATE INDEX steps_agent_open ON steps(agent_id, status);
CREATE INDEX steps_deployment ON steps(deployment_id);

CREATE TABLE log_lines (
  step_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  stream TEXT NOT NULL,
  ts INTEGER NOT NULL,
  text TEXT NOT NULL,
  PRIMARY KEY (step_id, seq)
) WITHOUT ROWID;

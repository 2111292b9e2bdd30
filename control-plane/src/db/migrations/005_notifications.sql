-- Notifications: per project, a channel (e-mail, Slack, Discord, Teams, SMS, webhook) and the
-- rules saying which deployment events of which environments go to it; plus one delivery row
-- per (deployment, event, notification), which is also what stops a second instance sending twice.

CREATE TABLE notifications (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  channel_type TEXT NOT NULL CHECK (channel_type IN ('email', 'slack', 'discord', 'teams', 'sms', 'webhook')),
  -- ChannelConfig JSON (webhook URLs hold tokens; signing secrets), sealed with context "notification:<id>".
  channel_enc TEXT NOT NULL,
  -- [{events, environments, template?}] JSON.
  rules TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX notifications_project ON notifications(project_id);

CREATE TABLE notification_deliveries (
  id TEXT PRIMARY KEY,
  notification_id TEXT NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
  project_id TEXT NOT NULL,
  deployment_id TEXT NOT NULL,
  event TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'retrying', 'sent', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  response_status INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  sent_at INTEGER,
  UNIQUE (deployment_id, event, notification_id)
);
CREATE INDEX notification_deliveries_project ON notification_deliveries(project_id, created_at);
CREATE INDEX notification_deliveries_open ON notification_deliveries(status, created_at);

-- Webhook replay by a fresh delivery id (issue 17 item 4): the SHA-256 of each verified delivery's
-- body. The unique index refuses a second delivery of the same bytes to one project within the
-- retention window (rows are purged after it); rows from before have NULL, which never collides.
ALTER TABLE webhook_deliveries ADD COLUMN payload_hash TEXT;
CREATE UNIQUE INDEX webhook_deliveries_payload ON webhook_deliveries(project_id, payload_hash);

-- A maintainer's explicit "this release may be rolled back to" for a release that never went live
-- or was marked bad (issue 17 item 6): rollbacks otherwise go only to releases that went live.
CREATE TABLE release_marks (
  environment_id TEXT NOT NULL,
  release_id TEXT NOT NULL,
  marked_by TEXT NOT NULL,
  reason TEXT NOT NULL,
  marked_at INTEGER NOT NULL,
  PRIMARY KEY (environment_id, release_id)
);

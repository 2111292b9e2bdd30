-- An environment may choose strategy canary (issue 11): the same column, one more value allowed.
ALTER TABLE environments ADD COLUMN strategy_choice TEXT CHECK (strategy_choice IN ('in-place', 'blue-green', 'canary'));
UPDATE environments SET strategy_choice = strategy;
ALTER TABLE environments DROP COLUMN strategy;
ALTER TABLE environments RENAME COLUMN strategy_choice TO strategy;

-- What a progressive deployment did, step by step: each weight it set, each analysis window with its
-- figures (JSON: canary and baseline windows), promotions, aborts and pauses. Also where a resumed
-- orchestration picks up (the last weight set), and the record of promote/abort requests.
CREATE TABLE rollout_events (
  deployment_id TEXT NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('weight', 'window', 'paused', 'promote_requested', 'abort_requested', 'promoted', 'aborted')),
  weight REAL,
  verdict TEXT CHECK (verdict IN ('pass', 'fail', 'inconclusive')),
  figures TEXT,
  message TEXT,
  actor TEXT,
  PRIMARY KEY (deployment_id, seq)
);

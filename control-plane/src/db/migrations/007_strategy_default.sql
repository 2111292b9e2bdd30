-- An environment's strategy may be left unchosen (NULL): a deployment then runs blue-green when the
-- app has a public port and DevFlow starts it (a start command, no restart command), in-place
-- otherwise (pipeline/resolve.ts). Existing rows keep the strategy they were stored with.
ALTER TABLE environments ADD COLUMN strategy_choice TEXT CHECK (strategy_choice IN ('in-place', 'blue-green'));
UPDATE environments SET strategy_choice = strategy;
ALTER TABLE environments DROP COLUMN strategy;
ALTER TABLE environments RENAME COLUMN strategy_choice TO strategy;
-- The quick-start example's environment took the old default (in-place) without anyone choosing it:
-- unless it was edited since, it follows the new default too.
UPDATE environments SET strategy = NULL
  WHERE strategy = 'in-place' AND updated_at = created_at AND name = 'production'
    AND project_id IN (SELECT id FROM projects WHERE name = 'example')
    AND EXISTS (SELECT 1 FROM settings WHERE key = 'quickstart.example');

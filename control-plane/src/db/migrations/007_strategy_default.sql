-- An environment's strategy may be left unchosen (NULL): a deployment then runs blue-green when the
-- app has a public port and DevFlow starts it (a start command, no restart command), in-place
-- otherwise (pipeline/resolve.ts). Existing rows keep the strategy they were stored with.
ALTER TABLE environments ADD COLUMN strategy_choice TEXT CHECK (strategy_choice IN ('in-place', 'blue-green'));
UPDATE environments SET strategy_choice = strategy;
ALTER TABLE environments DROP COLUMN strategy;
ALTER TABLE environments RENAME COLUMN strategy_choice TO strategy;

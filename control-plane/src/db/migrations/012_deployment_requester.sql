-- Who asked for a deployment that no signed-in user requested (issue 16 item 7): the pusher of a
-- webhook ("octocat (github)"), "schedule <name>", or the user of an automatic rollback's cause.
-- Signed-in users stay in user_id; this is the name shown when there is none.
ALTER TABLE deployments ADD COLUMN requested_by TEXT;

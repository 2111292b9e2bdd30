-- Step specs without secrets in clear (issue 17 items 1, 2): `spec` keeps the redacted view the API
-- shows (values as ***), `spec_enc` the whole spec sealed with the secret key (context
-- "step:<id>:spec") when it carries secrets. Rows written before are sealed and redacted once at
-- start (steps/seal-existing.ts); repository URLs with a password are handled the same way.
ALTER TABLE steps ADD COLUMN spec_enc TEXT;
ALTER TABLE projects ADD COLUMN repository_url_enc TEXT;

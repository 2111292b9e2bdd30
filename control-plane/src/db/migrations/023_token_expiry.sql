-- API tokens may expire (issue 14 item 2): NULL = never. An expired token is refused like a revoked one.
ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER;

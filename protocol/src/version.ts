/** Bumped on any incompatible change to messages or step specs. Sent in `hello`/`welcome`. */
export const PROTOCOL_VERSION = 1;

/** Largest WebSocket frame either side accepts; larger frames are refused by `ws` (close 1009). */
export const MAX_FRAME_BYTES = 1024 * 1024;

/** Senders cut log batches well below the frame limit (JSON overhead, escaping). */
export const MAX_LOG_BATCH_BYTES = 256 * 1024;
export const MAX_LOG_BATCH_LINES = 2000;

/** A single log line longer than this is truncated by the agent (the rest is dropped with a marker). */
export const MAX_LOG_LINE_CHARS = 16 * 1024;

/** Default heartbeat interval; a peer is considered gone after 3 missed beats. */
export const HEARTBEAT_INTERVAL_MS = 5_000;
export const MISSED_HEARTBEATS_OFFLINE = 3;

/** Agent JWTs must expire within this many seconds of issue. */
export const AGENT_JWT_MAX_TTL_SECONDS = 60;
/** The `aud` claim of agent JWTs. */
export const AGENT_JWT_AUDIENCE = 'devflow-control-plane';

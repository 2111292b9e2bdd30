import { verify, type KeyObject } from 'node:crypto';
import type { StepRunPayload } from '@devflow/protocol';

/**
 * A `step.run` is only trusted after its JWS verifies against the control-plane key pinned at
 * enrolment; then the payload must parse, name the same step id, be addressed to us, and be
 * fresh. The control plane signs every (re)send anew, so a stale payload is a replay: once the
 * journal has forgotten its step id (24 h after the ack) it would otherwise run again.
 */
export type VerifyResult =
  | { ok: true; payload: StepRunPayload }
  | { ok: false; code: 'BAD_SIGNATURE' | 'WRONG_AGENT' | 'MALFORMED'; error: string };

/** The JWS algorithm names of Ed25519 (RFC 8037 "EdDSA", and the fully specified "Ed25519"). */
const ED25519_ALGS = new Set(['EdDSA', 'Ed25519']);

/**
 * Oldest `issuedAt` accepted. The agent's clock is within ~90 s of the control plane's (its
 * dial JWT is refused otherwise), so 10 minutes never refuses a real send, and it stays far
 * below the journal's retention.
 */
export const MAX_STEP_AGE_MS = 10 * 60_000;

export async function verifyStepRun(message: { stepId: string; jws: string }, key: KeyObject, agentId: string, now = Date.now()): Promise<VerifyResult> {
  const opened = openCompactJws(message.jws, key);
  if (typeof opened === 'string') {
    return {
      ok: false,
      code: 'BAD_SIGNATURE',
      error: `step.run refused: its signature does not verify against the control-plane key pinned at enrolment (${opened})`,
    };
  }
  let data: unknown;
  try {
    data = JSON.parse(opened.toString('utf8'));
  } catch {
    return { ok: false, code: 'MALFORMED', error: 'step.run refused: the signed payload is not JSON' };
  }
  const { parseStepRunPayload } = await import('./payload.js');
  const parsed = parseStepRunPayload(data);
  if (!parsed.ok) return { ok: false, code: 'MALFORMED', error: `step.run refused: ${parsed.error}` };
  const { payload } = parsed;
  if (payload.stepId !== message.stepId) {
    return { ok: false, code: 'MALFORMED', error: `step.run refused: the message names step "${message.stepId}" but the signed payload names "${payload.stepId}"` };
  }
  if (payload.agentId !== agentId) {
    return { ok: false, code: 'WRONG_AGENT', error: `step.run refused: the step is addressed to agent "${payload.agentId}", this agent is "${agentId}"` };
  }
  const ageMs = now - payload.issuedAt;
  if (ageMs > MAX_STEP_AGE_MS) {
    return {
      ok: false,
      code: 'MALFORMED',
      error: `step.run refused: signed ${Math.round(ageMs / 1000)} s ago, steps older than ${MAX_STEP_AGE_MS / 60_000} min are refused as replays (is this server's clock right?)`,
    };
  }
  return { ok: true, payload };
}

/**
 * The payload of a compact JWS (header.payload.signature, base64url) signed with Ed25519 by
 * `key`, or why not. Synchronous node:crypto: jose's WebCrypto verify went through the thread
 * pool, a round trip on every step's way to its spawn. The header must name Ed25519 and carry
 * no extension: `crit` (which we would have to understand, RFC 7515 4.1.11) and `b64` are refused.
 */
function openCompactJws(jws: string, key: KeyObject): Buffer | string {
  const parts = jws.split('.');
  if (parts.length !== 3) return 'not a compact JWS';
  const [header, payload, signature] = parts as [string, string, string];
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
  } catch {
    return 'unreadable JWS header';
  }
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return 'unreadable JWS header';
  const { alg, crit, b64 } = fields as Record<string, unknown>;
  if (typeof alg !== 'string' || !ED25519_ALGS.has(alg)) return `algorithm ${JSON.stringify(alg)} is not Ed25519`;
  if (crit !== undefined || b64 !== undefined) return 'JWS header extensions are not accepted';
  try {
    if (!verify(null, Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url'))) return 'signature verification failed';
  } catch (err) {
    return (err as Error).message;
  }
  return Buffer.from(payload, 'base64url');
}

import { compactVerify, type CryptoKey, type KeyObject } from 'jose';
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

const decoder = new TextDecoder();

/**
 * Oldest `issuedAt` accepted. The agent's clock is within ~90 s of the control plane's (its
 * dial JWT is refused otherwise), so 10 minutes never refuses a real send, and it stays far
 * below the journal's retention.
 */
export const MAX_STEP_AGE_MS = 10 * 60_000;

export async function verifyStepRun(
  message: { stepId: string; jws: string },
  key: CryptoKey | KeyObject,
  agentId: string,
  now = Date.now(),
): Promise<VerifyResult> {
  let bytes: Uint8Array;
  try {
    ({ payload: bytes } = await compactVerify(message.jws, key, { algorithms: ['EdDSA', 'Ed25519'] }));
  } catch (err) {
    return {
      ok: false,
      code: 'BAD_SIGNATURE',
      error: `step.run refused: its signature does not verify against the control-plane key pinned at enrolment (${(err as Error).message})`,
    };
  }
  let data: unknown;
  try {
    data = JSON.parse(decoder.decode(bytes));
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

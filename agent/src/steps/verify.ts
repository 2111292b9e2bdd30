import { compactVerify, type CryptoKey, type KeyObject } from 'jose';
import type { StepRunPayload } from '@devflow/protocol';

/**
 * A `step.run` is only trusted after its JWS verifies against the control-plane key pinned at
 * enrolment; then the payload must parse, name the same step id, and be addressed to us.
 */
export type VerifyResult =
  | { ok: true; payload: StepRunPayload }
  | { ok: false; code: 'BAD_SIGNATURE' | 'WRONG_AGENT' | 'MALFORMED'; error: string };

const decoder = new TextDecoder();

export async function verifyStepRun(
  message: { stepId: string; jws: string },
  key: CryptoKey | KeyObject,
  agentId: string,
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
  return { ok: true, payload };
}

import { StepRunPayload } from '@devflow/protocol';

/**
 * The signed payload of a `step.run`, checked with the protocol's zod schema. Its own module so
 * that verify.ts can import it on the first step: a bundle-wide lazy initialiser keeps zod and
 * the schemas out of an idle agent's memory (they are most of it).
 */
export function parseStepRunPayload(data: unknown): { ok: true; payload: StepRunPayload } | { ok: false; error: string } {
  const parsed = StepRunPayload.safeParse(data);
  if (parsed.success) return { ok: true, payload: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, error: `invalid payload at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}` };
}

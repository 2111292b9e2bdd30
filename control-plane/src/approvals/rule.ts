import { z } from 'zod';

export const DEFAULT_APPROVAL_EXPIRY_S = 24 * 3600;

/**
 * An environment's approval rule: deploy requests wait in `pending_approval` until `approvers`
 * different users (not the requester) approved, and are rejected when nobody did within
 * `expiresAfterSeconds`.
 */
export const ApprovalRuleInput = z
  .object({
    required: z.boolean(),
    approvers: z.number().int().min(1, 'at least 1').max(10, 'at most 10').optional(),
    expiresAfterSeconds: z.number().int().min(1).max(30 * 24 * 3600, 'at most 30 days').optional(),
    /** Rollbacks a person asks for wait for approval too (default false: a rollback restores a release approved once). */
    rollbacks: z.boolean().optional(),
  })
  .strict();
export type ApprovalRuleInput = z.infer<typeof ApprovalRuleInput>;

export interface ApprovalRule {
  required: boolean;
  approvers: number;
  expiresAfterSeconds: number;
  /** Rollbacks need approval as well (only when `required`). */
  rollbacks: boolean;
}

export const NO_APPROVAL: ApprovalRule = Object.freeze({ required: false, approvers: 1, expiresAfterSeconds: DEFAULT_APPROVAL_EXPIRY_S, rollbacks: false });

export function toApprovalRule(input: ApprovalRuleInput): ApprovalRule {
  return { required: input.required, approvers: input.approvers ?? 1, expiresAfterSeconds: input.expiresAfterSeconds ?? DEFAULT_APPROVAL_EXPIRY_S, rollbacks: input.rollbacks ?? false };
}

/** The `environments.approval` column: NULL or the rule as JSON. */
export function parseApprovalColumn(value: unknown): ApprovalRule {
  if (value === null || value === undefined || value === '') return { ...NO_APPROVAL };
  return toApprovalRule(ApprovalRuleInput.parse(JSON.parse(String(value))));
}

export const approvalColumn = (rule: ApprovalRule): string => JSON.stringify(rule);

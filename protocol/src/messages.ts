import { z } from 'zod';
import { ERROR_CODES } from './error-codes.js';
import { StepResult } from './steps.js';
import { MAX_LOG_BATCH_LINES, MAX_LOG_LINE_CHARS } from './version.js';

/**
 * The wire format: one discriminated union per direction. Every message has `type`; both sides
 * parse `unknown` input through these schemas before touching it.
 */

const StepId = z.string().min(1).max(128);

export const HostFacts = z
  .object({
    hostname: z.string().max(255),
    os: z.string().max(255),
    platform: z.string().max(64),
    arch: z.string().max(64),
    cpus: z.number().int().nonnegative(),
    memoryBytes: z.number().nonnegative(),
    diskFreeBytes: z.number().nonnegative(),
    dataDir: z.string().max(4096),
    nodeVersion: z.string().max(64),
  })
  .strict();
export type HostFacts = z.infer<typeof HostFacts>;

export const LogStream = z.enum(['stdout', 'stderr', 'system']);
export type LogStream = z.infer<typeof LogStream>;

export const LogLine = z
  .object({
    /** 1-based, contiguous per step. */
    seq: z.number().int().positive(),
    stream: LogStream,
    /** Epoch milliseconds when the agent read the line. */
    ts: z.number().int().nonnegative(),
    text: z.string().max(MAX_LOG_LINE_CHARS + 64),
  })
  .strict();
export type LogLine = z.infer<typeof LogLine>;

export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

const ErrorMessage = z
  .object({
    type: z.literal('error'),
    code: ErrorCode,
    message: z.string().max(8192),
    /** The step id or message type the error is about, when there is one. */
    ref: z.string().max(256).optional(),
  })
  .strict();

const Heartbeat = z.object({ type: z.literal('heartbeat'), ts: z.number().int().nonnegative() }).strict();

// ---- agent -> control plane ----

export const HelloMessage = z
  .object({
    type: z.literal('hello'),
    protocolVersion: z.number().int().positive(),
    agentVersion: z.string().max(64),
    host: HostFacts,
    /** Steps the agent is running or holds unacknowledged results for. */
    activeSteps: z.array(StepId).max(10_000).default([]),
  })
  .strict();

export const StepStartedMessage = z
  .object({ type: z.literal('step.started'), stepId: StepId, pid: z.number().int().nullable(), startedAt: z.number().int() })
  .strict();

export const LogBatchMessage = z
  .object({ type: z.literal('log.batch'), stepId: StepId, lines: z.array(LogLine).min(1).max(MAX_LOG_BATCH_LINES) })
  .strict();

export const StepDoneMessage = z.object({ type: z.literal('step.done'), stepId: StepId, result: StepResult }).strict();

export const AgentMessage = z.discriminatedUnion('type', [
  HelloMessage,
  Heartbeat,
  StepStartedMessage,
  LogBatchMessage,
  StepDoneMessage,
  ErrorMessage,
]);
export type AgentMessage = z.infer<typeof AgentMessage>;

// ---- control plane -> agent ----

export const WelcomeMessage = z
  .object({
    type: z.literal('welcome'),
    protocolVersion: z.number().int().positive(),
    agentId: z.string(),
    heartbeatIntervalMs: z.number().int().positive(),
    serverTime: z.number().int(),
  })
  .strict();

export const StepRunMessage = z
  .object({
    type: z.literal('step.run'),
    stepId: StepId,
    /** Compact JWS (EdDSA) over a `StepRunPayload`. */
    jws: z.string().min(1).max(1024 * 1024),
  })
  .strict();

export const StepCancelMessage = z.object({ type: z.literal('step.cancel'), stepId: StepId }).strict();

/** Cumulative: every line of the step with `seq <= seq` is persisted. */
export const LogAckMessage = z
  .object({ type: z.literal('log.ack'), stepId: StepId, seq: z.number().int().nonnegative() })
  .strict();

/** The step's result is persisted; the agent may forget it. */
export const StepAckMessage = z.object({ type: z.literal('step.ack'), stepId: StepId }).strict();

export const ControlMessage = z.discriminatedUnion('type', [
  WelcomeMessage,
  Heartbeat,
  StepRunMessage,
  StepCancelMessage,
  LogAckMessage,
  StepAckMessage,
  ErrorMessage,
]);
export type ControlMessage = z.infer<typeof ControlMessage>;

export type MessageOf<U extends { type: string }, T extends U['type']> = Extract<U, { type: T }>;

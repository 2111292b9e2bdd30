import { z } from 'zod';
import { AppName, CommitSha, GitRef, HostName, ReleaseId, RepositoryUrl } from './names.js';
import { SplitWeight } from './traffic-stats.js';

/**
 * Step specs: what the control plane asks an agent to do, one typed step at a time.
 * Commands are always argv arrays; the agent never builds a shell string from these fields.
 */

const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'environment variable name');
const EnvMap = z.record(EnvName, z.string());
/** Relative, no ".." segment: it cannot leave the directory it is relative to. */
const ReleaseRelPath = z.string().regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$))[^\0]+$/, 'relative path without ".."').max(1024);
const TimeoutMs = z.number().int().positive().max(24 * 3600 * 1000);
const Port = z.number().int().min(1).max(65535);
export const SlotName = z.enum(['blue', 'green', 'main']);
export type SlotName = z.infer<typeof SlotName>;

/** Where a step runs: inside a release directory of an app (relative `cwd` allowed) or an absolute path. */
export const ReleaseRef = z.object({ app: AppName, releaseId: ReleaseId }).strict();
export type ReleaseRef = z.infer<typeof ReleaseRef>;

export const ExecStep = z
  .object({
    kind: z.literal('exec'),
    argv: z.array(z.string().max(64 * 1024)).min(1).max(1024),
    /** Absolute path, or a path relative to `release` when that is given. */
    cwd: z.string().max(4096).optional(),
    release: ReleaseRef.optional(),
    env: EnvMap.optional(),
    /**
     * Variables the agent sets to the absolute path of a path inside `release` (only the agent knows
     * where it keeps releases), e.g. Laravel's VIEW_COMPILED_PATH for compiled views kept per release.
     * A variable of the same name in `env` wins.
     */
    releasePathEnv: z.record(EnvName, ReleaseRelPath).optional(),
    timeoutMs: TimeoutMs,
  })
  .strict();

export const GitSyncStep = z
  .object({
    kind: z.literal('git.sync'),
    app: AppName,
    releaseId: ReleaseId,
    repoUrl: RepositoryUrl,
    /** Branch to fetch; the checked-out commit is `commit` when given, else the branch head. */
    ref: GitRef,
    commit: CommitSha.optional(),
    /** Private repositories: an SSH deploy key (PEM) or an HTTPS token; both masked in logs. */
    sshPrivateKey: z.string().max(16 * 1024).optional(),
    httpsToken: z.string().max(4096).optional(),
    timeoutMs: TimeoutMs,
  })
  .strict();

export const ReleaseLinkStep = z
  .object({
    kind: z.literal('release.link'),
    app: AppName,
    releaseId: ReleaseId,
    /** Paths (relative, no "..") kept in `shared/` and symlinked into the release. */
    sharedPaths: z.array(ReleaseRelPath).max(100),
    /** Written to `shared/<name>` and linked into the release, mode 0600. */
    envFile: z.object({ name: z.string().regex(/^[A-Za-z0-9._-]+$/), content: z.string() }).strict().optional(),
    /** Dependency dirs copied from the live release when the lockfile is byte-identical. */
    reuse: z
      .array(z.object({ path: z.string().regex(/^[A-Za-z0-9._-]+$/), lockfile: z.string().regex(/^[A-Za-z0-9._-]+$/) }).strict())
      .max(10)
      .default([]),
    timeoutMs: TimeoutMs,
  })
  .strict();

export const ReleaseActivateStep = z
  .object({ kind: z.literal('release.activate'), app: AppName, releaseId: ReleaseId, timeoutMs: TimeoutMs })
  .strict();

export const ReleaseRollbackStep = z
  .object({ kind: z.literal('release.rollback'), app: AppName, releaseId: ReleaseId, timeoutMs: TimeoutMs })
  .strict();

export const ReleasePruneStep = z
  .object({
    kind: z.literal('release.prune'),
    app: AppName,
    keep: z.number().int().min(1).max(1000),
    /** Never removed, whatever their age (the live release, the rollback target). */
    protect: z.array(ReleaseId).max(100),
    /** Releases that went live and then failed (health check): not counted toward `keep`, removed first like never-activated ones. */
    failed: z.array(ReleaseId).max(1000).optional(),
    timeoutMs: TimeoutMs,
  })
  .strict();

export const SlotStartStep = z
  .object({
    kind: z.literal('slot.start'),
    app: AppName,
    slot: SlotName,
    releaseId: ReleaseId,
    argv: z.array(z.string()).min(1).max(1024),
    port: Port,
    env: EnvMap.optional(),
    /** Keep a live process that already runs this release on this port with this argv (warm blue-green rollback). */
    keepRunning: z.boolean().optional(),
    timeoutMs: TimeoutMs,
  })
  .strict();

export const SlotStopStep = z
  .object({
    kind: z.literal('slot.stop'),
    app: AppName,
    slot: SlotName,
    /** SIGTERM, then SIGKILL after this grace period. */
    graceMs: z.number().int().min(0).max(600_000).default(10_000),
    timeoutMs: TimeoutMs,
  })
  .strict();

export const HealthCheckStep = z
  .object({
    kind: z.literal('health.check'),
    url: z.string().url(),
    expectStatus: z.number().int().min(100).max(599).default(200),
    intervalMs: z.number().int().min(10).default(1000),
    attemptTimeoutMs: z.number().int().min(10).default(5000),
    healthyAfter: z.number().int().min(1).max(100).default(1),
    deadlineMs: z.number().int().min(100).default(30_000),
    /** When the check gives up, the agent appends this slot's last output lines to the log. */
    slot: z.object({ app: AppName, slot: SlotName }).strict().optional(),
    /** When the check gives up, also stop that slot's process (a blue-green release that never became healthy). */
    stopSlotOnFailure: z.boolean().optional(),
    timeoutMs: TimeoutMs,
  })
  .strict();

export const TrafficSwitchStep = z
  .object({
    kind: z.literal('traffic.switch'),
    app: AppName,
    /** Public port the proxy listens on for this app. */
    listenPort: Port,
    /** Route only requests whose Host is this name: several apps then share one public port. */
    hostname: HostName.optional(),
    slot: SlotName,
    targetPort: Port,
    drainMs: z.number().int().min(0).max(600_000).default(30_000),
    /** Stop the previous slot's process this long after the switch; until then it is the instant rollback target. Absent: until the next deployment replaces it. */
    stopPreviousAfterMs: z.number().int().min(0).optional(),
    /**
     * The environment leaves in-place: this slot's app (`main`) still listens on `listenPort`. The
     * agent stops it (SIGTERM, SIGKILL after graceMs) and the proxy takes the port the moment it is free.
     */
    takeOverFrom: z.object({ slot: SlotName, graceMs: z.number().int().min(0).max(600_000) }).strict().optional(),
    timeoutMs: TimeoutMs,
  })
  .strict();

/** The environment leaves blue-green: the proxy stops listening on the app's public port (free at once); requests in flight finish within drainMs. */
export const TrafficRemoveStep = z
  .object({
    kind: z.literal('traffic.remove'),
    app: AppName,
    listenPort: Port,
    drainMs: z.number().int().min(0).max(600_000).default(30_000),
    timeoutMs: TimeoutMs,
  })
  .strict();

/**
 * Canary by weight: send `weight` percent of the app's clients (sticky per client) to the canary
 * slot, the rest to the slot the route serves now (the baseline). `canary: null` ends the split:
 * all traffic on the baseline from the next request; with `stopCanary`, the canary's slot is
 * stopped once the proxy has drained it (at most drainMs). Counters restart only with a new split.
 */
export const TrafficSplitStep = z
  .object({
    kind: z.literal('traffic.split'),
    app: AppName,
    canary: z.object({ slot: SlotName, targetPort: Port }).strict().nullable(),
    weight: SplitWeight,
    drainMs: z.number().int().min(0).max(600_000).default(30_000),
    stopCanary: z.object({ slot: SlotName, graceMs: z.number().int().min(0).max(600_000) }).strict().optional(),
    timeoutMs: TimeoutMs,
  })
  .strict();

/** Read the per-slot counters of the app's split (output `split`: SplitStatsOutput, or null when not split). */
export const TrafficStatsStep = z.object({ kind: z.literal('traffic.stats'), app: AppName, timeoutMs: TimeoutMs }).strict();

export const StepSpec = z.discriminatedUnion('kind', [
  ExecStep,
  GitSyncStep,
  ReleaseLinkStep,
  ReleaseActivateStep,
  ReleaseRollbackStep,
  ReleasePruneStep,
  SlotStartStep,
  SlotStopStep,
  HealthCheckStep,
  TrafficSwitchStep,
  TrafficRemoveStep,
  TrafficSplitStep,
  TrafficStatsStep,
]);
export type StepSpec = z.infer<typeof StepSpec>;
export type StepKind = StepSpec['kind'];
export type StepSpecOf<K extends StepKind> = Extract<StepSpec, { kind: K }>;
export type ExecStep = z.infer<typeof ExecStep>;

/**
 * The signed part of a `step.run`: the control plane signs this object as a compact JWS
 * (EdDSA); the agent verifies it against the key pinned at enrolment before parsing it.
 */
export const StepRunPayload = z
  .object({
    stepId: z.string().min(1).max(128),
    /** The agent this step is for; an agent refuses a step addressed to another agent. */
    agentId: z.string().min(1).max(128),
    deploymentId: z.string().max(128).optional(),
    spec: StepSpec,
    /** Values masked as `***` in every log line before it leaves the server. */
    secrets: z.array(z.string().min(1)).max(1000).default([]),
    issuedAt: z.number().int().positive(),
  })
  .strict();
export type StepRunPayload = z.infer<typeof StepRunPayload>;

export const StepStatus = z.enum(['succeeded', 'failed', 'cancelled', 'timed_out', 'rejected']);
export type StepStatus = z.infer<typeof StepStatus>;

/** A step's result is data, for success and failure alike. */
export const StepResult = z
  .object({
    status: StepStatus,
    exitCode: z.number().int().nullable(),
    signal: z.string().nullable(),
    durationMs: z.number().nonnegative(),
    /** Human-readable reason when status is not `succeeded` (e.g. "agent restarted"). */
    error: z.string().max(8192).optional(),
    /** Sequence number of the step's last log line (0 when it printed nothing). */
    lastSeq: z.number().int().nonnegative(),
    /** Step-kind specific data, e.g. git.sync's resolved commit and author. */
    output: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type StepResult = z.infer<typeof StepResult>;

/** What `git.sync` returns in `output`. */
export const GitSyncOutput = z.object({
  commit: z.string(),
  message: z.string(),
  author: z.string(),
  committedAt: z.string(),
});
export type GitSyncOutput = z.infer<typeof GitSyncOutput>;

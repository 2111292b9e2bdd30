import { createPublicKey, type KeyObject } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { HostFacts } from '@devflow/protocol';
import { PROTOCOL_VERSION } from '@devflow/protocol/version';
import type { AgentIdentity } from './enroll/identity.js';
import { hostFacts } from './host/facts.js';
import type { Backoff } from './link/backoff.js';
import { AgentLink } from './link/connection.js';
import { signAgentToken } from './link/token.js';
import type { Logger } from './logs/logger.js';
import { Outbox } from './logs/outbox.js';
import { spoolFile, StepSpool } from './logs/spool.js';
import { agentPaths } from './paths.js';
import { watchProxy } from './proxy/watchdog.js';
import type { StepHandlers } from './steps/handler.js';
import { Journal } from './steps/journal.js';
import { StepRunner } from './steps/runner.js';
import { anySlotFile } from './supervisor/slot-files.js';
import { AGENT_VERSION } from './version.js';

export interface AgentOptions {
  dataDir: string;
  identity: AgentIdentity;
  privateKey: KeyObject;
  handlers: Partial<StepHandlers>;
  log: Logger;
  backoff?: Backoff;
  healthyAfterMs?: number;
  /** Acknowledged step records are forgotten after this long (default one day). */
  journalRetentionMs?: number;
  /** How often idle blue-green slots past their keep time are looked for (default 1 s). */
  slotSweepMs?: number;
  /** The nginx driver's view of which slot is live per app (absent: ask the built-in proxy). */
  activeSlotOf?: (app: string) => Promise<string | null>;
  /** Start the built-in traffic proxy again when it is gone while it has routes (see proxy/watchdog.ts). */
  watchProxy?: boolean;
}

export interface RunningAgent {
  readonly link: AgentLink;
  readonly runner: StepRunner;
  stop(): Promise<void>;
}

/**
 * The `run` command's body: recover what a previous process left (steps cut off by a restart are
 * reported failed with "agent restarted", unacknowledged lines and results are queued again),
 * then keep the link to the control plane up and run the steps it sends.
 */
export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const { dataDir, identity, log } = options;
  const paths = agentPaths(dataDir);
  const journal = await Journal.open(paths.steps, (file, err) => log.error('unreadable step record ignored', { file, err }));
  const interrupted = await journal.failInterrupted((id) => Outbox.lastSpooledSeq(paths.spool, id));
  for (const rec of interrupted) log.warn('step was running when the agent stopped; reporting it failed', { stepId: rec.stepId });
  const retention = options.journalRetentionMs ?? 24 * 3600_000;
  await journal.gc(retention);
  // App slots outlive the agent (detached); take back the ones still running, forget dead ones.
  const adopted = (await anySlotFile(dataDir, '.json')) ? await (await import('./supervisor/adopt.js')).adoptSlots(dataDir) : [];
  for (const { app, status } of adopted) {
    if (status.state === 'running') log.info('adopted running slot', { app, slot: status.slot, pid: status.pid, releaseId: status.releaseId, port: status.port });
    else log.warn('slot process is gone', { app, slot: status.slot, reason: status.reason, releaseId: status.last?.releaseId });
  }

  const controlPlaneKey = createPublicKey({ key: identity.controlPlanePublicKey, format: 'jwk' });
  let facts: HostFacts = await hostFacts(dataDir);
  let runner: StepRunner | undefined;
  let outbox: Outbox | undefined;

  const link = new AgentLink({
    urls: identity.controlPlaneUrls,
    token: () => signAgentToken(identity.agentId, options.privateKey),
    hello: () => ({
      type: 'hello',
      protocolVersion: PROTOCOL_VERSION,
      agentVersion: AGENT_VERSION,
      host: facts,
      activeSteps: [...new Set([...(runner?.activeStepIds() ?? []), ...(outbox?.stepIds() ?? [])])],
    }),
    onReady: () => {
      void outbox?.replay().catch((err: unknown) => log.error('replay after reconnect failed', { err }));
      // Fresh facts (free disk changes) for the next hello.
      void hostFacts(dataDir).then((f) => (facts = f));
    },
    onMessage: (msg) => {
      switch (msg.type) {
        case 'step.run':
          runner?.onStepRun(msg).catch((err: unknown) => log.error('step.run failed', { stepId: msg.stepId, err }));
          return;
        case 'step.cancel':
          runner?.onCancel(msg.stepId);
          return;
        case 'log.ack':
          outbox?.onLogAck(msg.stepId, msg.seq);
          return;
        case 'step.ack':
          void journal
            .markAcked(msg.stepId)
            .then(() => outbox?.onStepAck(msg.stepId))
            .catch((err: unknown) => log.error('could not record step.ack', { stepId: msg.stepId, err }));
          return;
        default:
          log.debug('ignored message', { type: msg.type });
      }
    },
    log,
    ...(options.backoff ? { backoff: options.backoff } : {}),
    ...(options.healthyAfterMs !== undefined ? { healthyAfterMs: options.healthyAfterMs } : {}),
  });

  outbox = new Outbox(paths.spool, link, log);
  for (const rec of journal.unacked()) await outbox.restore(rec.stepId, rec.result!);
  // Spools of steps the control plane already acknowledged (or that were never recorded) are garbage.
  for (const id of await StepSpool.list(paths.spool)) {
    if (!outbox.has(id)) await rm(spoolFile(paths.spool, id), { force: true });
  }
  runner = new StepRunner({ agentId: identity.agentId, dataDir, controlPlaneKey, journal, outbox, link, handlers: options.handlers, log });
  const gcTimer = setInterval(() => void journal.gc(retention).catch((err: unknown) => log.warn('journal cleanup failed', { err })), 3600_000);
  gcTimer.unref();
  let sweeping = false;
  const sweepTimer = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    void anySlotFile(dataDir, '.retire.json')
      .then(async (some) => (some ? (await import('./supervisor/retire.js')).retireDueSlots(dataDir, Date.now(), options.activeSlotOf) : []))
      .then((done) => {
        for (const r of done) log.info('idle slot past its keep time', { ...r });
      })
      .catch((err: unknown) => log.warn('idle slot sweep failed', { err }))
      .finally(() => (sweeping = false));
  }, options.slotSweepMs ?? 1000);
  sweepTimer.unref();
  const stopProxyWatch = options.watchProxy ? watchProxy({ dataDir, log }) : () => undefined;

  link.start();
  log.info('agent started', { agentId: identity.agentId, version: AGENT_VERSION, dataDir, owed: outbox.stepIds().length });

  return {
    link,
    runner,
    async stop() {
      clearInterval(gcTimer);
      clearInterval(sweepTimer);
      stopProxyWatch();
      await runner.shutdown();
      await link.stop();
      await outbox.close();
    },
  };
}

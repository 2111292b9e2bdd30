import type { Db } from '../db/client.js';
import type { EventBus, Unsubscribe } from '../ports/event-bus.js';
import { stepTopic } from '../steps/events.js';
import { formatCursor, type Cursor, type DeploymentLog, type DeploymentLogLine } from '../deployments/log.js';
import type { DeploymentStore } from '../deployments/store.js';
import { isFinal, type DeploymentStatus } from '../deployments/types.js';
import { deploymentTopic } from './topics.js';

/** Lines arriving within this window go out as one SSE event (a 1,000 lines/s stream stays well under 100 ms). */
export const BATCH_MS = 25;
/** Re-read even without a wake-up (the bus is at-most-once). */
const FALLBACK_MS = 1000;
const PAGE = 2000;

export interface LogStreamSink {
  readonly aborted: boolean;
  send(event: 'log' | 'status' | 'end', data: unknown, id?: string): Promise<void>;
  onAbort(listener: () => void): void;
}

export interface LogStreamDeps {
  db: Db;
  bus: EventBus;
  store: DeploymentStore;
  log: DeploymentLog;
}

/**
 * Follows a deployment's log: stored lines after `cursor` first, then live ones, in batches;
 * `status` events when the status changes; `end` once the deployment is final and its log
 * drained. Lines are always read from the database (woken by bus events), so nothing is lost
 * or sent twice, and `id` = the cursor lets EventSource resume with Last-Event-ID.
 */
export async function followDeploymentLog(d: LogStreamDeps, deploymentId: string, start: Cursor, sink: LogStreamSink): Promise<void> {
  let cursor = start;
  let dirty = true;
  let refreshSteps = true;
  let wake: (() => void) | undefined;
  const poke = (steps = false) => {
    dirty = true;
    if (steps) refreshSteps = true;
    wake?.();
  };
  const subscriptions = new Map<string, Unsubscribe>();
  subscriptions.set('deployment', await d.bus.subscribe(deploymentTopic(deploymentId), () => poke(true)));
  sink.onAbort(() => wake?.());

  let lastStatus: DeploymentStatus | undefined;
  try {
    while (!sink.aborted) {
      if (refreshSteps) {
        refreshSteps = false;
        const rs = await d.db.execute({ sql: 'SELECT step_id FROM deployment_steps WHERE deployment_id = ?', args: [deploymentId] });
        for (const r of rs.rows) {
          const id = String(r.step_id);
          if (!subscriptions.has(id)) subscriptions.set(id, await d.bus.subscribe(stepTopic(id), () => poke(false)));
        }
      }
      dirty = false;
      const dep = await d.store.get(deploymentId);
      for (;;) {
        const page = await d.log.read(deploymentId, cursor, PAGE);
        if (page.lines.length === 0) break;
        cursor = page.next;
        await sink.send('log', { lines: page.lines.map(compact) }, formatCursor(cursor));
        if (page.lines.length < PAGE) break;
      }
      if (dep.status !== lastStatus) {
        lastStatus = dep.status;
        await sink.send('status', { status: dep.status, reason: dep.reason, failure: dep.failure });
      }
      if (isFinal(dep.status)) {
        await sink.send('end', { status: dep.status }, formatCursor(cursor));
        return;
      }
      await sleepUntilWoken();
      if (!sink.aborted) await sleep(BATCH_MS);
    }
  } finally {
    await Promise.all([...subscriptions.values()].map((u) => u().catch(() => undefined)));
  }

  function sleepUntilWoken(): Promise<void> {
    if (dirty) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, FALLBACK_MS);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Wire form of a line: short keys, since a busy log sends thousands per second. */
function compact(l: DeploymentLogLine) {
  return { server: l.server, step: l.step, stage: l.stage, seq: l.seq, stream: l.stream, ts: l.ts, text: l.text };
}

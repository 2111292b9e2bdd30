import { readFile } from 'node:fs/promises';
import { SlotName, type StepSpecOf } from '@devflow/protocol';
import { StepFailedError, type StepContext, type StepOutcome } from '../steps/handler.js';
import { scheduleRetire } from '../supervisor/retire.js';
import { createSlotStop } from '../supervisor/stop-step.js';
import { NginxError, nginxSwitch, nginxUpstreamFile, type NginxDriverOptions } from './nginx.js';

/** Where the app's nginx upstream points now, read back from the file the driver wrote (null: none yet). */
export async function readNginxUpstream(upstreamDir: string, app: string): Promise<{ slot: SlotName; targetPort: number } | null> {
  const text = await readFile(nginxUpstreamFile(upstreamDir, app), 'utf8').catch(() => null);
  const slot = text && /^# Written by devflow-agent: app \S+, slot (\w+)\./m.exec(text)?.[1];
  const port = text && /^\s*server 127\.0\.0\.1:(\d+);/m.exec(text)?.[1];
  const parsed = SlotName.safeParse(slot);
  return parsed.success && port ? { slot: parsed.data, targetPort: Number(port) } : null;
}

/**
 * traffic.switch with the nginx driver (`devflow-agent run --nginx-upstream-dir DIR`): rewrite the
 * app's upstream, `nginx -t`, graceful reload. nginx's old workers finish the requests they hold
 * (its drain); `listenPort` and `drainMs` are nginx's own configuration here.
 */
export function createNginxTrafficSwitch(options: NginxDriverOptions) {
  return async function nginxTrafficSwitch(spec: StepSpecOf<'traffic.switch'>, ctx: StepContext): Promise<StepOutcome> {
    const { app, slot, targetPort } = spec;
    // Leaving in-place: nginx, not the proxy, owns the public port; the in-place app only has to stop.
    if (spec.takeOverFrom) await createSlotStop()({ kind: 'slot.stop', app, slot: spec.takeOverFrom.slot, graceMs: spec.takeOverFrom.graceMs, timeoutMs: spec.timeoutMs }, ctx);
    const previous = await readNginxUpstream(options.upstreamDir, app);
    if (previous?.slot === slot && previous.targetPort === targetPort) {
      ctx.log('system', `${app}: nginx upstream ${nginxUpstreamFile(options.upstreamDir, app)} already points at ${slot} (127.0.0.1:${targetPort})`);
      return { output: { switchedAt: Date.now(), changed: false, previousSlot: slot, previousPort: targetPort } };
    }
    let result;
    try {
      result = await nginxSwitch(options, { app, slot, targetPort });
    } catch (err) {
      if (err instanceof NginxError) throw new StepFailedError(`traffic switch through nginx failed: ${err.message}`, null, null, { cause: err });
      throw err;
    }
    for (const line of result.log.flatMap((l) => l.split('\n')).filter(Boolean)) ctx.log('system', `nginx: ${line}`);
    ctx.log('system', `${app}: nginx now sends new requests to ${slot} (127.0.0.1:${targetPort})${previous ? `, was ${previous.slot}:${previous.targetPort}; its old workers finish their requests` : ''}`);
    if (previous && previous.slot !== slot && spec.stopPreviousAfterMs !== undefined) {
      const retire = await scheduleRetire(ctx.dataDir, app, previous.slot, result.switchedAt + spec.stopPreviousAfterMs);
      if (retire) ctx.log('system', `${app}: ${previous.slot} (release ${retire.releaseId}) stays up as the rollback target until ${new Date(retire.at).toISOString()}`);
    }
    return { output: { switchedAt: result.switchedAt, changed: true, previousSlot: previous?.slot ?? null, previousPort: previous?.targetPort ?? null } };
  };
}

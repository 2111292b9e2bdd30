import type { ApiClient } from './client.js';
import type { CliContext } from './context.js';
import { terminalSafe } from './terminal-text.js';
import { ApiError, DeploymentFailedError } from './errors.js';
import { readSse } from './sse.js';

interface LogLine {
  server: string;
  step: string | null;
  stream: string;
  text: string;
}

interface Deployment {
  id: string;
  status: string;
  reason: string | null;
  failure: { serverName: string; stage: string; step: string; exitCode: number | null; error: string | null } | null;
}

const RECONNECTS = 10;

/**
 * Streams a deployment's live log (SSE `log`/`status`/`end` events) to the terminal until it is
 * final, reconnecting from the last cursor if the connection drops. Returns 0 only when the
 * deployment succeeded; otherwise throws DeploymentFailedError (exit 1) with the reason.
 */
export async function follow(client: ApiClient, ctx: CliContext, deploymentId: string, asJson: boolean): Promise<number> {
  // Ctrl-C stops the watching, not the deployment: say so (it looks like cancelling) and how to go on.
  const stopWatching = () => {
    ctx.err(`\nStopped following ${deploymentId}; the deployment goes on. Follow it again: devflow logs ${deploymentId} --follow; stop it: devflow cancel ${deploymentId}\n`);
    process.exit(130);
  };
  process.once('SIGINT', stopWatching);
  try {
    return await streamUntilFinal(client, ctx, deploymentId, asJson);
  } finally {
    process.off('SIGINT', stopWatching);
  }
}

async function streamUntilFinal(client: ApiClient, ctx: CliContext, deploymentId: string, asJson: boolean): Promise<number> {
  let cursor: string | undefined;
  let ended = false;
  for (let attempt = 0; !ended && attempt <= RECONNECTS; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** attempt, 5000)));
    let res: Response;
    try {
      res = await client.raw(`/api/deployments/${encodeURIComponent(deploymentId)}/logs/stream`, {
        headers: { accept: 'text/event-stream', ...(cursor ? { 'last-event-id': cursor } : {}) },
      });
    } catch (err) {
      // The API answered (404, 401): following cannot work. Unreachable: try again.
      if (err instanceof ApiError && err.status !== null) throw err;
      continue;
    }
    if (!res.body) continue;
    try {
      for await (const ev of readSse(res.body)) {
        if (ev.id) cursor = ev.id;
        const data = JSON.parse(ev.data) as Record<string, unknown>;
        if (asJson) ctx.out(`${JSON.stringify({ event: ev.event, ...data })}\n`);
        else if (ev.event === 'log') for (const l of (data.lines as LogLine[]) ?? []) ctx.out(terminalSafe(formatLine(l), { colours: !ctx.env.NO_COLOR }));
        else if (ev.event === 'status') ctx.err(`--- ${deploymentId}: ${String(data.status)}${data.reason ? ` (${String(data.reason)})` : ''}\n`);
        if (ev.event === 'end') ended = true;
      }
    } catch (err) {
      if (err instanceof SyntaxError) throw new ApiError(`unexpected live log data from the server: ${err.message}`, null, null);
      // The connection dropped mid-stream: reconnect from the cursor.
    }
  }
  const { deployment } = await client.json<{ deployment: Deployment }>(`/api/deployments/${encodeURIComponent(deploymentId)}`);
  return finish(deployment, ctx, asJson);
}

function formatLine(l: LogLine): string {
  return `${l.server}${l.step ? ` ${l.step}` : ''} | ${l.text}\n`;
}

/** 0 for succeeded; otherwise the reason and the failed step, and exit 1. */
export function finish(d: Deployment, ctx: CliContext, asJson: boolean): number {
  if (d.status === 'succeeded') {
    if (!asJson) ctx.err(`Deployment ${d.id} succeeded\n`);
    return 0;
  }
  if (!['failed', 'cancelled', 'timed_out', 'skipped', 'rejected'].includes(d.status)) {
    throw new DeploymentFailedError(`deployment ${d.id} is still ${d.status}: the live log ended early; run \`devflow logs ${d.id} --follow\``);
  }
  const f = d.failure;
  const where = f ? ` at ${f.serverName} ${f.stage}/${f.step}${f.exitCode !== null ? ` (exit ${f.exitCode})` : ''}${f.error ? `: ${f.error}` : ''}` : '';
  throw new DeploymentFailedError(`deployment ${d.id} ${d.status}${d.reason ? `: ${d.reason}` : ''}${where}`);
}

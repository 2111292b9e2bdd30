import type { Command } from '../context.js';
import { json } from '../output.js';
import { need, parse } from '../parse.js';

const p = encodeURIComponent;

/** `promote` / `abort`: a person's say over a running canary (rollout/control.ts decides whether it may). */
function rolloutCommand(action: 'promote' | 'abort', usage: string, said: string): Command {
  return {
    usage,
    async run(args, ctx) {
      const { values, positionals } = parse(args, {}, 1);
      const id = need(positionals[0], `deployment id: devflow ${action} <deployment>`);
      const res = await (await ctx.client()).json<{ request: { seq: number } }>(`/api/deployments/${p(id)}/${action}`, { method: 'POST' });
      ctx.out(values.json ? json(res) : `Deployment ${id}: ${said} (\`devflow logs ${id} --follow\` shows what it does)\n`);
      return 0;
    },
  };
}

export const promote = rolloutCommand('promote', 'promote <deployment>   (a running canary: skip to its next step; the last is all traffic)', 'promotion requested');
export const abort = rolloutCommand('abort', 'abort <deployment>     (a running canary: all traffic back on the baseline, the canary stopped, the deployment failed)', 'abort requested');

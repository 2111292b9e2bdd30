import type { Command } from '../context.js';
import { follow } from '../follow.js';
import { need, parse } from '../parse.js';
import { terminalSafe } from '../terminal-text.js';

/** `devflow logs <deployment> [--follow]`: the full log, or the live log until the deployment ends. */
export const logs: Command = {
  usage: 'logs <deployment> [--follow]',
  async run(args, ctx) {
    const { values, positionals } = parse(args, { follow: { type: 'boolean', short: 'f' } }, 1);
    const id = need(positionals[0], 'deployment id: devflow logs <deployment>');
    const client = await ctx.client();
    if (values.follow) return follow(client, ctx, id, Boolean(values.json));
    if (values.json) {
      let after: string | undefined;
      for (;;) {
        const page = await client.json<{ lines: unknown[]; next: string; more: boolean }>(`/api/deployments/${encodeURIComponent(id)}/logs`, { query: { format: 'json', after, limit: 5000 } });
        for (const line of page.lines) ctx.out(`${JSON.stringify(line)}\n`);
        if (!page.more) return 0;
        after = page.next;
      }
    }
    ctx.out(terminalSafe(await client.text(`/api/deployments/${encodeURIComponent(id)}/logs`), { colours: !ctx.env.NO_COLOR }));
    return 0;
  },
};

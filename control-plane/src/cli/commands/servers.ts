import type { Command } from '../context.js';
import { UsageError } from '../errors.js';
import { json, table, time } from '../output.js';
import { need, pairs, parse } from '../parse.js';

/** `devflow servers add|list`. */
export const servers: Command = {
  usage: 'servers list | add <name> [--label key=value…]',
  async run(args, ctx) {
    const [sub = 'list', ...rest] = args;
    const client = await ctx.client();
    if (sub === 'list') {
      const { values } = parse(rest, {});
      const res = await client.json<{ servers: Record<string, unknown>[] }>('/api/servers');
      const rows = res.servers.map((s) => ({ ...s, lastSeen: time(s.lastSeenAt) }));
      ctx.out(values.json ? json(res) : table(rows, ['name', 'id', 'status', 'agentVersion', 'lastSeen']));
      return 0;
    }
    if (sub === 'add') {
      const { values, positionals } = parse(rest, { label: { type: 'string', multiple: true } }, 1);
      const name = need(positionals[0], 'server name: devflow servers add <name>');
      const res = await client.json<{ id: string; installCommand: string }>('/api/servers', {
        method: 'POST',
        body: { name, ...(values.label ? { labels: pairs(values.label, '--label') } : {}) },
      });
      ctx.out(values.json ? json(res) : `Added server ${name} (${res.id}). On the server, run (the token works once, for 1 hour):\n\n  ${res.installCommand}\n`);
      return 0;
    }
    throw new UsageError(`unknown subcommand "servers ${sub}"; use list or add`);
  },
};

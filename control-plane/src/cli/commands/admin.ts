import type { Command } from '../context.js';
import { UsageError } from '../errors.js';
import { json } from '../output.js';
import { parse } from '../parse.js';

/** `devflow admin rotate-key [--new-key K]`: re-seal every secret with a new master key (admins). */
export const admin: Command = {
  usage: 'admin rotate-key [--new-key <32 bytes base64|hex>]  (--new-key only when DEVFLOW_SECRET_KEY sets the key)',
  async run(args, ctx) {
    const [sub, ...rest] = args;
    if (sub !== 'rotate-key') throw new UsageError(`unknown subcommand "admin ${sub ?? ''}"; use rotate-key`);
    const { values } = parse(rest, { 'new-key': { type: 'string' } });
    const newKey = values['new-key'];
    const res = await (await ctx.client()).json<{ resealed: Record<string, number>; note: string }>('/api/admin/rotate-key', {
      method: 'POST',
      body: typeof newKey === 'string' ? { newKey } : {},
    });
    const total = Object.values(res.resealed).reduce((a, b) => a + b, 0);
    ctx.out(values.json ? json(res) : `Rotated the secret key: ${total} values re-sealed. ${res.note}\n`);
    return 0;
  },
};

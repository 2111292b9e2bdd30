import type { FreezeWindow } from '../../freeze/types.js';
import type { Command } from '../context.js';
import { UsageError } from '../errors.js';
import { json, table, time } from '../output.js';
import { int, need, parse } from '../parse.js';

const p = encodeURIComponent;

type Window = Pick<FreezeWindow, 'id' | 'environment' | 'kind' | 'startsAt' | 'endsAt' | 'cron' | 'durationMinutes' | 'timezone' | 'reason'>;

const when = (w: Window): string =>
  w.kind === 'once' ? `${time(w.startsAt)} – ${time(w.endsAt)}` : `"${w.cron}" for ${w.durationMinutes} min (${w.timezone})`;

/** `devflow freeze list|add|remove <project>`: freeze windows per project or environment. */
export const freeze: Command = {
  usage: 'freeze list <project> [--env E] | add <project> [--env E] (--from ISO --to ISO | --cron C --duration MIN [--tz ZONE]) --reason R | remove <project> <id>',
  async run(args, ctx) {
    const [sub, ...rest] = args;
    const client = await ctx.client();
    switch (sub) {
      case 'list': {
        const { values, positionals } = parse(rest, { env: { type: 'string' } }, 1);
        const project = need(positionals[0], 'project: devflow freeze list <project>');
        const res = await client.json<{ freezes: Window[] }>(`/api/projects/${p(project)}/freezes${values.env ? `?environment=${p(values.env)}` : ''}`);
        const rows = res.freezes.map((w) => ({ id: w.id, environment: w.environment ?? '(all)', when: when(w), reason: w.reason }));
        ctx.out(values.json ? json(res) : table(rows, ['id', 'environment', 'when', 'reason']));
        return 0;
      }
      case 'add': {
        const { values, positionals } = parse(rest, {
          env: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, cron: { type: 'string' },
          duration: { type: 'string' }, tz: { type: 'string' }, reason: { type: 'string' },
        }, 1);
        const project = need(positionals[0], 'project: devflow freeze add <project> …');
        const body = {
          ...(values.env ? { environment: values.env } : {}),
          ...(values.from !== undefined ? { from: values.from } : {}),
          ...(values.to !== undefined ? { to: values.to } : {}),
          ...(values.cron !== undefined ? { cron: values.cron } : {}),
          ...(values.duration !== undefined ? { durationMinutes: int(values.duration, '--duration') } : {}),
          ...(values.tz !== undefined ? { timezone: values.tz } : {}),
          reason: need(values.reason, '--reason "why deployments are frozen"'),
        };
        const res = await client.json<{ freeze: Window }>(`/api/projects/${p(project)}/freezes`, { method: 'POST', body });
        ctx.out(values.json ? json(res) : `Added freeze ${res.freeze.id} on ${project}${res.freeze.environment ? `/${res.freeze.environment}` : ''}: ${when(res.freeze)}\n`);
        return 0;
      }
      case 'remove': {
        const { values, positionals } = parse(rest, {}, 2);
        const project = need(positionals[0], 'project: devflow freeze remove <project> <id>');
        const id = need(positionals[1], 'freeze window id: devflow freeze remove <project> <id> (see devflow freeze list)');
        await client.json(`/api/projects/${p(project)}/freezes/${p(id)}`, { method: 'DELETE' });
        ctx.out(values.json ? json({ removed: id }) : `Removed freeze ${id}\n`);
        return 0;
      }
      default:
        throw new UsageError(`${sub ? `unknown subcommand "freeze ${sub}"` : 'missing subcommand'}; use list, add or remove`);
    }
  },
};

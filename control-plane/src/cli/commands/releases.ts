import type { Command } from '../context.js';
import { UsageError } from '../errors.js';
import { json } from '../output.js';
import { need, parse } from '../parse.js';

const p = encodeURIComponent;

/**
 * `devflow releases mark|unmark <project> --env E <release> [--reason R]`: let a rollback go to a
 * release that never went live or was marked bad (maintainers; audited).
 */
export const releases: Command = {
  usage: 'releases mark <project> --env E <release id> --reason "why" | unmark <project> --env E <release id>  (maintainers: allow a rollback to a release that never went live)',
  async run(args, ctx) {
    const [sub, ...rest] = args;
    if (sub !== 'mark' && sub !== 'unmark') throw new UsageError('use `devflow releases mark …` or `devflow releases unmark …`');
    const { values, positionals } = parse(rest, { env: { type: 'string', short: 'e' }, reason: { type: 'string' } }, 2);
    const project = need(positionals[0], `project: devflow releases ${sub} <project> --env E <release id>`);
    const release = need(positionals[1], 'release id (see the environment\'s releases)');
    const env = need(values.env, '--env E');
    const path = `/api/projects/${p(project)}/environments/${p(env)}/releases/${p(release)}/mark`;
    const client = await ctx.client();
    if (sub === 'mark') {
      const res = await client.json(path, { method: 'POST', body: { reason: need(values.reason, '--reason (why this release may be rolled back to)') } });
      ctx.out(values.json ? json(res) : `Release ${release} of ${project}/${env} may now be rolled back to\n`);
    } else {
      await client.raw(path, { method: 'DELETE' });
      ctx.out(values.json ? json({ unmarked: release }) : `Release ${release} of ${project}/${env} is no longer marked\n`);
    }
    return 0;
  },
};

import type { Command } from '../context.js';
import { json } from '../output.js';
import { need, parse } from '../parse.js';

const p = encodeURIComponent;
const path = (project: string, env: string) => `/api/projects/${p(project)}/environments/${p(env)}/lock`;

/** `devflow lock <project> --env E --reason R`: manual deploys then need --force. */
export const lock: Command = {
  usage: 'lock <project> --env E --reason "why"',
  async run(args, ctx) {
    const { values, positionals } = parse(args, { env: { type: 'string' }, reason: { type: 'string' } }, 1);
    const project = need(positionals[0], 'project: devflow lock <project> --env E --reason R');
    const env = need(values.env, '--env');
    const res = await (await ctx.client()).json(path(project, env), { method: 'POST', body: { reason: need(values.reason, '--reason') } });
    ctx.out(values.json ? json(res) : `Locked ${project}/${env}: ${values.reason}\n`);
    return 0;
  },
};

export const unlock: Command = {
  usage: 'unlock <project> --env E',
  async run(args, ctx) {
    const { values, positionals } = parse(args, { env: { type: 'string' } }, 1);
    const project = need(positionals[0], 'project: devflow unlock <project> --env E');
    const env = need(values.env, '--env');
    const res = await (await ctx.client()).json(path(project, env), { method: 'DELETE' });
    ctx.out(values.json ? json(res) : `Unlocked ${project}/${env}\n`);
    return 0;
  },
};

import { readFile } from 'node:fs/promises';
import type { ApiClient } from '../client.js';
import type { Command } from '../context.js';
import { UsageError } from '../errors.js';
import { json, table } from '../output.js';
import { int, need, pairs, parse } from '../parse.js';
import { envRow } from './projects.js';

const p = encodeURIComponent;

const SETTINGS = {
  branch: { type: 'string' },
  port: { type: 'string' },
  server: { type: 'string', multiple: true },
  strategy: { type: 'string' },
  start: { type: 'string' },
  keep: { type: 'string' },
  healthcheck: { type: 'string' },
  'only-after-success': { type: 'string' },
  hostname: { type: 'string' },
  var: { type: 'string', multiple: true },
  'var-file': { type: 'string' },
  unset: { type: 'string', multiple: true },
} as const;

type SettingValues = { [K in keyof typeof SETTINGS]?: (typeof SETTINGS)[K] extends { multiple: true } ? string[] : string };

function settingsBody(v: SettingValues): Record<string, unknown> {
  return {
    ...(v.branch !== undefined ? { branch: v.branch } : {}),
    ...(v.port !== undefined ? { port: int(v.port, '--port') } : {}),
    ...(v.server ? { serverIds: v.server } : {}),
    // `auto` clears the choice: blue-green when DevFlow starts the app on a port, else in-place.
    ...(v.strategy !== undefined ? { strategy: v.strategy === 'auto' ? null : v.strategy } : {}),
    ...(v.start !== undefined ? { startCommand: v.start } : {}),
    ...(v.keep !== undefined ? { keepReleases: int(v.keep, '--keep') } : {}),
    ...(v.healthcheck !== undefined ? { healthcheckPath: v.healthcheck } : {}),
    // `--hostname ""` clears it: every host again.
    ...(v.hostname !== undefined ? { hostname: v.hostname === '' ? null : v.hostname } : {}),
    ...(v['only-after-success'] !== undefined ? { requirePreviousSuccess: onOff(v['only-after-success'], '--only-after-success') } : {}),
  };
}

function onOff(value: string, what: string): boolean {
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw new UsageError(`${what} takes on or off, got "${value}"`);
}

/** `--var KEY=value`, `--var-file .env` (KEY=value lines) and `--unset KEY`, as one PUT body. */
async function variableChanges(v: SettingValues): Promise<Record<string, string | null>> {
  const fromFile = v['var-file'] ? parseEnvLines(await readFile(v['var-file'], 'utf8')) : {};
  const unset = Object.fromEntries((v.unset ?? []).map((k) => [k, null]));
  return { ...fromFile, ...pairs(v.var, '--var'), ...unset };
}

function parseEnvLines(text: string): Record<string, string> {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  return pairs(
    lines.map((l) => l.replace(/^export\s+/, '').replace(/^([^=]+)=(['"])(.*)\2$/, '$1=$3')),
    '--var-file line',
  );
}

async function putVariables(client: ApiClient, project: string, env: string, changes: Record<string, string | null>): Promise<unknown> {
  return client.json(`/api/projects/${p(project)}/environments/${p(env)}/variables`, { method: 'PUT', body: { variables: changes } });
}

/** `devflow envs <project> [list|show|create|set]`. */
export const envs: Command = {
  usage: 'envs <project> [list | show <env> | create <env> [settings] | set <env> [settings]]  settings: --branch --port --server S… --strategy (in-place | blue-green | canary | auto) --start --keep --healthcheck --hostname H --only-after-success on|off --var K=V… --var-file F --unset K…',
  async run(args, ctx) {
    const [project, sub = 'list', ...rest] = args;
    if (!project || project.startsWith('-')) throw new UsageError('missing project: devflow envs <project> [list|show|create|set]');
    const client = await ctx.client();
    const base = `/api/projects/${p(project)}/environments`;
    switch (sub) {
      case 'list': {
        const { values } = parse(rest, {});
        const res = await client.json<{ environments: Record<string, unknown>[] }>(base);
        ctx.out(values.json ? json(res) : table(res.environments.map(envRow), ['name', 'branch', 'strategy', 'port', 'servers', 'live', 'lock']));
        return 0;
      }
      case 'show': {
        const { values, positionals } = parse(rest, {}, 1);
        const res = await client.json<{ environment: Record<string, unknown> }>(`${base}/${p(need(positionals[0], 'environment'))}`);
        ctx.out(values.json ? json(res) : json(envRow(res.environment)));
        return 0;
      }
      case 'create':
      case 'set': {
        const { values, positionals } = parse(rest, SETTINGS, 1);
        const name = need(positionals[0], `environment: devflow envs ${project} ${sub} <env>`);
        const body = settingsBody(values);
        const res =
          sub === 'create'
            ? await client.json<{ environment: Record<string, unknown> }>(base, { method: 'POST', body: { name, ...body } })
            : Object.keys(body).length > 0
              ? await client.json<{ environment: Record<string, unknown> }>(`${base}/${p(name)}`, { method: 'PATCH', body })
              : null;
        const changes = await variableChanges(values);
        const vars = Object.keys(changes).length > 0 ? await putVariables(client, project, name, changes) : null;
        if (!res && !vars) throw new UsageError('nothing to set: give settings (--branch, --port, …) or variables (--var, --unset)');
        if (values.json) ctx.out(json({ ...(res ?? {}), ...(vars ? (vars as object) : {}) }));
        else ctx.out(`${sub === 'create' ? 'Created' : 'Updated'} ${project}/${name}${vars ? ` (variables: ${(vars as { variables: string[] }).variables.join(', ') || 'none'})` : ''}\n`);
        return 0;
      }
      default:
        throw new UsageError(`unknown subcommand "envs ${project} ${sub}"; use list, show, create or set`);
    }
  },
};

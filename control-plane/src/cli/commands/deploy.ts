import type { ApiClient } from '../client.js';
import type { Command } from '../context.js';
import { UsageError } from '../errors.js';
import { finish, follow } from '../follow.js';
import { json } from '../output.js';
import { need, parse } from '../parse.js';

const p = encodeURIComponent;

interface Outcome {
  deployment: { id: string; status: string; reason: string | null; position: number | null; failure: null };
  outcome: 'queued' | 'pending_approval' | 'merged' | 'skipped' | 'failed';
  message?: string;
  /** Rollbacks: which variables apply. */
  variables?: { applies: 'current' | 'snapshot'; changed: string[] | null; note: string };
}

/** `--server` takes names or ids; the API takes ids. */
async function serverIds(client: ApiClient, values: string[] | undefined): Promise<string[] | undefined> {
  if (!values) return undefined;
  const { servers } = await client.json<{ servers: { id: string; name: string }[] }>('/api/servers');
  return values.map((v) => {
    const found = servers.find((s) => s.id === v || s.name === v);
    if (!found) throw new UsageError(`--server ${v}: no such server (see \`devflow servers list\`)`);
    return found.id;
  });
}

/** What to print after the request; exit code 0 only for succeeded (with --follow) or accepted work. */
async function report(client: ApiClient, ctx: Parameters<Command['run']>[1], out: Outcome, what: string, values: { json?: boolean; follow?: boolean }): Promise<number> {
  const d = out.deployment;
  if (out.outcome === 'skipped' || out.outcome === 'failed') {
    if (values.json) ctx.out(json(out));
    return finish(d, ctx, Boolean(values.json));
  }
  if (!values.follow) {
    if (values.json) ctx.out(json(out));
    else if (out.outcome === 'merged') ctx.out(`${what} ${out.message ?? `merged into ${d.id}`}${d.position ? ` (position ${d.position})` : ''}\nFollow it: devflow logs ${d.id} --follow\n`);
    else ctx.out(`${what} ${d.id} ${d.status}${d.position ? ` (position ${d.position})` : ''}\n${out.variables ? `${upper(out.variables.note)}\n` : ''}Follow it: devflow logs ${d.id} --follow\n`);
    return 0;
  }
  if (!values.json) ctx.err(`${what} ${d.id} ${out.outcome}; following its log\n${out.variables ? `${upper(out.variables.note)}\n` : ''}`);
  return follow(client, ctx, d.id, Boolean(values.json));
}

const upper = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export const deploy: Command = {
  usage: 'deploy <project> --env E [--branch B | --commit C] [--skip-migrations] [--skip-cache] [--force [--reason R]] [--server S…] [--follow]  (--force passes a failed previous deployment; over a deploy lock a maintainer or admin forces with --reason; inside a freeze window an admin forces with --reason)',
  async run(args, ctx) {
    const { values, positionals } = parse(args, {
      env: { type: 'string', short: 'e' },
      branch: { type: 'string' },
      commit: { type: 'string' },
      'skip-migrations': { type: 'boolean' },
      'skip-cache': { type: 'boolean' },
      force: { type: 'boolean' },
      reason: { type: 'string' },
      server: { type: 'string', multiple: true },
      follow: { type: 'boolean', short: 'f' },
    }, 1);
    const project = need(positionals[0], 'project: devflow deploy <project> --env E');
    if (values.reason !== undefined && !values.force) throw new UsageError('--reason goes with --force (why the rules are overridden)');
    const env = need(values.env, '--env E (the environment to deploy to)');
    const client = await ctx.client();
    const servers = await serverIds(client, values.server);
    const body = {
      ...(values.branch ? { branch: values.branch } : {}),
      ...(values.commit ? { commit: values.commit } : {}),
      ...(values['skip-migrations'] ? { skipMigrations: true } : {}),
      ...(values['skip-cache'] ? { skipCache: true } : {}),
      ...(values.force ? { force: true } : {}),
      ...(values.reason !== undefined ? { forceReason: values.reason } : {}),
      ...(servers ? { serverIds: servers } : {}),
    };
    const out = await client.json<Outcome>(`/api/projects/${p(project)}/environments/${p(env)}/deployments`, { method: 'POST', body });
    return report(client, ctx, out, 'Deployment', values);
  },
};

export const rollback: Command = {
  usage: 'rollback <project> --env E [--to <deployment>] [--restore-variables] [--down-migration] [--force --reason R] [--follow]  (--force --reason: over a deploy lock, maintainer or admin)',
  async run(args, ctx) {
    const { values, positionals } = parse(args, {
      env: { type: 'string', short: 'e' },
      to: { type: 'string' },
      'restore-variables': { type: 'boolean' },
      'down-migration': { type: 'boolean' },
      force: { type: 'boolean' },
      reason: { type: 'string' },
      follow: { type: 'boolean', short: 'f' },
    }, 1);
    if (values.reason !== undefined && !values.force) throw new UsageError('--reason goes with --force (why the deploy lock is overridden)');
    const project = need(positionals[0], 'project: devflow rollback <project> --env E');
    const env = need(values.env, '--env E');
    const client = await ctx.client();
    const body = {
      ...(values.to ? { toDeploymentId: values.to } : {}),
      ...(values['restore-variables'] ? { restoreVariables: true } : {}),
      ...(values['down-migration'] ? { runDownMigration: true } : {}),
      ...(values.force ? { force: true } : {}),
      ...(values.reason !== undefined ? { forceReason: values.reason } : {}),
    };
    const out = await client.json<Outcome>(`/api/projects/${p(project)}/environments/${p(env)}/rollback`, { method: 'POST', body });
    return report(client, ctx, out, 'Rollback', values);
  },
};

export const cancel: Command = {
  usage: 'cancel <deployment>',
  async run(args, ctx) {
    const { values, positionals } = parse(args, {}, 1);
    const id = need(positionals[0], 'deployment id: devflow cancel <deployment>');
    const res = await (await ctx.client()).json<{ deployment: { id: string; status: string } }>(`/api/deployments/${p(id)}/cancel`, { method: 'POST' });
    const d = res.deployment;
    // A running deployment ends once its agents stopped the running steps, so the answer still says running.
    const said = d.status === 'running' ? `stopping (cancel requested; \`devflow logs ${d.id} --follow\` shows the end)` : d.status;
    ctx.out(values.json ? json(res) : `Deployment ${d.id}: ${said}\n`);
    return 0;
  },
};

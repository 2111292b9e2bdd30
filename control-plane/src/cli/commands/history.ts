import type { Command } from '../context.js';
import { duration, json, table, time } from '../output.js';
import { int, need, parse } from '../parse.js';

const p = encodeURIComponent;

interface Deployment {
  id: string;
  environmentId: string;
  kind: string;
  trigger: string;
  status: string;
  triggeredBy: { email: string } | null;
  requestedBy?: string | null;
  branch: string | null;
  commit: { sha: string; message: string | null } | null;
  position: number | null;
  createdAt: number;
  durationMs: number | null;
  reason: string | null;
}

async function envNames(client: Awaited<ReturnType<Parameters<Command['run']>[1]['client']>>, project: string): Promise<Map<string, string>> {
  const { environments } = await client.json<{ environments: { id: string; name: string }[] }>(`/api/projects/${p(project)}/environments`);
  return new Map(environments.map((e) => [e.id, e.name]));
}

function rows(items: Deployment[], names: Map<string, string>) {
  return items.map((d) => ({
    id: d.id,
    env: names.get(d.environmentId) ?? d.environmentId,
    kind: d.kind,
    status: d.status,
    // The user, a webhook's pusher or the schedule; else how it started (webhook, rollback).
    who: d.triggeredBy?.email ?? d.requestedBy ?? d.trigger,
    branch: d.branch,
    commit: d.commit?.sha.slice(0, 8) ?? null,
    message: (d.commit?.message ?? '').slice(0, 50),
    position: d.position,
    created: time(d.createdAt),
    duration: duration(d.durationMs),
  }));
}

/** `devflow history <project>` with the API's filters. */
export const history: Command = {
  usage: 'history <project> [--env E] [--status S[,S…]] [--user U] [--from DATE] [--to DATE] [--search TEXT] [--page N] [--limit N]',
  async run(args, ctx) {
    const { values, positionals } = parse(args, {
      env: { type: 'string', short: 'e' },
      status: { type: 'string' },
      user: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      search: { type: 'string' },
      page: { type: 'string' },
      limit: { type: 'string' },
    }, 1);
    const project = need(positionals[0], 'project: devflow history <project>');
    const client = await ctx.client();
    const query = {
      environment: values.env,
      status: values.status,
      user: values.user,
      from: values.from,
      to: values.to,
      q: values.search,
      page: int(values.page, '--page'),
      limit: int(values.limit, '--limit'),
    };
    const res = await client.json<{ items: Deployment[]; total: number; page: number; limit: number }>(`/api/projects/${p(project)}/deployments`, { query });
    if (values.json) {
      ctx.out(json(res));
      return 0;
    }
    ctx.out(table(rows(res.items, await envNames(client, project)), ['id', 'env', 'kind', 'status', 'branch', 'commit', 'message', 'created', 'duration']));
    ctx.out(`page ${res.page} of ${Math.max(1, Math.ceil(res.total / res.limit))} (${res.total} deployments)\n`);
    return 0;
  },
};

/** `devflow queue <project>`: the running deployment and the queued ones in order. */
export const queue: Command = {
  usage: 'queue <project>',
  async run(args, ctx) {
    const { values, positionals } = parse(args, {}, 1);
    const project = need(positionals[0], 'project: devflow queue <project>');
    const client = await ctx.client();
    const res = await client.json<{ queue: Deployment[] }>(`/api/projects/${p(project)}/queue`);
    ctx.out(values.json ? json(res) : table(rows(res.queue, await envNames(client, project)), ['position', 'id', 'env', 'kind', 'status', 'branch', 'commit', 'message', 'created']));
    return 0;
  },
};

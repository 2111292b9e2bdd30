import { readFile } from 'node:fs/promises';
import type { Command } from '../context.js';
import { UsageError } from '../errors.js';
import { json, table } from '../output.js';
import { need, parse } from '../parse.js';

const p = encodeURIComponent;

/** `devflow projects create|list|show`. */
export const projects: Command = {
  usage: 'projects list | create <name> --repo URL [--preset node|laravel|static|custom] [--branch B] [--token-file F] [--ssh-key-file F] | show <project>',
  async run(args, ctx) {
    const [sub = 'list', ...rest] = args;
    const client = await ctx.client();
    switch (sub) {
      case 'list': {
        const { values } = parse(rest, {});
        const res = await client.json<{ projects: Record<string, unknown>[] }>('/api/projects');
        ctx.out(values.json ? json(res) : table(res.projects, ['name', 'preset', 'defaultBranch', 'repositoryUrl']));
        return 0;
      }
      case 'create': {
        const { values, positionals } = parse(rest, {
          repo: { type: 'string' },
          preset: { type: 'string' },
          branch: { type: 'string' },
          'token-file': { type: 'string' },
          'ssh-key-file': { type: 'string' },
        }, 1);
        const name = need(positionals[0], 'project name: devflow projects create <name> --repo URL');
        // Secrets come from files, not argv (visible in `ps` and shell history).
        const credentials = {
          ...(values['token-file'] ? { httpsToken: (await readFile(values['token-file'], 'utf8')).trim() } : {}),
          ...(values['ssh-key-file'] ? { sshPrivateKey: await readFile(values['ssh-key-file'], 'utf8') } : {}),
        };
        const body = {
          name,
          repositoryUrl: need(values.repo, '--repo URL'),
          ...(values.preset ? { preset: values.preset } : {}),
          ...(values.branch ? { defaultBranch: values.branch } : {}),
          ...(Object.keys(credentials).length > 0 ? { credentials } : {}),
        };
        const res = await client.json<{ project: { name: string; id: string }; webhook?: { url: string; secret: string } }>('/api/projects', {
          method: 'POST',
          body,
        });
        if (values.json) ctx.out(json(res));
        else {
          ctx.out(`Created project ${res.project.name} (${res.project.id})\n`);
          // The secret is shown once by the API: a CLI that dropped it would force a rotation.
          if (res.webhook) ctx.out(`Push webhook (secret shown once, see README "Webhooks"):\n  URL     ${res.webhook.url}\n  secret  ${res.webhook.secret}\n`);
        }
        return 0;
      }
      case 'show': {
        const { values, positionals } = parse(rest, {}, 1);
        const name = need(positionals[0], 'project: devflow projects show <project>');
        const project = await client.json<{ project: Record<string, unknown> }>(`/api/projects/${p(name)}`);
        const envs = await client.json<{ environments: Record<string, unknown>[] }>(`/api/projects/${p(name)}/environments`);
        if (values.json) {
          ctx.out(json({ ...project, environments: envs.environments }));
          return 0;
        }
        const pr = project.project;
        ctx.out(`${pr.name}  preset=${pr.preset}  branch=${pr.defaultBranch}\nrepository: ${pr.repositoryUrl}\n\n`);
        ctx.out(table(envs.environments.map(envRow), ['name', 'branch', 'strategy', 'port', 'servers', 'live', 'lock']));
        return 0;
      }
      default:
        throw new UsageError(`unknown subcommand "projects ${sub}"; use list, create or show`);
    }
  },
};

export function envRow(e: Record<string, unknown>): Record<string, unknown> {
  const servers = (e.servers as { name: string }[] | undefined)?.map((s) => s.name) ?? [];
  const live = e.liveRelease as { releaseId?: string } | null;
  const lock = e.lock as { reason?: string; byEmail?: string } | null;
  const failed = e.previousFailure as { deploymentId: string; status: string } | null | undefined;
  return {
    ...e, strategy: e.strategy ?? 'auto', servers, live: live?.releaseId ?? null, lock: lock ? `${lock.reason} (${lock.byEmail ?? '?'})` : null,
    ...(e.requirePreviousSuccess === undefined ? {} : {
      onlyAfterSuccess: e.requirePreviousSuccess
        ? `on: webhook and schedule deployments skip while the last deployment failed${failed ? `; now blocked by ${failed.deploymentId} (${failed.status}), deploy with --force` : ''}`
        : 'off',
    }),
  };
}

import type { Command } from '../context.js';
import { json } from '../output.js';
import { need, parse } from '../parse.js';

const p = encodeURIComponent;

interface ApprovalView {
  deployment: { id: string; status: string; reason: string | null; branch: string | null; commit: { sha: string; message: string | null } | null };
  project: string;
  environment: string;
  required: number;
  approvals: { email: string }[];
  expiresAt: number;
}

const line = (a: ApprovalView): string => {
  const commit = a.deployment.commit ? `${a.deployment.commit.sha.slice(0, 12)} ${(a.deployment.commit.message ?? '').split('\n')[0] ?? ''}` : '';
  return `${a.deployment.id}  ${a.project}/${a.environment}  ${a.approvals.length}/${a.required} approved  expires ${new Date(a.expiresAt).toISOString()}  ${commit}\n`;
};

/** `devflow approvals`: deployments waiting for approval. */
export const approvals: Command = {
  usage: 'approvals',
  async run(args, ctx) {
    const { values } = parse(args, {});
    const res = await (await ctx.client()).json<{ approvals: ApprovalView[] }>('/api/approvals');
    if (values.json) ctx.out(json(res));
    else ctx.out(res.approvals.length ? res.approvals.map(line).join('') : 'No deployment is waiting for approval.\n');
    return 0;
  },
};

/** `devflow approve <deployment>`: not your own; queued once enough approvers agreed. */
export const approve: Command = {
  usage: 'approve <deployment>',
  async run(args, ctx) {
    const { values, positionals } = parse(args, {}, 1);
    const id = need(positionals[0], 'deployment: devflow approve <deployment>');
    const res = await (await ctx.client()).json<{ approval: ApprovalView }>(`/api/deployments/${p(id)}/approve`, { method: 'POST' });
    const a = res.approval;
    ctx.out(values.json ? json(res) : `Approved ${id} (${a.approvals.length}/${a.required}); it is ${a.deployment.status}\n`);
    return 0;
  },
};

/** `devflow reject <deployment> [--reason R]`. */
export const reject: Command = {
  usage: 'reject <deployment> [--reason "why"]',
  async run(args, ctx) {
    const { values, positionals } = parse(args, { reason: { type: 'string' } }, 1);
    const id = need(positionals[0], 'deployment: devflow reject <deployment> [--reason R]');
    const body = values.reason ? { reason: values.reason } : {};
    const res = await (await ctx.client()).json<{ approval: ApprovalView }>(`/api/deployments/${p(id)}/reject`, { method: 'POST', body });
    ctx.out(values.json ? json(res) : `Rejected ${id}: ${res.approval.deployment.reason ?? ''}\n`);
    return 0;
  },
};

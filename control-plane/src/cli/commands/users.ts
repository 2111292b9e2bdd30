import type { ApiClient } from '../client.js';
import type { CliContext, Command } from '../context.js';
import { UsageError } from '../errors.js';
import { json, table, time } from '../output.js';
import { need, parse } from '../parse.js';

const p = encodeURIComponent;
const ROLES = ['admin', 'maintainer', 'deployer', 'approver', 'viewer'];

interface UserRow {
  id: string;
  email: string;
  role: string;
  disabled: boolean;
  createdAt: number;
}

/** A user named by email or id. */
async function userId(client: ApiClient, ref: string): Promise<UserRow> {
  const { users } = await client.json<{ users: UserRow[] }>('/api/users');
  const found = users.find((u) => u.id === ref || u.email === ref.toLowerCase());
  if (!found) throw new UsageError(`no user "${ref}" (see \`devflow users list\`)`);
  return found;
}

async function newPassword(ctx: CliContext, stdin: boolean | undefined, email: string): Promise<string> {
  const password = stdin ? (await ctx.readStdin()).replace(/\r?\n$/, '') : (ctx.env.DEVFLOW_NEW_PASSWORD ?? (await ctx.promptSecret(`New password for ${email}: `)));
  if (!password) throw new UsageError('no password: use --password-stdin or DEVFLOW_NEW_PASSWORD when there is no terminal');
  return password;
}

const USAGE = 'users list | add <email> --role R [--password-stdin] | role <user> <role> | disable <user> | enable <user> | remove <user> | reset-password <user> [--password-stdin] | tokens <user> | revoke-token <user> <token id>  (admins; <user> is an email or id)';

/** `devflow users …`: admin user management (API /api/users). */
export const users: Command = {
  usage: USAGE,
  async run(args, ctx) {
    const [sub = 'list', ...rest] = args;
    const client = await ctx.client();
    if (sub === 'list') {
      const { values } = parse(rest, {});
      const res = await client.json<{ users: UserRow[] }>('/api/users');
      const rows = res.users.map((u) => ({ ...u, status: u.disabled ? 'disabled' : 'active', created: time(u.createdAt) }));
      ctx.out(values.json ? json(res) : table(rows, ['email', 'id', 'role', 'status', 'created']));
      return 0;
    }
    if (sub === 'add') {
      const { values, positionals } = parse(rest, { role: { type: 'string' }, 'password-stdin': { type: 'boolean' } }, 1);
      const email = need(positionals[0], 'email: devflow users add <email> --role R');
      const role = need(values.role, `--role (${ROLES.join(', ')})`);
      const password = await newPassword(ctx, values['password-stdin'], email);
      const res = await client.json<{ user: UserRow }>('/api/users', { method: 'POST', body: { email, password, role } });
      ctx.out(values.json ? json(res) : `Added ${res.user.email} (${res.user.id}) as ${res.user.role}\n`);
      return 0;
    }
    if (sub === 'role' || sub === 'disable' || sub === 'enable') {
      const { values, positionals } = parse(rest, {}, sub === 'role' ? 2 : 1);
      const user = await userId(client, need(positionals[0], `user: devflow users ${sub} <user>`));
      const body = sub === 'role' ? { role: need(positionals[1], `role (${ROLES.join(', ')})`) } : { disabled: sub === 'disable' };
      const res = await client.json<{ user: UserRow }>(`/api/users/${p(user.id)}`, { method: 'PATCH', body });
      const said = sub === 'role' ? `is now ${res.user.role}` : sub === 'disable' ? 'is disabled (sessions ended, tokens refused)' : 'is enabled';
      ctx.out(values.json ? json(res) : `${res.user.email} ${said}\n`);
      return 0;
    }
    if (sub === 'remove') {
      const { values, positionals } = parse(rest, {}, 1);
      const user = await userId(client, need(positionals[0], 'user: devflow users remove <user>'));
      await client.raw(`/api/users/${p(user.id)}`, { method: 'DELETE' });
      ctx.out(values.json ? json({ removed: user.id }) : `Removed ${user.email} and their tokens\n`);
      return 0;
    }
    if (sub === 'reset-password') {
      const { values, positionals } = parse(rest, { 'password-stdin': { type: 'boolean' } }, 1);
      const user = await userId(client, need(positionals[0], 'user: devflow users reset-password <user>'));
      const password = await newPassword(ctx, values['password-stdin'], user.email);
      const res = await client.json(`/api/users/${p(user.id)}/password`, { method: 'POST', body: { password } });
      ctx.out(values.json ? json(res) : `New password set for ${user.email}; their sessions ended\n`);
      return 0;
    }
    if (sub === 'tokens') {
      const { values, positionals } = parse(rest, {}, 1);
      const user = await userId(client, need(positionals[0], 'user: devflow users tokens <user>'));
      const res = await client.json<{ tokens: Record<string, unknown>[] }>(`/api/users/${p(user.id)}/tokens`);
      const rows = res.tokens.map((t) => ({ ...t, created: time(t.createdAt), lastUsed: t.lastUsedAt ? time(t.lastUsedAt) : 'never' }));
      ctx.out(values.json ? json(res) : table(rows, ['name', 'id', 'created', 'lastUsed']));
      return 0;
    }
    if (sub === 'revoke-token') {
      const { values, positionals } = parse(rest, {}, 2);
      const user = await userId(client, need(positionals[0], 'user: devflow users revoke-token <user> <token id>'));
      const token = need(positionals[1], 'token id (see `devflow users tokens <user>`)');
      await client.raw(`/api/users/${p(user.id)}/tokens/${p(token)}`, { method: 'DELETE' });
      ctx.out(values.json ? json({ revoked: token }) : `Revoked token ${token} of ${user.email}\n`);
      return 0;
    }
    throw new UsageError(`unknown subcommand "users ${sub}"; use ${USAGE}`);
  },
};

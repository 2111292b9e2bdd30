import { hostname } from 'node:os';
import { ApiClient } from '../client.js';
import { apiUrl, saveCredentials } from '../config.js';
import type { Command } from '../context.js';
import { UsageError } from '../errors.js';
import { json } from '../output.js';
import { parse } from '../parse.js';

/**
 * `devflow login`: logs in with email + password, creates an API token named after this machine,
 * ends the session, and stores url + token (0600). The password is never stored.
 */
export const login: Command = {
  usage: 'login [--url URL] [--email EMAIL] [--password-stdin]',
  async run(args, ctx) {
    const { values } = parse(args, { url: { type: 'string' }, email: { type: 'string' }, 'password-stdin': { type: 'boolean' } });
    const url = apiUrl(values.url ?? ctx.env.DEVFLOW_URL ?? 'http://127.0.0.1:7780', values.url !== undefined ? '--url' : 'DEVFLOW_URL');
    const email = values.email ?? ctx.env.DEVFLOW_EMAIL;
    if (!email) throw new UsageError('missing --email (or DEVFLOW_EMAIL)');
    const password = values['password-stdin']
      ? (await ctx.readStdin()).replace(/\r?\n$/, '')
      : (ctx.env.DEVFLOW_PASSWORD ?? (await ctx.promptSecret(`Password for ${email}: `)));
    if (!password) throw new UsageError('no password: use --password-stdin or DEVFLOW_PASSWORD when there is no terminal');

    const anonymous = new ApiClient(url, null, ctx.fetchImpl);
    const csrf = { 'x-devflow-csrf': '1' };
    const res = await anonymous.raw('/api/auth/login', { method: 'POST', body: { email, password }, headers: csrf });
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const session = { ...csrf, cookie };
    const created = await anonymous.json<{ id: string; token: string }>('/api/tokens', { method: 'POST', body: { name: `devflow CLI on ${hostname()}` }, headers: session });
    await anonymous.raw('/api/auth/logout', { method: 'POST', headers: session });
    await saveCredentials({ url, token: created.token }, ctx.configPath);
    ctx.out(values.json ? json({ url, email, tokenId: created.id, configPath: ctx.configPath }) : `Logged in to ${url} as ${email}; token saved in ${ctx.configPath}\n`);
    return 0;
  },
};

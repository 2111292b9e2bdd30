import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { ApiError, UsageError } from './errors.js';

export interface Credentials {
  url: string;
  token: string;
}

/** `$XDG_CONFIG_HOME/devflow/config.json`, else `~/.config/devflow/config.json`. */
export function configPath(env: Record<string, string | undefined>): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'devflow', 'config.json');
}

/** DEVFLOW_URL + DEVFLOW_TOKEN win over the file written by `devflow login`. */
export async function loadCredentials(env: Record<string, string | undefined>, path = configPath(env)): Promise<Credentials> {
  if (env.DEVFLOW_URL && env.DEVFLOW_TOKEN) return { url: apiUrl(env.DEVFLOW_URL, 'DEVFLOW_URL'), token: env.DEVFLOW_TOKEN };
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new ApiError('not logged in: run `devflow login`, or set DEVFLOW_URL and DEVFLOW_TOKEN', null, 'NOT_LOGGED_IN');
  }
  const data = JSON.parse(text) as Partial<Credentials>;
  if (typeof data.url !== 'string' || typeof data.token !== 'string') {
    throw new ApiError(`${path} has no url/token: run \`devflow login\` again`, null, 'NOT_LOGGED_IN');
  }
  return { url: env.DEVFLOW_URL ? apiUrl(env.DEVFLOW_URL, 'DEVFLOW_URL') : apiUrl(data.url, `the url in ${path}`), token: env.DEVFLOW_TOKEN || data.token };
}

/** The token is a password: the file is 0600 in a 0700 directory. */
export async function saveCredentials(credentials: Credentials, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
}

/** The control plane's base URL without trailing slashes; anything but http(s) is a usage error naming where it came from. */
export function apiUrl(url: string, source: string): string {
  const protocol = URL.canParse(url) ? new URL(url).protocol : null;
  if (protocol !== 'http:' && protocol !== 'https:') throw new UsageError(`${source} must be the control plane's http(s) URL, like http://127.0.0.1:7780; got "${url}"`);
  return url.replace(/\/+$/, '');
}

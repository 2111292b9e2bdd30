import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { AgentError } from './errors.js';
import type { LogLevel } from './logs/logger.js';

/**
 * Configuration is read once at boot, from argv and the environment, into a frozen object that
 * is passed down. Nothing else in the agent reads `process.env`.
 */
export const DEFAULT_DATA_DIR = '/var/lib/devflow-agent';

/** Blue-green switches through the server's nginx instead of the built-in proxy. */
export interface NginxDriverConfig {
  /** Directory for the generated `<app>.conf` upstream files, included by nginx's http block. */
  upstreamDir: string;
  /** How to call nginx (argv; `-t` and `-s reload` are appended). */
  argv: string[];
}

export type AgentConfig =
  | { command: 'enroll'; dataDir: string; logLevel: LogLevel; urls: string[]; token: string; name?: string; labels: string[]; force: boolean }
  | { command: 'run'; dataDir: string; logLevel: LogLevel; nginx?: NginxDriverConfig }
  | { command: 'proxy'; dataDir: string; logLevel: LogLevel; host?: string }
  | { command: 'version' }
  | { command: 'help' };

export const USAGE = `Usage:
  devflow-agent enroll --url URL [--url URL2 ...] --token TOKEN [--name NAME] [--labels a,b] [--data-dir DIR] [--force]
  devflow-agent run [--data-dir DIR] [--nginx-upstream-dir DIR [--nginx-command "nginx -c /etc/nginx/nginx.conf"]]
  devflow-agent proxy [--data-dir DIR] [--host ADDRESS]
  devflow-agent version

Environment:
  DEVFLOW_AGENT_DATA_DIR   data directory (default ${DEFAULT_DATA_DIR})
  DEVFLOW_AGENT_LOG_LEVEL  debug | info | warn | error (default info)

Blue-green traffic goes through the built-in proxy (devflow-agent proxy, started by the agent)
unless --nginx-upstream-dir is given: then the agent writes an nginx upstream per app there,
runs "nginx -t" and "nginx -s reload" (--nginx-command: how to call nginx, split on spaces).

Several control-plane instances: repeat --url or separate URLs with commas; the agent
also keeps the peer URLs the control plane hands out at enrolment, and tries them in turn.`;

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export function loadConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Readonly<AgentConfig> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') return Object.freeze({ command: 'help' });
  if (command === 'version' || command === '--version') return Object.freeze({ command: 'version' });

  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...rest],
      strict: true,
      allowPositionals: false,
      options: {
        'data-dir': { type: 'string' },
        url: { type: 'string', multiple: true },
        token: { type: 'string' },
        name: { type: 'string' },
        labels: { type: 'string' },
        force: { type: 'boolean' },
        host: { type: 'string' },
        'nginx-upstream-dir': { type: 'string' },
        'nginx-command': { type: 'string' },
      },
    }));
  } catch (err) {
    throw new AgentError('USAGE', `${(err as Error).message}\n\n${USAGE}`);
  }
  const logLevel = (env.DEVFLOW_AGENT_LOG_LEVEL ?? 'info') as LogLevel;
  if (!LEVELS.includes(logLevel)) throw new AgentError('USAGE', `DEVFLOW_AGENT_LOG_LEVEL must be one of ${LEVELS.join(', ')}, got "${logLevel}"`);
  const dataDirRaw = str(values['data-dir']) ?? env.DEVFLOW_AGENT_DATA_DIR ?? DEFAULT_DATA_DIR;
  if (dataDirRaw.trim() === '') throw new AgentError('USAGE', '--data-dir / DEVFLOW_AGENT_DATA_DIR must not be empty');
  const dataDir = resolve(dataDirRaw);

  const onlyFor = (allowed: string[]): void => {
    for (const key of ['url', 'token', 'name', 'labels', 'force', 'host', 'nginx-upstream-dir', 'nginx-command']) {
      if (values[key] !== undefined && !allowed.includes(key)) throw new AgentError('USAGE', `--${key} is not valid for "${command}"\n\n${USAGE}`);
    }
  };

  switch (command) {
    case 'enroll': {
      onlyFor(['url', 'token', 'name', 'labels', 'force']);
      const urls = splitUrls(values.url);
      const token = str(values.token);
      if (urls.length === 0) throw new AgentError('USAGE', `enroll needs --url (the control plane's address)\n\n${USAGE}`);
      if (!token) throw new AgentError('USAGE', `enroll needs --token (from "Add server" in the console)\n\n${USAGE}`);
      for (const url of urls) {
        if (!/^https?:\/\/[^\s]+$/i.test(url) || !URL.canParse(url)) throw new AgentError('USAGE', `--url must be an http:// or https:// URL, got "${url}"`);
      }
      const name = str(values.name);
      const labels = (str(values.labels) ?? '').split(',').map((l) => l.trim()).filter((l) => l.length > 0);
      for (const l of labels) {
        if (!/^[A-Za-z0-9._-]{1,64}$/.test(l)) throw new AgentError('USAGE', `label "${l}": use letters, digits, ".", "_" and "-" (at most 64)`);
      }
      return Object.freeze({ command, dataDir, logLevel, urls, token, labels, force: values.force === true, ...(name ? { name } : {}) });
    }
    case 'run': {
      onlyFor(['nginx-upstream-dir', 'nginx-command']);
      const upstreamDir = str(values['nginx-upstream-dir']);
      const nginxCommand = str(values['nginx-command']);
      if (nginxCommand !== undefined && !upstreamDir) throw new AgentError('USAGE', `--nginx-command needs --nginx-upstream-dir (where the upstream files go)\n\n${USAGE}`);
      if (!upstreamDir) return Object.freeze({ command, dataDir, logLevel });
      const argv = (nginxCommand ?? 'nginx').split(/\s+/).filter((a) => a.length > 0);
      if (argv.length === 0) throw new AgentError('USAGE', '--nginx-command must name the nginx binary');
      return Object.freeze({ command, dataDir, logLevel, nginx: { upstreamDir: resolve(upstreamDir), argv } });
    }
    case 'proxy': {
      onlyFor(['host']);
      const host = str(values.host);
      return Object.freeze({ command, dataDir, logLevel, ...(host ? { host } : {}) });
    }
    default:
      throw new AgentError('USAGE', `unknown command "${command}"\n\n${USAGE}`);
  }
}

const str = (v: string | boolean | string[] | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

/** `--url a --url b,c` -> [a, b, c], in order, without duplicates. */
function splitUrls(v: string | boolean | string[] | undefined): string[] {
  const all = (Array.isArray(v) ? v : typeof v === 'string' ? [v] : []).flatMap((u) => u.split(',')).map((u) => u.trim()).filter((u) => u.length > 0);
  return [...new Set(all)];
}

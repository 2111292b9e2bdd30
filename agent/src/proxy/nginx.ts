import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../process/run.js';
import { writeFileAtomic } from '../supervisor/atomic-file.js';

/**
 * nginx driver, for servers that already run nginx in front of their apps: instead of our proxy,
 * the switch rewrites an `upstream` block for the app and reloads nginx (a graceful reload: old
 * workers finish the requests they hold). Setup, once per server:
 *
 *   http {
 *     include /etc/nginx/devflow/*.conf;          # the upstreamDir given to the driver
 *     server {
 *       listen 80;
 *       location / {
 *         proxy_pass http://devflow-shop-prod;     # `devflow-<app>`
 *         proxy_http_version 1.1;
 *         proxy_set_header Connection "";          # keep-alive to the app
 *         proxy_set_header Host $host;
 *         proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
 *       }
 *     }
 *   }
 */
export interface NginxDriverOptions {
  /** Directory of the generated `<app>.conf` upstream files, included by nginx's http block. */
  upstreamDir: string;
  /** How to call nginx: default ['nginx']; e.g. ['nginx', '-p', prefix, '-c', conf] for a private instance. */
  nginxArgv?: readonly string[];
  timeoutMs?: number;
}

export class NginxError extends Error {
  override readonly name = 'NginxError';
}

export const nginxUpstreamName = (app: string) => `devflow-${app}`;
export const nginxUpstreamFile = (upstreamDir: string, app: string) => join(upstreamDir, `${app}.conf`);

export function renderUpstream(app: string, slot: string, targetPort: number): string {
  return [
    `# Written by devflow-agent: app ${app}, slot ${slot}. Do not edit; the next switch rewrites it.`,
    `upstream ${nginxUpstreamName(app)} {`,
    `    server 127.0.0.1:${targetPort};`,
    `    keepalive 32;`,
    `}`,
    '',
  ].join('\n');
}

export async function writeNginxUpstream(upstreamDir: string, app: string, slot: string, targetPort: number): Promise<void> {
  await writeFileAtomic(nginxUpstreamFile(upstreamDir, app), renderUpstream(app, slot, targetPort), 0o644);
}

async function nginx(options: NginxDriverOptions, args: string[]): Promise<{ ok: boolean; output: string }> {
  const lines: string[] = [];
  const argv = [...(options.nginxArgv ?? ['nginx']), ...args];
  const result = await runCommand(argv, { timeoutMs: options.timeoutMs ?? 30_000, onLine: (_s, line) => lines.push(line) });
  const output = result.spawnError ?? lines.join('\n');
  return { ok: result.exitCode === 0, output };
}

/**
 * Points the app's upstream at the slot: write the file, `nginx -t`, `nginx -s reload`. When the
 * test fails, the previous file is put back so nginx keeps its last good configuration.
 */
export async function nginxSwitch(
  options: NginxDriverOptions,
  target: { app: string; slot: string; targetPort: number },
): Promise<{ switchedAt: number; log: string[] }> {
  const file = nginxUpstreamFile(options.upstreamDir, target.app);
  const previous = await readFile(file, 'utf8').catch(() => null);
  await writeNginxUpstream(options.upstreamDir, target.app, target.slot, target.targetPort);

  const test = await nginx(options, ['-t']);
  if (!test.ok) {
    if (previous === null) await rm(file, { force: true });
    else await writeFileAtomic(file, previous, 0o644);
    throw new NginxError(`nginx -t rejected the configuration; ${file} was restored:\n${test.output}`);
  }
  const reload = await nginx(options, ['-s', 'reload']);
  if (!reload.ok) throw new NginxError(`nginx -s reload failed (is nginx running?):\n${reload.output}`);
  return { switchedAt: Date.now(), log: [test.output, reload.output].filter(Boolean) };
}

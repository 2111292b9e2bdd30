import { join } from 'node:path';
import type { Services } from '../services.js';
import { ensureExampleProject, EXAMPLE_ENVIRONMENT, EXAMPLE_PROJECT } from './example-project.js';
import { ensureExampleRepo } from './example-repo.js';
import { LocalAgent, LocalAgentError } from './local-agent.js';
import { findRepoPath } from '../distribution/repo-files.js';

export interface QuickstartOptions {
  services: Services;
  /** Port this control plane listens on (the local agent dials loopback). */
  port: number;
  /** The console URL shown to the user. */
  url: string;
  print: (line: string) => void;
  /** Port of the example app; default 3000 (DEVFLOW_QUICKSTART_PORT). */
  examplePort: number;
  bundle?: string;
  exampleSource?: string;
  /** How long to wait for the local agent to come online before printing the banner. */
  onlineTimeoutMs?: number;
}

export interface Quickstart {
  serverId: string;
  repoPath: string;
  stop(): Promise<void>;
}

/**
 * Quick-start mode (DESIGN "Runtime modes"): a local agent enrolled through the normal flow, and
 * the example project from deploy/examples/node-hello as a local git repository, so a new user
 * can deploy at once. Idempotent across restarts.
 */
export async function startQuickstart(o: QuickstartOptions): Promise<Quickstart> {
  const { services } = o;
  const dataDir = services.config.dataDir;
  const bundle = o.bundle ?? findRepoPath('agent/dist/devflow-agent.js');
  const source = o.exampleSource ?? findRepoPath('deploy/examples/node-hello');
  if (!bundle) throw new LocalAgentError('quick start: agent/dist/devflow-agent.js not found; run `npm run build` (or set DEVFLOW_QUICKSTART=off)');
  if (!source) throw new LocalAgentError('quick start: deploy/examples/node-hello not found next to this installation (or set DEVFLOW_QUICKSTART=off)');

  const repo = await ensureExampleRepo(source, join(dataDir, 'examples', 'node-hello'));
  const agent = new LocalAgent({ bundle, dataDir: join(dataDir, 'agent'), url: `http://127.0.0.1:${o.port}`, servers: services.servers, logger: services.logger });
  await agent.start();
  try {
    await waitOnline(services, agent.serverId, o.onlineTimeoutMs ?? 20_000, agent.logFile);
    const example = await ensureExampleProject(services.db, services.projects, services.environments, { repoPath: repo.path, serverId: agent.serverId, port: o.examplePort });
    banner(o, repo.path, example);
  } catch (err) {
    await agent.stop();
    throw err;
  }
  return { serverId: agent.serverId, repoPath: repo.path, stop: () => agent.stop() };
}

async function waitOnline(services: Services, serverId: string, timeoutMs: number, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await services.servers.get(serverId)).status !== 'online') {
    if (Date.now() > deadline) throw new LocalAgentError(`quick start: the local agent did not come online within ${timeoutMs / 1000} s (its log: ${logFile})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function banner(o: QuickstartOptions, repoPath: string, example: string): void {
  const email = o.services.config.adminEmail;
  const password = o.services.config.adminPassword ? 'DEVFLOW_ADMIN_PASSWORD' : 'the password printed on first start (lost it? start once with DEVFLOW_RESET_ADMIN_PASSWORD=on)';
  o.print('');
  o.print(`DevFlow quick start: console ${o.url}`);
  o.print(`  Log in as ${email} with ${password}.`);
  o.print(`  Local agent "local" is online (data in ${join(o.services.config.dataDir, 'agent')}).`);
  if (example === 'removed by user') {
    o.print('  The example project was deleted; it is not created again.');
  } else {
    o.print(`  Deploy the example: open ${o.url}/projects/${EXAMPLE_PROJECT} or run \`npx devflow deploy ${EXAMPLE_PROJECT} --env ${EXAMPLE_ENVIRONMENT} --follow\``);
    o.print(`  (CLI: \`npx devflow login --url ${o.url} --email ${email}\` first.) It will answer on http://127.0.0.1:${o.examplePort}/`);
    o.print(`  Change it: edit ${join(repoPath, 'message.txt')}, git commit, and deploy again.`);
  }
  o.print('');
}

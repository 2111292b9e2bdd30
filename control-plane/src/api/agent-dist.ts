import { readFile } from 'node:fs/promises';
import { Hono } from 'hono';
import type { AppEnv } from './env.js';
import { AppError, notFound } from '../errors.js';
import { AgentBundle } from '../distribution/agent-bundle.js';
import { findRepoPath } from '../distribution/repo-files.js';

const SYSTEMD_UNITS = new Set(['devflow-agent.service', 'devflow-proxy.service']);

/**
 * What a new server downloads: the install script (with this control plane's URL filled in),
 * the agent bundle and its checksum, and the systemd units. Public: the enrolment token is
 * what authorises a server, and it is passed on the install command line, not here.
 */
export function agentDistributionApi(publicUrl: string, bundle = new AgentBundle()) {
  const app = new Hono<AppEnv>();

  app.get('/install.sh', async (c) => {
    const script = await readDeployFile('install-agent.sh');
    c.header('Content-Type', 'text/x-shellscript; charset=utf-8');
    c.header('Cache-Control', 'no-store');
    return c.body(script.replace('__DEVFLOW_URL__', publicUrl));
  });

  app.get('/agent/download', async (c) => {
    const file = await bundle.load();
    c.header('Content-Type', 'application/javascript');
    c.header('Content-Disposition', 'attachment; filename="devflow-agent.js"');
    c.header('X-DevFlow-Agent-Version', file.version);
    c.header('X-DevFlow-Agent-Sha256', file.sha256);
    return c.body(new Uint8Array(file.bytes));
  });

  app.get('/agent/download.sha256', async (c) => {
    const file = await bundle.load();
    c.header('X-DevFlow-Agent-Version', file.version);
    return c.text(`${file.sha256}  devflow-agent.js\n`);
  });

  app.get('/agent/version', async (c) => {
    const file = await bundle.load();
    return c.json({ version: file.version, sha256: file.sha256 });
  });

  app.get('/agent/systemd/:unit', async (c) => {
    const unit = c.req.param('unit');
    if (!SYSTEMD_UNITS.has(unit)) throw notFound('systemd unit', unit);
    c.header('Content-Type', 'text/plain; charset=utf-8');
    return c.body(await readDeployFile(`systemd/${unit}`));
  });

  return app;
}

async function readDeployFile(name: string): Promise<string> {
  const path = findRepoPath(`deploy/${name}`);
  if (!path) throw new AppError('UNAVAILABLE', `deploy/${name} is missing from this control plane's installation`);
  return readFile(path, 'utf8');
}

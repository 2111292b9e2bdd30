import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentDistributionApi } from './agent-dist.js';
import { AgentBundle } from '../distribution/agent-bundle.js';
import { createApp } from '../app.js';
import { createLogger } from '../logger.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devflow-dist-'));
  await writeFile(join(dir, 'devflow-agent.js'), 'console.log("agent")\n');
  await writeFile(join(dir, 'package.json'), JSON.stringify({ version: '9.8.7' }));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Mounted in the real app shell, so errors map to HTTP statuses as in production. */
function mount(url: string, bundle: AgentBundle) {
  const shell = createApp(createLogger('silent'));
  shell.route('/', agentDistributionApi(url, bundle));
  return shell;
}
const app = () => mount('https://cp.example.test', new AgentBundle(join(dir, 'devflow-agent.js'), join(dir, 'package.json')));

describe('agent distribution', () => {
  it('serves the install script with the public URL filled in', async () => {
    const res = await app().request('/install.sh');
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body.startsWith('#!/bin/sh')).toBe(true);
    expect(body).toContain('DEVFLOW_URL="https://cp.example.test"');
    expect(body).not.toContain('__DEVFLOW_URL__');
  });

  it('serves the bundle and a checksum that matches it', async () => {
    const res = await app().request('/agent/download');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-devflow-agent-version')).toBe('9.8.7');
    const bytes = Buffer.from(await res.arrayBuffer());
    const sum = await (await app().request('/agent/download.sha256')).text();
    expect(sum).toBe(`${createHash('sha256').update(bytes).digest('hex')}  devflow-agent.js\n`);
  });

  it('serves the systemd units and nothing else from deploy/', async () => {
    const unit = await app().request('/agent/systemd/devflow-agent.service');
    expect(unit.status).toBe(200);
    expect(await unit.text()).toContain('NoNewPrivileges=true');
    const other = await app().request('/agent/systemd/..%2F..%2Fetc%2Fpasswd');
    expect(other.status).toBe(404);
  });

  it('says clearly when the agent is not built', async () => {
    const res = await mount('http://x', new AgentBundle(join(dir, 'missing.js'))).request('/agent/download');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { message: expect.stringContaining('npm run build') } });
  });
});

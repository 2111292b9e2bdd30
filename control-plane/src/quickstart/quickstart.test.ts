import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, startTestControlPlane, type TestControlPlane } from '../../test-support/harness.js';
import { startQuickstart, type Quickstart } from './index.js';
import { findRepoPath } from '../distribution/repo-files.js';
import { stopProxies, stopSlotApps } from '../../../test/helpers/apps.js';
import { freePort } from '../../../test/helpers/net.js';

let cp: TestControlPlane;
let qs: Quickstart | undefined;
let printed: string[] = [];
let examplePort: number;

const agentDir = () => join(cp.dataDir, 'agent');
const start = () =>
  startQuickstart({ services: cp.services, port: cp.port, url: cp.url, print: (l) => printed.push(l), examplePort, onlineTimeoutMs: 30_000 });

beforeAll(async () => {
  if (!findRepoPath('agent/dist/devflow-agent.js')) throw new Error('agent/dist/devflow-agent.js is not built: run `npm run build` first');
  cp = await startTestControlPlane({ DEVFLOW_HEARTBEAT_INTERVAL_MS: '500', DEVFLOW_MIN_FREE_DISK_BYTES: '1' });
  examplePort = await freePort(); // its default slot ports (+1, +2) are free too
});
afterAll(async () => {
  await qs?.stop();
  // The example's slots and the traffic proxy run detached (they outlive agent restarts by design).
  stopSlotApps(cp.dataDir);
  stopProxies(cp.dataDir);
  await cp.dispose();
});

describe('quick start', () => {
  it('enrols a local agent and creates the example project as a local git repository', async () => {
    qs = await start();
    const servers = await cp.services.servers.list();
    expect(servers).toEqual([expect.objectContaining({ name: 'local', status: 'online', enrolled: true })]);
    const env = await cp.services.environments.get('example', 'production');
    expect(env).toMatchObject({ port: examplePort, branch: 'main', servers: [{ name: 'local', status: 'online' }] });
    expect((await cp.services.projects.get('example')).preset).toBe('node');
    expect(qs.repoPath).toBe(join(cp.dataDir, 'examples', 'node-hello'));
    expect(execFileSync('git', ['log', '--format=%s'], { cwd: qs.repoPath, encoding: 'utf8' }).trim()).toBe('node-hello: the DevFlow quick-start example');
    expect(printed.join('\n')).toContain(`Deploy the example: open ${cp.url}/projects/example or run \`npx devflow deploy example --env production --follow\``);
  });

  it('deploys the example, and a commit to the local repository deploys again', async () => {
    const token = await adminToken(cp);
    const deploy = async (): Promise<{ status: string; reason: string | null }> => {
      const res = await cp.app.request('/api/projects/example/environments/production/deployments', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      });
      const { deployment } = (await res.json()) as { deployment: { id: string } };
      for (;;) {
        const d = await cp.services.engine.store.get(deployment.id);
        if (['succeeded', 'failed', 'cancelled', 'timed_out', 'skipped'].includes(d.status)) return d;
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    expect(await deploy()).toMatchObject({ status: 'succeeded' });
    // The default strategy for a node app on a port: blue-green, the traffic proxy on the example's port.
    expect((await cp.services.environments.get('example', 'production')).strategy).toBeNull();
    expect(existsSync(join(agentDir(), 'apps', 'example-production', 'slots', 'blue.json'))).toBe(true);
    expect(readFileSync(join(agentDir(), 'proxy-routes.json'), 'utf8')).toContain(`"listenPort": ${examplePort}`);
    const first = (await (await fetch(`http://127.0.0.1:${examplePort}/version.json`)).json()) as { message: string; commit: string };
    expect(first.message).toBe('Hello from DevFlow!');

    writeFileSync(join(qs!.repoPath, 'message.txt'), 'Second version\n');
    execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.test', 'commit', '-qam', 'second'], { cwd: qs!.repoPath });
    expect(await deploy()).toMatchObject({ status: 'succeeded' });
    const second = (await (await fetch(`http://127.0.0.1:${examplePort}/version.json`)).json()) as { message: string; commit: string };
    expect(second.message).toBe('Second version');
    expect(second.commit).not.toBe(first.commit);
    expect(existsSync(join(agentDir(), 'apps', 'example-production', 'slots', 'green.json'))).toBe(true);
  });

  it('is idempotent across restarts: same server, no second project; a deleted example stays deleted', async () => {
    const serverId = qs!.serverId;
    await qs!.stop();
    printed = [];
    qs = await start();
    expect(qs.serverId).toBe(serverId);
    expect((await cp.services.servers.list()).map((s) => s.name)).toEqual(['local']);
    expect((await cp.services.projects.list()).map((p) => p.name)).toEqual(['example']);
    expect(execFileSync('git', ['log', '--format=%s'], { cwd: qs.repoPath, encoding: 'utf8' }).trim().split('\n')).toHaveLength(2);

    await cp.services.projects.remove('system', 'example');
    await qs.stop();
    printed = [];
    qs = await start();
    expect(await cp.services.projects.find('example')).toBeNull();
    expect(printed.join('\n')).toContain('The example project was deleted; it is not created again.');
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { adminSession, getServer, startControlPlaneProcess } from '../helpers/control-plane.js';
import { freePortRun } from '../helpers/net.js';
import { stopAll } from '../helpers/processes.js';
import { AGENT_BIN, requireBuilt } from '../helpers/repo.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const agentPid = (dataDir: string) => Number(readFileSync(join(dataDir, 'agent', 'agent.pid'), 'utf8').trim());
let leftover: number | undefined;

afterEach(async () => {
  await stopAll();
  if (leftover !== undefined && alive(leftover)) process.kill(leftover, 'SIGKILL');
});
afterAll(removeTempDirs);

/** `npm start` killed with kill -9: its local agent keeps running like an agent on a real server, and the next start adopts it. */
describe('quick start after kill -9 of the control plane', () => {
  it('the local agent survives, is adopted (not started twice) by the next start, and stops with a clean stop', async () => {
    requireBuilt(AGENT_BIN);
    const dataDir = tempDir('devflow-qs-');
    const env = { DEVFLOW_QUICKSTART: 'on', DEVFLOW_QUICKSTART_PORT: String(await freePortRun(3)), DEVFLOW_HEARTBEAT_INTERVAL_MS: '500', DEVFLOW_MIN_FREE_DISK_BYTES: '1' };
    const first = await startControlPlaneProcess({ dataDir, env });
    await first.process.waitForLine(/Local agent "local" is online/, 60_000);
    const pid = agentPid(dataDir);
    leftover = pid;

    first.process.kill('SIGKILL');
    await first.process.exited;
    await new Promise((r) => setTimeout(r, 2000));
    expect(alive(pid)).toBe(true);
    expect(readFileSync(join(dataDir, 'agent', 'agent.log'), 'utf8')).toMatch(/agent started/);

    const second = await startControlPlaneProcess({ dataDir, port: first.port, env });
    await second.process.waitForLine(/Local agent "local" is online/, 60_000);
    expect(agentPid(dataDir)).toBe(pid);
    const headers = await adminSession(second.url);
    const servers = (await (await fetch(`${second.url}/api/servers`, { headers })).json()) as { servers: { id: string; name: string }[] };
    expect(servers.servers.map((s) => s.name)).toEqual(['local']);
    expect((await getServer(second.url, headers, servers.servers[0]!.id)).status).toBe('online');

    await second.process.stop();
    expect(second.process.exit).toEqual({ code: 0, signal: null });
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(dataDir, 'agent', 'agent.pid'))).toBe(false);
  }, 120_000);
});

import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startControlPlaneProcess } from '../helpers/control-plane.js';
import { spawnNode, stopAll } from '../helpers/processes.js';
import { CONTROL_PLANE_MAIN } from '../helpers/repo.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';

afterEach(stopAll);
afterAll(removeTempDirs);

describe('node control-plane/dist/main.js', () => {
  it('boots on PORT=0, prints the bound URL and a generated admin password once, serves /healthz, stops on SIGTERM', async () => {
    const dataDir = tempDir();
    const cp = await startControlPlaneProcess({ dataDir, env: { DEVFLOW_ADMIN_PASSWORD: '' } });
    expect(cp.port).toBeGreaterThan(0);
    const admin = await cp.process.waitForLine(/^Admin: (\S+) \/ (\S+)$/);
    const health = await fetch(`${cp.url}/healthz`);
    expect(await health.json()).toMatchObject({ status: 'ok', db: 'ok' });
    const login = await fetch(`${cp.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-devflow-csrf': '1' },
      body: JSON.stringify({ email: admin[1], password: admin[2] }),
    });
    expect(login.status).toBe(200);
    await cp.process.stop();
    expect(cp.process.exit).toEqual({ code: 0, signal: null });

    // Second start on the same data dir: no new password printed.
    const again = await startControlPlaneProcess({ dataDir, env: { DEVFLOW_ADMIN_PASSWORD: '' } });
    expect(again.process.lines.some((l) => l.startsWith('Admin:'))).toBe(false);
    await again.process.stop();

    // A lost password: one start with DEVFLOW_RESET_ADMIN_PASSWORD=on prints a new one; the old one stops working.
    const reset = await startControlPlaneProcess({ dataDir, env: { DEVFLOW_ADMIN_PASSWORD: '', DEVFLOW_RESET_ADMIN_PASSWORD: 'on' } });
    const fresh = await reset.process.waitForLine(/^Admin password reset .*: (\S+) \/ (\S+)$/);
    expect(fresh[1]).toBe(admin[1]);
    const tryLogin = (password: string | undefined) =>
      fetch(`${reset.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-devflow-csrf': '1' },
        body: JSON.stringify({ email: admin[1], password }),
      });
    expect((await tryLogin(admin[2])).status).toBe(401);
    expect((await tryLogin(fresh[2])).status).toBe(200);
  });

  it('refuses a wrong variable at start-up with a message naming it', async () => {
    const p = spawnNode('control-plane', CONTROL_PLANE_MAIN, [], { PORT: 'eighty', DEVFLOW_DATA_DIR: tempDir() });
    await p.exited;
    expect(p.exit?.code).toBe(78);
    expect(p.lines.join('\n')).toMatch(/PORT: .*eighty/);
  });
});

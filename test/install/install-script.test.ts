import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addServer, adminSession, getServer, startControlPlaneProcess, type RunningControlPlane } from '../helpers/control-plane.js';
import { stopAll } from '../helpers/processes.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

/**
 * The one-command install, run as a user would: `curl … | sh -s -- --token T`, against a real
 * control plane on loopback. --no-systemd because no init system runs here.
 */

interface ShellResult {
  code: number | null;
  output: string;
}

const startedGroups: number[] = [];

/** `sh -c <line>` in its own process group, so the agent it leaves running can be stopped afterwards. */
function shell(line: string): Promise<ShellResult> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', line], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid) startedGroups.push(child.pid);
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    // The background agent inherits the pipes; resolve when the shell itself exits.
    child.once('exit', (code) => resolve({ code, output }));
  });
}

/** The console's install line, adapted as documented for a machine without systemd. */
function asUserWouldRun(installCommand: string, dataDir: string): string {
  expect(installCommand).toMatch(/^curl -fsSL \S+\/install\.sh \| sudo sh -s -- --token \S+/);
  return `${installCommand.replace('| sudo sh', '| sh')} --no-systemd --data-dir ${dataDir}`;
}

function agentPid(dataDir: string): number {
  return Number(readFileSync(join(dataDir, 'agent.pid'), 'utf8').trim());
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let cp: RunningControlPlane;
let headers: Record<string, string>;
let tamperer: Server | undefined;

beforeAll(async () => {
  cp = await startControlPlaneProcess();
  headers = await adminSession(cp.url);
});

afterAll(async () => {
  for (const pgid of startedGroups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // group already gone
    }
  }
  tamperer?.close();
  await stopAll();
  removeTempDirs();
});

describe('install-agent.sh', () => {
  let dataDir: string;
  let serverId: string;
  let firstPid: number;

  it('installs, enrols and brings the server online from the console\'s install line', async () => {
    const server = await addServer(cp.url, 'installed-1');
    serverId = server.id;
    dataDir = join(tempDir('devflow-install-'), 'agent');
    const started = Date.now();
    const r = await shell(asUserWouldRun(server.installCommand, dataDir));
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('enrolled with');
    expect(r.output).toContain('agent running in the background');
    await waitFor('server online', async () => (await getServer(cp.url, headers, serverId)).status === 'online', 15_000);
    console.log(`install line -> online: ${Date.now() - started} ms`);
    expect(existsSync(join(dataDir, 'bin', 'devflow-agent.js'))).toBe(true);
    expect((await import('node:fs')).statSync(dataDir).mode & 0o777).toBe(0o700);
    firstPid = agentPid(dataDir);
    expect(alive(firstPid)).toBe(true);
  });

  it('running it again upgrades in place without a new enrolment', async () => {
    const before = JSON.parse(readFileSync(join(dataDir, 'agent.json'), 'utf8')) as { agentId: string };
    const listBefore = (await (await fetch(`${cp.url}/api/servers`, { headers })).json()) as { servers: unknown[] };
    // The token was single-use: a second enrolment would be refused, so success proves none was attempted.
    const server = (await (await fetch(`${cp.url}/api/servers/${serverId}`, { headers })).json()) as { server: { id: string } };
    expect(server.server.id).toBe(serverId);
    const line = `curl -fsSL ${cp.url}/install.sh | sh -s -- --token already-used --no-systemd --data-dir ${dataDir}`;
    const r = await shell(line);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('already enrolled');
    const after = JSON.parse(readFileSync(join(dataDir, 'agent.json'), 'utf8')) as { agentId: string };
    expect(after.agentId).toBe(before.agentId);
    const newPid = agentPid(dataDir);
    expect(newPid).not.toBe(firstPid);
    await waitFor('old agent stopped', () => !alive(firstPid), 10_000);
    await waitFor('server online again', async () => (await getServer(cp.url, headers, serverId)).status === 'online', 15_000);
    const listAfter = (await (await fetch(`${cp.url}/api/servers`, { headers })).json()) as { servers: unknown[] };
    expect(listAfter.servers.length).toBe(listBefore.servers.length);
  });

  it('refuses a bad token with the control plane\'s message and leaves nothing behind', async () => {
    const target = join(tempDir('devflow-install-'), 'agent');
    // Starts with "-" on purpose: it must reach the control plane as a token, not be taken for an option.
    const r = await shell(`curl -fsSL ${cp.url}/install.sh | sh -s -- --token -not-a-real-token --no-systemd --data-dir ${target}`);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/enrolment was refused/);
    expect(r.output).toMatch(/token/i);
    expect(r.output).not.toMatch(/ambiguous|Usage:/);
    expect(existsSync(target)).toBe(false);
  });

  it('refuses a download whose checksum does not match and changes nothing', async () => {
    // A man in the middle that serves the real script and checksum but a tampered bundle.
    tamperer = createServer(async (req, res) => {
      const upstream = await fetch(`${cp.url}${req.url ?? '/'}`);
      let body = Buffer.from(await upstream.arrayBuffer());
      if (req.url === '/agent/download') body = Buffer.concat([body, Buffer.from('\n;require("child_process").execSync("id")\n')]);
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'text/plain' });
      res.end(body);
    });
    await new Promise<void>((resolve) => tamperer!.listen(0, '127.0.0.1', resolve));
    const address = tamperer.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const { enrollToken } = await addServer(cp.url, 'tampered');
    const target = join(tempDir('devflow-install-'), 'agent');
    const r = await shell(`curl -fsSL ${cp.url}/install.sh | sh -s -- --url http://127.0.0.1:${port} --token ${enrollToken} --no-systemd --data-dir ${target}`);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('checksum mismatch');
    expect(existsSync(target)).toBe(false);
  });

  it('says clearly when the control plane cannot be reached', async () => {
    const target = join(tempDir('devflow-install-'), 'agent');
    const r = await shell(`curl -fsSL ${cp.url}/install.sh | sh -s -- --url http://127.0.0.1:1 --token x --no-systemd --data-dir ${target}`);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('could not download the agent');
    expect(existsSync(target)).toBe(false);
  });

  it('uninstalls: the agent stops and the server goes offline', async () => {
    const pid = agentPid(dataDir);
    const r = await shell(`curl -fsSL ${cp.url}/install.sh | sh -s -- --uninstall --no-systemd --data-dir ${dataDir}`);
    expect(r.code, r.output).toBe(0);
    await waitFor('agent stopped', () => !alive(pid), 10_000);
    expect(existsSync(join(dataDir, 'bin'))).toBe(false);
    expect(existsSync(join(dataDir, 'agent.json'))).toBe(true);
    await waitFor('server offline', async () => (await getServer(cp.url, headers, serverId)).status === 'offline', 30_000);
  });
});

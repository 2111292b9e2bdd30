import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostFacts } from '@devflow/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../control-plane/src/cli/run.js';
import { adminToken, jsonHeaders, loginCookie, startTestControlPlane, type TestControlPlane } from '../../control-plane/test-support/harness.js';

/** `devflow approvals / approve / reject` against a real in-process control plane. */
let cp: TestControlPlane;
let home: string;
let admin: string;
let approver: string;

async function cli(token: string, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    env: { HOME: home, DEVFLOW_URL: cp.url, DEVFLOW_TOKEN: token },
    out: (t) => (out += t),
    err: (t) => (err += t),
    configPath: join(home, 'config.json'),
    readStdin: async () => '',
    promptSecret: async () => null,
    fetchImpl: fetch,
  });
  return { code, out, err };
}

beforeAll(async () => {
  cp = await startTestControlPlane({ DEVFLOW_MIN_FREE_DISK_BYTES: '1' });
  admin = await adminToken(cp);
  const s = cp.services;
  await s.users.create('rita@test.local', 'rita approves things', 'approver');
  const cookie = await loginCookie(cp, 'rita@test.local', 'rita approves things');
  approver = ((await (await cp.app.request('/api/tokens', { method: 'POST', headers: jsonHeaders(cookie), body: JSON.stringify({ name: 'cli' }) })).json()) as { token: string }).token;
  home = mkdtempSync(join(tmpdir(), 'devflow-approvals-cli-'));
  const repo = join(home, 'site');
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  writeFileSync(join(repo, 'index.html'), 'hi');
  execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.test', 'add', '.'], { cwd: repo });
  execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.test', 'commit', '-q', '-m', 'first page'], { cwd: repo });
  const host: HostFacts = { hostname: 'h', os: 'linux', platform: 'linux', arch: 'x64', cpus: 2, memoryBytes: 2 ** 31, diskFreeBytes: 2 ** 40, dataDir: '/srv', nodeVersion: 'v20.20.0' };
  const server = await s.servers.create('system', { name: 'web-1' });
  await s.servers.markOnline(server.id, 'conn_1', '0.1.0', host);
  const project = await s.projects.create('system', { name: 'site', repositoryUrl: repo, preset: 'static' });
  await s.environments.create('system', project.id, { name: 'production', serverIds: [server.id], approval: { required: true } });
});

afterAll(async () => {
  await cp?.dispose();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('devflow approvals, approve, reject', () => {
  it('deploy answers pending_approval; the list shows it; the requester cannot approve (exit 3); an approver can', async () => {
    const dep = await cli(admin, ['deploy', 'site', '--env', 'production', '--json']);
    expect(dep.code).toBe(0);
    const id = (JSON.parse(dep.out) as { deployment: { id: string }; outcome: string }).deployment.id;
    expect(JSON.parse(dep.out).outcome).toBe('pending_approval');

    const list = await cli(approver, ['approvals']);
    expect(list.out).toMatch(new RegExp(`^${id}  site/production  0/1 approved  expires \\S+  [0-9a-f]{12} first page\\n$`));

    const own = await cli(admin, ['approve', id]);
    expect(own.code).toBe(3);
    expect(own.err).toMatch(/approvers cannot approve their own deployment/);

    const ok = await cli(approver, ['approve', id]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(new RegExp(`^Approved ${id} \\(1/1\\); it is (queued|running|failed)\\n$`));
    expect((await cli(approver, ['approvals'])).out).toBe('No deployment is waiting for approval.\n');
  });

  it('reject --reason ends it rejected', async () => {
    const id = (JSON.parse((await cli(admin, ['deploy', 'site', '--env', 'production', '--json'])).out) as { deployment: { id: string } }).deployment.id;
    const res = await cli(approver, ['reject', id, '--reason', 'not on a Friday']);
    expect([res.code, res.out]).toEqual([0, `Rejected ${id}: rejected by rita@test.local: not on a Friday\n`]);
    expect((await cli(approver, ['reject', id])).code).toBe(3);
  });
});

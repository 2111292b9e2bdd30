import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostFacts } from '@devflow/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControlPlane, type TestControlPlane } from '../../test-support/harness.js';

/** The schedule service in an embedded control plane (memory scheduler, real database). */
let cp: TestControlPlane;
let repo: string;
beforeAll(async () => {
  cp = await startTestControlPlane({ DEVFLOW_MIN_FREE_DISK_BYTES: '1' });
  repo = mkdtempSync(join(tmpdir(), 'devflow-schedules-'));
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.test', ...args], { cwd: repo });
  git('init', '-q', '-b', 'main');
  writeFileSync(join(repo, 'index.html'), 'hi');
  git('add', '.');
  git('commit', '-q', '-m', 'nightly build');
});
afterAll(async () => {
  await cp.dispose();
  rmSync(repo, { recursive: true, force: true });
});

describe('scheduled deployments', () => {
  it('handles a tick delivered twice once, and records why a tick made no deployment', async () => {
    const { schedules, db } = cp.services;
    const tick = new Date('2030-01-01T03:00:00.000Z');
    const definition = { id: 'env:env_gone', cron: '0 3 * * *', data: { environmentId: 'env_gone' } };
    await Promise.all([schedules.fire(definition, tick), schedules.fire(definition, tick)]);
    const rows = (await db.execute("SELECT outcome, error, deployment_id FROM schedule_fires WHERE environment_id = 'env_gone'")).rows;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'error', error: 'the schedule was removed or disabled', deployment_id: null });
  });

  it('a tick while the same commit still waits for approval joins that request instead of adding one per tick; a person still asks on their own', async () => {
    const { schedules, servers, projects, environments, engine, db } = cp.services;
    const server = await servers.create('system', { name: 'nightly-1' });
    const host: HostFacts = { hostname: 'h', os: 'linux', platform: 'linux', arch: 'x64', cpus: 2, memoryBytes: 2 ** 31, diskFreeBytes: 2 ** 40, dataDir: '/srv', nodeVersion: 'v20.20.0' };
    await servers.markOnline(server.id, 'conn_nightly', '0.1.0', host);
    const project = await projects.create('system', { name: 'nightly', repositoryUrl: repo, preset: 'static' });
    const env = await environments.create('system', project.id, { name: 'staging', serverIds: [server.id], approval: { required: true } });
    await schedules.set('system', 'nightly', 'staging', { cron: '0 3 * * *' });
    const definition = { id: `env:${env.id}`, cron: '0 3 * * *', data: { environmentId: env.id } };
    await schedules.fire(definition, new Date('2030-01-01T03:00:00.000Z'));
    await schedules.fire(definition, new Date('2030-01-02T03:00:00.000Z'));
    const fires = (await db.execute({ sql: 'SELECT outcome, deployment_id FROM schedule_fires WHERE environment_id = ? ORDER BY fired_at', args: [env.id] })).rows;
    expect(fires.map((f) => f.outcome)).toEqual(['pending_approval', 'merged']);
    expect(fires[1]?.deployment_id).toBe(fires[0]?.deployment_id);
    const manual = await engine.requests.deploy('usr_someone', project.id, env.id, {});
    expect(manual.outcome).toBe('pending_approval');
    const pending = (await db.execute({ sql: "SELECT COUNT(*) AS n FROM deployments WHERE environment_id = ? AND status = 'pending_approval'", args: [env.id] })).rows[0];
    expect(Number(pending?.n)).toBe(2);
  });

  it('answers 404 for a schedule of an unknown project or environment', async () => {
    const { schedules } = cp.services;
    await expect(schedules.set('usr_x', 'nope', 'production', { cron: '0 3 * * *' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('keeps the scheduler in step with the database: registrations nobody stores are dropped', async () => {
    const { schedules, scheduler } = cp.services;
    await scheduler.upsert({ id: 'env:orphan', cron: '0 3 * * *', data: { environmentId: 'orphan' } });
    await schedules.sync();
    expect((await scheduler.list()).map((s) => s.id)).not.toContain('env:orphan');
  });
});

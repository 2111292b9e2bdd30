import { describe, expect, it } from 'vitest';
import * as norm from '../../web/src/api/normalize.js';

/** The engine's answers (shapes from control-plane/src/*) turned into what the console's pages read. */
describe('normalising API answers', () => {
  it('reads an environment with server objects, variable names, a lock and a live release', () => {
    const env = norm.environment({
      id: 'env_1', projectId: 'prj_1', project: 'shop', name: 'production', branch: 'main', strategy: 'blue-green',
      port: 3000, startCommand: null, healthcheckPath: '/up', keepReleases: 5, pipeline: { build: 'npm run build' }, autoRollback: true,
      servers: [{ id: 'srv_1', name: 'web-1', status: 'online' }], variables: ['APP_KEY', 'DB_URL'],
      lock: { by: 'usr_1', byEmail: 'ada@example.test', reason: 'freeze', since: 1_700_000_000_000 },
      liveRelease: { deploymentId: 'dep_1', releaseId: 'r1', commit: 'abc1234def', activatedAt: 1_700_000_100_000, serverIds: ['srv_1'] },
      slotPorts: { blue: 3001, green: 3002 }, autoDeploy: true, approval: { required: true, approvers: 2, expiresAfterSeconds: 3600 },
    });
    expect(env).toMatchObject({
      serverIds: ['srv_1'], variables: ['APP_KEY', 'DB_URL'], strategy: 'blue-green', keepReleases: 5, autoRollback: true,
      slotPorts: { blue: 3001, green: 3002 }, autoDeploy: true, approval: { required: true, approvers: 2, expiresAfterSeconds: 3600 },
      lock: { by: 'ada@example.test', reason: 'freeze', since: 1_700_000_000_000 },
      liveRelease: { deploymentId: 'dep_1', commit: 'abc1234def', at: 1_700_000_100_000 },
      pipeline: { build: 'npm run build' },
    });
  });

  it('reads a deployment detail with its names, requester, steps keyed by step id and the queue position', () => {
    const d = norm.deployment({
      id: 'dep_2', projectId: 'prj_1', projectName: 'shop', environmentId: 'env_1', environmentName: 'production', kind: 'deploy', trigger: 'manual',
      userId: 'usr_1', triggeredBy: { id: 'usr_1', email: 'ada@example.test' }, branch: 'main',
      commit: { sha: 'abc1234def', message: null, author: 'Ada' }, options: { force: true }, status: 'queued', reason: null, failure: null,
      position: 2, rollbackOf: null, createdAt: 1, startedAt: null, finishedAt: null, durationMs: null,
      targets: [{ serverId: 'srv_1', serverName: 'web-1', status: 'pending', steps: [{ stepId: 'stp_9', idx: 0, stage: 'fetch', name: 'git fetch', status: 'pending', exitCode: null }] }],
    });
    expect(d).toMatchObject({ projectName: 'shop', environmentName: 'production', queuePosition: 2, triggeredBy: { id: 'usr_1', email: 'ada@example.test' }, options: { force: true } });
    expect(d.commit).toEqual({ sha: 'abc1234def', message: '', author: 'Ada', date: undefined });
    expect(d.targets?.[0]?.steps[0]).toMatchObject({ id: 'stp_9', stage: 'fetch', name: 'git fetch', status: 'pending' });
    // A webhook's deployment has no requester.
    expect(norm.deployment({ id: 'dep_3', projectId: 'prj_1', environmentId: 'env_1', trigger: 'webhook', userId: null, triggeredBy: null }).triggeredBy).toBeNull();
  });

  it('reads a release row (byRelease) as a rollback candidate', () => {
    const r = norm.release({
      releaseId: 'r1', deploymentId: 'dep_1', status: 'previous', commit: { sha: 'abc1234', message: 'Fix', author: 'Ada' }, branch: 'main',
      deployedBy: { id: 'usr_1', email: 'ada@example.test' }, createdAt: 5, activatedAt: 6, hasVariablesSnapshot: true,
      servers: [{ id: 'srv_1', name: 'web-1', status: 'previous' }],
    });
    expect(r).toMatchObject({ deploymentId: 'dep_1', status: 'previous', hasVariablesSnapshot: true, commit: { sha: 'abc1234', message: 'Fix' }, deployedBy: { email: 'ada@example.test' } });
    expect(r.servers).toEqual([{ id: 'srv_1', name: 'web-1', status: 'previous' }]);
  });

  it('reads a project of the list with environment summaries whose live release carries the commit message', () => {
    const p = norm.projectSummary({
      id: 'prj_1', name: 'shop', repositoryUrl: '/srv/shop', preset: 'node', defaultBranch: 'main', credentials: { sshPrivateKey: false, httpsToken: true },
      environments: [{ id: 'env_1', name: 'production', branch: 'main', strategy: 'in-place', autoDeploy: false, lock: null,
        liveRelease: { deploymentId: 'dep_1', releaseId: 'r1', commit: 'abc1234', commitMessage: 'Fix checkout', activatedAt: 7, by: 'ada@example.test', serverIds: ['srv_1'] } }],
    });
    expect(p.environments[0]?.liveRelease).toMatchObject({ commit: { sha: 'abc1234', message: 'Fix checkout' }, at: 7, by: 'ada@example.test' });
  });

  it('reads commits from the repository endpoint', () => {
    expect(norm.commit({ sha: 'abc1234', message: 'Fix checkout', author: 'Ada <ada@example.test>', committedAt: '2026-01-01T00:00:00Z' })).toEqual({
      sha: 'abc1234', message: 'Fix checkout', author: 'Ada <ada@example.test>', date: '2026-01-01T00:00:00Z',
    });
    expect(norm.commit(null)).toBeNull();
  });
});

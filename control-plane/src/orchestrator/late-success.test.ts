import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactVerify, importJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StepRunPayload, type StepResult } from '@devflow/protocol';
import { AgentPeer, type PeerSocket } from '../../test-support/agent-peer.js';
import { adminToken, startTestControlPlane, type TestControlPlane } from '../../test-support/harness.js';

/**
 * Server b's install fails while server a is still fetching; a's fetch is cancelled, but it had
 * already finished and answers `succeeded`. The deployment must name b's install (exit code 3) as
 * the failure — not a's fetch, which is what it reported when the cancelled step came back
 * successful (the deploy test failed that way once dispatch got faster).
 */
let cp: TestControlPlane;
let token: string;
let upstream: string;
let sockets: PeerSocket[] = [];
let a: AgentPeer;
let b: AgentPeer;

const api = async (path: string, init: { method?: string; body?: unknown } = {}) => {
  const res = await cp.app.request(`/api${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

const result = (status: StepResult['status'], exitCode: number | null, error?: string): StepResult => ({
  status, exitCode, signal: null, durationMs: 1, lastSeq: 0, ...(error ? { error } : {}),
});

/** The deployment once it finished (or as it stands after 30 s). */
async function finished(id: string): Promise<Record<string, any>> {
  let d: Record<string, any> = {};
  for (const until = Date.now() + 30_000; Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
    d = (await api(`/deployments/${id}`)).body.deployment;
    if (d.finishedAt) break;
  }
  return d;
}

type Answer = (kind: string, stepId: string) => Promise<StepResult>;
/** Each test sets how its agents answer. */
const answers = new Map<PeerSocket, Answer>();

/** Answers every step.run through the socket's current answer until the socket closes. */
function serve(peer: AgentPeer, s: PeerSocket): void {
  void (async () => {
    const key = await importJWK(peer.controlPlanePublicKey, 'EdDSA');
    for (;;) {
      const run = await s.next('step.run', () => true, 60_000).catch(() => null);
      if (!run) return;
      const { payload } = await compactVerify(run.jws, key);
      const { stepId, spec } = StepRunPayload.parse(JSON.parse(new TextDecoder().decode(payload)));
      s.send({ type: 'step.started', stepId, pid: null, startedAt: Date.now() });
      const answer = answers.get(s);
      const r = answer ? await answer(spec.kind, stepId).catch(() => null) : null;
      if (r && !s.closed) s.send({ type: 'step.done', stepId, result: r });
    }
  })();
}

beforeAll(async () => {
  cp = await startTestControlPlane({ DEVFLOW_MIN_FREE_DISK_BYTES: '1' });
  token = await adminToken(cp);
  upstream = mkdtempSync(join(tmpdir(), 'devflow-upstream-'));
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.test', ...args], { cwd: upstream });
  git('init', '-q', '-b', 'main');
  writeFileSync(join(upstream, 'index.html'), 'hi');
  writeFileSync(join(upstream, 'devflow.yml'), 'install: { argv: ["npm", "ci"] }\n');
  git('add', '.');
  git('commit', '-q', '-m', 'site');
  [a, b] = await Promise.all([AgentPeer.enroll(cp, 'web-a'), AgentPeer.enroll(cp, 'web-b')]);
  sockets = await Promise.all([a.online(cp), b.online(cp)]);
  serve(a, sockets[0]!);
  serve(b, sockets[1]!);
  expect((await api('/projects', { method: 'POST', body: { name: 'site', repositoryUrl: upstream, preset: 'static' } })).status).toBe(201);
  expect((await api('/projects/site/environments', { method: 'POST', body: { name: 'production', serverIds: [a.agentId, b.agentId] } })).status).toBe(201);
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await cp.dispose();
  rmSync(upstream, { recursive: true, force: true });
});

describe('a step that succeeds while it is being cancelled', () => {
  it('is recorded as succeeded and is not taken for the failure of the deployment', async () => {
    const [sa, sb] = sockets as [PeerSocket, PeerSocket];
    // a: the fetch finishes exactly when the cancel arrives (it was already done on the server).
    answers.set(sa, async (kind, stepId) => {
      if (kind !== 'git.sync') return result('succeeded', 0);
      await sa.next('step.cancel', (m) => m.stepId === stepId, 30_000);
      return result('succeeded', null);
    });
    // b: everything works until its install fails.
    answers.set(sb, async (kind) => (kind === 'exec' ? result('failed', 3, 'command "npm" exited with code 3') : result('succeeded', null)));

    const created = await api('/projects/site/environments/production/deployments', { method: 'POST', body: {} });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.deployment.id as string;
    const d = await finished(id);
    expect(d.status).toBe('failed');
    expect(d.failure).toMatchObject({ serverName: 'web-b', stage: 'install', exitCode: 3 });
    expect(d.reason).toMatch(/on server "web-b" exited with code 3; the live release was not changed/);
    const byName = Object.fromEntries((d.targets as { serverName: string; status: string; steps: { kind: string; status: string }[] }[]).map((t) => [t.serverName, t]));
    expect(byName['web-b']?.status).toBe('failed');
    expect(byName['web-a']?.status).toBe('cancelled');
    expect(byName['web-a']?.steps.find((s) => s.kind === 'git.sync')?.status).toBe('succeeded');
  });
});

describe('a step that fails after activation, without automatic rollback', () => {
  it('says the failed release is still in place and how to roll back', async () => {
    const [sa, sb] = sockets as [PeerSocket, PeerSocket];
    const answer = async (kind: string) => (kind === 'release.prune' ? result('failed', null, 'disk full') : result('succeeded', null));
    answers.set(sa, answer);
    answers.set(sb, answer);
    const created = await api('/projects/site/environments/production/deployments', { method: 'POST', body: { force: true } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.deployment.id as string;
    const d = await finished(id);
    expect(d.status).toBe('failed');
    expect(d.reason).toMatch(/the release was marked bad and is still in place .*`devflow rollback site --env production`/);
  });
});

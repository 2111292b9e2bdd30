import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failures, Load, onlyForward } from '../../agent/test-fixtures/load-process.js';
import { waitFinal } from '../helpers/api.js';
import { runDevflow } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import { Site } from './site.js';

/**
 * Canary by weight on a real control plane, agent and traffic proxy: 100 clients (each its own
 * loopback address and cookie jar) load the app while a new version takes 10%, then 50% of them,
 * judged by the proxy's own counters over 1 s windows.
 */
const canaryYml = [
  'preset: custom',
  'strategy: canary',
  'start: { argv: [node, server.js] }',
  'healthcheck: { path: /up, interval: 0.05, timeout: 5 }',
  'keepReleases: 5',
  'blueGreen: { drainTimeout: 2 }',
  // Latency is judged in analysis.test.ts: on this shared 2-core machine a loaded p99 swings by tens of ms
  // between two identical processes, so here only a gross difference (200 ms) would fail a canary.
  'canary: { steps: [10, 50, 100], window: 1, minRequests: 50, inconclusiveWindows: 30, latencyTolerance: 200 }',
].join('\n');
/** The same canary with a request minimum the load never reaches: it waits, then pauses for a person. */
const waitingYml = canaryYml.replace('minRequests: 50, inconclusiveWindows: 30,', 'minRequests: 10000000, inconclusiveWindows: 2,');

interface RolloutView {
  kind: string;
  weight: number | null;
  verdict: string | null;
  figures: { canary: { requests: number; errorRate: number }; baseline: { requests: number } } | null;
  message: string | null;
  actor: string | null;
}

let site: Site;

beforeAll(async () => {
  site = await Site.start();
  // The failed canary below must not hold the next deployment back.
  await site.setEnvironment({ requirePreviousSuccess: false });
  site.commit({ yml: canaryYml });
  const first = await site.deploy(); // nothing to compare with yet: a plain switch
  expect(first.status, first.reason ?? '').toBe('succeeded');
}, 90_000);
afterAll(async () => site?.close());

const rollout = async (id: string) => (await site.api.call<{ rollout: RolloutView[] }>('GET', `/api/deployments/${id}/rollout`)).body.rollout;
const version = (text: string) => Number(text.replace('version=', ''));

describe('canary by weight, judged by the proxy', () => {
  it('a healthy canary goes through 10% and 50% to 100%; clients keep their version across steps; the old slot stays warm', { timeout: 90_000 }, async () => {
    const before = version(await site.served());
    const load = await Load.start(site.port, { connections: 100, rate: 1000, clients: true });
    await load.waitSeen(before);
    const next = site.commit({ yml: canaryYml });
    const deployment = await site.deploy();
    expect(deployment.status, `${deployment.reason}\n${await site.log(deployment.id)}`).toBe('succeeded');
    await load.waitSeen(next);
    const summary = await load.stop();

    const events = await rollout(deployment.id);
    expect(events.filter((e) => e.kind === 'weight').map((e) => e.weight)).toEqual([10, 50]);
    const windows = events.filter((e) => e.kind === 'window');
    expect(windows.filter((w) => w.verdict === 'pass').map((w) => w.weight)).toEqual([10, 50]);
    for (const w of windows.filter((x) => x.verdict === 'pass')) expect(w.figures!.canary.requests).toBeGreaterThanOrEqual(50);
    expect(events.at(-1)?.kind).toBe('promoted');

    expect(failures(summary)).toEqual({ failed: 0, reset: 0, incomplete: 0, errors: {} });
    // Sticky: a client that reached the canary never went back to the baseline at a step change.
    expect(onlyForward(summary)).toBe(true);
    expect(summary.byVersion[String(next)]?.ok).toBeGreaterThan(0);
    expect(version(await site.served())).toBe(next);
    // The baseline's process still runs on the other slot: the warm rollback target.
    const slots = Object.values(site.slots()).map((s) => s.releaseId);
    expect(slots).toHaveLength(2);
    expect(slots).toContain(deployment.releaseId);
  });

  it('a canary answering 500 to 10% of its requests is aborted by its first windows; only canary requests failed; all traffic back on the baseline', { timeout: 90_000 }, async () => {
    const before = version(await site.served());
    const baselineSlots = site.slots();
    const load = await Load.start(site.port, { connections: 100, rate: 1000, clients: true });
    await load.waitSeen(before);
    const bad = site.commit({ yml: canaryYml, failEvery: 10 });
    const deployment = await site.deploy();
    // Requests after the deployment ended: every one on the baseline.
    await new Promise((r) => setTimeout(r, 500));
    const settled = await load.stop();
    const after = await Load.start(site.port, { connections: 100, rate: 1000, clients: true });
    await new Promise((r) => setTimeout(r, 1000));
    const tail = await after.stop();

    expect(deployment.status).toBe('failed');
    expect(deployment.reason).toMatch(/the canary failed its analysis at 10%: error rate \d+\.\d+% is above the baseline's 0\.00% \+ 1\.00 points .*canary \d+\/\d+ errors.*all traffic is back on the baseline/);
    const events = await rollout(deployment.id);
    const windows = events.filter((e) => e.kind === 'window');
    expect(windows.length).toBeLessThanOrEqual(2);
    expect(windows.at(-1)?.verdict).toBe('fail');
    expect(events.at(-1)?.kind).toBe('aborted');

    // Every failed request was one the canary took, and about a tenth of them (the app fails every 10th).
    const canary = settled.byVersion[String(bad)] ?? { ok: 0, failed: 0 };
    expect(settled.failed).toBe(canary.failed);
    expect(canary.failed).toBeGreaterThan(0);
    expect(canary.failed).toBeLessThanOrEqual(Math.ceil((canary.ok + canary.failed) / 10));
    expect(settled.reset + settled.incomplete).toBe(0);
    const share = (canary.ok + canary.failed) / (settled.ok + settled.failed);
    console.log(`failing canary: ${canary.ok + canary.failed} of ${settled.ok + settled.failed} requests reached it (${(share * 100).toFixed(2)}%), ${canary.failed} failed`);

    expect(failures(tail)).toEqual({ failed: 0, reset: 0, incomplete: 0, errors: {} });
    expect(Object.keys(tail.byVersion)).toEqual([String(before)]);
    // The canary's process is gone; the baseline's is the same process that served before.
    const slots = Object.values(site.slots());
    const baseline = Object.values(baselineSlots).find((s) => s.releaseId !== deployment.releaseId && slots.some((x) => x.releaseId === s.releaseId));
    expect(slots).toHaveLength(1);
    expect(slots[0]?.pid).toBe(baseline?.pid);
  });

  it('promote and abort from the CLI: promote moves to the next step, a paused canary waits, abort puts all traffic back; bad requests change nothing', { timeout: 90_000 }, async () => {
    const token = await site.api.call<{ token: string }>('POST', '/api/tokens', { name: 'canary cli' });
    const env = { DEVFLOW_URL: site.cp.url, DEVFLOW_TOKEN: token.body.token, HOME: site.cp.dataDir };
    const before = version(await site.served());
    const history = await site.api.call<{ items: { id: string; status: string }[] }>('GET', '/api/deployments?limit=1');
    const finished = history.body.items[0]!;
    const load = await Load.start(site.port, { connections: 100, rate: 1000, clients: true });
    await load.waitSeen(before);
    site.commit({ yml: waitingYml });
    const dep = await site.requestDeploy();
    const weights = async () => (await rollout(dep.id)).filter((e) => e.kind === 'weight').map((e) => e.weight);
    await waitFor('the canary at 10%', async () => (await weights()).includes(10), 30_000);

    const late = await runDevflow(env, 'promote', finished.id);
    expect([late.code, late.stderr]).toEqual([3, expect.stringContaining(`deployment ${finished.id} is ${finished.status}: only a running canary can be promoted`)]);
    const promoted = await runDevflow(env, 'promote', dep.id);
    expect([promoted.code, promoted.stdout]).toEqual([0, expect.stringContaining(`Deployment ${dep.id}: promotion requested`)]);
    await waitFor('the canary at 50%', async () => (await weights()).includes(50), 10_000);
    // Two windows without enough requests: it waits for a person instead of guessing.
    await waitFor('the canary paused', async () => (await rollout(dep.id)).some((e) => e.kind === 'paused' && e.weight === 50), 10_000);

    const aborted = await runDevflow(env, 'abort', dep.id);
    expect(aborted.code, aborted.stderr).toBe(0);
    const end = await waitFinal(site.api, dep.id, 30_000);
    expect(end.status).toBe('failed');
    expect(end.reason).toMatch(/^the canary was aborted by admin@e2e\.local; all traffic is back on the baseline/);
    const again = await runDevflow(env, 'abort', dep.id);
    expect([again.code, again.stderr]).toEqual([3, expect.stringContaining(`deployment ${dep.id} is failed: only a running canary can be aborted`)]);
    const events = await rollout(dep.id);
    // The 10% step may have paused already before the promotion reached it (two 1 s windows): promote works either way.
    const steps = events.filter((e) => e.kind !== 'window' && !(e.kind === 'paused' && e.weight === 10));
    expect(steps.map((e) => `${e.kind}${e.weight === null ? '' : ` ${e.weight}`}`)).toEqual(['weight 10', 'promote_requested', 'weight 50', 'paused 50', 'abort_requested', 'aborted']);
    expect(events.filter((e) => e.kind === 'window').every((e) => e.verdict === 'inconclusive')).toBe(true);
    expect(events.find((e) => e.kind === 'promote_requested')?.actor).toBe('admin@e2e.local');

    const summary = await load.stop();
    expect(failures(summary)).toEqual({ failed: 0, reset: 0, incomplete: 0, errors: {} });
    expect(version(await site.served())).toBe(before);
  });
});

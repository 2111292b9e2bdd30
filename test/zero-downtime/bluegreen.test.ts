import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { waitFor } from '../helpers/wait.js';
import { failures, Load, onlyForward } from '../../agent/test-fixtures/load-process.js';
import { Site } from './site.js';

/**
 * Blue-green through the deployment API, on a real control plane and agent: every new version
 * is committed to the repository and deployed with strategy blue-green while a separate process
 * keeps 16 keep-alive connections busy through the agent's traffic proxy.
 */
let site: Site;

beforeAll(async () => {
  site = await Site.start({ drainTimeoutS: 8 });
  await site.deployNext();
}, 90_000);
afterAll(async () => site?.close());

describe('zero-downtime blue-green deployments', () => {
  it('20 consecutive deployments under keep-alive load: zero failed or reset requests, whole responses, versions only move forward', { timeout: 150_000 }, async () => {
    expect(await site.served()).toBe('version=1');
    const load = await Load.start(site.port, { connections: 16, rate: 1000 });
    await load.waitSeen(1);
    const healthyToSwitched: number[] = [];
    let last = 1;
    for (let i = 0; i < 20; i++) {
      const { version, deployment } = await site.deployNext();
      healthyToSwitched.push(await site.healthyToSwitchedMs(deployment.id));
      await load.waitSeen(version); // the load really crossed this switch
      last = version;
    }
    const summary = await load.stop();
    console.log(
      `20 blue-green deployments: ${summary.ok} requests at ${summary.rps} req/s (p50 ${summary.p50ms} ms, p99 ${summary.p99ms} ms), ` +
        `healthy->switched median ${median(healthyToSwitched)} ms, max ${Math.max(...healthyToSwitched)} ms`,
    );
    expect(failures(summary)).toEqual({ failed: 0, reset: 0, incomplete: 0, errors: {} });
    expect(onlyForward(summary)).toBe(true);
    expect(summary.rps).toBeGreaterThanOrEqual(500);
    // Clients kept their keep-alive connections across all 20 switches.
    expect(summary.perConnection.map((c) => c.sockets)).toEqual(Array(16).fill(1));
    expect(new Set(summary.perConnection.map((c) => c.runs.at(-1)?.[0]))).toEqual(new Set([last]));
    // The previous release keeps running on the other slot as the rollback target.
    const slots = Object.values(site.slots()).map((s) => s.releaseId);
    expect(slots).toHaveLength(2);
  });

  it('a 5 s streamed response in flight at switch time completes, and replacing its slot waits for it', { timeout: 60_000 }, async () => {
    const before = Number((await site.served()).replace('version=', ''));
    const res = await fetch(`http://127.0.0.1:${site.port}/slow?chunks=50`);
    const reader = res.body!.getReader();
    const first = await reader.read(); // in flight on the old slot now
    const body = [new TextDecoder().decode(first.value)];
    const rest = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        body.push(new TextDecoder().decode(value));
      }
    })();
    const { version: next } = await site.deployNext(); // switches away from the slow response's slot
    expect(await site.served()).toBe(`version=${next}`);
    // The next deployment goes to the slot still streaming: it must wait for the drain.
    const { deployment } = await site.deployNext();
    await rest;
    const text = body.join('');
    expect(text.split('\n').filter((l) => l.startsWith(`version=${before} chunk `))).toHaveLength(50);
    expect(text.endsWith('done\n')).toBe(true);
    expect(await site.log(deployment.id)).toMatch(/waiting for 1 connection\(s\) the proxy is draining/);
  });

  it('a WebSocket opened before a switch stays usable until the old slot is drained', { timeout: 60_000 }, async () => {
    const before = Number((await site.served()).replace('version=', ''));
    const ws = new WebSocket(`ws://127.0.0.1:${site.port}/ws`);
    const replies: string[] = [];
    ws.on('message', (m) => replies.push(m.toString()));
    const closed = new Promise<number>((resolve) => ws.once('close', () => resolve(Date.now())));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send('a');
    await waitFor('echo before the switch', () => replies.includes(`${before}:a`));

    const { deployment, version } = await site.deployNext();
    const switchedAt = (await site.logLines(deployment.id)).find((l) => / switched :\d+ from /.test(l.text))!.ts;
    ws.send('b');
    await waitFor('echo after the switch, still from the old release', () => replies.includes(`${before}:b`));
    const fresh = new WebSocket(`ws://127.0.0.1:${site.port}/ws`);
    await new Promise((resolve, reject) => fresh.once('open', resolve).once('error', reject));
    const freshReply = new Promise<string>((resolve) => fresh.once('message', (m) => resolve(m.toString())));
    fresh.send('c');
    expect(await freshReply).toBe(`${version}:c`);
    fresh.close();

    // The proxy cuts what is left when the 8 s drain timeout is up, not before.
    const closedAt = await closed;
    expect(closedAt - switchedAt).toBeGreaterThanOrEqual(7_000);
  });

  it('rollback under the same load is a switch back to the still running old slot', { timeout: 60_000 }, async () => {
    const live = Number((await site.served()).replace('version=', ''));
    const previous = live - 1;
    const slotsBefore = site.slots();
    expect(Object.keys(slotsBefore)).toHaveLength(2);
    const load = await Load.start(site.port, { connections: 16, rate: 1000 });
    await load.waitSeen(live);
    const { requestedAt, deployment } = await site.rollback();
    expect(deployment.status, deployment.reason ?? '').toBe('succeeded');
    const servedAt = await load.waitSeen(previous);
    const summary = await load.stop();
    console.log(`warm rollback: request -> version ${previous} served in ${servedAt - requestedAt} ms; ${summary.ok} requests at ${summary.rps} req/s`);
    expect(failures(summary)).toEqual({ failed: 0, reset: 0, incomplete: 0, errors: {} });
    expect(await site.served()).toBe(`version=${previous}`);
    // The old process was kept, not restarted: same pids on both slots.
    const after = site.slots();
    for (const [slot, s] of Object.entries(slotsBefore)) expect(after[slot]?.pid, slot).toBe(s.pid);
    expect(await site.log(deployment.id)).toMatch(/is still running \(pid \d+, port \d+, started .*\); kept/);
  });
});

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

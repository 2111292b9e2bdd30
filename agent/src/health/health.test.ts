import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StepSpecOf } from '@devflow/protocol';
import { HealthCheckStep } from '@devflow/protocol';
import { StepFailedError } from '../steps/handler.js';
import { slotStart, slotStop } from '../supervisor/index.js';
import { freePort, makeRelease, stepContext, tempDataDir, versionApp, waitListening } from '../../test-fixtures/helpers.js';
import { healthCheck } from './index.js';

const APP = 'shop-prod';
let dataDir: string;
let cleanup: () => Promise<void>;
const children: ChildProcess[] = [];

const check = (port: number, over: Partial<StepSpecOf<'health.check'>> = {}): StepSpecOf<'health.check'> =>
  HealthCheckStep.parse({ kind: 'health.check', url: `http://127.0.0.1:${port}/up`, intervalMs: 50, attemptTimeoutMs: 1000, deadlineMs: 15_000, timeoutMs: 60_000, ...over });

async function startSlot(env: Record<string, string> = {}): Promise<number> {
  const port = await freePort();
  await slotStart({ kind: 'slot.start', app: APP, slot: 'green', releaseId: 'r1', argv: [process.execPath, versionApp], port, env: { VERSION: '7', ...env }, timeoutMs: 10_000 }, stepContext(dataDir));
  await waitListening(port);
  return port;
}

beforeEach(async () => {
  ({ dir: dataDir, cleanup } = await tempDataDir());
  await makeRelease(dataDir, APP, 'r1');
});
afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  await slotStop({ kind: 'slot.stop', app: APP, slot: 'green', graceMs: 500, timeoutMs: 10_000 }, stepContext(dataDir));
  await cleanup();
});

describe('health.check', () => {
  it('succeeds once the app answers the expected status the required number of times in a row', async () => {
    const port = await startSlot();
    const ctx = stepContext(dataDir);
    const out = await healthCheck(check(port, { healthyAfter: 3 }), ctx);
    expect(out.output).toMatchObject({ attempts: 3 });
    expect(ctx.lines.map((l) => l.text).slice(0, 3)).toEqual([
      expect.stringMatching(/^attempt 1: 200 in \d+ ms$/),
      expect.stringMatching(/^attempt 2: 200 in \d+ ms$/),
      expect.stringMatching(/^attempt 3: 200 in \d+ ms$/),
    ]);
  });

  it('logs refused connections until a slow-booting app comes up', async () => {
    const port = await freePort();
    const ctx = stepContext(dataDir);
    const pending = healthCheck(check(port), ctx);
    await new Promise((r) => setTimeout(r, 200));
    const app = spawn(process.execPath, [versionApp], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
    children.push(app);
    await pending;
    expect(ctx.lines[0]?.text).toMatch(/^attempt 1: ECONNREFUSED in \d+ ms$/);
    expect(ctx.text()).toMatch(/attempt \d+: 200 in \d+ ms\nhealthy:/);
  });

  it('gives up at the deadline with every attempt and the app\'s own last output in the log', async () => {
    const port = await startSlot({ HEALTH: 'fail' });
    const ctx = stepContext(dataDir);
    const err = await healthCheck(check(port, { deadlineMs: 600, slot: { app: APP, slot: 'green' } }), ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepFailedError);
    expect((err as Error).message).toMatch(/health check failed: http:\/\/127\.0\.0\.1:\d+\/up never answered 200 — no success within 600 ms; \d+ attempts, last result: 503/);
    const text = ctx.text();
    expect(text).toMatch(/attempt 1: 503 in \d+ ms\nattempt 2: 503/);
    expect(text).toContain('output lines of slot green:');
    expect(text).toContain('[green] health: migrations pending for version 7');
  });

  it('stops waiting as soon as the slot\'s process has exited', async () => {
    const port = await startSlot();
    await slotStop({ kind: 'slot.stop', app: APP, slot: 'green', graceMs: 1000, timeoutMs: 10_000 }, stepContext(dataDir));
    const ctx = stepContext(dataDir);
    await expect(healthCheck(check(port, { deadlineMs: 30_000, slot: { app: APP, slot: 'green' } }), ctx)).rejects.toThrow(
      /the app in slot green is not running \(it exited\); 1 attempts, last result: ECONNREFUSED/,
    );
    expect(ctx.text()).toContain('[green] version 7 stopping');
  });

  it('says so when nothing listens and no slot is supervised (a static site without a web server)', async () => {
    const port = await freePort();
    const err = await healthCheck(check(port, { deadlineMs: 200 }), stepContext(dataDir)).catch((e: unknown) => e);
    expect((err as Error).message).toContain(`last result: ECONNREFUSED. Nothing listens on 127.0.0.1:${port}, and DevFlow starts no process`);
    expect((err as Error).message).toContain('healthcheck: false');
  });

  describe('against a server that accepts and never answers', () => {
    let server: Server;
    const sockets = new Set<Socket>();
    beforeEach(async () => {
      server = createServer((s) => sockets.add(s));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    });
    afterEach(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    });
    const port = () => (server.address() as { port: number }).port;

    it('times each attempt out', async () => {
      const ctx = stepContext(dataDir);
      await expect(healthCheck(check(port(), { attemptTimeoutMs: 100, deadlineMs: 350 }), ctx)).rejects.toThrow(/last result: timed out after \d+ ms/);
      expect(ctx.lines[0]?.text).toMatch(/^attempt 1: timed out after 100 ms in \d+ ms$/);
    });

    it('honours cancellation', async () => {
      const ctx = stepContext(dataDir);
      const pending = healthCheck(check(port(), { attemptTimeoutMs: 5000, deadlineMs: 30_000 }), ctx);
      setTimeout(() => ctx.abort(), 100);
      await expect(pending).rejects.toThrow(/cancelled after 1 attempts/);
    });
  });
});

import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentPaths } from '../paths.js';
import { tempDataDir } from '../../test-fixtures/helpers.js';
import { proxyPidFile, runProxy } from './run.js';

let dataDir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir: dataDir, cleanup } = await tempDataDir());
});
afterEach(async () => cleanup());

describe('runProxy', () => {
  it('stops when its signal was aborted while it was still starting (the abort is not lost)', { timeout: 10_000 }, async () => {
    const stop = new AbortController();
    stop.abort();
    await runProxy({ dataDir, host: '127.0.0.1', signal: stop.signal, shutdownGraceMs: 100, log: () => undefined });
    expect(existsSync(agentPaths(dataDir).proxySocket)).toBe(false);
    expect(existsSync(proxyPidFile(dataDir))).toBe(false);
  });
});

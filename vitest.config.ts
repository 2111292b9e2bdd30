import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * One test run for the whole repository: unit tests next to their code in each package,
 * end-to-end tests (real processes, real sockets) in test/.
 */
export default defineConfig({
  test: {
    // Unit files mostly wait on sockets, child processes and Redis, not on the CPU: two at a time
    // even on 2 cores (vitest's default there is one). The e2e project stays one file at a time,
    // in its own group after the others (fileParallelism: false).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      { test: { name: 'protocol', include: ['protocol/src/**/*.test.ts'] } },
      { test: { name: 'control-plane', include: ['control-plane/src/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 30_000 } },
      { test: { name: 'agent', include: ['agent/src/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 30_000 } },
      {
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          // End-to-end files start real processes and ports; two cores, so run them one file at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});

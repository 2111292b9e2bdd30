// Helpers every benchmark uses: paths, flags, sleeping, percentiles, free ports.
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const AGENT = join(root, 'agent/dist/devflow-agent.js');

/** `--name N` from the command line as a number, else `def`. */
export const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The p-th percentile of unsorted numbers; undefined when there are none. */
export const pct = (xs, p) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] : undefined);

/** A loopback port that was free a moment ago. */
export const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

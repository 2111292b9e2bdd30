import { ConfigError, loadConfig } from './config.js';
import { startControlPlane } from './start.js';
import { shutdownWithin } from './lifecycle/shutdown.js';
import { startQuickstart, type Quickstart } from './quickstart/index.js';

/** Process entry: `node control-plane/dist/main.js`. Library users import index.js instead. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`devflow: invalid configuration: ${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const cp = await startControlPlane(config);
  process.stdout.write(`DevFlow control plane listening on ${cp.url} (instance ${cp.services.engine.instanceId})\n`);
  let quickstart: Quickstart | undefined;
  if (config.quickstart) {
    const print = (line: string) => process.stdout.write(`${line}\n`);
    try {
      quickstart = await startQuickstart({ services: cp.services, port: cp.port, url: cp.url, print, examplePort: config.quickstartPort });
    } catch (err) {
      // The control plane itself is fine; say what the quick start needs and keep serving.
      process.stderr.write(`devflow: quick start not available: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }

  // Graceful: stop accepting, stop taking work, hand running deployments over, close agents.
  // Bounded: what is cut off stays `running` in the database for another instance to adopt.
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    const { logger } = cp.services;
    logger.info('shutting down', { signal, timeoutMs: config.shutdownTimeoutMs });
    void shutdownWithin(async () => {
      await quickstart?.stop();
      await cp.close();
    }, config.shutdownTimeoutMs).then((outcome) => {
      if (outcome.kind === 'clean') logger.info('shut down', { ms: outcome.ms });
      else if (outcome.kind === 'timed_out') logger.warn('shutdown bound reached; exiting with work handed over in the database', { ms: outcome.ms, running: cp.services.engine.queue.running });
      else logger.error('shutdown failed', { error: outcome.error });
      process.exit(outcome.kind === 'failed' ? 1 : 0);
    });
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`devflow: start-up failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

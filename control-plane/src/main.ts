import { ConfigError, loadConfig } from './config.js';
import { startControlPlane } from './start.js';
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
  process.stdout.write(`DevFlow control plane listening on ${cp.url}\n`);
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

  const stop = (signal: string): void => {
    cp.services.logger.info('shutting down', { signal });
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    (quickstart?.stop() ?? Promise.resolve()).then(() => cp.close()).then(
      () => process.exit(0),
      (err: unknown) => {
        cp.services.logger.error('shutdown failed', { err });
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`devflow: start-up failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

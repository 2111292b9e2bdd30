import type { Config } from './config.js';
import type { Db } from './db/client.js';
import type { Logger } from './logger.js';
import type { EventBus } from './ports/event-bus.js';
import { MemoryEventBus } from './adapters/memory/event-bus.js';
import type { UpgradeRouter } from './ws/upgrade.js';

export interface ServiceDeps {
  config: Config;
  db: Db;
  logger: Logger;
  publicUrl: string;
  upgrades: UpgradeRouter;
  print: (line: string) => void;
}

/**
 * Every service of the control plane, built once at boot and passed to the API, the CLI,
 * webhooks and the scheduler. Services never import Hono.
 */
export interface Services {
  config: Config;
  db: Db;
  logger: Logger;
  publicUrl: string;
  bus: EventBus;
  close(): Promise<void>;
}

export async function createServices(deps: ServiceDeps): Promise<Services> {
  const { config, db, logger, publicUrl } = deps;
  const bus: EventBus = new MemoryEventBus();
  return {
    config,
    db,
    logger,
    publicUrl,
    bus,
    async close() {
      await bus.close();
    },
  };
}

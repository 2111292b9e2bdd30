import type { Server } from 'node:http';
import type { Hono } from 'hono';
import type { AppEnv } from './api/env.js';
import { createAdaptorServer } from '@hono/node-server';
import type { Config } from './config.js';
import { openDb } from './db/client.js';
import { migrate } from './db/migrate.js';
import { secureDataDir } from './lifecycle/data-dir-modes.js';
import { createLogger, type Logger } from './logger.js';
import { closeServer, defaultPublicUrl, listen } from './http/listen.js';
import { defaultWebDir, mountWebConsole } from './http/static.js';
import { createApp } from './app.js';
import { createServices, type Services } from './services.js';
import { mountRoutes } from './routes.js';
import { UpgradeRouter } from './ws/upgrade.js';

export interface ControlPlane {
  /** The HTTP app, for in-process requests (`app.request()`) in tests. */
  app: Hono<AppEnv>;
  /** Public URL (DEVFLOW_PUBLIC_URL, or http://127.0.0.1:<bound port>). */
  url: string;
  port: number;
  services: Services;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Called with human-facing lines (generated admin password); default stdout. */
  print?: (line: string) => void;
}

/**
 * Boot: db + migrations -> services -> app -> HTTP server with WebSocket upgrades.
 * The server listens first so that PORT=0 yields the public URL services hand out.
 */
export async function startControlPlane(config: Config, options: StartOptions = {}): Promise<ControlPlane> {
  const logger = options.logger ?? createLogger(config.logLevel === 'silent' ? 'silent' : config.logLevel);
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));

  secureDataDir(config.dataDir, config.databaseUrl, logger, 'before-open');
  const db = await openDb(config.databaseUrl, config.databaseAuthToken);
  const applied = await migrate(db);
  if (applied.length) logger.info('migrations applied', { versions: applied });
  secureDataDir(config.dataDir, config.databaseUrl, logger, 'after-open');

  let handler: ((req: Request, env: unknown) => Promise<Response> | Response) | undefined;
  let phase: 'starting' | 'shutting down' = 'starting';
  const server = createAdaptorServer({
    // 503 + Connection: close sends a load balancer's retry to another instance.
    fetch: (req, env) => (handler ? handler(req, env) : new Response(phase, { status: 503, headers: { connection: 'close', 'retry-after': '1' } })),
  }) as Server;
  const upgrades = new UpgradeRouter(logger);
  upgrades.attach(server);

  let services: Services | undefined;
  try {
    const port = await listen(server, config.port, config.host);
    const url = config.publicUrl ?? defaultPublicUrl(config.host, port);
    services = await createServices({ config, db, logger, publicUrl: url, upgrades, print });
    const app = createApp(logger);
    mountRoutes(app, services);
    const webDir = config.webDir ?? defaultWebDir();
    if (webDir) mountWebConsole(app, webDir);
    handler = (req, env) => app.fetch(req, env as never);

    let closing: Promise<void> | undefined;
    const svc = services;
    return {
      app,
      url,
      port,
      services: svc,
      close: () =>
        (closing ??= (async () => {
          // Stop accepting first: no new connections, no new agent upgrades, 503 on kept-alive sockets.
          phase = 'shutting down';
          server.close();
          server.closeIdleConnections();
          upgrades.close();
          handler = undefined;
          await svc.close();
          await closeServer(server);
          db.close();
        })()),
    };
  } catch (err) {
    await services?.close().catch(() => undefined);
    await closeServer(server);
    db.close();
    throw err;
  }
}

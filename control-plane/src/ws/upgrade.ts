import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../logger.js';

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void | Promise<void>;

/**
 * Routes the HTTP server's `upgrade` events by path, so the agent hub and later hubs (browser
 * events) each own one path. Unknown paths get a 404 and the socket is closed.
 */
export class UpgradeRouter {
  private readonly routes = new Map<string, UpgradeHandler>();
  private server: Server | undefined;

  constructor(private readonly logger: Logger) {}

  route(path: string, handler: UpgradeHandler): void {
    this.routes.set(path, handler);
  }

  attach(server: Server): void {
    this.server = server;
    server.on('upgrade', this.onUpgrade);
  }

  close(): void {
    this.server?.off('upgrade', this.onUpgrade);
  }

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const handler = this.routes.get(path);
    if (!handler) return rejectUpgrade(socket, 404, 'no WebSocket endpoint at this path');
    Promise.resolve(handler(req, socket, head)).catch((err: unknown) => {
      this.logger.error('upgrade failed', { path, err });
      rejectUpgrade(socket, 500, 'internal error');
    });
  };
}

/** Answer an upgrade request with a plain HTTP error and close the socket. */
export function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  if (socket.destroyed) return;
  const reason = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 500: 'Internal Server Error', 503: 'Service Unavailable' }[status] ?? 'Error';
  const body = JSON.stringify({ error: { code: status === 401 ? 'UNAUTHENTICATED' : 'UPGRADE_REFUSED', message } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

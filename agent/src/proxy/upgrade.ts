import type net from 'node:net';
import type { Upstream } from './upstream.js';

/**
 * WebSocket (and other HTTP Upgrade) connections after the app's 101: relays the 101 head and
 * then raw bytes both ways. The tunnel belongs to the upstream it was opened on, so a switch
 * leaves it alone until it closes or that upstream's drain time is over.
 */
export function openTunnel(upstream: Upstream, client: net.Socket, app: net.Socket, responseHead: string, fromClient: Buffer | null, fromApp: Buffer): void {
  client.write(responseHead, 'latin1');
  if (fromApp.length > 0) client.write(fromApp);
  if (fromClient !== null) app.write(fromClient);
  client.on('error', () => app.destroy());
  app.on('error', () => client.destroy());
  upstream.addTunnel(client, app);
  app.pipe(client).pipe(app);
}

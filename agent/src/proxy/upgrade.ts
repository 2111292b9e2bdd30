import http, { type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { upstreamRequestHeaders } from './headers.js';
import type { PickUpstream } from './forward.js';

function responseHead(res: IncomingMessage): string {
  const lines = [`HTTP/1.1 ${res.statusCode ?? 502} ${res.statusMessage ?? ''}`];
  for (let i = 0; i < res.rawHeaders.length; i += 2) lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * WebSocket (and other HTTP Upgrade) connections: handshake with the upstream, relay its 101,
 * then pipe raw bytes both ways. The tunnel belongs to the upstream it was opened on, so a switch
 * leaves it alone until it closes or that upstream's drain time is over.
 */
export function tunnel(req: IncomingMessage, client: Duplex, head: Buffer, pick: PickUpstream): void {
  const upstream = pick();
  const headers = { ...upstreamRequestHeaders(req), connection: 'Upgrade', upgrade: req.headers.upgrade ?? '' };
  const up = http.request({ host: '127.0.0.1', port: upstream.port, method: req.method, path: req.url, headers, agent: false });
  const end = upstream.begin();
  client.on('error', () => up.destroy());
  client.on('close', end);

  up.on('upgrade', (upRes, upSocket, upHead) => {
    end();
    if (client.destroyed) {
      upSocket.destroy();
      return;
    }
    client.write(responseHead(upRes));
    if (upHead.length > 0) client.write(upHead);
    if (head.length > 0) upSocket.write(head);
    upSocket.on('error', () => client.destroy());
    upstream.addTunnel(client, upSocket);
    upSocket.pipe(client).pipe(upSocket);
  });
  // The app refused the upgrade: pass its answer on and close.
  up.on('response', (upRes) => {
    client.write(responseHead(upRes));
    upRes.pipe(client);
    upRes.on('close', end);
  });
  up.on('error', (err) => {
    end();
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    const body = `502 Bad Gateway: slot ${upstream.slot} (127.0.0.1:${upstream.port}) failed: ${code}\n`;
    if (!client.destroyed) client.end(`HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  up.end();
}

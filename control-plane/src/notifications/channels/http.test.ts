import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sendHttp } from './http.js';

/** A provider that never stops answering must not make the control plane buffer its body. */
let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

describe('sendHttp', () => {
  it('reads only the head of an endless error body and hangs up', async () => {
    let sent = 0;
    server = createServer((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      const chunk = 'x'.repeat(64 * 1024);
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) sent += chunk.length;
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/secret-path`;
    const err = await sendHttp('webhook', { url, body: '{}' }).then(
      () => expect.fail('a 500 answer must throw'),
      (e: unknown) => e as Error & { status: number; body: string },
    );
    expect(err).toMatchObject({ status: 500 });
    expect(err.message).not.toContain('secret-path');
    expect(err.body.length).toBeLessThanOrEqual(2000);
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });
});

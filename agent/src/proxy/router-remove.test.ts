import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, httpGet, startVersionApp } from '../../test-fixtures/helpers.js';
import { Router } from './router.js';

const apps: ChildProcess[] = [];
let router: Router | undefined;
afterEach(async () => {
  await router?.close(100);
  for (const a of apps.splice(0)) a.kill('SIGKILL');
});

/** Listens on the port and closes again: throws EADDRINUSE while someone else holds it. */
async function bindAndRelease(port: number): Promise<void> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('Router.remove', () => {
  it('frees the public port at once, while a request in flight through it still completes', async () => {
    router = new Router({ host: '127.0.0.1', log: () => undefined });
    const blue = await startVersionApp('1', apps);
    const listenPort = await freePort();
    await router.switch({ op: 'switch', app: 'shop-prod', listenPort, slot: 'blue', targetPort: blue, drainMs: 1000 });
    expect((await httpGet(listenPort)).body).toBe('version=1');
    await expect(bindAndRelease(listenPort)).rejects.toThrow(/EADDRINUSE/);

    // A streamed response (0.5 s) is in flight through the route when it is removed.
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: listenPort, path: '/slow?seconds=0.5', agent: false }, resolve).on('error', reject);
    });
    const body = (async () => {
      let text = '';
      for await (const chunk of res) text += (chunk as Buffer).toString();
      return text;
    })();
    expect(router.remove('shop-prod', 5000)).toMatchObject({ app: 'shop-prod', listenPort, slot: 'blue' });
    await bindAndRelease(listenPort);
    expect(await body).toMatch(/^version=1 chunk 0\n[\s\S]*done\n$/);
    expect(router.records()).toEqual([]);
    expect(router.remove('shop-prod', 5000)).toBeNull();
  });
});

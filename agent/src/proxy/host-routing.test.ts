import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, getWithHost, startVersionApp } from '../../test-fixtures/helpers.js';
import { SwitchRequest } from './control-protocol.js';
import { hostName, routeFor } from './host-routing.js';
import { Router } from './router.js';

const apps: ChildProcess[] = [];
let router: Router | undefined;
afterEach(async () => {
  await router?.close(100);
  router = undefined;
  for (const a of apps.splice(0)) a.kill('SIGKILL');
});

const getAs = getWithHost;

async function bindAndRelease(port: number): Promise<void> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('host names', () => {
  it('reads the Host header without port, case or trailing dot', () => {
    expect(hostName('PR-12.Preview.Example.TEST:8080')).toBe('pr-12.preview.example.test');
    expect(hostName('pr-12.preview.example.test.')).toBe('pr-12.preview.example.test');
    expect(hostName('[::1]:80')).toBe('[::1]');
    expect(hostName(undefined)).toBeUndefined();
    const routes = [{ record: { listenPort: 80 } }, { record: { listenPort: 80, hostname: 'a.test' } }, { record: { listenPort: 81, hostname: 'b.test' } }];
    expect(routeFor(routes, 80, 'A.test:80')).toBe(routes[1]);
    expect(routeFor(routes, 80, 'b.test')).toBe(routes[0]);
    expect(routeFor(routes, 81, 'c.test')).toBeUndefined();
  });

  it('the control protocol refuses host names a DNS label cannot hold', () => {
    const base = { op: 'switch', app: 'shop-pr-1', listenPort: 8080, slot: 'blue', targetPort: 9000, drainMs: 0 };
    for (const bad of ['pr_1.example.test', '-pr-1.example.test', 'pr-1-.example.test', 'pr 1.test', 'a'.repeat(64) + '.test', 'PR-1.test', 'pr-1..test']) {
      expect(SwitchRequest.safeParse({ ...base, hostname: bad }).success, bad).toBe(false);
    }
    expect(SwitchRequest.safeParse({ ...base, hostname: 'pr-1.preview.example.test' }).success).toBe(true);
  });
});

describe('Router: several apps on one public port by Host', () => {
  it('routes each host to its app, others to the default app; a host-only port answers 404 for unknown hosts; the port stays open until the last app goes', async () => {
    router = new Router({ host: '127.0.0.1', log: () => undefined });
    const [main, pr1, pr2] = [await startVersionApp('main', apps), await startVersionApp('pr1', apps), await startVersionApp('pr2', apps)];
    const port = await freePort();
    await router.switch({ op: 'switch', app: 'shop-pr-1', listenPort: port, hostname: 'pr-1.preview.test', slot: 'blue', targetPort: pr1, drainMs: 100 });
    // Only host routes on the port: an unknown host has no app.
    expect(await getAs(port, 'nobody.preview.test')).toEqual({ status: 404, body: expect.stringContaining('no app answers for host "nobody.preview.test"') });
    await router.switch({ op: 'switch', app: 'shop-pr-2', listenPort: port, hostname: 'pr-2.preview.test', slot: 'green', targetPort: pr2, drainMs: 100 });
    await router.switch({ op: 'switch', app: 'shop-production', listenPort: port, slot: 'blue', targetPort: main, drainMs: 100 });
    expect((await getAs(port, 'pr-1.preview.test')).body).toBe('version=pr1');
    expect((await getAs(port, 'PR-2.preview.test:' + port)).body).toBe('version=pr2');
    expect((await getAs(port, 'shop.example.test')).body).toBe('version=main');

    // The same host (or a second default) on that port is refused.
    await expect(router.switch({ op: 'switch', app: 'other-app', listenPort: port, hostname: 'pr-1.preview.test', slot: 'blue', targetPort: pr2, drainMs: 0 })).rejects.toThrow(/host pr-1\.preview\.test on port \d+ is already routed to app shop-pr-1/);
    await expect(router.switch({ op: 'switch', app: 'other-app', listenPort: port, slot: 'blue', targetPort: pr2, drainMs: 0 })).rejects.toThrow(/already the public port of app shop-production/);

    // Removing the app that opened the listener hands it over: the others keep answering.
    expect(router.remove('shop-pr-1', 100)).toMatchObject({ app: 'shop-pr-1', hostname: 'pr-1.preview.test' });
    expect((await getAs(port, 'pr-1.preview.test')).body).toBe('version=main');
    expect((await getAs(port, 'pr-2.preview.test')).body).toBe('version=pr2');
    router.remove('shop-production', 100);
    expect((await getAs(port, 'shop.example.test')).status).toBe(404);
    expect((await getAs(port, 'pr-2.preview.test')).body).toBe('version=pr2');
    router.remove('shop-pr-2', 100);
    await new Promise((r) => setTimeout(r, 150));
    await bindAndRelease(port);
    expect(router.records()).toEqual([]);
  });

  it('restores shared routes from the route table: one listener, every host answered', async () => {
    router = new Router({ host: '127.0.0.1', log: () => undefined });
    const [a, b] = [await startVersionApp('a', apps), await startVersionApp('b', apps)];
    const port = await freePort();
    await router.restore({ app: 'shop-pr-3', listenPort: port, hostname: 'pr-3.preview.test', slot: 'blue', targetPort: a, switchedAt: 1 });
    await router.restore({ app: 'shop-pr-4', listenPort: port, hostname: 'pr-4.preview.test', slot: 'blue', targetPort: b, switchedAt: 1 });
    expect(router.status().map((s) => s.listenError)).toEqual([undefined, undefined]);
    expect((await getAs(port, 'pr-3.preview.test')).body).toBe('version=a');
    expect((await getAs(port, 'pr-4.preview.test')).body).toBe('version=b');
  });
});

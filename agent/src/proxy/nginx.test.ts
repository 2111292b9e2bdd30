import type { ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort, getOnNewConnection, startVersionApp, tempDataDir, waitFor } from '../../test-fixtures/helpers.js';
import { NGINX_BIN, startNginx, type NginxInstance } from '../../test-fixtures/nginx-instance.js';
import { NginxError, nginxSwitch, renderUpstream, writeNginxUpstream } from './nginx.js';

const APP = 'shop-prod';

describe('nginx upstream file', () => {
  it('names the upstream after the app and points it at the slot with keep-alive', () => {
    expect(renderUpstream(APP, 'green', 3002)).toContain('upstream devflow-shop-prod {\n    server 127.0.0.1:3002;\n    keepalive 32;\n}');
  });
});

describe.skipIf(NGINX_BIN === null)('nginx driver against a private nginx', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let nginx: NginxInstance;
  let listenPort: number;
  const apps: ChildProcess[] = [];

  const startApp = (version: string) => startVersionApp(version, apps);
  const body = () => getOnNewConnection(listenPort);

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDataDir());
    listenPort = await freePort();
    nginx = await startNginx(dir, listenPort, APP);
  });
  afterEach(async () => {
    await nginx.stop();
    for (const a of apps.splice(0)) a.kill('SIGKILL');
    await cleanup();
  });

  it('switches the upstream with nginx -t and a graceful reload', async () => {
    const [blue, green] = [await startApp('1'), await startApp('2')];
    await writeNginxUpstream(nginx.upstreamDir, APP, 'blue', blue);
    nginx.start();
    await waitFor(async () => (await body().catch(() => '')) === 'version=1', 5000, 'nginx to serve blue');

    const result = await nginxSwitch({ upstreamDir: nginx.upstreamDir, nginxArgv: nginx.argv }, { app: APP, slot: 'green', targetPort: green });
    expect(result.switchedAt).toBeGreaterThan(0);
    // The reload is asynchronous in nginx (new workers start); new requests reach green shortly.
    await waitFor(async () => (await body()) === 'version=2', 5000, 'nginx to serve green');
  });

  it('restores the previous upstream file when nginx -t fails', async () => {
    const blue = await startApp('1');
    await writeNginxUpstream(nginx.upstreamDir, APP, 'blue', blue);
    const good = await readFile(join(nginx.upstreamDir, `${APP}.conf`), 'utf8');
    const brokenConf = join(dir, 'broken.conf');
    await writeFile(brokenConf, 'events {}\nhttp { this is not nginx; }\n');
    const argv = [...nginx.argv.slice(0, -1), brokenConf];
    const err = await nginxSwitch({ upstreamDir: nginx.upstreamDir, nginxArgv: argv }, { app: APP, slot: 'green', targetPort: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NginxError);
    expect((err as Error).message).toMatch(/nginx -t rejected the configuration; .*shop-prod\.conf was restored:\n.*unknown directive "this"/s);
    expect(await readFile(join(nginx.upstreamDir, `${APP}.conf`), 'utf8')).toBe(good);
  });
});

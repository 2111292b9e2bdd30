import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('applies defaults and freezes the result', () => {
    const c = loadConfig({ DEVFLOW_DATA_DIR: '/tmp/devflow-x' });
    expect(c).toMatchObject({ port: 7780, host: '0.0.0.0', dataDir: '/tmp/devflow-x', adminEmail: 'admin@localhost', heartbeatIntervalMs: 5000, quickstart: true, quickstartPort: 3000 });
    expect(c.databaseUrl).toBe('file:/tmp/devflow-x/devflow.db');
    expect(c.publicUrl).toBeUndefined();
    expect(Object.isFrozen(c)).toBe(true);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'postgres://x'],
    ['DEVFLOW_PUBLIC_URL', 'ftp://x'],
    ['DEVFLOW_SECRET_KEY', 'short'],
    ['DEVFLOW_QUICKSTART', 'maybe'],
    ['LOG_LEVEL', 'loud'],
    ['DEVFLOW_HEARTBEAT_INTERVAL_MS', '-5'],
    ['DEVFLOW_ADMIN_EMAIL', 'not-an-email'],
    ['REDIS_URL', 'http://localhost'],
    ['DEVFLOW_REDIS_PREFIX', 'has space'],
    ['DEVFLOW_PEER_URLS', 'http://a.example,ftp://b'],
    ['DEVFLOW_SHUTDOWN_TIMEOUT_S', '0'],
    ['DEVFLOW_TRUSTED_PROXIES', '10.0.0.1,lb.internal'],
    ['DEVFLOW_TRUSTED_PROXIES', '10.0.0.0/33'],
  ])('a wrong %s stops start-up with a message naming it', (variable, value) => {
    const run = () => loadConfig({ [variable]: value });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(new RegExp(`^${variable}: `));
  });

  it('does not echo secret values in the message', () => {
    expect(() => loadConfig({ DEVFLOW_SECRET_KEY: 'hunter2' })).toThrow(/^DEVFLOW_SECRET_KEY: (?!.*hunter2)/);
  });

  it('accepts an admin e-mail on a single-label domain, like the default admin@localhost', () => {
    expect(loadConfig({ DEVFLOW_ADMIN_EMAIL: 'Ops@localhost' }).adminEmail).toBe('ops@localhost');
  });

  it('accepts hex and base64 secret keys, remote database URLs and on/off switches', () => {
    const hex = 'ab'.repeat(32);
    expect(loadConfig({ DEVFLOW_SECRET_KEY: hex }).secretKey?.toString('hex')).toBe(hex);
    expect(loadConfig({ DEVFLOW_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') }).secretKey).toEqual(Buffer.alloc(32, 7));
    expect(loadConfig({ DATABASE_URL: 'libsql://db.example.com' }).databaseUrl).toBe('libsql://db.example.com');
    expect(loadConfig({ DEVFLOW_QUICKSTART: 'off' }).quickstart).toBe(false);
    expect(loadConfig({ DEVFLOW_QUICKSTART_PORT: '8080' }).quickstartPort).toBe(8080);
    expect(loadConfig({ DEVFLOW_PUBLIC_URL: 'https://deploy.example.com/' }).publicUrl).toBe('https://deploy.example.com');
    expect(loadConfig({ PORT: '' }).port).toBe(7780);
  });

  it('reads the scale-out settings: Redis prefix, peer URLs, shutdown timeout', () => {
    expect(loadConfig({})).toMatchObject({ redisPrefix: 'devflow', peerUrls: [], shutdownTimeoutMs: 25_000 });
    const c = loadConfig({ DEVFLOW_REDIS_PREFIX: 'df-eu', DEVFLOW_PEER_URLS: ' http://cp-2.internal:7780/, https://cp-3.internal ', DEVFLOW_SHUTDOWN_TIMEOUT_S: '2.5' });
    expect(c).toMatchObject({ redisPrefix: 'df-eu', peerUrls: ['http://cp-2.internal:7780', 'https://cp-3.internal'], shutdownTimeoutMs: 2500 });
    expect(Object.isFrozen(c.peerUrls)).toBe(true);
  });

  it('reads trusted proxies as addresses and CIDR subnets', () => {
    expect(loadConfig({}).trustedProxies).toEqual([]);
    expect(loadConfig({ DEVFLOW_TRUSTED_PROXIES: ' 10.0.0.5, 192.168.0.0/16,::1 ' }).trustedProxies).toEqual(['10.0.0.5', '192.168.0.0/16', '::1']);
  });
});

describe('README configuration table', () => {
  it('documents every variable the control plane reads', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = readme.slice(readme.indexOf('| variable | default | what |'));
    const documented = new Set([...table.slice(0, table.indexOf('\n\n')).matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]));
    expect(CONFIG_VARIABLES.length).toBeGreaterThan(20);
    expect(CONFIG_VARIABLES.filter((v) => !documented.has(v))).toEqual([]);
  });
});

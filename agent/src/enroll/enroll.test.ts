import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../cli/index.js';
import { agentPaths } from '../paths.js';
import { loadIdentity } from './identity.js';

/** A stand-in for POST /agent/enroll on a real socket: accepts token "good" once. */
let server: Server;
let url: string;
let dir: string;
let peers: string[] | undefined;
let requests: { token: string; publicKey: { kty: string; crv: string; x: string }; name?: string; host?: { hostname: string } }[];
const cpKey = generateKeyPairSync('ed25519');

beforeEach(async () => {
  requests = [];
  peers = undefined;
  dir = join(await mkdtemp(join(tmpdir(), 'df-enroll-')), 'data');
  const cpJwk = await exportJWK(cpKey.publicKey);
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      const r = JSON.parse(body) as (typeof requests)[number];
      requests.push(r);
      if (req.url !== '/agent/enroll' || r.token !== 'good' || requests.filter((x) => x.token === 'good').length > 1) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'ENROLL_TOKEN_USED', message: 'enrolment token was already used; create a new one' } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ agentId: 'srv_1', controlPlanePublicKey: cpJwk, controlPlaneUrl: 'http://cp.example', ...(peers ? { controlPlaneUrls: peers } : {}) }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await rm(join(dir, '..'), { recursive: true, force: true });
});

const cli = async (...argv: string[]) => {
  let out = '';
  let err = '';
  const code = await runCli(argv, {}, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
};

describe('devflow-agent enroll', () => {
  it('saves identity and a 0600 private key in a 0700 data dir, sending the public key and host facts', async () => {
    const r = await cli('enroll', '--url', url, '--token', 'good', '--name', 'web-1', '--labels', 'eu,web', '--data-dir', dir);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toContain('srv_1');
    const { identity, privateKey } = await loadIdentity(dir);
    expect(identity).toMatchObject({ agentId: 'srv_1', controlPlaneUrls: [url], name: 'web-1', labels: ['eu', 'web'], controlPlanePublicKey: { kty: 'OKP', crv: 'Ed25519' } });
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(agentPaths(dir).privateKey)).mode & 0o777).toBe(0o600);
    expect(await readFile(agentPaths(dir).privateKey, 'utf8')).toContain('BEGIN PRIVATE KEY');
    // The key the control plane got is the public half of the key on disk.
    const sent = requests[0]!;
    expect(sent.publicKey.x).toBe(createPublicKey(privateKey).export({ format: 'jwk' }).x);
    expect(sent.name).toBe('web-1');
    expect(sent.host?.hostname).toBeTruthy();
  });

  it('refuses to enrol an enrolled data dir again unless --force', async () => {
    expect((await cli('enroll', '--url', url, '--token', 'good', '--data-dir', dir)).code).toBe(0);
    const again = await cli('enroll', '--url', url, '--token', 'good', '--data-dir', dir);
    expect(again.code).not.toBe(0);
    expect(again.err).toContain('--force');
    expect(requests).toHaveLength(1);
    const forced = await cli('enroll', '--url', url, '--token', 'other', '--data-dir', dir, '--force');
    expect(forced.code).not.toBe(0); // reached the control plane, which refused the token
    expect(requests).toHaveLength(2);
  });

  it("prints the control plane's message and exits non-zero when the token is refused, writing nothing", async () => {
    const r = await cli('enroll', '--url', url, '--token', 'bad', '--data-dir', dir);
    expect(r.code).toBe(6);
    expect(r.err).toContain('enrolment token was already used; create a new one');
    expect(r.err).toContain('HTTP 400');
    await expect(stat(agentPaths(dir).config)).rejects.toThrow();
    await expect(stat(agentPaths(dir).privateKey)).rejects.toThrow();
  });

  it('exits non-zero with a clear message when the control plane is unreachable', async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const r = await cli('enroll', '--url', url, '--token', 'good', '--data-dir', dir);
    expect(r.code).toBe(5);
    expect(r.err).toMatch(/cannot reach the control plane at http:\/\/127\.0\.0\.1:\d+\/agent\/enroll/);
  });

  it('takes several control-plane URLs (repeated and comma-separated), skips an unreachable one and keeps the peers it is handed', async () => {
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
    await new Promise<void>((r) => dead.close(() => r()));
    peers = [`${url}/`, 'http://10.0.0.7:7780', 'not a url', 'http://10.0.0.8:7780'];
    const r = await cli('enroll', '--url', deadUrl, '--url', `${url},http://10.0.0.7:7780`, '--token', 'good', '--data-dir', dir);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(requests).toHaveLength(1);
    const { identity } = await loadIdentity(dir);
    // The instance that answered first, then the others given, then new peers; no duplicates, nothing invalid.
    expect(identity.controlPlaneUrls).toEqual([url, deadUrl, 'http://10.0.0.7:7780', 'http://10.0.0.8:7780']);
  });

  it('names every URL it tried when none answers, and does not try others after a refusal', async () => {
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
    await new Promise<void>((r) => dead.close(() => r()));
    const none = await cli('enroll', '--url', `${deadUrl},${deadUrl}/x`, '--token', 'good', '--data-dir', dir);
    expect(none.code).toBe(5);
    expect(none.err).toContain(`${deadUrl}/agent/enroll`);
    expect(none.err).toContain(`${deadUrl}/x/agent/enroll`);
    const refused = await cli('enroll', '--url', `${url},${deadUrl}`, '--token', 'bad', '--data-dir', dir);
    expect(refused.code).toBe(6);
    expect(requests).toHaveLength(1);
  });

  it('rejects bad usage with exit code 2 and the usage text', async () => {
    for (const argv of [['enroll', '--token', 't'], ['enroll', '--url', 'ftp://x', '--token', 't'], ['enroll', '--url', 'http://ok.example,ftp://x', '--token', 't'], ['run', '--token', 'x'], ['frobnicate'], ['run', '--bogus']]) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toContain('devflow-agent');
    }
  });

  it('says how to enrol when run finds no identity', async () => {
    const r = await cli('run', '--data-dir', dir);
    expect(r.code).toBe(3);
    expect(r.err).toContain('devflow-agent enroll');
  });

  it('prints its version', async () => {
    expect(await cli('version')).toMatchObject({ code: 0, out: expect.stringMatching(/^devflow-agent \d+\.\d+\.\d+\n$/) });
  });
});

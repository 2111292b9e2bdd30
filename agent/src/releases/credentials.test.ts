import { chmod, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StepSpecOf } from '@devflow/protocol';
import { StepFailedError } from '../steps/handler.js';
import { gitSync } from './git-sync.js';
import { redactUrl } from './guard.js';
import { makeContext, TempDirs } from '../../test-fixtures/releases.js';

/**
 * Private repositories. No real remote is involved: a fixture `ssh` first on PATH records how
 * git invoked it, and a loopback HTTP server records the headers git sent.
 */

const temp = new TempDirs();
let dataDir: string;
const originalPath = process.env.PATH;

const spec = (over: Partial<StepSpecOf<'git.sync'>>): StepSpecOf<'git.sync'> => ({
  kind: 'git.sync',
  app: 'private-app',
  releaseId: 'r1',
  repoUrl: 'ssh://git@127.0.0.1/acme/app.git',
  ref: 'main',
  timeoutMs: 30_000,
  ...over,
});

beforeEach(async () => {
  dataDir = await temp.make();
});
afterEach(async () => {
  process.env.PATH = originalPath;
  await temp.cleanup();
});

describe('gitSync with credentials', () => {
  it('hands the SSH deploy key to ssh as a 0600 file and deletes it afterwards', async () => {
    const bin = await temp.make('devflow-fake-ssh-');
    const record = join(bin, 'record');
    // Prints its argv, then the mode and content of the -i file, and refuses the connection.
    await writeFile(
      join(bin, 'ssh'),
      `#!/bin/sh\nprintf '%s\\n' "$@" > '${record}'\nwhile [ "$1" != "-i" ]; do shift; done\n` +
        `stat -c 'mode=%a' "$2" >> '${record}'\ncat "$2" >> '${record}'\necho "$2" >> '${record}'\nexit 255\n`,
    );
    await chmod(join(bin, 'ssh'), 0o755);
    process.env.PATH = `${bin}:${originalPath}`;
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nZmFrZQ==\n-----END OPENSSH PRIVATE KEY-----';

    const { ctx, lines } = makeContext(dataDir);
    await expect(gitSync(spec({ sshPrivateKey: key }), ctx)).rejects.toThrow(/could not fetch main from ssh:\/\/git@127.0.0.1/);

    const seen = (await readFile(record, 'utf8')).split('\n');
    expect(seen).toEqual(expect.arrayContaining(['-i', '-o', 'IdentitiesOnly=yes', 'StrictHostKeyChecking=accept-new', 'BatchMode=yes']));
    expect(seen).toContain('mode=600');
    expect(seen.join('\n')).toContain(`${key}\n`);
    const keyFile = seen.at(-2) ?? '';
    await expect(readFile(keyFile)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(lines.some((l) => l.text.includes('ZmFrZQ'))).toBe(false);
  });

  it('sends the HTTPS token as a Basic authorization header, never in the URL or the log', async () => {
    const seen: { url?: string; authorization?: string }[] = [];
    const server: Server = createServer((req, res) => {
      seen.push({ url: req.url, authorization: req.headers.authorization });
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const token = 'ghp_s3cretTokenValue';
      const { ctx, lines } = makeContext(dataDir);
      const error = await gitSync(spec({ repoUrl: `http://127.0.0.1:${port}/acme/app.git`, httpsToken: token }), ctx).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(StepFailedError);
      expect(String(error)).not.toContain(token);
      expect(seen[0]?.url).toMatch(/^\/acme\/app\.git\/info\/refs\?service=git-upload-pack$/);
      expect(seen[0]?.authorization).toBe(`Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`);
      expect(lines.some((l) => l.text.includes(token) || l.text.includes('eC1hY2Nlc3MtdG9rZW4'))).toBe(false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('redactUrl', () => {
  it('hides credentials in repository URLs before they are logged', () => {
    expect(redactUrl('https://ghp_token@github.com/a/b.git')).toBe('https://***@github.com/a/b.git');
    expect(redactUrl('https://user:pass@gitlab.example/a.git')).toBe('https://***@gitlab.example/a.git');
    expect(redactUrl('ssh://deploy:pw@host/a.git')).toBe('ssh://deploy:***@host/a.git');
    expect(redactUrl('ssh://git@host/a.git')).toBe('ssh://git@host/a.git');
    expect(redactUrl('git@github.com:a/b.git')).toBe('git@github.com:a/b.git');
    expect(redactUrl('/srv/repos/app.git')).toBe('/srv/repos/app.git');
  });
});

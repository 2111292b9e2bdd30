import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { StepSpec } from '@devflow/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { createLogger } from '../logger.js';
import { secureDataDir } from '../lifecycle/data-dir-modes.js';
import { redactStepSpec } from '../steps/redact.js';
import { StepStore } from '../steps/store.js';
import { SecretBox } from './secret-box.js';
import { sealExistingSecrets } from './seal-existing.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'devflow-at-rest-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

describe('data dir modes', () => {
  it('a new data dir is 0700 and its database 0600 from the start; a looser existing one is tightened and logged', async () => {
    const fresh = join(dir, 'fresh');
    const lines: string[] = [];
    const logger = createLogger('info', (l) => lines.push(l));
    secureDataDir(fresh, `file:${join(fresh, 'devflow.db')}`, logger, 'before-open');
    expect([mode(fresh), mode(join(fresh, 'devflow.db'))]).toEqual(['700', '600']);
    expect(lines).toEqual([]);

    const old = join(dir, 'old');
    mkdirSync(old);
    chmodSync(old, 0o755);
    for (const f of ['devflow.db', 'devflow.db-wal', 'secret.key']) writeFileSync(join(old, f), 'x', { mode: 0o644 });
    secureDataDir(old, `file:${join(old, 'devflow.db')}`, logger, 'before-open');
    secureDataDir(old, `file:${join(old, 'devflow.db')}`, logger, 'after-open');
    expect([mode(old), mode(join(old, 'devflow.db')), mode(join(old, 'devflow.db-wal')), mode(join(old, 'secret.key'))]).toEqual(['700', '600', '600', '600']);
    expect(lines.filter((l) => l.includes('mode tightened'))).toHaveLength(4);
  });
});

describe('step specs at rest', () => {
  let db: Db;
  beforeEach(async () => {
    db = await openDb(`file:${join(dir, 'db')}`);
    await migrate(db);
  });
  afterEach(() => db.close());

  const link: StepSpec = { kind: 'release.link', app: 'shop-production', releaseId: '20260101-000000', sharedPaths: [], envFile: { name: '.env', content: '# app\nAPI_SECRET=s3cret-value\nexport OTHER="two words"\n' }, reuse: [], timeoutMs: 1000 };

  it('redaction keeps names and masks every value, the deploy key, the token and a URL password', () => {
    expect(redactStepSpec(link)).toMatchObject({ envFile: { name: '.env', content: '# app\nAPI_SECRET=***\nexport OTHER=***\n' } });
    const git: StepSpec = { kind: 'git.sync', app: 'a', releaseId: 'r', repoUrl: 'https://ci:pa55@git.example.com/x.git', ref: 'main', httpsToken: 'tok', sshPrivateKey: 'KEY', timeoutMs: 1 };
    expect(redactStepSpec(git)).toMatchObject({ repoUrl: 'https://ci:***@git.example.com/x.git', httpsToken: '***', sshPrivateKey: '***' });
    const exec: StepSpec = { kind: 'exec', argv: ['curl', '-H', 'X-Key: s3cret-value'], env: { API_SECRET: 's3cret-value' }, timeoutMs: 1 };
    expect(redactStepSpec(exec, ['s3cret-value'])).toEqual({ kind: 'exec', argv: ['curl', '-H', 'X-Key: ***'], env: { API_SECRET: '***' }, timeoutMs: 1 });
  });

  it('an older database: clear specs and URL passwords are sealed once at start, the redacted view stays readable', async () => {
    const box = new SecretBox(randomBytes(32));
    await db.execute({ sql: "INSERT INTO steps (id, agent_id, kind, spec, status, created_at) VALUES ('stp_old', 'srv_1', 'release.link', ?, 'succeeded', 1)", args: [JSON.stringify(link)] });
    await db.execute("INSERT INTO projects (id, name, repository_url, preset, default_branch, created_at, updated_at) VALUES ('prj_1', 'shop', 'https://ci:pa55word@git.example.com/x.git', 'node', 'main', 1, 1)");
    await sealExistingSecrets(db, box, createLogger('silent'));
    const step = await new StepStore(db).find('stp_old');
    expect(step?.spec).toEqual(redactStepSpec(link));
    const sealed = await new StepStore(db).sealed('stp_old');
    expect(JSON.parse(box.open(sealed.spec ?? '', 'step:stp_old:spec'))).toEqual(link);
    const project = (await db.execute("SELECT repository_url, repository_url_enc FROM projects WHERE id = 'prj_1'")).rows[0];
    expect(project?.repository_url).toBe('https://ci:***@git.example.com/x.git');
    expect(box.open(String(project?.repository_url_enc), 'project:prj_1:url')).toBe('https://ci:pa55word@git.example.com/x.git');
    const dump = (await db.execute('SELECT spec FROM steps')).rows.map((r) => String(r.spec)).join('');
    expect(dump).not.toContain('s3cret-value');
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, adminToken, startTestControlPlane, type TestControlPlane } from '../../test-support/harness.js';
import { runCli } from './run.js';

let cp: TestControlPlane;
let home: string;
let token: string;
let repo: string;

interface Run {
  code: number;
  out: string;
  err: string;
}

async function cli(argv: string[], env: Record<string, string | undefined> = { DEVFLOW_URL: cp.url, DEVFLOW_TOKEN: token }, stdin = ''): Promise<Run> {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    env: { HOME: home, ...env },
    out: (t) => (out += t),
    err: (t) => (err += t),
    configPath: join(home, '.config', 'devflow', 'config.json'),
    readStdin: async () => stdin,
    promptSecret: async () => null,
    fetchImpl: fetch,
  });
  return { code, out, err };
}

beforeAll(async () => {
  cp = await startTestControlPlane();
  token = await adminToken(cp);
  home = mkdtempSync(join(tmpdir(), 'devflow-cli-home-'));
  repo = join(home, 'shop');
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  writeFileSync(join(repo, 'package.json'), '{"scripts":{"start":"node -e 0"}}');
  execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.test', 'add', '.'], { cwd: repo });
  execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.test', 'commit', '-q', '-m', 'first'], { cwd: repo });
});
afterAll(async () => {
  await cp.dispose();
  rmSync(home, { recursive: true, force: true });
});

describe('devflow CLI: usage and exit codes', () => {
  it('exits 2 with usage for no command, unknown commands, unknown options and missing arguments', async () => {
    expect((await cli([])).code).toBe(2);
    const unknown = await cli(['deploi']);
    expect([unknown.code, unknown.err]).toEqual([2, expect.stringContaining('unknown command "deploi"')]);
    const badOption = await cli(['deploy', 'shop', '--env', 'prod', '--frobnicate']);
    expect([badOption.code, badOption.err]).toEqual([2, expect.stringContaining("Unknown option '--frobnicate'")]);
    const noEnv = await cli(['deploy', 'shop']);
    expect([noEnv.code, noEnv.err]).toEqual([2, expect.stringContaining('missing --env')]);
    expect((await cli(['deploy', '--help'])).out).toMatch(/^Usage: devflow deploy <project> --env E/);
    expect((await cli(['--version'])).out).toBe('0.1.0\n');
  });

  it('refuses stray arguments instead of dropping them (exit 2, before any request)', async () => {
    const stray = await cli(['deploy', 'shop', 'web1', '--env', 'prod'], { DEVFLOW_URL: 'http://127.0.0.1:1', DEVFLOW_TOKEN: 'x' });
    expect([stray.code, stray.err]).toEqual([2, expect.stringContaining('devflow deploy: unexpected argument "web1"')]);
    const unquoted = await cli(['lock', 'shop', '--env', 'prod', '--reason', 'release', 'freeze']);
    expect([unquoted.code, unquoted.err]).toEqual([2, expect.stringContaining('unexpected argument "freeze"')]);
    const two = await cli(['projects', 'create', 'my', 'shop', 'app', '--repo', repo]);
    expect([two.code, two.err]).toEqual([2, expect.stringContaining('unexpected arguments "shop" "app"')]);
    expect((await cli(['approvals', 'now'])).code).toBe(2);
  });

  it('refuses a URL that is not http(s) with exit 2 and where it came from', async () => {
    const login = await cli(['login', '--url', '127.0.0.1:7780', '--email', ADMIN_EMAIL, '--password-stdin'], {}, 'x\n');
    expect([login.code, login.err]).toEqual([2, expect.stringContaining('--url must be the control plane\'s http(s) URL, like http://127.0.0.1:7780; got "127.0.0.1:7780"')]);
    const env = await cli(['projects', 'list'], { DEVFLOW_URL: 'devflow.example.com', DEVFLOW_TOKEN: 'x' });
    expect([env.code, env.err]).toEqual([2, expect.stringContaining('DEVFLOW_URL must be')]);
  });

  it('exits 3 when not logged in, with a bad token, or when the API refuses', async () => {
    const notLoggedIn = await cli(['projects', 'list'], {});
    expect([notLoggedIn.code, notLoggedIn.err]).toEqual([3, expect.stringContaining('not logged in: run `devflow login`')]);
    const badToken = await cli(['projects', 'list'], { DEVFLOW_URL: cp.url, DEVFLOW_TOKEN: 'nope' });
    expect([badToken.code, badToken.err]).toEqual([3, expect.stringContaining('the API token is unknown, expired or revoked')]);
    const missing = await cli(['projects', 'show', 'ghost']);
    expect([missing.code, missing.err]).toEqual([3, 'devflow projects: project "ghost" does not exist\n']);
    const unreachable = await cli(['projects', 'list'], { DEVFLOW_URL: 'http://127.0.0.1:1', DEVFLOW_TOKEN: 'x' });
    expect([unreachable.code, unreachable.err]).toEqual([3, expect.stringContaining('cannot reach http://127.0.0.1:1')]);
  });
});

describe('devflow login', () => {
  it('logs in with email and password, stores url + token 0600, and the next command uses them', async () => {
    const res = await cli(['login', '--url', cp.url, '--email', ADMIN_EMAIL, '--password-stdin'], {}, `${ADMIN_PASSWORD}\n`);
    expect(res.code, res.err).toBe(0);
    const path = join(home, '.config', 'devflow', 'config.json');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const list = await cli(['projects', 'list', '--json'], {});
    expect(list.code, list.err).toBe(0);
    expect(JSON.parse(list.out)).toHaveProperty('projects');
  });

  it('refuses a wrong password with exit 3', async () => {
    const res = await cli(['login', '--url', cp.url, '--email', ADMIN_EMAIL, '--password-stdin'], {}, 'wrong\n');
    expect([res.code, res.err]).toEqual([3, 'devflow login: wrong email or password\n']);
  });
});

describe('devflow catalogue commands', () => {
  it('creates and shows projects and environments, sets variables, locks and unlocks', async () => {
    const project = await cli(['projects', 'create', 'shop', '--repo', repo, '--preset', 'node']);
    expect(project.code).toBe(0);
    // The webhook secret is only ever in this answer, so the CLI must show it.
    expect(project.out).toMatch(new RegExp(`URL     ${cp.url}/webhooks/prj_\\S+\n  secret  [0-9a-f]{32,}\n`));
    const badRepo = await cli(['projects', 'create', 'evil', '--repo', 'ext::sh -c id']);
    expect([badRepo.code, badRepo.err]).toEqual([3, expect.stringContaining('repositoryUrl')]);
    const server = await cli(['servers', 'add', 'web1', '--label', 'role=web', '--json']);
    expect(JSON.parse(server.out).installCommand).toContain('--name web1');
    expect((await cli(['servers', 'list'])).out).toMatch(/web1\s+srv_\S+\s+offline/);

    const created = await cli(['envs', 'shop', 'create', 'production', '--port', '3000', '--server', 'web1', '--var', 'API_KEY=abc123', '--unset', 'NONE']);
    expect(created.code, created.err).toBe(0);
    expect(created.out).toBe('Created shop/production (variables: API_KEY)\n');
    const set = await cli(['envs', 'shop', 'set', 'production', '--keep', '5', '--strategy', 'blue-green', '--json']);
    expect(JSON.parse(set.out).environment).toMatchObject({ keepReleases: 5, strategy: 'blue-green', variables: ['API_KEY'] });
    expect((await cli(['envs', 'shop', 'set', 'production', '--port', 'eighty'])).code).toBe(2);
    expect((await cli(['envs', 'shop', 'set', 'production'])).code).toBe(2);

    const show = await cli(['projects', 'show', 'shop']);
    expect(show.out).toMatch(/production\s+main\s+blue-green\s+3000\s+web1/);
    expect(show.out).not.toContain('abc123');

    expect((await cli(['lock', 'shop', '--env', 'production', '--reason', 'freeze'])).out).toBe('Locked shop/production: freeze\n');
    expect((await cli(['envs', 'shop'])).out).toMatch(/freeze \(admin@test\.local\)/);
    expect((await cli(['unlock', 'shop', '--env', 'production'])).code).toBe(0);
  });

  it('envs show prints the previous-succeeded rule; envs set turns it off; freeze list|add|remove, bad input refused with the field', async () => {
    const shown = await cli(['envs', 'shop', 'show', 'production']);
    expect(JSON.parse(shown.out).onlyAfterSuccess).toMatch(/^on: webhook and schedule deployments skip while the last deployment failed/);
    expect((await cli(['envs', 'shop', 'set', 'production', '--only-after-success', 'maybe'])).code).toBe(2);
    expect((await cli(['envs', 'shop', 'set', 'production', '--only-after-success', 'off'])).code).toBe(0);
    expect(JSON.parse((await cli(['envs', 'shop', 'show', 'production'])).out).onlyAfterSuccess).toBe('off');
    expect((await cli(['envs', 'shop', 'set', 'production', '--only-after-success', 'on'])).code).toBe(0);

    const added = await cli(['freeze', 'add', 'shop', '--env', 'production', '--from', '2030-12-20T00:00:00Z', '--to', '2031-01-04T00:00:00Z', '--reason', 'year-end', '--json']);
    expect(added.code, added.err).toBe(0);
    const id = JSON.parse(added.out).freeze.id as string;
    const weekly = await cli(['freeze', 'add', 'shop', '--cron', '0 16 * * FRI', '--duration', '3840', '--tz', 'Europe/Berlin', '--reason', 'weekends']);
    expect(weekly.out).toMatch(/^Added freeze frz_\S+ on shop: "0 16 \* \* FRI" for 3840 min \(Europe\/Berlin\)\n$/);
    const list = await cli(['freeze', 'list', 'shop']);
    expect(list.out).toMatch(new RegExp(`${id}\\s+production\\s+.*year-end`));
    expect(list.out).toMatch(/\(all\)\s+"0 16 \* \* FRI" for 3840 min \(Europe\/Berlin\)\s+weekends/);
    const badZone = await cli(['freeze', 'add', 'shop', '--cron', '0 16 * * FRI', '--duration', '60', '--tz', 'Nowhere/Else', '--reason', 'x']);
    expect([badZone.code, badZone.err]).toEqual([3, expect.stringContaining('timezone: unknown time zone "Nowhere/Else"')]);
    const backwards = await cli(['freeze', 'add', 'shop', '--from', '2030-01-02T00:00:00Z', '--to', '2030-01-01T00:00:00Z', '--reason', 'x']);
    expect([backwards.code, backwards.err]).toEqual([3, expect.stringContaining('to: must be after from')]);
    expect((await cli(['freeze', 'add', 'shop', '--from', '2030-01-01T00:00:00Z', '--to', '2030-01-02T00:00:00Z'])).code).toBe(2);
    expect((await cli(['freeze', 'remove', 'shop', id])).out).toBe(`Removed freeze ${id}\n`);
    expect((await cli(['freeze', 'remove', 'shop', id])).code).toBe(3);
    expect((await cli(['freeze', 'nope'])).code).toBe(2);
    expect((await cli(['deploy', 'shop', '--env', 'production', '--reason', 'x'])).code).toBe(2);
  });

  it('deploy to an environment with no online server fails fast: exit 1 with the reason', async () => {
    const res = await cli(['deploy', 'shop', '--env', 'production', '--follow']);
    expect([res.code, res.err]).toEqual([1, expect.stringMatching(/^devflow deploy: deployment \S+ failed: .*(online|offline)/)]);
    const history = await cli(['history', 'shop', '--json']);
    expect(JSON.parse(history.out).items.length).toBeGreaterThan(0);
    expect((await cli(['queue', 'shop'])).out).toBe('(none)\n');
    const bad = await cli(['deploy', 'shop', '--env', 'production', '--branch', '; rm -rf /']);
    expect([bad.code, bad.err]).toEqual([3, expect.stringContaining('branch')]);
    expect((await cli(['deploy', 'shop', '--env', 'production', '--server', 'nope'])).code).toBe(2);
  });
});

describe('devflow users (admin user management)', () => {
  it('adds, re-roles, disables, enables, resets, lists and revokes tokens, removes; a weak password exits 3 with the reason', async () => {
    const weak = await cli(['users', 'add', 'weak@test.local', '--role', 'viewer', '--password-stdin'], undefined, 'aaaaaaaaaaaaaaaa\n');
    expect([weak.code, weak.err]).toEqual([3, expect.stringContaining('only 1 different characters')]);
    const added = await cli(['users', 'add', 'cli-user@test.local', '--role', 'viewer', '--password-stdin'], undefined, 'Plenty-of-distinct-chars-42\n');
    expect(added.code, added.err).toBe(0);
    expect(added.out).toMatch(/Added cli-user@test\.local \(usr_[\w-]+\) as viewer/);
    expect((await cli(['users', 'role', 'cli-user@test.local', 'deployer'])).out).toMatch(/is now deployer/);
    expect((await cli(['users', 'disable', 'cli-user@test.local'])).out).toMatch(/is disabled/);
    expect((await cli(['users', 'list'])).out).toMatch(/cli-user@test\.local\s+usr_[\w-]+\s+deployer\s+disabled/);
    expect((await cli(['users', 'enable', 'cli-user@test.local'])).out).toMatch(/is enabled/);
    expect((await cli(['users', 'reset-password', 'cli-user@test.local', '--password-stdin'], undefined, 'Another-long-passphrase-7\n')).code).toBe(0);
    const id = JSON.parse((await cli(['users', 'list', '--json'])).out).users.find((u: { email: string }) => u.email === 'cli-user@test.local').id as string;
    const created = await cp.services.apiTokens.create(id, 'laptop');
    expect((await cli(['users', 'tokens', 'cli-user@test.local'])).out).toMatch(new RegExp(`laptop\\s+${created.id}`));
    expect((await cli(['users', 'revoke-token', 'cli-user@test.local', created.id])).code).toBe(0);
    expect(await cp.services.apiTokens.resolve(created.token)).toBeNull();
    expect((await cli(['users', 'remove', 'cli-user@test.local'])).out).toMatch(/Removed cli-user@test\.local/);
    expect((await cli(['users', 'disable', 'cli-user@test.local'])).code).toBe(2);
  });
});

describe('devflow releases mark|unmark', () => {
  it('refuses a missing reason (exit 2) and an unknown release (exit 3 with the API message)', async () => {
    expect((await cli(['releases', 'mark', 'shop', '--env', 'production', 'rel_nope'])).code).toBe(2);
    const unknown = await cli(['releases', 'mark', 'shop', '--env', 'production', 'rel_nope', '--reason', 'the build is fine']);
    expect([unknown.code, unknown.err]).toEqual([3, expect.stringContaining('release "rel_nope" is not on disk')]);
    expect((await cli(['releases', 'unmark', 'shop', '--env', 'production', 'rel_nope'])).code).toBe(3);
  });
});

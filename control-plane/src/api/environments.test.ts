import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, startTestControlPlane, type TestControlPlane } from '../../test-support/harness.js';

let cp: TestControlPlane;
let token: string;
let serverIds: string[];

const api = (path: string, init: { method?: string; body?: unknown } = {}) =>
  cp.app.request(`/api/projects/app${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
const json = async (res: Response) => (await res.json()) as Record<string, any>;

beforeAll(async () => {
  cp = await startTestControlPlane();
  token = await adminToken(cp);
  await cp.services.projects.create('system', { name: 'app', repositoryUrl: '/srv/git/app', preset: 'node', defaultBranch: 'trunk' });
  serverIds = [(await cp.services.servers.create('system', { name: 'web1' })).id, (await cp.services.servers.create('system', { name: 'web2' })).id];
});
afterAll(() => cp.dispose());

describe('environments API', () => {
  it('creates an environment with documented defaults', async () => {
    const res = await api('/environments', { method: 'POST', body: { name: 'production', port: 3000, serverIds: [serverIds[1], 'web1'] } });
    expect(res.status).toBe(201);
    const { environment } = await json(res);
    expect(environment).toMatchObject({
      name: 'production',
      project: 'app',
      app: 'app-production',
      branch: 'trunk',
      strategy: null, // not chosen: a deployment of this node app on port 3000 runs blue-green
      port: 3000,
      slotPorts: { blue: 3001, green: 3002 },
      healthcheckPath: '/up',
      keepReleases: 10,
      stageTimeouts: { fetch: 300, install: 900, healthcheck: 120 },
      autoRollback: false,
      variables: [],
      lock: null,
      liveRelease: null,
    });
    expect(environment.servers.map((s: { name: string }) => s.name)).toEqual(['web2', 'web1']);
    expect((await json(await api('/environments'))).environments).toHaveLength(1);
    expect((await json(await api(`/environments/${environment.id}`))).environment.name).toBe('production');
  });

  it('updates settings and pipeline overrides, validating each field', async () => {
    const res = await api('/environments/production', {
      method: 'PATCH',
      body: { strategy: 'blue-green', bluePort: 4001, stageTimeouts: { build: 60 }, pipeline: { build: 'npm run build:prod', hooks: { activate: { after: 'echo live' } } }, startCommand: 'node server.js' },
    });
    expect(res.status).toBe(200);
    const { environment } = await json(res);
    expect(environment).toMatchObject({ strategy: 'blue-green', slotPorts: { blue: 4001, green: 3002 }, stageTimeouts: { build: 60, install: 900 }, startCommand: 'node server.js' });
    const plan = await cp.services.environments.planEnvironment(await cp.services.environments.get('app', 'production'));
    expect(plan.settings).toMatchObject({ strategy: 'blue-green', start: 'node server.js', build: 'npm run build:prod', healthcheck: { path: '/up' }, timeouts: { build: 60 } });
    expect(plan.settings.timeouts).toEqual({ build: 60 });

    const bad: [unknown, string][] = [
      [{ branch: '--upload-pack=x' }, 'branch'],
      [{ branch: '../x' }, 'branch'],
      [{ port: 70000 }, 'port'],
      [{ strategy: 'canary-ish' }, 'strategy'],
      [{ healthcheckPath: 'up' }, 'healthcheckPath'],
      [{ stageTimeouts: { biuld: 5 } }, 'stageTimeouts'],
      [{ pipeline: { hooks: { build: { befor: 'x' } } } }, 'pipeline.hooks.build'],
      [{ keepReleases: 0 }, 'keepReleases'],
    ];
    for (const [body, field] of bad) {
      const r = await api('/environments/production', { method: 'PATCH', body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect((await json(r)).error.details.field).toBe(field);
    }
    const unknownServer = await api('/environments/production', { method: 'PATCH', body: { serverIds: ['srv_nope'] } });
    expect(unknownServer.status).toBe(404);
    expect((await json(unknownServer)).error.message).toBe('server "srv_nope" does not exist');
  });

  it('a create or update refused for an unknown server leaves nothing behind, so the same command can be run again fixed', async () => {
    const refused = await api('/environments', { method: 'POST', body: { name: 'qa', port: 6100, serverIds: ['web1', 'no-such-server'] } });
    expect(refused.status).toBe(404);
    expect((await json(refused)).error.message).toBe('server "no-such-server" does not exist');
    expect((await api('/environments/qa')).status).toBe(404);
    expect((await api('/environments', { method: 'POST', body: { name: 'qa', port: 6100, serverIds: ['web1'] } })).status).toBe(201);

    const patch = await api('/environments/qa', { method: 'PATCH', body: { branch: 'release', serverIds: ['no-such-server'] } });
    expect(patch.status).toBe(404);
    const qa = (await json(await api('/environments/qa'))).environment;
    expect(qa.branch).not.toBe('release');
    expect(qa.servers.map((x: { name: string }) => x.name)).toEqual(['web1']);
    expect((await api('/environments/qa', { method: 'DELETE' })).status).toBe(204);
  });

  it('refuses ports another environment on a shared server takes (public or slot port), and ports used twice', async () => {
    const staging = await api('/environments', { method: 'POST', body: { name: 'staging', port: 3002, serverIds: ['web1'] } });
    expect(staging.status).toBe(409);
    expect((await json(staging)).error).toMatchObject({
      message: 'port: port 3002 (this environment\'s public port) is the green slot port of app/production on server "web1"; choose another port, or set bluePort/greenPort (or strategy in-place for an environment that needs no slots)',
      details: { field: 'port' },
    });
    // Its slots (5001/5002) are free; the public port is then taken by a slot of the other.
    const created = await api('/environments', { method: 'POST', body: { name: 'staging', port: 5000, serverIds: ['web1'] } });
    expect(created.status).toBe(201);
    const clash = await api('/environments/staging', { method: 'PATCH', body: { bluePort: 4001 } });
    expect(clash.status).toBe(409);
    expect((await json(clash)).error.details.field).toBe('bluePort');
    // On another server, or pinned to in-place (no slots), the same ports are fine.
    expect((await api('/environments/staging', { method: 'PATCH', body: { port: 3002, strategy: 'in-place', serverIds: [] } })).status).toBe(200);
    expect((await api('/environments/staging', { method: 'PATCH', body: { serverIds: ['web2'] } })).status).toBe(409);
    expect((await api('/environments/staging', { method: 'PATCH', body: { port: 5000, strategy: null, serverIds: ['web2'] } })).status).toBe(200);
    expect((await json(await api('/environments/staging'))).environment.strategy).toBeNull();
    const twice = await api('/environments/staging', { method: 'PATCH', body: { greenPort: 5000 } });
    expect(twice.status).toBe(400);
    expect((await json(twice)).error.message).toBe("greenPort: port 5000 is already this environment's public port");
    expect((await api('/environments/staging', { method: 'DELETE' })).status).toBe(204);
  });

  it('refuses bad and duplicate names; unknown environments and projects are 404', async () => {
    expect((await api('/environments', { method: 'POST', body: { name: 'Prod' } })).status).toBe(400);
    expect((await api('/environments', { method: 'POST', body: { name: 'production' } })).status).toBe(409);
    const long = await api('/environments', { method: 'POST', body: { name: 'x'.repeat(40) } });
    expect(long.status).toBe(201);
    expect((await api('/environments/nope')).status).toBe(404);
    expect((await json(await api('/environments/nope'))).error.message).toBe('environment "nope" of project "app" does not exist');
    expect((await cp.app.request('/api/projects/ghost/environments', { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
  });

  it('refuses a variable named __proto__ (400), changing nothing', async () => {
    const before = (await json(await api('/environments/production'))).environment.variables;
    const res = await cp.app.request('/api/projects/app/environments/production/variables', {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"variables":{"__proto__":"x","OK_NAME":"y"}}',
    });
    expect(res.status).toBe(400);
    expect((await json(res)).error.message).toMatch(/^variables: "__proto__" is not allowed as a variable name/);
    expect((await json(await api('/environments/production'))).environment.variables).toEqual(before);
  });

  it('refuses privileged ports and the control plane\'s own port (400 naming the field)', async () => {
    for (const [body, message] of [
      [{ port: 80 }, /port: port 80 is a privileged port \(1-1023\)/],
      [{ port: 3000, bluePort: 443, greenPort: 3002 }, /bluePort: port 443 is a privileged port/],
      [{ port: cp.port }, /port: port \d+ is the control plane's own port/],
    ] as const) {
      const res = await api('/environments/production', { method: 'PATCH', body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await json(res)).error.message).toMatch(message);
    }
    expect((await json(await api('/environments/production'))).environment.port).not.toBe(80);
  });

  it('stores variables encrypted and only ever returns their names', async () => {
    const put = await api('/environments/production/variables', { method: 'PUT', body: { variables: { DB_PASSWORD: 's3cr3t-value', APP_KEY: 'base64:abc' } } });
    expect(put.status).toBe(200);
    expect(await json(put)).toEqual({ variables: ['APP_KEY', 'DB_PASSWORD'] });
    const del = await json(await api('/environments/production/variables', { method: 'PUT', body: { variables: { APP_KEY: null } } }));
    expect(del.variables).toEqual(['DB_PASSWORD']);
    const env = await json(await api('/environments/production'));
    expect(env.environment.variables).toEqual(['DB_PASSWORD']);
    expect(JSON.stringify(env)).not.toContain('s3cr3t-value');
    const raw = await cp.services.db.execute('SELECT value_enc FROM environment_variables');
    expect(String(raw.rows[0]?.value_enc)).toMatch(/^v1\./);
    expect(JSON.stringify(raw.rows)).not.toContain('s3cr3t');
    const plan = await cp.services.environments.planEnvironment(await cp.services.environments.get('app', 'production'));
    expect(plan.variables).toEqual({ DB_PASSWORD: 's3cr3t-value' });
    const audit = await cp.services.audit.list(50);
    expect(audit.find((a) => a.action === 'environment.variables')?.details).toMatchObject({ deleted: ['APP_KEY'] });
    expect(JSON.stringify(audit)).not.toContain('s3cr3t');
    const bad = await api('/environments/production/variables', { method: 'PUT', body: { variables: { '1BAD': 'x' } } });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.message).toBe('variables.1BAD: invalid name: letters, digits and "_", not starting with a digit');
  });

  it('locks with who, why and since; unlocks; both audited', async () => {
    expect((await api('/environments/production/lock', { method: 'POST', body: {} })).status).toBe(400);
    const locked = await json(await api('/environments/production/lock', { method: 'POST', body: { reason: 'release freeze' } }));
    expect(locked.environment.lock).toMatchObject({ reason: 'release freeze', byEmail: 'admin@test.local', since: expect.any(Number) });
    const unlocked = await json(await api('/environments/production/lock', { method: 'DELETE' }));
    expect(unlocked.environment.lock).toBeNull();
    const actions = (await cp.services.audit.list(50)).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['environment.lock', 'environment.unlock', 'environment.create', 'environment.update']));
  });

  it('deletes an environment', async () => {
    await api('/environments', { method: 'POST', body: { name: 'staging' } });
    expect((await api('/environments/staging', { method: 'DELETE' })).status).toBe(204);
    expect((await api('/environments/staging')).status).toBe(404);
  });
});

import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { planDeployment, type PlanInput } from './plan.js';
import { argvOf, expectSendable, nodeInput, outline } from '../../test-support/pipeline.js';

const stepsOf = (input: PlanInput, server = 0) => {
  const plan = planDeployment(input);
  expectSendable(plan);
  return plan.servers[server]!.steps;
};

describe('planDeployment: node preset', () => {
  it('plans the whole in-place pipeline in stage order', () => {
    const plan = planDeployment(nodeInput());
    expectSendable(plan);
    expect(plan.barrierBefore).toBe('activate');
    expect(plan.releaseId).toBe('20260101120000-abc1234');
    expect(outline(plan.servers[0]!.steps)).toEqual([
      'fetch/main:git.sync git fetch main and check out abc1234def56',
      'link/main:release.link write .env, reuse dependencies',
      'install/main:exec npm ci',
      'build/main:exec npm run build',
      'activate/main:release.activate switch current to 20260101120000-abc1234',
      'restart/main:slot.start start app on port 3000: npm start',
      'healthcheck/main:health.check health check http://127.0.0.1:3000/up',
      'cleanup/main:release.prune prune old releases (keep 10)',
    ]);
  });

  it('fills the step specs: commit, env file, reuse, PORT, prune protection', () => {
    const [fetch, link, install, , , restart, health, cleanup] = stepsOf(nodeInput());
    expect(fetch!.spec).toMatchObject({ kind: 'git.sync', app: 'shop-production', ref: 'main', commit: 'abc1234def5678abc1234def5678abc1234def56' });
    expect(link!.spec).toMatchObject({
      envFile: { name: '.env', content: "DATABASE_URL='postgres://u:pw@db/x'\nDEBUG='1'\n" },
      reuse: [{ path: 'node_modules', lockfile: 'package-lock.json' }],
    });
    expect(install!.skipWhenReused).toBe('node_modules');
    expect(install!.spec).toMatchObject({ release: { app: 'shop-production', releaseId: '20260101120000-abc1234' }, timeoutMs: 900_000 });
    expect(restart!.spec).toMatchObject({
      kind: 'slot.start',
      slot: 'main',
      port: 3000,
      argv: ['npm', 'start'],
      env: { DEBUG: '1', DEVFLOW_RELEASE: '20260101120000-abc1234', DEVFLOW_COMMIT: 'abc1234def5678abc1234def5678abc1234def56' },
    });
    expect(health!.spec).toMatchObject({ slot: { app: 'shop-production', slot: 'main' }, expectStatus: 200, deadlineMs: 30_000 });
    expect(cleanup!.spec).toMatchObject({ keep: 10, protect: ['20260101120000-abc1234', '20251231000000-0000000'] });
    expect(cleanup!.spec).not.toHaveProperty('failed');
  });

  it('names the releases that failed after going live to the prune, so they do not count toward keepReleases', () => {
    const input = nodeInput({ servers: [{ serverId: 's1', liveReleaseId: '20251231000000-0000000', liveSlot: null, failedReleaseIds: ['20251230000000-bad0000'] }] });
    const cleanup = stepsOf(input).at(-1);
    expect(cleanup!.spec).toMatchObject({ kind: 'release.prune', failed: ['20251230000000-bad0000'] });
  });

  it.each([
    ['package-lock.json', ['npm', 'ci'], ['npm', 'run', 'build']],
    ['yarn.lock', ['yarn', 'install', '--frozen-lockfile'], ['yarn', 'run', 'build']],
    ['pnpm-lock.yaml', ['pnpm', 'install', '--frozen-lockfile'], ['pnpm', 'run', 'build']],
  ])('uses the package manager %s names', (lockfile, install, build) => {
    const steps = stepsOf(nodeInput({ repo: { rootFiles: ['package.json', lockfile], packageScripts: { build: 'x' }, config: null } }));
    expect(argvOf(steps.find((s) => s.stage === 'install'))).toEqual(install);
    expect(argvOf(steps.find((s) => s.stage === 'build'))).toEqual(build);
    expect(steps.find((s) => s.stage === 'link')!.spec).toMatchObject({ reuse: [{ path: 'node_modules', lockfile }] });
  });

  it('runs npm install without reuse when there is no lockfile, and no build without a build script', () => {
    const steps = stepsOf(nodeInput({ repo: { rootFiles: ['package.json'], packageScripts: { start: 'node .' }, config: null } }));
    const install = steps.find((s) => s.stage === 'install')!;
    expect(argvOf(install)).toEqual(['npm', 'install']);
    expect(install.skipWhenReused).toBeUndefined();
    expect(steps.some((s) => s.stage === 'build')).toBe(false);
  });

  it('puts secrets (variable values, repository token) in the plan, not short values', () => {
    const plan = planDeployment(nodeInput({ project: { preset: 'node', repositoryUrl: 'https://git.example.test/a.git', credentials: { httpsToken: 'tok-123456' } } }));
    expect(plan.secrets).toEqual(['postgres://u:pw@db/x', 'tok-123456']);
    expect(plan.servers[0]!.steps[0]!.spec).toMatchObject({ httpsToken: 'tok-123456' });
  });

  it('does not mask a value that is part of the app name every log line shows (NODE_ENV=production)', () => {
    const environment = { ...nodeInput().environment, variables: { NODE_ENV: 'production', APP_ENV: 'prod', KEY: 'k-secret-1' } };
    expect(planDeployment(nodeInput({ environment })).secrets).toEqual(['k-secret-1']);
  });
});

describe('planDeployment: other presets', () => {
  const laravel = (over: Partial<PlanInput> = {}) =>
    nodeInput({
      project: { preset: 'laravel', repositoryUrl: '/srv/git/app' },
      repo: { rootFiles: ['artisan', 'composer.json', 'composer.lock'], packageScripts: null, config: null },
      environment: { ...nodeInput().environment, port: 8080 },
      ...over,
    });

  it('laravel: composer, caches built before the switch, migrate, php-fpm reload and queue:restart, shared storage', () => {
    const steps = stepsOf(laravel());
    expect(outline(steps)).toEqual([
      'fetch/main:git.sync git fetch main and check out abc1234def56',
      'link/main:release.link link shared paths, write .env, reuse dependencies',
      'install/main:exec composer install --no-dev --prefer-dist --optimize-autoloader --no-interaction',
      'build/main:exec php artisan storage:link',
      'build/main:exec php artisan config:cache',
      'build/main:exec php artisan route:cache',
      'build/main:exec php artisan view:cache',
      'migrate/main:exec php artisan migrate --force',
      'activate/main:release.activate switch current to 20260101120000-abc1234',
      'restart/main:exec sudo -n systemctl reload php-fpm',
      'restart/main:exec php artisan queue:restart',
      'healthcheck/main:health.check health check http://127.0.0.1:8080/up',
      'cleanup/main:release.prune prune old releases (keep 10)',
    ]);
    expect(steps[1]!.spec).toMatchObject({ sharedPaths: ['storage'], reuse: [{ path: 'vendor', lockfile: 'composer.lock' }] });
    expect(steps[2]!.skipWhenReused).toBe('vendor');
    expect(argvOf(steps[9])).toEqual(['sudo', '-n', 'systemctl', 'reload', 'php-fpm']);
    expect(steps[11]!.spec).not.toHaveProperty('slot');
    // Compiled views are kept per release: view:cache's view:clear must never reach the live release's.
    for (const step of steps.filter((s) => argvOf(s)?.[1] === 'artisan')) {
      expect(step.spec).toMatchObject({ releasePathEnv: { VIEW_COMPILED_PATH: 'bootstrap/cache/views' } });
    }
  });

  it('laravel: the php-fpm service is a setting (named per PHP version on Debian)', () => {
    const steps = stepsOf(laravel({ environment: { ...nodeInput().environment, port: 8080, settings: { phpFpmService: 'php8.2-fpm' } } }));
    expect(argvOf(steps.find((s) => s.stage === 'restart'))).toEqual(['sudo', '-n', 'systemctl', 'reload', 'php8.2-fpm']);
  });

  it('laravel: migrations run only on the first server', () => {
    const servers = ['s1', 's2', 's3'].map((serverId) => ({ serverId, liveReleaseId: null, liveSlot: null }));
    const plan = planDeployment(laravel({ servers }));
    expect(plan.servers.map((s) => s.steps.filter((x) => x.stage === 'migrate').length)).toEqual([1, 0, 0]);
    expect(plan.servers.map((s) => s.serverId)).toEqual(['s1', 's2', 's3']);
    expect(plan.servers[1]!.steps.find((s) => s.stage === 'cleanup')!.spec).toMatchObject({ protect: ['20260101120000-abc1234'] });
  });

  it('static: fetch, activate, cleanup; no env file with secrets in the web root', () => {
    const steps = stepsOf(nodeInput({ project: { preset: 'static', repositoryUrl: '/srv/site' }, environment: { ...nodeInput().environment, port: null } }));
    expect(steps.map((s) => s.spec.kind)).toEqual(['git.sync', 'release.activate', 'release.prune']);
  });

  it('custom: only what the user configured', () => {
    const env = { ...nodeInput().environment, settings: { build: './build.sh', restart: ['systemctl --user restart app'], healthcheck: { path: '/health' } } };
    const steps = stepsOf(nodeInput({ project: { preset: 'custom', repositoryUrl: '/srv/x' }, environment: env }));
    expect(outline(steps)).toEqual([
      'fetch/main:git.sync git fetch main and check out abc1234def56',
      'build/main:exec ./build.sh',
      'activate/main:release.activate switch current to 20260101120000-abc1234',
      'restart/main:exec systemctl --user restart app',
      'healthcheck/main:health.check health check http://127.0.0.1:3000/health',
      'cleanup/main:release.prune prune old releases (keep 10)',
    ]);
  });
});

describe('planDeployment: settings layers and options', () => {
  it('console settings override the preset, devflow.yml overrides the console', () => {
    const env = { ...nodeInput().environment, settings: { strategy: 'in-place' as const, build: 'npm run build:console', start: 'node console.js', keepReleases: 3, timeouts: { build: 60 } } };
    const consoleOnly = stepsOf(nodeInput({ environment: env }));
    expect(argvOf(consoleOnly.find((s) => s.stage === 'build'))).toEqual(['sh', '-c', 'npm run build:console']);
    expect(consoleOnly.find((s) => s.stage === 'build')!.spec.timeoutMs).toBe(60_000);
    expect(argvOf(consoleOnly.find((s) => s.stage === 'restart'))).toEqual(['sh', '-c', 'node console.js']);

    const config = { build: 'npm run build:yml', timeouts: { install: 30 }, environments: { production: { keepReleases: 5 }, staging: { keepReleases: 2 } } };
    const withYml = stepsOf(nodeInput({ environment: env, repo: { ...nodeInput().repo, config } }));
    expect(argvOf(withYml.find((s) => s.stage === 'build'))).toEqual(['sh', '-c', 'npm run build:yml']);
    expect(withYml.find((s) => s.stage === 'build')!.spec.timeoutMs).toBe(60_000); // console's, yml did not set it
    expect(withYml.find((s) => s.stage === 'install')!.spec.timeoutMs).toBe(30_000);
    expect(argvOf(withYml.find((s) => s.stage === 'restart'))).toEqual(['sh', '-c', 'node console.js']);
    expect(withYml.find((s) => s.stage === 'cleanup')!.spec).toMatchObject({ keep: 5 });
  });

  it('devflow.yml can switch the preset and turn stages off', () => {
    const steps = stepsOf(nodeInput({ repo: { ...nodeInput().repo, config: { install: false, build: null, healthcheck: false } } }));
    expect(steps.map((s) => s.stage)).toEqual(['fetch', 'link', 'activate', 'restart', 'cleanup']);
    const asStatic = stepsOf(nodeInput({ repo: { ...nodeInput().repo, config: { preset: 'static' } } }));
    expect(asStatic.map((s) => s.spec.kind)).toEqual(['git.sync', 'release.activate', 'health.check', 'release.prune']);
  });

  it('a replaced install command gets no dependency reuse', () => {
    const steps = stepsOf(nodeInput({ repo: { ...nodeInput().repo, config: { install: 'npm ci --omit=dev' } } }));
    expect(steps.find((s) => s.stage === 'install')!.skipWhenReused).toBeUndefined();
    expect(steps.find((s) => s.stage === 'link')!.spec).toMatchObject({ reuse: [] });
  });

  it('runs hooks before and after their stage, in order', () => {
    const config = {
      hooks: {
        build: { before: 'echo before-build', after: ['echo after-build-1', { argv: ['echo', 'after-build-2'] }] },
        activate: { after: 'php artisan queue:restart' },
        fetch: { after: 'git log -1' },
      },
    };
    const steps = stepsOf(nodeInput({ repo: { ...nodeInput().repo, config } }));
    expect(outline(steps).filter((l) => !l.startsWith('install') && !l.startsWith('link'))).toEqual([
      'fetch/main:git.sync git fetch main and check out abc1234def56',
      'fetch/after:exec git log -1',
      'build/before:exec echo before-build',
      'build/main:exec npm run build',
      'build/after:exec echo after-build-1',
      'build/after:exec echo after-build-2',
      'activate/main:release.activate switch current to 20260101120000-abc1234',
      'activate/after:exec php artisan queue:restart',
      'restart/main:slot.start start app on port 3000: npm start',
      'healthcheck/main:health.check health check http://127.0.0.1:3000/up',
      'cleanup/main:release.prune prune old releases (keep 10)',
    ]);
  });

  it('skip migrations and skip cache remove those stages with their hooks', () => {
    const config = { migrate: 'npx prisma migrate deploy', cache: 'npm run cache:clear', hooks: { migrate: { before: 'echo m' }, cache: { after: 'echo c' } } };
    const input = nodeInput({ repo: { ...nodeInput().repo, config } });
    const stages = (options: PlanInput['options']) => stepsOf({ ...input, options }).map((s) => `${s.stage}/${s.phase}`);
    expect(stages({})).toEqual(expect.arrayContaining(['migrate/before', 'migrate/main', 'cache/main', 'cache/after']));
    expect(stages({ skipMigrations: true }).filter((s) => s.startsWith('migrate'))).toEqual([]);
    expect(stages({ skipMigrations: true })).toContain('cache/main');
    expect(stages({ skipCache: true }).filter((s) => s.startsWith('cache'))).toEqual([]);
    expect(stages({ skipCache: true })).toContain('migrate/main');
  });

  it('refuses settings that cannot work, naming the field', () => {
    const bad = (settings: PlanInput['environment']['settings'], port: number | null = 3000) => {
      try {
        planDeployment(nodeInput({ environment: { ...nodeInput().environment, settings, port } }));
      } catch (err) {
        expect(err).toBeInstanceOf(AppError);
        return (err as AppError).details?.field;
      }
      return 'no error';
    };
    expect(bad({ hooks: { fetch: { before: 'echo x' } } })).toBe('hooks.fetch.before');
    expect(bad({ strategy: 'blue-green', start: false })).toBe('start');
    expect(bad({ strategy: 'blue-green' }, null)).toBe('port');
    expect(bad({}, null)).toBe('port');
    expect(() => planDeployment(nodeInput({ servers: [] }))).toThrow(/no servers/);
  });
});

describe('planDeployment: blue-green', () => {
  const blueGreen = (liveSlot: 'blue' | 'green' | null, serverId = 's1') =>
    nodeInput({
      environment: { ...nodeInput().environment, settings: { strategy: 'blue-green' } },
      servers: [{ serverId, liveReleaseId: 'r0', liveSlot }],
    });

  it('builds caches and starts the idle slot, checks it, switches traffic, then the symlink (issue 16 item 5)', () => {
    const steps = stepsOf(blueGreen('blue'));
    expect(outline(steps).filter((l) => /^(cache|activate|restart|healthcheck)/.test(l))).toEqual([
      'restart/main:slot.start start green slot on port 3002: npm start',
      'restart/main:health.check health check http://127.0.0.1:3002/up',
      'activate/main:traffic.switch switch traffic on port 3000 to green',
      'activate/main:release.activate switch current to 20260101120000-abc1234',
      'healthcheck/main:health.check health check http://127.0.0.1:3000/up',
    ]);
    expect(steps.find((s) => s.spec.kind === 'traffic.switch')!.spec).toMatchObject({ listenPort: 3000, slot: 'green', targetPort: 3002, drainMs: 30_000 });
    // A release that never becomes healthy on the idle slot is stopped there.
    expect(steps.find((s) => s.stage === 'restart' && s.spec.kind === 'health.check')!.spec).toMatchObject({ slot: { slot: 'green' }, stopSlotOnFailure: true, intervalMs: 1000, attemptTimeoutMs: 5000 });
    expect(steps.find((s) => s.stage === 'healthcheck')!.spec).not.toHaveProperty('stopSlotOnFailure');

    // Cache commands and their hooks run in the new release before it starts; the user's restart commands after the switch.
    const settings = { strategy: 'blue-green' as const, cache: 'php artisan optimize', restart: 'sudo systemctl reload worker', hooks: { cache: { after: 'curl -fsS localhost/warm' } } };
    const withCache = stepsOf({ ...blueGreen('blue'), environment: { ...nodeInput().environment, settings } });
    expect(outline(withCache).filter((l) => /^(migrate|cache|activate|restart|healthcheck)/.test(l))).toEqual([
      'cache/main:exec php artisan optimize',
      'cache/after:exec curl -fsS localhost/warm',
      'restart/main:slot.start start green slot on port 3002: npm start',
      'restart/main:health.check health check http://127.0.0.1:3002/up',
      'activate/main:traffic.switch switch traffic on port 3000 to green',
      'activate/main:release.activate switch current to 20260101120000-abc1234',
      'restart/main:exec sudo systemctl reload worker',
      'healthcheck/main:health.check health check http://127.0.0.1:3000/up',
    ]);
    expect(withCache.find((s) => s.stage === 'cache')!.spec).toMatchObject({ release: { releaseId: '20260101120000-abc1234' } });
  });

  it.each([
    ['blue', 'green'],
    ['green', 'blue'],
    [null, 'blue'],
  ] as const)('live slot %s -> new release on %s', (live, idle) => {
    const start = stepsOf(blueGreen(live)).find((s) => s.spec.kind === 'slot.start')!;
    expect(start.spec).toMatchObject({ slot: idle, port: idle === 'blue' ? 3001 : 3002 });
  });

  it('takes the public port from the in-place app when an environment switches to blue-green, and says so', () => {
    const switching = { ...blueGreen(null), servers: [{ serverId: 's1', liveReleaseId: 'r0', liveSlot: null }] };
    const steps = stepsOf(switching);
    expect(outline(steps).filter((l) => l.startsWith('activate') || l.startsWith('restart'))).toEqual([
      'restart/main:slot.start start blue slot on port 3001: npm start',
      'restart/main:health.check health check http://127.0.0.1:3001/up',
      'activate/main:traffic.switch switch traffic on port 3000 to blue, taking the port from the in-place app (leaving in-place: requests may fail for a moment, this change only)',
      'activate/main:release.activate switch current to 20260101120000-abc1234',
    ]);
    expect(steps.find((s) => s.spec.kind === 'traffic.switch')!.spec).toMatchObject({ takeOverFrom: { slot: 'main', graceMs: 10_000 } });
    // Nothing live but a slot still runs (the last deployment failed after its switch): the proxy has the port already.
    const afterFailure = stepsOf({ ...blueGreen(null), servers: [{ serverId: 's1', liveReleaseId: null, liveSlot: null, occupiedSlots: ['blue'] }] });
    expect(afterFailure.find((s) => s.spec.kind === 'traffic.switch')!.spec).not.toHaveProperty('takeOverFrom');
    // Already blue-green: a plain switch. The very first deployment: the switch still stops any in-place app, but no change is announced.
    expect(stepsOf(blueGreen('green')).find((s) => s.spec.kind === 'traffic.switch')!.spec).not.toHaveProperty('takeOverFrom');
    const first = stepsOf({ ...blueGreen(null), servers: [{ serverId: 's1', liveReleaseId: null, liveSlot: null }] });
    expect(first.find((s) => s.spec.kind === 'traffic.switch')!.name).toBe('switch traffic on port 3000 to blue');
  });

  it('leaves blue-green explicitly: the proxy frees the port, the app starts in-place, the slots stop', () => {
    const leaving = nodeInput({ servers: [{ serverId: 's1', liveReleaseId: 'r0', liveSlot: 'green' }] });
    const steps = stepsOf(leaving);
    expect(outline(steps).filter((l) => !/^(fetch|link|install|build|cleanup)/.test(l))).toEqual([
      'activate/main:release.activate switch current to 20260101120000-abc1234',
      'restart/main:traffic.remove stop the traffic proxy on port 3000 (leaving blue-green: the in-place app takes the port; requests fail until it listens)',
      'restart/main:slot.start start app on port 3000: npm start',
      'restart/main:slot.stop stop blue slot (leaving blue-green)',
      'restart/main:slot.stop stop green slot (leaving blue-green)',
      'healthcheck/main:health.check health check http://127.0.0.1:3000/up',
    ]);
    expect(steps.find((s) => s.spec.kind === 'traffic.remove')!.spec).toMatchObject({ app: 'shop-production', listenPort: 3000, drainMs: 30_000 });
    // In-place already: nothing of this.
    expect(stepsOf(nodeInput()).some((s) => s.spec.kind === 'traffic.remove' || s.spec.kind === 'slot.stop')).toBe(false);
    // Nothing live (the last blue-green deployment failed after its switch) but a slot still runs: the proxy may hold the port.
    const afterFailure = stepsOf(nodeInput({ servers: [{ serverId: 's1', liveReleaseId: null, liveSlot: null, occupiedSlots: ['blue'] }] }));
    expect(afterFailure.map((s) => s.spec.kind)).toEqual(expect.arrayContaining(['traffic.remove', 'slot.stop']));
    const firstEver = stepsOf(nodeInput({ servers: [{ serverId: 's1', liveReleaseId: null, liveSlot: null, occupiedSlots: [] }] }));
    expect(firstEver.some((s) => s.spec.kind === 'traffic.remove')).toBe(false);
  });

  it('chooses the idle slot per server', () => {
    const input = { ...blueGreen('blue'), servers: [{ serverId: 'a', liveReleaseId: 'r0', liveSlot: 'blue' as const }, { serverId: 'b', liveReleaseId: 'r0', liveSlot: 'green' as const }] };
    const plan = planDeployment(input);
    const slots = plan.servers.map((s) => s.steps.find((x) => x.spec.kind === 'slot.start')!.spec);
    expect(slots.map((s) => (s.kind === 'slot.start' ? s.slot : ''))).toEqual(['green', 'blue']);
  });
});

describe('planDeployment: the default strategy', () => {
  const unchosen = (over: Partial<PlanInput['environment']> = {}, config: PlanInput['repo']['config'] = null) =>
    planDeployment(nodeInput({ environment: { ...nodeInput().environment, settings: {}, ...over }, repo: { ...nodeInput().repo, config } })).pipeline.strategy;

  it('is blue-green for an app DevFlow starts on a public port', () => {
    expect(unchosen()).toBe('blue-green');
    expect(unchosen({ settings: { start: 'node server.js' } })).toBe('blue-green');
    const steps = stepsOf(nodeInput({ environment: { ...nodeInput().environment, settings: {} }, servers: [{ serverId: 's1', liveReleaseId: null, liveSlot: null }] }));
    expect(steps.map((s) => s.spec.kind)).toContain('traffic.switch');
  });

  it('is in-place without a port, with the user\'s own restart command, with nothing to start, or when a layer says so', () => {
    expect(unchosen({ port: null, slotPorts: null }, { start: false })).toBe('in-place');
    expect(unchosen({ settings: { restart: 'pm2 reload app' } })).toBe('in-place');
    expect(unchosen({}, { preset: 'static' })).toBe('in-place');
    expect(unchosen({ settings: { strategy: 'in-place' } })).toBe('in-place');
    expect(unchosen({}, { strategy: 'in-place' })).toBe('in-place');
  });
});

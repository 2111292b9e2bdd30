import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startEngineControlPlane, type RunningControlPlane } from '../helpers/control-plane.js';
import { stopAll } from '../helpers/processes.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { runAgent, enrollAgent } from '../helpers/agent.js';
import { addServer } from '../helpers/control-plane.js';
import { Api, waitFinal } from '../helpers/api.js';
import { freePort, httpGet } from '../helpers/net.js';
import { waitFor } from '../helpers/wait.js';

/**
 * The Laravel 8 example app (deploy/examples/laravel-hello, Debian's framework) deployed by a real
 * control plane and agent with the laravel preset, served by nginx + PHP-FPM with $realpath_root,
 * on a MariaDB database of its own. The preset's `sudo -n systemctl reload <service>` runs through
 * two shims (there is no systemd here): `systemctl reload` sends the test's php-fpm SIGUSR2, which
 * is what systemd's reload of php-fpm does.
 */
const have = (cmd: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const fpmBin = ['/usr/sbin/php-fpm8.2', '/usr/sbin/php-fpm'].find((f) => existsSync(f));
const mariadb = (() => {
  try {
    execFileSync('mysql', ['-h127.0.0.1', '-uroot', '-e', 'SELECT 1'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const ready = !!fpmBin && have('nginx') && have('composer') && existsSync('/usr/share/php/Illuminate/autoload.php') && mariadb;
if (!ready && process.env.CI === 'true') throw new Error('php-fpm, nginx, composer, php-laravel-framework and MariaDB are needed (.ci/run installs them)');
if (!ready) console.warn('SKIPPED test/laravel: php-fpm, nginx, composer, php-laravel-framework or MariaDB missing');

const EXAMPLE = resolve(__dirname, '../../deploy/examples/laravel-hello');
const APP = 'hello-production';
const base = '/api/projects/hello/environments/production';
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 'Ada', GIT_AUTHOR_EMAIL: 'ada@example.com', GIT_COMMITTER_NAME: 'Ada', GIT_COMMITTER_EMAIL: 'ada@example.com' } }).trim();

let cp: RunningControlPlane;
let api: Api;
let repo: string;
let work: string;
let port: number;
let database: string;
let appDir: string;
const daemons: ChildProcess[] = [];

function daemon(cmd: string, args: string[]): ChildProcess {
  const child = spawn(cmd, args, { detached: true, stdio: 'ignore' });
  daemons.push(child);
  return child;
}

function mysql(sql: string): string {
  return execFileSync('mysql', ['-h127.0.0.1', '-uroot', '-N', '-e', sql], { encoding: 'utf8' }).trim();
}

async function get(path: string): Promise<{ status: number; text: string }> {
  return httpGet(`http://127.0.0.1:${port}${path}`);
}

beforeAll(async () => {
  if (!ready) return;
  work = tempDir('devflow-laravel-');
  repo = join(work, 'repo');
  cpSync(EXAMPLE, repo, { recursive: true });
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'v1');
  database = `devflow_laravel_${process.pid}_${Date.now()}`;
  mysql(`CREATE DATABASE ${database}`);

  cp = await startEngineControlPlane();
  api = await Api.login(cp.url);
  const server = await addServer(cp.url, 'php-1');
  const dataDir = await enrollAgent(cp.url, server.enrollToken, 'php-1');
  appDir = join(dataDir, 'apps', APP);

  // PHP-FPM and nginx as a server would run them, in the test's own directory.
  const run = join(work, 'run');
  mkdirSync(join(run, 'tmp'), { recursive: true });
  writeFileSync(join(run, 'php-fpm.conf'), [
    '[global]', `pid = ${run}/fpm.pid`, `error_log = ${run}/fpm.log`, 'daemonize = no', 'process_control_timeout = 20s',
    '[www]', `listen = ${run}/fpm.sock`, 'pm = static', 'pm.max_children = 4', 'catch_workers_output = yes',
    'php_admin_value[opcache.enable] = 1', 'php_admin_value[opcache.validate_timestamps] = 0',
  ].join('\n'));
  port = await freePort();
  writeFileSync(join(run, 'nginx.conf'), `
daemon off; pid ${run}/nginx.pid; error_log ${run}/nginx.err; user root; worker_processes 1;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${run}/tmp; fastcgi_temp_path ${run}/tmp; proxy_temp_path ${run}/tmp; uwsgi_temp_path ${run}/tmp; scgi_temp_path ${run}/tmp;
  server {
    listen 127.0.0.1:${port};
    root ${appDir}/current/public;
    index index.php;
    location / { try_files $uri /index.php?$query_string; }
    location ~ \\.php$ {
      include /etc/nginx/fastcgi_params;
      fastcgi_pass unix:${run}/fpm.sock;
      fastcgi_param SCRIPT_FILENAME $realpath_root$fastcgi_script_name;
      fastcgi_param DOCUMENT_ROOT $realpath_root;
    }
  }
}`);
  daemon(fpmBin!, ['-F', '-R', '-y', join(run, 'php-fpm.conf')]);
  daemon('nginx', ['-p', run, '-c', join(run, 'nginx.conf')]);
  await waitFor('php-fpm and nginx', () => existsSync(join(run, 'fpm.sock')) && existsSync(join(run, 'nginx.pid')), 15_000);

  const bin = join(work, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'sudo'), '#!/bin/sh\n[ "$1" = -n ] && shift\nexec "$@"\n');
  writeFileSync(join(bin, 'systemctl'), `#!/bin/sh\n[ "$1" = reload ] && [ "$2" = php-test-fpm ] || { echo "systemctl shim: $*" >&2; exit 1; }\nkill -USR2 "$(cat ${run}/fpm.pid)"\necho reloaded >> ${run}/reloads\n`);
  chmodSync(join(bin, 'sudo'), 0o755);
  chmodSync(join(bin, 'systemctl'), 0o755);
  runAgent(dataDir, { PATH: `${bin}:${process.env.PATH ?? ''}` });
  await waitFor('agent online', async () => (await api.call<{ server: { status: string } }>('GET', `/api/servers/${server.id}`)).body.server?.status === 'online');

  expect((await api.call('POST', '/api/projects', { name: 'hello', repositoryUrl: repo, preset: 'laravel', defaultBranch: 'main' })).status).toBe(201);
  const env = await api.call('POST', '/api/projects/hello/environments', { name: 'production', branch: 'main', port, serverIds: [server.id], pipeline: { phpFpmService: 'php-test-fpm' } });
  expect(env.status, JSON.stringify(env.body)).toBe(201);
  const vars = await api.call('PUT', `${base}/variables`, {
    variables: { APP_KEY: 'base64:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', APP_ENV: 'production', DB_CONNECTION: 'mysql', DB_HOST: '127.0.0.1', DB_PORT: '3306', DB_DATABASE: database, DB_USERNAME: 'root', DB_PASSWORD: '' },
  });
  expect(vars.status).toBe(200);
}, 120_000);

afterAll(async () => {
  for (const d of daemons) {
    try {
      if (d.pid) process.kill(-d.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await stopAll();
  if (ready && database) mysql(`DROP DATABASE IF EXISTS ${database}`);
  removeTempDirs();
});

interface CompiledView {
  path: string;
  mtimeMs: number;
  ino: number;
}

/** The compiled Blade views of a release (the laravel preset keeps them in its bootstrap/cache/views). */
function compiledViews(release: string): CompiledView[] {
  const dir = join(release, 'bootstrap/cache/views');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.php'))
    .map((f) => {
      const st = statSync(join(dir, f));
      return { path: join(dir, f), mtimeMs: st.mtimeMs, ino: st.ino };
    });
}

describe.skipIf(!ready)('Laravel 8 behind nginx + PHP-FPM with the laravel preset', () => {
  it('first deployment: composer, caches, migrate on MariaDB, graceful php-fpm reload, queue:restart; served with its release', async () => {
    const res = await api.call<{ deployment: { id: string } }>('POST', `${base}/deployments`, {});
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const dep = await waitFinal(api, res.body.deployment.id, 120_000);
    expect(dep.status, dep.reason ?? '').toBe('succeeded');
    const names = dep.targets[0]!.steps.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['composer install --no-dev --prefer-dist --optimize-autoloader --no-interaction', 'php artisan config:cache', 'php artisan migrate --force', 'sudo -n systemctl reload php-test-fpm', 'php artisan queue:restart']));
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('code=v1 view=v1 config=v1 visits=0');
    expect(mysql(`SELECT COUNT(*) FROM ${database}.migrations`)).toBe('2');
  }, 150_000);

  it('a failing migration fails before the switch: the live release is untouched and the reason shows the SQL error', async () => {
    writeFileSync(join(repo, 'database/migrations/2026_02_01_000000_broken.php'), `<?php
use Illuminate\\Database\\Migrations\\Migration;
use Illuminate\\Support\\Facades\\DB;
class Broken extends Migration {
    public function up() { DB::statement('ALTER TABLE no_such_table ADD COLUMN x INT'); }
    public function down() {}
}
`);
    writeFileSync(join(repo, 'resources/views/release.blade.php'), readFileSync(join(repo, 'resources/views/release.blade.php'), 'utf8').replace('view=v1', 'view=v2'));
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'broken migration');
    const res = await api.call<{ deployment: { id: string } }>('POST', `${base}/deployments`, {});
    const dep = await waitFinal(api, res.body.deployment.id, 120_000);
    expect(dep.status).toBe('failed');
    expect(dep.reason).toMatch(/migrate/);
    expect(dep.reason).toMatch(/SQLSTATE\[42S02\]/);
    expect(dep.reason).toMatch(/the live release was not changed/);
    expect((await get('/')).text).toContain('code=v1 view=v1');
  }, 150_000);

  it('five deployments, each with a new migration, under wrk: zero failed requests and every response wholly one release', async () => {
    rmSync(join(repo, 'database/migrations/2026_02_01_000000_broken.php'));
    const lua = join(work, 'check.lua');
    writeFileSync(lua, `
threads = {}
function setup(t) table.insert(threads, t) end
function init() mixed = 0; non200 = 0 end
function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1; return end
  local code = body:match("code=(v%d+)")
  if code == nil or body:match("view=(v%d+)") ~= code or body:match("config=(v%d+)") ~= code or headers["X-Release"] ~= code then
    mixed = mixed + 1
    if mixed <= 3 then io.stderr:write("DEVFLOW first mixed response: X-Release=" .. tostring(headers["X-Release"]) .. " length=" .. #body .. " body=" .. body:sub(1, 300) .. "\\n") end
  end
end
function done(s)
  local m, n = 0, 0
  for _, t in ipairs(threads) do m = m + t:get("mixed"); n = n + t:get("non200") end
  local e = s.errors
  io.write(string.format("DEVFLOW requests=%d mixed=%d non200=%d errors=%d\\n", s.requests, m, n, e.connect + e.read + e.write + e.timeout + e.status))
end
`);
    const wrk = spawn('wrk', ['-t2', '-c8', '-d300s', '--timeout', '20s', '-s', lua, `http://127.0.0.1:${port}/`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    wrk.stdout.on('data', (c: Buffer) => (out += c.toString()));
    wrk.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<void>((r) => wrk.once('exit', () => r()));
    const compiled: CompiledView[] = [];
    try {
      for (let n = 2; n <= 6; n++) {
        const v = `v${n}`;
        const ctl = join(repo, 'app/Http/Controllers/ReleaseController.php');
        writeFileSync(ctl, readFileSync(ctl, 'utf8').replace(/RELEASE = 'v\d+'/, `RELEASE = '${v}'`));
        const view = join(repo, 'resources/views/release.blade.php');
        writeFileSync(view, readFileSync(view, 'utf8').replace(/view=v\d+/, `view=${v}`));
        const cfg = join(repo, 'config/app.php');
        writeFileSync(cfg, readFileSync(cfg, 'utf8').replace(/'release' => 'v\d+'/, `'release' => '${v}'`));
        writeFileSync(join(repo, `database/migrations/2026_03_0${n}_000000_create_table_${v}.php`), `<?php
use Illuminate\\Database\\Migrations\\Migration;
use Illuminate\\Database\\Schema\\Blueprint;
use Illuminate\\Support\\Facades\\Schema;
class CreateTable${v.toUpperCase()} extends Migration {
    public function up() { Schema::create('table_${v}', function (Blueprint $t) { $t->id(); }); }
    public function down() { Schema::dropIfExists('table_${v}'); }
}
`);
        git(repo, 'add', '-A');
        git(repo, 'commit', '-q', '-m', v);
        // The first one follows the failed deployment above, which needs `force`.
        const res = await api.call<{ deployment: { id: string } }>('POST', `${base}/deployments`, n === 2 ? { force: true } : {});
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        const dep = await waitFinal(api, res.body.deployment.id, 120_000);
        expect(dep.status, dep.reason ?? '').toBe('succeeded');
        expect((await get('/')).text).toContain(`code=${v} view=${v} config=${v}`);
        compiled.push(...compiledViews(realpathSync(join(appDir, 'current'))));
      }
    } finally {
      wrk.kill('SIGINT');
      await exited;
    }
    const m = /DEVFLOW requests=(\d+) mixed=(\d+) non200=(\d+) errors=(\d+)/.exec(out);
    expect(m, out).not.toBeNull();
    console.log(`laravel five deployments under wrk: ${m![0]}`);
    expect(Number(m![1])).toBeGreaterThan(100);
    expect({ non200: Number(m![3]), errors: Number(m![4]) }).toEqual({ non200: 0, errors: 0 });
    expect(Number(m![2]), `responses naming more than one release (first ones: ${err})`).toBe(0);
    // Why none can mix: every release's views were compiled by view:cache before its switch, into the
    // release itself, and no request compiled them again (a request-time compile rewrites the file in
    // place while other PHP-FPM workers include it: that was an empty 200 response).
    expect(compiled.length).toBe(5);
    expect(compiled.filter((c) => statSync(c.path).mtimeMs !== c.mtimeMs || statSync(c.path).ino !== c.ino)).toEqual([]);
    expect(readdirSync(join(appDir, 'shared/storage/framework/views')).filter((f) => f.endsWith('.php'))).toEqual([]);
    expect(mysql(`SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '${database}' AND table_name LIKE 'table_v%'`)).toBe('5');
  }, 400_000);
});

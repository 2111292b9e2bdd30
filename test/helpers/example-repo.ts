import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './temp.js';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 'Ada', GIT_AUTHOR_EMAIL: 'ada@example.com', GIT_COMMITTER_NAME: 'Ada', GIT_COMMITTER_EMAIL: 'ada@example.com' } }).trim();

/**
 * The example app as a real git repository: a dependency-free Node HTTP server that answers
 * `/` with its VERSION and `/up` with 200. Two agents share this host, so each binds its own
 * loopback address, read from `shared/host.txt` in its app directory (default 127.0.0.1).
 */
export class ExampleRepo {
  readonly dir = tempDir('devflow-example-');

  constructor() {
    git(this.dir, 'init', '-q', '-b', 'main');
    this.write({
      'package.json': JSON.stringify({ name: 'hello', version: '1.0.0', private: true, scripts: { start: 'node server.js' } }, null, 2),
      'server.js': [
        "const http = require('node:http');",
        "const fs = require('node:fs');",
        "let host = '127.0.0.1';",
        "try { host = fs.readFileSync('../../shared/host.txt', 'utf8').trim() || host; } catch {}",
        "const version = fs.readFileSync('VERSION', 'utf8').trim();",
        "http.createServer((req, res) => {",
        "  if (req.url === '/up') { res.end('ok'); return; }",
        "  res.end(`version=${version} greeting=${process.env.GREETING ?? ''}`);",
        "}).listen(Number(process.env.PORT), host, () => console.log(`listening on ${host}:${process.env.PORT}`));",
      ].join('\n'),
      'migrate.js': "require('node:fs').appendFileSync('../../shared/migrations.log', require('node:fs').readFileSync('VERSION', 'utf8'));",
      VERSION: 'v1\n',
      'devflow.yml': [
        'install: { argv: ["node", "-e", "require(\'fs\').writeFileSync(\'installed.txt\', \'yes\')"] }',
        'migrate: { argv: ["node", "migrate.js"] }',
        'cache: { argv: ["node", "-e", "console.log(\'cache cleared\')"] }',
        'start: { argv: ["node", "server.js"] }',
        'healthcheck: { path: /up, timeout: 15 }',
        'keepReleases: 5',
      ].join('\n'),
    });
    this.commit('v1: first release');
  }

  write(files: Record<string, string>): void {
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(join(this.dir, name, '..'), { recursive: true });
      writeFileSync(join(this.dir, name), content);
    }
  }

  commit(message: string): string {
    git(this.dir, 'add', '-A');
    git(this.dir, 'commit', '-q', '-m', message);
    return this.head();
  }

  head(ref = 'HEAD'): string {
    return git(this.dir, 'rev-parse', ref);
  }

  branch(name: string): void {
    git(this.dir, 'checkout', '-q', '-B', name);
  }
}

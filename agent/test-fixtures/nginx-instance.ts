// A private nginx on a loopback port with its own temp prefix (never the system service).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlive, waitFor } from './helpers.js';

export const NGINX_BIN = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p)) ?? null;
// Tests skip without nginx on a developer's machine; CI (.ci/run installs it) must run them.
if (NGINX_BIN === null && process.env.CI === 'true') throw new Error('nginx is not installed (/usr/sbin/nginx) — required in CI; apt-get install nginx');

export interface NginxInstance {
  argv: string[];
  upstreamDir: string;
  /** Starts the master (it daemonizes; call after the first upstream file exists). */
  start(): void;
  stop(): Promise<void>;
}

export async function startNginx(prefix: string, listenPort: number, app: string, extraHttp = ''): Promise<NginxInstance> {
  if (!NGINX_BIN) throw new Error('nginx is not installed');
  const upstreamDir = join(prefix, 'upstreams');
  await mkdir(upstreamDir, { recursive: true });
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) await mkdir(join(prefix, d), { recursive: true });
  const conf = join(prefix, 'nginx.conf');
  await writeFile(
    conf,
    `${process.getuid?.() === 0 ? 'user root root;' : ''}
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body; proxy_temp_path ${prefix}/proxy; fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi; scgi_temp_path ${prefix}/scgi;
  keepalive_requests 1000000;
  include ${upstreamDir}/*.conf;
  ${extraHttp}
  server {
    listen 127.0.0.1:${listenPort};
    location / {
      proxy_pass http://devflow-${app};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`,
  );
  const argv = [NGINX_BIN, '-p', prefix, '-e', join(prefix, 'error.log'), '-c', conf];
  return {
    argv,
    upstreamDir,
    start: () => void execFileSync(argv[0] as string, argv.slice(1), { stdio: 'pipe' }),
    async stop() {
      const pid = Number((await readFile(join(prefix, 'nginx.pid'), 'utf8').catch(() => '0')).trim());
      if (pid <= 0) return;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        return; // already gone
      }
      await waitFor(() => !isAlive(pid), 5000, 'nginx to exit');
    },
  };
}

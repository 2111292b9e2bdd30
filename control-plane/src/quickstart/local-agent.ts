import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import { localAgentEnv } from './agent-env.js';
import type { ServerService } from '../servers/service.js';

export const LOCAL_SERVER_NAME = 'local';

export interface LocalAgentOptions {
  /** `agent/dist/devflow-agent.js`. */
  bundle: string;
  /** The agent's own data dir (under the control plane's). */
  dataDir: string;
  /** Loopback URL of this control plane. */
  url: string;
  servers: ServerService;
  logger: Logger;
}

/** Thrown when the local agent cannot be enrolled or started; says what to do. */
export class LocalAgentError extends Error {
  override readonly name = 'LocalAgentError';
}

/**
 * The quick-start agent: enrolled through the normal enrolment flow (a server record, a single-use
 * token, `devflow-agent enroll`), then run as a child process, restarted with backoff if it dies,
 * and stopped with the control plane.
 */
export class LocalAgent {
  private child: ChildProcess | undefined;
  private stopping = false;
  private restarts = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  serverId = '';

  constructor(private readonly o: LocalAgentOptions) {}

  async start(): Promise<void> {
    this.serverId = await this.ensureEnrolled();
    this.spawnRun();
  }

  /** Enrols unless the data dir already holds the identity of the `local` server record. */
  private async ensureEnrolled(): Promise<string> {
    const existing = (await this.o.servers.list()).find((s) => s.name === LOCAL_SERVER_NAME);
    const identityFile = join(this.o.dataDir, 'agent.json');
    if (existing?.enrolled && existsSync(identityFile)) {
      const identity = JSON.parse(await readFile(identityFile, 'utf8')) as { agentId?: string };
      if (identity.agentId === existing.id) return existing.id;
    }
    const { id, enrollToken } = existing
      ? { id: existing.id, enrollToken: (await this.o.servers.newEnrollToken('system', existing.id)).enrollToken }
      : await this.o.servers.create('system', { name: LOCAL_SERVER_NAME, labels: { quickstart: 'true' } });
    // --force: this data dir belongs to the quick start; a stale identity (database reset) is replaced.
    const args = ['enroll', '--url', this.o.url, '--token', enrollToken, '--name', LOCAL_SERVER_NAME, '--data-dir', this.o.dataDir, '--force'];
    const { code, output } = await runToEnd(process.execPath, [this.o.bundle, ...args]);
    if (code !== 0) throw new LocalAgentError(`enrolling the local agent failed (exit ${code}): ${output.trim().split('\n').slice(-3).join(' / ')}`);
    return id;
  }

  private spawnRun(): void {
    const child = spawn(process.execPath, [this.o.bundle, 'run', '--data-dir', this.o.dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: localAgentEnv(process.env),
    });
    this.child = child;
    const log = this.o.logger.child({ component: 'local-agent' });
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        for (const line of chunk.split('\n')) if (line.trim()) log.debug(line);
      });
    }
    child.on('exit', (code, signal) => {
      this.child = undefined;
      if (this.stopping) return;
      // A crash-looping agent is retried slower and slower, never faster than every 30 s.
      const delay = Math.min(1000 * 2 ** this.restarts++, 30_000);
      log.warn('local agent exited; restarting', { code, signal, inMs: delay });
      this.restartTimer = setTimeout(() => this.spawnRun(), delay);
    });
  }

  async stop(graceMs = 5000): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

function runToEnd(file: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: localAgentEnv(process.env) });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

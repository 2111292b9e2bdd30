import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
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
 * token, `devflow-agent enroll`), then run as its own detached process with its output in
 * `<agent data dir>/agent.log`, as on a real server: a control plane that dies (even kill -9) does
 * not take the agent and its running step with it, and the next start adopts the agent still
 * running instead of starting a second one. Restarted with backoff if it dies; stopped with the
 * control plane (a clean stop).
 */
export class LocalAgent {
  private child: ChildProcess | undefined;
  /** The agent a previous control plane started, when it was still running at our start. */
  private adoptedPid: number | undefined;
  private adoptedWatch: NodeJS.Timeout | undefined;
  private stopping = false;
  private restarts = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  serverId = '';

  constructor(private readonly o: LocalAgentOptions) {}

  private get log() {
    return this.o.logger.child({ component: 'local-agent' });
  }

  get logFile(): string {
    return join(this.o.dataDir, 'agent.log');
  }

  async start(): Promise<void> {
    this.serverId = await this.ensureEnrolled();
    const running = await runningAgentPid(this.o.dataDir);
    if (running === null) this.spawnRun();
    else this.adopt(running);
  }

  /** Enrols unless the data dir already holds the identity of the `local` server record. */
  private async ensureEnrolled(): Promise<string> {
    const existing = (await this.o.servers.list()).find((s) => s.name === LOCAL_SERVER_NAME);
    const identityFile = join(this.o.dataDir, 'agent.json');
    if (existing?.enrolled && existsSync(identityFile)) {
      const identity = JSON.parse(await readFile(identityFile, 'utf8')) as { agentId?: string };
      if (identity.agentId === existing.id) return existing.id;
    }
    // A new identity: an agent still running on the old one would fight the new one over the data dir.
    await this.stopAdoptable();
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
    mkdirSync(this.o.dataDir, { recursive: true, mode: 0o700 });
    const out = openSync(this.logFile, 'a', 0o600);
    let child: ChildProcess;
    try {
      // Own session and no pipes to us: our death (even SIGKILL) or a Ctrl-C in our terminal does not reach it.
      child = spawn(process.execPath, [this.o.bundle, 'run', '--data-dir', this.o.dataDir], { detached: true, stdio: ['ignore', out, out], env: localAgentEnv(process.env) });
    } finally {
      closeSync(out);
    }
    this.child = child;
    this.log.info('local agent started', { pid: child.pid, log: this.logFile });
    child.on('exit', (code, signal) => {
      this.child = undefined;
      this.restartAfterExit({ code, signal });
    });
  }

  private adopt(pid: number): void {
    this.adoptedPid = pid;
    this.log.info('local agent already running (left by a previous start); adopted it', { pid, log: this.logFile });
    // Not our child: no exit event, so look for it.
    this.adoptedWatch = setInterval(() => {
      if (isAlive(pid)) return;
      clearInterval(this.adoptedWatch);
      this.adoptedPid = undefined;
      this.restartAfterExit({ pid });
    }, 1000);
    this.adoptedWatch.unref();
  }

  private restartAfterExit(details: Record<string, unknown>): void {
    if (this.stopping) return;
    // A crash-looping agent is retried slower and slower, never faster than every 30 s.
    const delay = Math.min(1000 * 2 ** this.restarts++, 30_000);
    this.log.warn('local agent exited; restarting', { ...details, inMs: delay, log: this.logFile });
    this.restartTimer = setTimeout(() => this.spawnRun(), delay);
  }

  async stop(graceMs = 5000): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    clearInterval(this.adoptedWatch);
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    if (this.adoptedPid !== undefined) await terminate(this.adoptedPid, graceMs);
    this.adoptedPid = undefined;
  }

  /** Stops an agent left running on this data dir (before it is enrolled again). */
  private async stopAdoptable(): Promise<void> {
    const pid = await runningAgentPid(this.o.dataDir);
    if (pid !== null) await terminate(pid, 5000);
  }
}

/** The agent writes `agent.pid` in its data dir while it runs (`devflow-agent run`). */
async function runningAgentPid(dataDir: string): Promise<number | null> {
  const pid = Number.parseInt(await readFile(join(dataDir, 'agent.pid'), 'utf8').catch(() => ''), 10);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function terminate(pid: number, graceMs: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
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

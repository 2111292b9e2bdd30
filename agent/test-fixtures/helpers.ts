// Shared by the agent's supervisor, health and proxy tests: step contexts, free ports, temp data dirs.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LogStream } from '@devflow/protocol';
import type { StepContext } from '../src/steps/handler.js';

export const fixturesDir = dirname(fileURLToPath(import.meta.url));
export const versionApp = join(fixturesDir, 'version-app.mjs');

export interface TestContext extends StepContext {
  lines: { stream: LogStream; text: string }[];
  text(): string;
  abort(): void;
}

export function stepContext(dataDir: string, stepId = 'step-1'): TestContext {
  const controller = new AbortController();
  const lines: { stream: LogStream; text: string }[] = [];
  return {
    stepId,
    dataDir,
    signal: controller.signal,
    lines,
    log: (stream, text) => lines.push({ stream, text }),
    text: () => lines.map((l) => l.text).join('\n'),
    abort: () => controller.abort(),
  };
}

/** A port that was free a moment ago (the OS picks it; we never hard-code ports). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** version-app.mjs on a free port answering `version=<version>` (`env`: its switches, e.g. FAIL_EVERY); resolves with the port once it listens. `into` collects it for cleanup. */
export async function startVersionApp(version: string, into: ChildProcess[], env: Record<string, string> = {}): Promise<number> {
  const port = await freePort();
  const child = spawn(process.execPath, [versionApp], { env: { ...process.env, ...env, PORT: String(port), VERSION: version }, stdio: ['ignore', 'pipe', 'inherit'] });
  into.push(child);
  await new Promise<void>((resolve) => child.stdout?.on('data', (d: Buffer) => d.toString().includes('listening') && resolve()));
  return port;
}

export async function tempDataDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  // Short path: unix socket paths are limited to 108 bytes.
  const dir = await mkdtemp(join(tmpdir(), 'df-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Creates an (empty) release directory for `app`, as git.sync would. */
export async function makeRelease(dataDir: string, app: string, releaseId: string): Promise<string> {
  const path = join(dataDir, 'apps', app, 'releases', releaseId);
  await mkdir(path, { recursive: true });
  return path;
}

export async function httpGet(port: number, path = '/'): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

/**
 * GET on a new connection, body as text. Through nginx: at a reload its old workers close their
 * idle keep-alive connections, and a pooled one reused at that moment is reset.
 */
export function getOnNewConnection(port: number, path = '/'): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve(text));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** Polls `fn` until it returns a truthy value or `ms` passes. */
export async function waitFor<T>(fn: () => Promise<T> | T, ms = 5_000, what = 'condition'): Promise<NonNullable<T>> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value) return value as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Is the process still running? A zombie is not: it has exited, and only its parent (often this
 * test process, which started the slot) has not reaped it yet — kill(pid, 0) still succeeds then.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false; // gone between the two looks
  }
}

/** Waits until the app on `port` answers HTTP at all (a started process may still be booting). */
export function waitListening(port: number, ms = 15_000): Promise<unknown> {
  return waitFor(() => fetch(`http://127.0.0.1:${port}/up`).then((r) => r.text().then(() => true), () => false), ms, `app on port ${port}`);
}

/** GET / with a given Host header (fetch cannot set one) on a new connection: host-routing tests. */
export function getWithHost(port: number, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', headers: { host }, agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

import { generateKeyPairSync, sign as signBytes, type KeyObject } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactSign } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAgentMessage, type AgentMessage, type StepSpec } from '@devflow/protocol';
import { silentLogger } from '../logs/logger.js';
import { Outbox } from '../logs/outbox.js';
import { execStep } from './exec.js';
import { Journal } from './journal.js';
import { StepRunner } from './runner.js';

class Wire {
  ready = true;
  frames: AgentMessage[] = [];
  send(frame: string): void {
    const r = parseAgentMessage(frame);
    if (!r.ok) throw new Error(`agent sent an invalid frame: ${r.error}`);
    this.frames.push(r.message);
  }
  of<T extends AgentMessage['type']>(type: T): Extract<AgentMessage, { type: T }>[] {
    return this.frames.filter((f): f is Extract<AgentMessage, { type: T }> => f.type === type);
  }
  text(): string[] {
    return this.of('log.batch').flatMap((b) => b.lines.map((l) => l.text));
  }
}

const cp = generateKeyPairSync('ed25519');
const sign = (payload: unknown, key: KeyObject = cp.privateKey): Promise<string> =>
  new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'EdDSA' }).sign(key);
const node = process.execPath;

let dir: string;
let wire: Wire;
let journal: Journal;
let runner: StepRunner;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'df-runner-'));
  wire = new Wire();
  journal = await Journal.open(join(dir, 'steps'));
  const outbox = new Outbox(join(dir, 'spool'), wire, silentLogger);
  runner = new StepRunner({ agentId: 'agent-1', dataDir: dir, controlPlaneKey: cp.publicKey, journal, outbox, link: wire, handlers: { exec: execStep }, log: silentLogger });
});
afterEach(async () => {
  await runner.shutdown();
  await rm(dir, { recursive: true, force: true });
});

const exec = (argv: string[], extra: Partial<Extract<StepSpec, { kind: 'exec' }>> = {}): StepSpec => ({ kind: 'exec', argv, timeoutMs: 10_000, ...extra });
const run = async (stepId: string, spec: StepSpec, more: Record<string, unknown> = {}): Promise<void> =>
  runner.onStepRun({ type: 'step.run', stepId, jws: await sign({ stepId, agentId: 'agent-1', spec, issuedAt: Date.now(), ...more }) });
const doneOf = async (stepId: string) => {
  await expect.poll(() => wire.of('step.done').filter((d) => d.stepId === stepId).length, { timeout: 10_000 }).toBeGreaterThan(0);
  return wire.of('step.done').find((d) => d.stepId === stepId)!.result;
};

describe('StepRunner: refusing steps', () => {
  it('refuses a step signed by another key, reports BAD_SIGNATURE and records nothing', async () => {
    const forged = await sign({ stepId: 's1', agentId: 'agent-1', spec: exec(['true']), issuedAt: 1 }, generateKeyPairSync('ed25519').privateKey);
    await runner.onStepRun({ type: 'step.run', stepId: 's1', jws: forged });
    expect(wire.of('error')).toEqual([expect.objectContaining({ code: 'BAD_SIGNATURE', ref: 's1' })]);
    expect(wire.of('step.done')[0]?.result).toMatchObject({ status: 'rejected', error: expect.stringContaining('signature') });
    expect(journal.get('s1')).toBeUndefined();
  });

  it('refuses garbage in place of a JWS', async () => {
    await runner.onStepRun({ type: 'step.run', stepId: 's1', jws: 'not.a.jws' });
    expect(wire.of('error')[0]?.code).toBe('BAD_SIGNATURE');
  });

  it('refuses a JWS whose header names another algorithm or a critical extension, even when the signature is good', async () => {
    const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
    const payload = (stepId: string): string => b64({ stepId, agentId: 'agent-1', spec: exec(['true']), issuedAt: Date.now() });
    const signed = (header: unknown, stepId = 's1'): string => {
      const input = `${b64(header)}.${payload(stepId)}`;
      return `${input}.${signBytes(null, Buffer.from(input), cp.privateKey).toString('base64url')}`;
    };
    await runner.onStepRun({ type: 'step.run', stepId: 's1', jws: `${b64({ alg: 'none' })}.${payload('s1')}.` });
    await runner.onStepRun({ type: 'step.run', stepId: 's1', jws: signed({ alg: 'HS256' }) });
    await runner.onStepRun({ type: 'step.run', stepId: 's1', jws: signed({ alg: 'EdDSA', crit: ['exp'], exp: 1 }) });
    expect(wire.of('error').map((e) => [e.code, e.message.replace(/.*\((.*)\)$/, '$1')])).toEqual([
      ['BAD_SIGNATURE', 'algorithm "none" is not Ed25519'],
      ['BAD_SIGNATURE', 'algorithm "HS256" is not Ed25519'],
      ['BAD_SIGNATURE', 'JWS header extensions are not accepted'],
    ]);
    expect(journal.get('s1')).toBeUndefined();
    // The same hand-made JWS with a plain header is accepted: the refusals above are the header's doing.
    await runner.onStepRun({ type: 'step.run', stepId: 's2', jws: signed({ alg: 'EdDSA' }, 's2') });
    expect(await doneOf('s2')).toMatchObject({ status: 'succeeded' });
  });

  it('refuses a step for another agent with WRONG_AGENT', async () => {
    await runner.onStepRun({ type: 'step.run', stepId: 's1', jws: await sign({ stepId: 's1', agentId: 'agent-2', spec: exec(['true']), issuedAt: 1 }) });
    expect(wire.of('error')[0]).toMatchObject({ code: 'WRONG_AGENT', message: expect.stringContaining('agent-2') });
    expect(wire.of('step.done')[0]?.result.status).toBe('rejected');
  });

  it('refuses a signed but malformed payload, and a step id that differs from the signed one', async () => {
    await runner.onStepRun({ type: 'step.run', stepId: 's1', jws: await sign({ stepId: 's1', agentId: 'agent-1', spec: { kind: 'exec', argv: 'rm -rf /' }, issuedAt: 1 }) });
    await runner.onStepRun({ type: 'step.run', stepId: 's2', jws: await sign({ stepId: 'other', agentId: 'agent-1', spec: exec(['true']), issuedAt: 1 }) });
    expect(wire.of('error').map((e) => [e.code, e.ref])).toEqual([['MALFORMED', 's1'], ['MALFORMED', 's2']]);
    expect(wire.of('error')[0]?.message).toContain('spec');
  });
});

describe('StepRunner: refusing replays', () => {
  it('refuses a correctly signed step issued more than 10 minutes ago, and records nothing', async () => {
    const old = await sign({ stepId: 'old', agentId: 'agent-1', spec: exec(['true']), issuedAt: Date.now() - 11 * 60_000 });
    await runner.onStepRun({ type: 'step.run', stepId: 'old', jws: old });
    expect(wire.of('error')[0]).toMatchObject({ code: 'MALFORMED', ref: 'old', message: expect.stringContaining('replay') });
    expect(wire.of('step.done')[0]?.result.status).toBe('rejected');
    expect(journal.get('old')).toBeUndefined();
  });
});

describe('StepRunner: running steps', () => {
  it('runs an exec step: step.started with pid, lines in order, masked secrets, then step.done', async () => {
    await run('s1', exec([node, '-e', 'console.log("token=hunter22 and hunter2"); console.error("err line")']), { secrets: ['hunter2', 'hunter22'] });
    const result = await doneOf('s1');
    expect(result).toMatchObject({ status: 'succeeded', exitCode: 0, lastSeq: 2 });
    expect(wire.of('step.started')[0]?.pid).toBeGreaterThan(0);
    expect(wire.text().sort()).toEqual(['err line', 'token=*** and ***']);
    expect(wire.frames.at(-1)?.type).toBe('step.done');
    expect(journal.get('s1')).toMatchObject({ state: 'done', result: { status: 'succeeded' } });
  });

  it('never runs a step id twice: a repeat is answered from the record', async () => {
    const marker = join(dir, 'runs.txt');
    const spec = exec([node, '-e', `require('fs').appendFileSync(${JSON.stringify(marker)}, 'x')`]);
    await run('s1', spec);
    await doneOf('s1');
    await run('s1', spec);
    await expect.poll(() => wire.of('step.done').length).toBe(2);
    expect(await readFile(marker, 'utf8')).toBe('x');
  });

  it('reports a non-zero exit as failed with the exit code, and a missing binary as failed', async () => {
    await run('s1', exec([node, '-e', 'process.exit(3)']));
    expect(await doneOf('s1')).toMatchObject({ status: 'failed', exitCode: 3, error: expect.stringContaining('code 3') });
    await run('s2', exec(['devflow-no-such-binary']));
    expect(await doneOf('s2')).toMatchObject({ status: 'failed', exitCode: null, error: expect.stringContaining('ENOENT') });
    // A missing package manager (pnpm-lock.yaml on a server without pnpm) says how to get it.
    await run('s3', exec(['pnpm', 'install'], { env: { PATH: dir } }));
    expect(await doneOf('s3')).toMatchObject({ status: 'failed', error: expect.stringContaining(`pnpm is not installed on this server or not on the agent's PATH (${dir})`) });
    expect(await doneOf('s3')).toMatchObject({ error: expect.stringContaining('corepack enable') });
  });

  it('times out a step and kills it', async () => {
    await run('s1', exec(['sleep', '30'], { timeoutMs: 200 }));
    expect(await doneOf('s1')).toMatchObject({ status: 'timed_out', error: expect.stringContaining('200 ms') });
  });

  it('cancels a running step on step.cancel', async () => {
    await run('s1', exec([node, '-e', 'console.log("up"); setInterval(() => {}, 1000)']));
    await expect.poll(() => wire.text()).toEqual(['up']);
    runner.onCancel('s1');
    expect(await doneOf('s1')).toMatchObject({ status: 'cancelled' });
  });

  it('runs a relative cwd inside the release and refuses one that escapes it', async () => {
    await run('s1', exec(['pwd'], { cwd: '../../..', release: { app: 'shop-prod', releaseId: 'r1' } }));
    expect(await doneOf('s1')).toMatchObject({ status: 'failed', error: expect.stringContaining('leaves the release') });
  });

  it('sets releasePathEnv variables to absolute paths inside the release; the env of the same name wins', async () => {
    const release = { app: 'shop-prod', releaseId: 'r1' };
    await mkdir(join(dir, 'apps/shop-prod/releases/r1'), { recursive: true });
    const print = ['-e', 'console.log(`views=${process.env.VIEWS} cache=${process.env.CACHE}`)'];
    await run('s1', exec([node, ...print], { release, releasePathEnv: { VIEWS: 'bootstrap/cache/views', CACHE: 'var/cache' }, env: { CACHE: '/srv/cache' } }));
    expect(await doneOf('s1')).toMatchObject({ status: 'succeeded' });
    expect(wire.text()).toContain(`views=${join(dir, 'apps/shop-prod/releases/r1/bootstrap/cache/views')} cache=/srv/cache`);
    await run('s2', exec([node, ...print], { releasePathEnv: { VIEWS: 'views' } }));
    expect(await doneOf('s2')).toMatchObject({ status: 'failed', error: expect.stringContaining('releasePathEnv (VIEWS) needs a step that names its release') });
  });

  it('fails a kind with no handler installed with a clear message', async () => {
    await run('s1', { kind: 'release.activate', app: 'a', releaseId: 'r1', timeoutMs: 1000 });
    expect(await doneOf('s1')).toMatchObject({ status: 'failed', error: expect.stringContaining('release.activate') });
  });

  it('keeps a step record running on shutdown so the next start reports it', async () => {
    await run('s1', exec(['sleep', '30']));
    await expect.poll(() => wire.of('step.started').length).toBe(1);
    await runner.shutdown();
    expect(journal.get('s1')?.state).toBe('running');
    expect((await Journal.open(join(dir, 'steps'))).get('s1')?.state).toBe('running');
  });
});

import { describe, expect, it } from 'vitest';
import { parseAgentMessage, parseControlMessage, PROTOCOL_VERSION, StepRunPayload } from './index.js';

const host = {
  hostname: 'web-1', os: 'Debian 12', platform: 'linux', arch: 'x64', cpus: 2,
  memoryBytes: 1e9, diskFreeBytes: 5e9, dataDir: '/var/lib/devflow', nodeVersion: 'v20.20.2',
};

describe('agent -> control plane messages', () => {
  it('accepts a hello with version and host facts', () => {
    const r = parseAgentMessage(JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION, agentVersion: '0.1.0', host }));
    expect(r.ok).toBe(true);
    if (r.ok && r.message.type === 'hello') expect(r.message.activeSteps).toEqual([]);
  });

  it('accepts a log batch and a step.done', () => {
    const batch = { type: 'log.batch', stepId: 's1', lines: [{ seq: 1, stream: 'stdout', ts: 1, text: 'hi' }] };
    expect(parseAgentMessage(JSON.stringify(batch)).ok).toBe(true);
    const done = { type: 'step.done', stepId: 's1', result: { status: 'succeeded', exitCode: 0, signal: null, durationMs: 3, lastSeq: 1 } };
    expect(parseAgentMessage(Buffer.from(JSON.stringify(done))).ok).toBe(true);
  });

  it('rejects non-JSON, missing type, unknown type and bad fields with distinct codes', () => {
    expect(parseAgentMessage('{nope')).toMatchObject({ ok: false, code: 'MALFORMED' });
    expect(parseAgentMessage('[]')).toMatchObject({ ok: false, code: 'MALFORMED' });
    expect(parseAgentMessage('{"type":"launch.missiles"}')).toMatchObject({ ok: false, code: 'UNKNOWN_TYPE', ref: 'launch.missiles' });
    const r = parseAgentMessage(JSON.stringify({ type: 'log.batch', stepId: 's1', lines: [{ seq: 0, stream: 'stdout', ts: 1, text: '' }] }));
    expect(r).toMatchObject({ ok: false, code: 'MALFORMED' });
    if (!r.ok) expect(r.error).toContain('lines.0.seq');
  });

  it('rejects extra fields (strict objects) and messages meant for the other direction', () => {
    expect(parseAgentMessage(JSON.stringify({ type: 'heartbeat', ts: 1, extra: true })).ok).toBe(false);
    expect(parseAgentMessage(JSON.stringify({ type: 'welcome', protocolVersion: 1, agentId: 'a', heartbeatIntervalMs: 1, serverTime: 1 }))).toMatchObject({ ok: false, code: 'UNKNOWN_TYPE' });
  });
});

describe('control plane -> agent messages', () => {
  it('accepts step.run, step.cancel, log.ack, step.ack', () => {
    expect(parseControlMessage(JSON.stringify({ type: 'step.run', stepId: 's', jws: 'a.b.c' })).ok).toBe(true);
    expect(parseControlMessage(JSON.stringify({ type: 'step.cancel', stepId: 's' })).ok).toBe(true);
    expect(parseControlMessage(JSON.stringify({ type: 'log.ack', stepId: 's', seq: 10 })).ok).toBe(true);
    expect(parseControlMessage(JSON.stringify({ type: 'step.ack', stepId: 's' })).ok).toBe(true);
  });
  it('rejects a negative ack', () => {
    expect(parseControlMessage(JSON.stringify({ type: 'log.ack', stepId: 's', seq: -1 })).ok).toBe(false);
  });
});

describe('step specs', () => {
  const base = { stepId: 's', agentId: 'a', issuedAt: 1 };
  it('accepts an exec step with argv, cwd, env, timeout', () => {
    const p = StepRunPayload.parse({ ...base, spec: { kind: 'exec', argv: ['echo', 'hi'], cwd: '/tmp', env: { A: '1' }, timeoutMs: 1000 } });
    expect(p.secrets).toEqual([]);
  });
  it('rejects an exec step with an empty argv or a string command', () => {
    expect(StepRunPayload.safeParse({ ...base, spec: { kind: 'exec', argv: [], timeoutMs: 1000 } }).success).toBe(false);
    expect(StepRunPayload.safeParse({ ...base, spec: { kind: 'exec', argv: 'rm -rf /', timeoutMs: 1000 } }).success).toBe(false);
    expect(StepRunPayload.safeParse({ ...base, spec: { kind: 'exec', argv: ['x'], timeoutMs: 1000, shell: true } }).success).toBe(false);
  });
  it('rejects an unknown step kind and bad env names', () => {
    expect(StepRunPayload.safeParse({ ...base, spec: { kind: 'shell', cmd: 'x' } }).success).toBe(false);
    expect(StepRunPayload.safeParse({ ...base, spec: { kind: 'exec', argv: ['x'], env: { 'A=B': '1' }, timeoutMs: 1 } }).success).toBe(false);
  });
  it('rejects git refs and repositories that could be read as options or run commands', () => {
    const git = (ref: string, repoUrl = 'https://example.com/r.git') =>
      StepRunPayload.safeParse({ ...base, spec: { kind: 'git.sync', app: 'shop-prod', releaseId: 'r1', repoUrl, ref, timeoutMs: 1000 } }).success;
    expect(git('main')).toBe(true);
    expect(git('feature/x-1')).toBe(true);
    expect(git('--upload-pack=touch /tmp/x')).toBe(false);
    expect(git('; rm -rf /')).toBe(false);
    expect(git('../x')).toBe(false);
    expect(git('main', 'ext::sh -c touch% /tmp/pwned')).toBe(false);
    expect(git('main', '-oProxyCommand=x')).toBe(false);
    expect(git('main', '/srv/repos/app')).toBe(true);
  });
});

import { compactVerify, importJWK } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StepRunPayload, type StepResult } from '@devflow/protocol';
import { adminToken, startTestControlPlane, type TestControlPlane } from '../../test-support/harness.js';
import { AgentPeer, type PeerSocket } from '../../test-support/agent-peer.js';

let cp: TestControlPlane;
const open: PeerSocket[] = [];
beforeAll(async () => {
  cp = await startTestControlPlane();
});
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});
afterAll(() => cp.dispose());

const track = (s: PeerSocket): PeerSocket => (open.push(s), s);
const exec = { kind: 'exec' as const, argv: ['echo', 'hi'], timeoutMs: 5000 };
const ok: StepResult = { status: 'succeeded', exitCode: 0, signal: null, durationMs: 5, lastSeq: 2 };

async function verifyRun(peer: AgentPeer, jws: string) {
  const { payload } = await compactVerify(jws, await importJWK(peer.controlPlanePublicKey, 'EdDSA'));
  return StepRunPayload.parse(JSON.parse(new TextDecoder().decode(payload)));
}

describe('dispatcher', () => {
  it('sends a step.run signed with the pinned key, stores logs and the result, then acks', async () => {
    const peer = await AgentPeer.enroll(cp);
    const s = track(await peer.online(cp));
    const { stepId, done } = await cp.services.dispatcher.runStep(peer.agentId, exec, { deploymentId: 'dep_1', secrets: ['hunter2'] });
    const run = await s.next('step.run');
    const payload = await verifyRun(peer, run.jws);
    expect(payload).toMatchObject({ stepId, agentId: peer.agentId, deploymentId: 'dep_1', spec: exec, secrets: ['hunter2'] });
    const row = await cp.services.db.execute({ sql: 'SELECT * FROM steps WHERE id = ?', args: [stepId] });
    expect(JSON.stringify(row.rows[0])).not.toContain('hunter2');

    s.send({ type: 'step.started', stepId, pid: 123, startedAt: Date.now() });
    s.send({ type: 'log.batch', stepId, lines: [{ seq: 1, stream: 'stdout', ts: 1, text: 'hi' }, { seq: 2, stream: 'stderr', ts: 2, text: 'warn' }] });
    expect(await s.next('log.ack')).toEqual({ type: 'log.ack', stepId, seq: 2 });
    expect((await cp.services.steps.find(stepId))?.status).toBe('running');
    s.send({ type: 'step.done', stepId, result: ok });
    expect(await s.next('step.ack')).toEqual({ type: 'step.ack', stepId });
    expect(await done).toEqual(ok);
    expect(await cp.services.steps.find(stepId)).toMatchObject({ status: 'succeeded', result: ok, deploymentId: 'dep_1' });

    // A re-sent step.done (ack lost) is acked again and changes nothing.
    s.send({ type: 'step.done', stepId, result: { ...ok, exitCode: 9 } });
    await s.next('step.ack');
    expect((await cp.services.steps.find(stepId))?.result).toEqual(ok);

    const token = await adminToken(cp);
    const res = await cp.app.request(`/api/steps/${stepId}/logs?after=0`, { headers: { authorization: `Bearer ${token}` } });
    expect(await res.json()).toMatchObject({ lines: [{ seq: 1, stream: 'stdout', text: 'hi' }, { seq: 2, stream: 'stderr', text: 'warn' }] });
    const txt = await cp.app.request(`/api/steps/${stepId}/logs.txt`, { headers: { authorization: `Bearer ${token}` } });
    expect(await txt.text()).toBe('hi\nwarn\n');
  });

  it('holds a step for an offline agent and sends it when the agent connects', async () => {
    const peer = await AgentPeer.enroll(cp);
    const { stepId } = await cp.services.dispatcher.runStep(peer.agentId, exec);
    expect((await cp.services.steps.find(stepId))?.status).toBe('pending');
    const s = track(await peer.online(cp));
    expect(await s.next('step.run')).toMatchObject({ stepId });
  });

  it('on reconnect re-sends open steps the agent does not list, and not the ones it lists', async () => {
    const peer = await AgentPeer.enroll(cp);
    const first = track(await peer.online(cp));
    const a = await cp.services.dispatcher.runStep(peer.agentId, exec);
    const b = await cp.services.dispatcher.runStep(peer.agentId, exec);
    await first.next('step.run', (m) => m.stepId === a.stepId);
    await first.next('step.run', (m) => m.stepId === b.stepId);
    first.close();
    const second = track(await peer.online(cp, [a.stepId]));
    expect(await second.next('step.run')).toMatchObject({ stepId: b.stepId });
    // Messages of a connection are handled in order: once this is answered, the re-sends are done.
    second.send({ type: 'log.batch', stepId: 'probe', lines: [{ seq: 1, stream: 'stdout', ts: 1, text: 'x' }] });
    await second.next('error', (m) => m.ref === 'probe');
    expect(second.received.filter((m) => m.type === 'step.run')).toEqual([]);
  });

  it('marks a step the agent refused (bad signature) as rejected with the reason', async () => {
    const peer = await AgentPeer.enroll(cp);
    const s = track(await peer.online(cp));
    const { stepId, done } = await cp.services.dispatcher.runStep(peer.agentId, exec);
    await s.next('step.run');
    s.send({ type: 'error', code: 'BAD_SIGNATURE', message: 'signature does not verify against the pinned key', ref: stepId });
    expect(await done).toMatchObject({ status: 'rejected', error: expect.stringMatching(/BAD_SIGNATURE/) });
  });

  it('refuses log lines for another agent’s step', async () => {
    const owner = await AgentPeer.enroll(cp);
    const other = await AgentPeer.enroll(cp);
    const { stepId } = await cp.services.dispatcher.runStep(owner.agentId, exec);
    const s = track(await other.online(cp));
    s.send({ type: 'log.batch', stepId, lines: [{ seq: 1, stream: 'stdout', ts: 1, text: 'x' }] });
    expect(await s.next('error')).toMatchObject({ code: 'WRONG_AGENT', ref: stepId });
    expect(await cp.services.logs.count(stepId)).toBe(0);
  });

  it('cancels a pending step locally and forwards cancel for a sent one', async () => {
    const peer = await AgentPeer.enroll(cp);
    const pending = await cp.services.dispatcher.runStep(peer.agentId, exec);
    await cp.services.dispatcher.cancelStep(pending.stepId);
    expect(await pending.done).toMatchObject({ status: 'cancelled' });
    const s = track(await peer.online(cp));
    const running = await cp.services.dispatcher.runStep(peer.agentId, exec);
    await s.next('step.run');
    await cp.services.dispatcher.cancelStep(running.stepId);
    expect(await s.next('step.cancel')).toEqual({ type: 'step.cancel', stepId: running.stepId });
  });

  it('a sent step cancelled while its agent was away, and not listed by the agent on reconnect, ends cancelled instead of being sent', async () => {
    const peer = await AgentPeer.enroll(cp);
    const first = track(await peer.online(cp));
    const lost = await cp.services.dispatcher.runStep(peer.agentId, exec);
    await first.next('step.run', (m) => m.stepId === lost.stepId);
    first.close();
    await cp.services.dispatcher.cancelStep(lost.stepId);
    // The agent never received it (it does not list it as active).
    const second = track(await peer.online(cp, []));
    expect(await lost.done).toMatchObject({ status: 'cancelled', error: 'cancelled before it reached the agent' });
    second.send({ type: 'log.batch', stepId: 'probe', lines: [{ seq: 1, stream: 'stdout', ts: 1, text: 'x' }] });
    await second.next('error', (m) => m.ref === 'probe');
    expect(second.received.filter((m) => m.type === 'step.run' || m.type === 'step.cancel')).toEqual([]);
  });

  it('refuses invalid specs and unknown or unenrolled servers', async () => {
    const peer = await AgentPeer.enroll(cp);
    await expect(cp.services.dispatcher.runStep(peer.agentId, { kind: 'exec', argv: [], timeoutMs: 1 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(cp.services.dispatcher.runStep('srv_nope', exec)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const created = await cp.services.servers.create('test', { name: 'never-enrolled' });
    await expect(cp.services.dispatcher.runStep(created.id, exec)).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});

describe('dispatcher across a control-plane restart', () => {
  it('keeps steps and results: awaitStep after restart resolves when the agent reports', async () => {
    const first = await startTestControlPlane();
    const dataDir = first.dataDir;
    try {
      const peer = await AgentPeer.enroll(first);
      const s1 = track(await peer.online(first));
      const { stepId } = await first.services.dispatcher.runStep(peer.agentId, exec);
      await s1.next('step.run');
      s1.send({ type: 'log.batch', stepId, lines: [{ seq: 1, stream: 'stdout', ts: 1, text: 'before' }] });
      await s1.next('log.ack');
      await first.close();

      const second = await startTestControlPlane({ DEVFLOW_DATA_DIR: dataDir });
      try {
        expect((await second.services.servers.get(peer.agentId)).status).toBe('offline');
        const done = second.services.dispatcher.awaitStep(stepId);
        const s2 = track(await peer.online(second, [stepId]));
        s2.send({ type: 'log.batch', stepId, lines: [{ seq: 1, stream: 'stdout', ts: 1, text: 'before' }, { seq: 2, stream: 'stdout', ts: 2, text: 'after' }] });
        expect(await s2.next('log.ack')).toMatchObject({ seq: 2 });
        s2.send({ type: 'step.done', stepId, result: ok });
        expect(await done).toEqual(ok);
        expect((await second.services.logs.read(stepId)).map((l) => l.text)).toEqual(['before', 'after']);
      } finally {
        await second.close();
      }
    } finally {
      await first.dispose();
    }
  });
});

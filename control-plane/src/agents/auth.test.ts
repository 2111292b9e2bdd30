import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControlPlane, type TestControlPlane } from '../../test-support/harness.js';
import { AgentPeer } from '../../test-support/agent-peer.js';
import { AgentAuthenticator } from './auth.js';

let cp: TestControlPlane;
let auth: AgentAuthenticator;
beforeAll(async () => {
  cp = await startTestControlPlane();
  auth = new AgentAuthenticator(cp.services.db, cp.services.servers);
});
afterAll(() => cp.dispose());

const outcome = (p: Promise<{ agentId: string }>) => p.then((r) => r.agentId, (err: Error) => err.message);

// Calls made in the same tick are checked as one batch (one key lookup, one jti insert).
describe('AgentAuthenticator, tokens checked in one batch', () => {
  it('lets exactly one of three uses of the same token through', async () => {
    const peer = await AgentPeer.enroll(cp);
    const token = await peer.jwt();
    const outcomes = await Promise.all([auth.verify(token), auth.verify(token), auth.verify(token)].map(outcome));
    expect(outcomes).toEqual([peer.agentId, expect.stringMatching(/replayed jti/), expect.stringMatching(/replayed jti/)]);
    expect(await outcome(auth.verify(token))).toMatch(/replayed jti/);
  });

  it('judges each token of a batch on its own: valid, replayed from an earlier batch, unknown agent, forged', async () => {
    const [good, replayed, other] = await Promise.all([0, 1, 2].map(() => AgentPeer.enroll(cp)));
    const used = await replayed!.jwt();
    await auth.verify(used);
    const tokens = [await good!.jwt(), used, await good!.jwt({ sub: 'srv_unknown' }), await other!.jwt({ sub: good!.agentId })];
    expect(await Promise.all(tokens.map((t) => outcome(auth.verify(t))))).toEqual([
      good!.agentId,
      expect.stringMatching(/replayed jti/),
      expect.stringMatching(/unknown or unenrolled agent/),
      expect.stringMatching(/signature verification failed/),
    ]);
  });
});

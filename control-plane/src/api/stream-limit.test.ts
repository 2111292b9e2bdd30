import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, startTestControlPlane, type TestControlPlane } from '../../test-support/harness.js';
import { MAX_STREAMS_PER_USER } from './stream-limit.js';

/** One user cannot hold more than MAX_STREAMS_PER_USER event streams; closing one frees its place. */
let cp: TestControlPlane;
let auth: Record<string, string>;

beforeAll(async () => {
  cp = await startTestControlPlane();
  auth = { authorization: `Bearer ${await adminToken(cp)}` };
});
afterAll(async () => {
  await cp?.dispose();
});

describe('event streams per user', () => {
  it('answers 429 past the limit and admits a new stream once one is closed', async () => {
    const open: Response[] = [];
    try {
      for (let i = 0; i < MAX_STREAMS_PER_USER; i++) {
        const res = await cp.app.request('/api/events', { headers: auth });
        expect(res.status).toBe(200);
        open.push(res);
      }
      const over = await cp.app.request('/api/events', { headers: auth });
      expect(over.status).toBe(429);
      expect(over.headers.get('retry-after')).toBe('5');
      expect(((await over.json()) as { error: { message: string } }).error.message).toContain('open event streams');
      const logs = await cp.app.request('/api/deployments/nope/logs/stream', { headers: auth });
      expect(logs.status).toBe(404); // an unknown deployment is refused before a place is taken

      await open.shift()!.body!.cancel();
      await expect.poll(async () => {
        const res = await cp.app.request('/api/events', { headers: auth });
        if (res.status === 200) open.push(res);
        else await res.body?.cancel();
        return res.status;
      }).toBe(200);
    } finally {
      await Promise.all(open.map((r) => r.body?.cancel()));
    }
  });
});

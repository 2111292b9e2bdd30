import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonHeaders, startTestControlPlane, type TestControlPlane } from '../../test-support/harness.js';
import { API_MAX_BODY_BYTES } from './body-limit.js';

let cp: TestControlPlane;
beforeAll(async () => {
  cp = await startTestControlPlane();
});
afterAll(() => cp.dispose());

const tooBig = JSON.stringify({ email: 'a@b.test', password: 'x'.repeat(API_MAX_BODY_BYTES) });

describe('API body limit', () => {
  it('refuses a body over the limit with 413 before authentication or parsing', async () => {
    for (const path of ['/api/auth/login', '/api/projects', '/agent/enroll']) {
      const res = await cp.app.request(path, { method: 'POST', headers: jsonHeaders(), body: tooBig });
      expect([path, res.status]).toEqual([path, 413]);
      expect(await res.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('1024 KiB') } });
    }
  });

  it('also stops a chunked body without Content-Length, over a real socket', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // Far more than the limit: the server must answer before it has all of it.
        if (sent >= 64 * API_MAX_BODY_BYTES) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const res = await fetch(`${cp.url}/api/auth/login`, { method: 'POST', headers: jsonHeaders(), body, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    expect(sent).toBeLessThan(64 * API_MAX_BODY_BYTES);
  });

  it('still accepts ordinary bodies', async () => {
    const res = await cp.app.request('/api/auth/login', { method: 'POST', headers: jsonHeaders(), body: JSON.stringify({ email: 'a@b.test', password: 'nope' }) });
    expect(res.status).toBe(401);
  });
});

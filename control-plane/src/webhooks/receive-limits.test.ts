import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { readDeliveryBody } from './body.js';
import { startVerification } from './signature.js';
import { SourceLimiter } from './source-limit.js';
import { hmacSha256Hex } from './signature.js';

const streamOf = (chunks: Uint8Array[], onPull?: () => void) =>
  new ReadableStream<Uint8Array>({
    pull(ctl) {
      onPull?.();
      const next = chunks.shift();
      if (next) ctl.enqueue(next);
      else ctl.close();
    },
  });

describe('webhook receiver limits', () => {
  it('SourceLimiter: at most N at once per source, 429 beyond, a slot freed once', () => {
    const limiter = new SourceLimiter(2);
    const a = limiter.acquire('10.0.0.1');
    limiter.acquire('10.0.0.1');
    expect(() => limiter.acquire('10.0.0.1')).toThrow(expect.objectContaining({ code: 'RATE_LIMITED', status: 429 }));
    limiter.acquire('10.0.0.2'); // another source is not affected
    a();
    a(); // a second release frees nothing more
    limiter.acquire('10.0.0.1');
    expect(() => limiter.acquire('10.0.0.1')).toThrow(AppError);
  });

  it('readDeliveryBody stops reading at the cap and refuses a declared length over it without reading', async () => {
    let pulls = 0;
    const chunk = new Uint8Array(1000);
    const chunks = Array.from({ length: 100 }, () => chunk);
    await expect(readDeliveryBody(streamOf(chunks, () => pulls++), undefined, 4500, () => undefined)).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(pulls).toBeLessThanOrEqual(6);
    pulls = 0;
    await expect(readDeliveryBody(streamOf([chunk], () => pulls++), '999999', 4500, () => undefined)).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(pulls).toBeLessThanOrEqual(1); // a stream may pull once when made; nothing is consumed
    const ok = await readDeliveryBody(streamOf([new TextEncoder().encode('{"a":1}')]), '7', 4500, () => undefined);
    expect(Buffer.from(ok.raw).toString()).toBe('{"a":1}');
    expect(ok.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('startVerification: a token is checked from the header alone; an HMAC over the streamed chunks', () => {
    const token = { kind: 'token', header: 'x-gitlab-token', headerName: 'X-Gitlab-Token' } as const;
    expect(startVerification(token, 'wrong', 'secret')).toEqual({ refused: "X-Gitlab-Token does not match this project's webhook secret" });
    const hmac = { kind: 'hmac-sha256', header: 'x-hub-signature-256', headerName: 'X-Hub-Signature-256' } as const;
    expect(startVerification(hmac, 'sha1=abc', 's')).toEqual({ refused: 'X-Hub-Signature-256 must be "sha256=<64 hex characters>"' });
    const body = new TextEncoder().encode('hello, streamed world');
    const started = startVerification(hmac, `sha256=${hmacSha256Hex('s', body)}`, 's');
    if ('refused' in started) throw new Error(started.refused);
    started.verifier.update(body.subarray(0, 5));
    started.verifier.update(body.subarray(5));
    expect(started.verifier.result()).toBeNull();
    const tampered = startVerification(hmac, `sha256=${hmacSha256Hex('s', body)}`, 's');
    if ('refused' in tampered) throw new Error(tampered.refused);
    tampered.verifier.update(body.subarray(1));
    expect(tampered.verifier.result()).toMatch(/does not match/);
  });
});

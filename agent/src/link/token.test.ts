import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { AGENT_JWT_AUDIENCE, AGENT_JWT_MAX_TTL_SECONDS } from '@devflow/protocol';
import { signAgentToken } from './token.js';

describe('signAgentToken', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');

  it('signs an EdDSA JWT that verifies with the public key, with sub, aud, iat, exp <= 60s and jti', async () => {
    const token = await signAgentToken('agent-1', privateKey);
    const { payload, protectedHeader } = await jwtVerify(token, publicKey, { audience: AGENT_JWT_AUDIENCE, algorithms: ['EdDSA'] });
    expect(protectedHeader.alg).toBe('EdDSA');
    expect(payload.sub).toBe('agent-1');
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(AGENT_JWT_MAX_TTL_SECONDS);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('uses a fresh jti for every dial', async () => {
    const a = decodeJwt(await signAgentToken('a', privateKey));
    const b = decodeJwt(await signAgentToken('a', privateKey));
    expect(a.jti).not.toBe(b.jti);
  });

  it('does not verify against another key', async () => {
    const other = generateKeyPairSync('ed25519').publicKey;
    await expect(jwtVerify(await signAgentToken('a', privateKey), other)).rejects.toThrow();
  });
});

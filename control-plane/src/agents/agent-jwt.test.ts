import { generateKeyPairSync, sign } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { jwtSubject, verifyAgentJwt } from './agent-jwt.js';

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const jwk = publicKey.export({ format: 'jwk' });
const stored = JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x });
const expect_ = { audience: 'devflow-control-plane', subject: 'srv_a', toleranceS: 30 };
const now = () => Math.floor(Date.now() / 1000);

function jwt(claims: Record<string, unknown> = {}, key = privateKey): Promise<string> {
  const iat = now();
  return new SignJWT({ aud: 'devflow-control-plane', sub: 'srv_a', iat, exp: iat + 60, jti: 'j1', ...claims }).setProtectedHeader({ alg: 'EdDSA' }).sign(key);
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
function handSigned(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const data = `${b64(header)}.${b64(payload)}`;
  return `${data}.${sign(null, Buffer.from(data), privateKey).toString('base64url')}`;
}

describe('verifyAgentJwt (node:crypto Ed25519)', () => {
  it('accepts a token jose signed and returns its claims', async () => {
    const claims = verifyAgentJwt(await jwt(), stored, expect_);
    expect(claims).toMatchObject({ sub: 'srv_a', jti: 'j1' });
    expect(jwtSubject(await jwt())).toBe('srv_a');
  });

  it.each([
    ['signed by another key', () => jwt({}, generateKeyPairSync('ed25519').privateKey), /signature/],
    ['expired', () => jwt({ iat: now() - 200, exp: now() - 100 }), /exp/],
    ['not yet valid', () => jwt({ nbf: now() + 600 }), /nbf/],
    ['wrong audience', () => jwt({ aud: 'someone-else' }), /aud/],
    ['another subject', () => jwt({ sub: 'srv_b' }), /sub/],
    ['missing jti', () => jwt({ jti: undefined }), /jti/],
    ['alg none', async () => `${b64({ alg: 'none' })}.${b64({ sub: 'srv_a' })}.`, /alg/],
    ['a crit header', async () => handSigned({ alg: 'EdDSA', crit: ['x'], x: 1 }, { sub: 'srv_a', aud: 'devflow-control-plane', iat: now(), exp: now() + 60, jti: 'j' }), /crit/],
    ['a tampered payload', async () => {
      const [h, , s] = (await jwt()).split('.');
      return `${h}.${b64({ sub: 'srv_a', aud: 'devflow-control-plane', iat: now(), exp: now() + 60, jti: 'other' })}.${s}`;
    }, /signature/],
    ['not a JWT', async () => 'garbage', /not a JWT/],
  ])('refuses a token %s', async (_name, make, message) => {
    const token = await make();
    expect(() => verifyAgentJwt(token, stored, expect_)).toThrow(message);
  });

  it('refuses when the stored key is not an Ed25519 JWK', async () => {
    expect(() => verifyAgentJwt('a.b.c', '{"kty":"RSA"}', expect_)).toThrow(/token header|Ed25519/);
    expect(() => verifyAgentJwt(handSigned({ alg: 'EdDSA' }, {}), '{"kty":"RSA"}', expect_)).toThrow(/Ed25519 JWK/);
  });

  it('refuses a stored small-order key (enrolled before the check) and a forged signature with a small-order R', () => {
    const identity = Buffer.from('0100000000000000000000000000000000000000000000000000000000000000', 'hex');
    const weak = JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: identity.toString('base64url') });
    // R = identity, S = 0: [S]B = R + [k]A holds for every message when A is the identity.
    const data = `${b64({ alg: 'EdDSA' })}.${b64({ sub: 'srv_a', aud: 'devflow-control-plane', iat: now(), exp: now() + 60, jti: 'f' })}`;
    const forged = `${data}.${Buffer.concat([identity, Buffer.alloc(32)]).toString('base64url')}`;
    const realR = sign(null, Buffer.from(data), privateKey).subarray(0, 32);
    const withRealR = `${data}.${Buffer.concat([realR, Buffer.alloc(32)]).toString('base64url')}`;
    expect(() => verifyAgentJwt(withRealR, weak, expect_)).toThrow(/stored agent key is refused \(a small-order point/);
    expect(() => verifyAgentJwt(forged, stored, expect_)).toThrow(/signature verification failed \(signature R: a small-order point/);
  });
});

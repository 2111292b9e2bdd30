import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { smallOrderOrNonCanonical, weakPublicKeyReason, weakSignatureReason } from './ed25519-key.js';

/**
 * The eight small-order points of edwards25519 (in the encodings libsodium's blocklist and the
 * "Taming the many EdDSAs" paper list), plus non-canonical spellings of them.
 */
const hex = (h: string) => Buffer.from(h, 'hex');
const SMALL_ORDER = {
  'identity (order 1)': '0100000000000000000000000000000000000000000000000000000000000000',
  'order 2 (y = -1)': 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'order 4 (y = 0, x > 0)': '0000000000000000000000000000000000000000000000000000000000000000',
  'order 4 (y = 0, x < 0)': '0000000000000000000000000000000000000000000000000000000000000080',
  'order 8 (a)': '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'order 8 (a, negated)': '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  'order 8 (b)': 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'order 8 (b, negated)': 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
};
const NON_CANONICAL = {
  'y = p (= 0)': 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'y = p + 1 (= 1)': 'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'identity with the sign bit (negative zero)': '0100000000000000000000000000000000000000000000000000000000000080',
  'y = 2^255 - 1': 'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
};

describe('Ed25519 public keys', () => {
  it('accepts real keys', () => {
    for (let i = 0; i < 5; i++) {
      const jwk = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
      expect(weakPublicKeyReason(Buffer.from(jwk.x ?? '', 'base64url'))).toBeNull();
    }
  });

  it.each(Object.entries(SMALL_ORDER))('refuses the small-order point %s', (_name, point) => {
    expect(weakPublicKeyReason(hex(point))).toBe('a small-order point (it would let anyone forge signatures)');
    expect(smallOrderOrNonCanonical(hex(point))).toBe('a small-order point (it would let anyone forge signatures)');
  });

  it.each(Object.entries(NON_CANONICAL))('refuses the non-canonical encoding %s', (_name, point) => {
    expect(weakPublicKeyReason(hex(point))).toMatch(/^non-canonical encoding|^not a point on the curve/);
  });

  it('refuses a point off the curve and a wrong length', () => {
    expect(weakPublicKeyReason(hex('0200000000000000000000000000000000000000000000000000000000000000'))).toBe('not a point on the curve');
    expect(weakPublicKeyReason(new Uint8Array(31))).toMatch(/32 bytes/);
  });
});

describe('Ed25519 signatures (strict)', () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const good = sign(null, Buffer.from('hello'), privateKey);

  it('accepts a real signature; refuses a small-order R and an unreduced S', () => {
    expect(weakSignatureReason(good)).toBeNull();
    for (const point of Object.values(SMALL_ORDER)) {
      expect(weakSignatureReason(Buffer.concat([hex(point), good.subarray(32)]))).toBe('signature R: a small-order point (it would let anyone forge signatures)');
    }
    const unreduced = Buffer.from(good);
    unreduced.fill(0xff, 32, 63);
    unreduced[63] = 0x1f;
    expect(weakSignatureReason(unreduced)).toBe('signature S is not reduced (S >= L)');
    expect(weakSignatureReason(good.subarray(0, 63))).toBe('signature must be 64 bytes');
  });
});

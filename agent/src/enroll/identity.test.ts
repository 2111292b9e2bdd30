import { describe, expect, it } from 'vitest';
import { parseIdentity } from './identity.js';

const good = {
  agentId: 'agt_1',
  controlPlaneUrls: ['http://127.0.0.1:7780'],
  controlPlanePublicKey: { kty: 'OKP', crv: 'Ed25519', x: 'abc', kid: 'k1' },
  name: 'web-1',
  enrolledAt: '2026-01-01T00:00:00.000Z',
};

describe('parseIdentity (agent.json, checked without zod)', () => {
  it('accepts a saved identity, keeps extra JWK members and defaults labels', () => {
    expect(parseIdentity(good)).toEqual({ ...good, labels: [] });
    expect(parseIdentity({ ...good, labels: ['a'] }).labels).toEqual(['a']);
  });

  it.each([
    [{ ...good, agentId: '' }, 'agentId'],
    [{ ...good, controlPlaneUrls: [] }, 'controlPlaneUrls'],
    [{ ...good, controlPlaneUrls: ['not a url'] }, 'controlPlaneUrls.0'],
    [{ ...good, controlPlanePublicKey: { kty: 'RSA', crv: 'Ed25519', x: 'a' } }, 'controlPlanePublicKey'],
    [{ ...good, controlPlanePublicKey: { kty: 'OKP', crv: 'Ed25519' } }, 'controlPlanePublicKey.x'],
    [{ ...good, labels: [1] }, 'labels'],
    [{ ...good, name: 5 }, 'name'],
    [{ ...good, surprise: true }, 'surprise'],
    [[good], '(root)'],
  ])('refuses %j naming %s', (data, field) => {
    expect(() => parseIdentity(data)).toThrow(new RegExp(`^${field.replace(/[.()]/g, '\\$&')}: `));
  });
});

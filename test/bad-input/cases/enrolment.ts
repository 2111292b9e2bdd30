import { generateKeyPairSync } from 'node:crypto';
import type { BadInputCase } from '../case.js';
import type { World } from '../world.js';

/** Issue 17 item 3: enrolment refuses small-order and non-canonical Ed25519 keys, and the token stays usable. */
let token = '';
const x = (hex: string) => Buffer.from(hex, 'hex').toString('base64url');

async function freshToken(w: World): Promise<void> {
  if (token) return;
  const res = await w.as.admin.call<{ enrollToken: string }>('POST', '/api/servers', { name: 'weak-key' });
  if (res.status !== 201) throw new Error(`add server: ${res.status} ${JSON.stringify(res.body)}`);
  token = res.body.enrollToken;
}

const enrol = (publicX: string) => () => ({ method: 'POST' as const, path: '/agent/enroll', json: { token, publicKey: { kty: 'OKP', crv: 'Ed25519', x: publicX } } });

export const cases: BadInputCase[] = [
  ...[
    ['the identity point (order 1)', '0100000000000000000000000000000000000000000000000000000000000000'],
    ['y = -1 (order 2)', 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'],
    ['y = 0 (order 4)', '0000000000000000000000000000000000000000000000000000000000000000'],
    ['an order-8 point', '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05'],
    ['the other order-8 point', 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'],
  ].map(([name, hex]): BadInputCase => ({
    name: `an agent enrolling with ${name} as its key is refused`,
    who: 'anonymous',
    setup: freshToken,
    request: enrol(x(hex!)),
    status: 400,
    message: /^publicKey: refused, a small-order point \(it would let anyone forge signatures\); the agent generates a fresh key pair at enrolment$/,
  })),
  {
    name: 'a non-canonical key encoding (y = p + 1) is refused',
    who: 'anonymous',
    setup: freshToken,
    request: enrol(x('eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f')),
    status: 400,
    message: /^publicKey: (not a valid Ed25519 public key \(JWK\)|refused, non-canonical encoding \(y >= p\))/,
  },
  {
    name: 'after the refusals the same token still enrols a real key (nothing was used up)',
    who: 'anonymous',
    setup: freshToken,
    request: () => ({ method: 'POST', path: '/agent/enroll', json: { token, publicKey: { kty: 'OKP', crv: 'Ed25519', x: generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x } } }),
    status: 200,
    message: /"agentId":"srv_/,
    mayChange: ['servers'],
  },
];

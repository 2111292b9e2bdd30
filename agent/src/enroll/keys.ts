import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';

/** The agent's Ed25519 key pair: the private half never leaves the data dir (PKCS#8 PEM, 0600). */
export interface AgentKeys {
  privateKey: KeyObject;
  privateKeyPem: string;
  publicJwk: JWK;
}

export function generateAgentKeys(): AgentKeys {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  return {
    privateKey,
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x: String(jwk.x) },
  };
}

import { createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import { smallOrderOrNonCanonical, weakSignatureReason } from './ed25519-key.js';

export class AgentJwtError extends Error {
  override readonly name = 'AgentJwtError';
}

export interface AgentJwtClaims {
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  jti: unknown;
  nbf?: number;
}

/** Public keys by their stored JWK text: re-importing one costs more than verifying with it. */
const KEY_CACHE_MAX = 50_000;
const keys = new Map<string, KeyObject>();

function keyFor(jwkText: string): KeyObject {
  let key = keys.get(jwkText);
  if (key) return key;
  let jwk: { kty?: unknown; crv?: unknown; x?: unknown };
  try {
    jwk = JSON.parse(jwkText) as typeof jwk;
  } catch {
    throw new AgentJwtError('the stored agent key is not JSON (re-enrol the agent)');
  }
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new AgentJwtError('the stored agent key is not an Ed25519 JWK (re-enrol the agent)');
  // Keys enrolled before small-order keys were refused at enrolment are refused here (the cheap
  // blocklist check: the full one would cost ~2 ms per agent when 10,000 reconnect after a restart).
  const weak = smallOrderOrNonCanonical(Buffer.from(jwk.x, 'base64url'));
  if (weak) throw new AgentJwtError(`the stored agent key is refused (${weak}); re-enrol the agent`);
  key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
  if (keys.size >= KEY_CACHE_MAX) keys.delete(keys.keys().next().value as string);
  keys.set(jwkText, key);
  return key;
}

function decodePart(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new AgentJwtError(`token ${what} is not base64url JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new AgentJwtError(`token ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** The unverified subject, to look up whose key to verify with. */
export function jwtSubject(token: string): unknown {
  const parts = token.split('.');
  if (parts.length !== 3) throw new AgentJwtError('token is not a JWT');
  return decodePart(parts[1]!, 'payload').sub;
}

/**
 * Verifies a compact EdDSA (Ed25519) JWT with node:crypto directly: one synchronous verify with a
 * cached key instead of jose's WebCrypto import + verify, which cost most of an agent connect.
 * Checks alg, no `crit`, the signature, aud, sub, and exp/iat/nbf (with `toleranceS`).
 */
export function verifyAgentJwt(token: string, jwkText: string, expect: { audience: string; subject: string; toleranceS: number }): AgentJwtClaims {
  const parts = token.split('.');
  if (parts.length !== 3) throw new AgentJwtError('token is not a JWT');
  const [h, p, s] = parts as [string, string, string];
  const header = decodePart(h, 'header');
  if (header.alg !== 'EdDSA') throw new AgentJwtError(`token alg ${JSON.stringify(header.alg)} is not allowed; agents sign with EdDSA`);
  if (header.crit !== undefined) throw new AgentJwtError('token has a "crit" header, which is not supported');
  const signature = Buffer.from(s, 'base64url');
  const weakSignature = weakSignatureReason(signature);
  if (weakSignature) throw new AgentJwtError(`signature verification failed (${weakSignature})`);
  if (!verifySignature(null, Buffer.from(`${h}.${p}`), keyFor(jwkText), signature)) {
    throw new AgentJwtError('signature verification failed');
  }
  const claims = decodePart(p, 'payload');
  for (const name of ['exp', 'iat', 'jti', 'sub', 'aud']) if (claims[name] === undefined) throw new AgentJwtError(`missing required "${name}" claim`);
  const { exp, iat, nbf, aud, sub } = claims;
  if (typeof exp !== 'number' || typeof iat !== 'number' || (nbf !== undefined && typeof nbf !== 'number')) throw new AgentJwtError('"exp", "iat" and "nbf" must be numbers');
  const now = Date.now() / 1000;
  if (exp <= now - expect.toleranceS) throw new AgentJwtError('"exp" claim timestamp check failed (token expired)');
  if (typeof nbf === 'number' && nbf > now + expect.toleranceS) throw new AgentJwtError('"nbf" claim timestamp check failed (token not yet valid)');
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!audiences.includes(expect.audience)) throw new AgentJwtError('unexpected "aud" claim value');
  if (sub !== expect.subject) throw new AgentJwtError('unexpected "sub" claim value');
  return claims as unknown as AgentJwtClaims;
}

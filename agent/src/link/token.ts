import { randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { AGENT_JWT_AUDIENCE, AGENT_JWT_MAX_TTL_SECONDS } from '@devflow/protocol/version';

/**
 * The short-lived credential for one dial of `/agent/connect`: an EdDSA JWT the agent signs with
 * its own key. A fresh one per dial (new jti), so a captured token is useless a minute later.
 */
export async function signAgentToken(agentId: string, privateKey: KeyObject, nowMs: number = Date.now()): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
    .setSubject(agentId)
    .setAudience(AGENT_JWT_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + AGENT_JWT_MAX_TTL_SECONDS)
    .setJti(randomUUID())
    .sign(privateKey);
}

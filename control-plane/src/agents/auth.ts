import { AGENT_JWT_AUDIENCE, AGENT_JWT_MAX_TTL_SECONDS } from '@devflow/protocol';
import type { Db } from '../db/client.js';
import type { ServerService } from '../servers/service.js';
import { jwtSubject, verifyAgentJwt } from './agent-jwt.js';

export class AgentAuthError extends Error {
  override readonly name = 'AgentAuthError';
}

/** Small allowance for clocks of agent and control plane that are not quite in step. */
const CLOCK_TOLERANCE_S = 30;
const PURGE_EVERY_MS = 60_000;

/**
 * Verifies the JWT an agent dials with: EdDSA-signed by the key pinned at enrolment,
 * sub = agent id, aud = AGENT_JWT_AUDIENCE, exp required and at most 60 s after iat, and a
 * jti never seen before. Seen jtis are kept in the database until they expire, so a token
 * cannot be replayed against another instance either.
 */
export class AgentAuthenticator {
  private lastPurge = 0;

  constructor(
    private readonly db: Db,
    private readonly servers: Pick<ServerService, 'publicKey'>,
  ) {}

  async verify(token: string): Promise<{ agentId: string }> {
    let sub: unknown;
    try {
      sub = jwtSubject(token);
    } catch {
      throw new AgentAuthError('token is not a JWT');
    }
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > 128) throw new AgentAuthError('token has no subject (agent id)');
    const stored = await this.servers.publicKey(sub);
    if (!stored) throw new AgentAuthError('unknown or unenrolled agent');

    let claims;
    try {
      claims = verifyAgentJwt(token, stored, { audience: AGENT_JWT_AUDIENCE, subject: sub, toleranceS: CLOCK_TOLERANCE_S });
    } catch (err) {
      throw new AgentAuthError(`token refused: ${(err as Error).message}`);
    }
    const { exp, iat, jti } = claims;
    if (exp - iat > AGENT_JWT_MAX_TTL_SECONDS) throw new AgentAuthError(`token lives ${exp - iat} s; at most ${AGENT_JWT_MAX_TTL_SECONDS} s allowed`);
    if (iat > Date.now() / 1000 + CLOCK_TOLERANCE_S) throw new AgentAuthError('token issued in the future (check the agent clock)');
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > 128) throw new AgentAuthError('token has no usable jti');

    await this.purgeExpired();
    const rs = await this.db.execute({
      sql: 'INSERT OR IGNORE INTO agent_jtis (jti, agent_id, expires_at) VALUES (?, ?, ?)',
      args: [`${sub}:${jti}`, sub, (exp + CLOCK_TOLERANCE_S) * 1000],
    });
    if (rs.rowsAffected === 0) throw new AgentAuthError('token was already used (replayed jti)');
    return { agentId: sub };
  }

  private async purgeExpired(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = now;
    await this.db.execute({ sql: 'DELETE FROM agent_jtis WHERE expires_at < ?', args: [now] });
  }
}

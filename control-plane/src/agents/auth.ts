import { AGENT_JWT_AUDIENCE, AGENT_JWT_MAX_TTL_SECONDS } from '@devflow/protocol';
import type { Db } from '../db/client.js';
import type { ServerService } from '../servers/service.js';
import { jwtSubject, verifyAgentJwt } from './agent-jwt.js';
import { TickBatch } from '../ports/tick-batch.js';

export class AgentAuthError extends Error {
  override readonly name = 'AgentAuthError';
}

/** Small allowance for clocks of agent and control plane that are not quite in step. */
const CLOCK_TOLERANCE_S = 30;
const PURGE_EVERY_MS = 60_000;
const replayed = (): AgentAuthError => new AgentAuthError('token was already used (replayed jti)');

/** A token whose signature and claims passed; its jti is not yet known to be unused. */
interface Verified {
  agentId: string;
  /** `<agent id>:<jti>`, the key in agent_jtis. */
  jtiKey: string;
  expiresAt: number;
}

/**
 * Verifies the JWT an agent dials with: EdDSA-signed by the key pinned at enrolment,
 * sub = agent id, aud = AGENT_JWT_AUDIENCE, exp required and at most 60 s after iat, and a
 * jti never seen before. Seen jtis are kept in the database until they expire, so a token
 * cannot be replayed against another instance either.
 *
 * The tokens of all agents that dial in the same event-loop round are checked together: one
 * SELECT for their keys and one INSERT … RETURNING for their jtis (a reconnect storm is
 * thousands of dials; a statement per dial was most of the control plane's CPU per connect).
 */
export class AgentAuthenticator {
  private lastPurge = 0;
  private readonly batch = new TickBatch<{ sub: string; token: string }, { agentId: string } | AgentAuthError>((dials) => this.verifyAll(dials));

  constructor(
    private readonly db: Db,
    private readonly servers: Pick<ServerService, 'publicKeys'>,
  ) {}

  async verify(token: string): Promise<{ agentId: string }> {
    let sub: unknown;
    try {
      sub = jwtSubject(token);
    } catch {
      throw new AgentAuthError('token is not a JWT');
    }
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > 128) throw new AgentAuthError('token has no subject (agent id)');
    const outcome = await this.batch.add({ sub, token });
    if (outcome instanceof AgentAuthError) throw outcome;
    return outcome;
  }

  private async verifyAll(dials: readonly { sub: string; token: string }[]): Promise<({ agentId: string } | AgentAuthError)[]> {
    const keys = await this.servers.publicKeys([...new Set(dials.map((d) => d.sub))]);
    const fresh = new Map<string, Verified>();
    const outcomes = dials.map(({ sub, token }) => {
      const checked = this.check(sub, token, keys.get(sub));
      if (checked instanceof AgentAuthError) return checked;
      // The same token twice in one round: the second is a replay, as it would be a round later.
      if (fresh.has(checked.jtiKey)) return replayed();
      fresh.set(checked.jtiKey, checked);
      return checked;
    });
    const inserted = await this.recordJtis([...fresh.values()]);
    return outcomes.map((o) => (o instanceof AgentAuthError ? o : inserted.has(o.jtiKey) ? { agentId: o.agentId } : replayed()));
  }

  private check(sub: string, token: string, stored: string | undefined): Verified | AgentAuthError {
    if (!stored) return new AgentAuthError('unknown or unenrolled agent');
    let claims;
    try {
      claims = verifyAgentJwt(token, stored, { audience: AGENT_JWT_AUDIENCE, subject: sub, toleranceS: CLOCK_TOLERANCE_S });
    } catch (err) {
      return new AgentAuthError(`token refused: ${(err as Error).message}`);
    }
    const { exp, iat, jti } = claims;
    if (exp - iat > AGENT_JWT_MAX_TTL_SECONDS) return new AgentAuthError(`token lives ${exp - iat} s; at most ${AGENT_JWT_MAX_TTL_SECONDS} s allowed`);
    if (iat > Date.now() / 1000 + CLOCK_TOLERANCE_S) return new AgentAuthError('token issued in the future (check the agent clock)');
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > 128) return new AgentAuthError('token has no usable jti');
    return { agentId: sub, jtiKey: `${sub}:${jti}`, expiresAt: (exp + CLOCK_TOLERANCE_S) * 1000 };
  }

  /** Inserts the jtis; answers the keys that were new (INSERT OR IGNORE … RETURNING skips the ones seen before). */
  private async recordJtis(tokens: readonly Verified[]): Promise<Set<string>> {
    if (tokens.length === 0) return new Set();
    await this.purgeExpired();
    const rs = await this.db.execute({
      sql: `INSERT OR IGNORE INTO agent_jtis (jti, agent_id, expires_at)
            SELECT value->>'jtiKey', value->>'agentId', value->>'expiresAt' FROM json_each(?) RETURNING jti`,
      args: [JSON.stringify(tokens)],
    });
    return new Set(rs.rows.map((r) => String(r.jti)));
  }

  private async purgeExpired(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = now;
    await this.db.execute({ sql: 'DELETE FROM agent_jtis WHERE expires_at < ?', args: [now] });
  }
}

import type { JWK } from 'jose';
import { importJWK } from 'jose';
import type { Db } from '../db/client.js';
import type { AuditLog } from '../audit/audit.js';
import { AppError } from '../errors.js';
import { sha256 } from '../crypto/random.js';
import { weakPublicKeyReason } from '../agents/ed25519-key.js';
import type { ServerService } from './service.js';
import type { EnrollRequest } from './types.js';

export interface EnrollResult {
  agentId: string;
  controlPlanePublicKey: JWK;
  controlPlaneUrl: string;
  /** This instance first, then its peers (DEVFLOW_PEER_URLS): the agent tries them in turn when one is down. */
  controlPlaneUrls: string[];
}

/**
 * `POST /agent/enroll`: trade a single-use token for an agent id, pinning the agent's public
 * key. Token checks and the key write happen in one write transaction, so a token can never
 * be used twice, and a refused request changes nothing.
 */
export class EnrollService {
  constructor(
    private readonly db: Db,
    private readonly servers: ServerService,
    private readonly audit: AuditLog,
    private readonly signingPublicKey: JWK,
    private readonly publicUrl: string,
    private readonly peerUrls: readonly string[] = [],
  ) {}

  async enroll(req: EnrollRequest): Promise<EnrollResult> {
    try {
      await importJWK(req.publicKey as JWK, 'EdDSA');
    } catch {
      throw new AppError('VALIDATION_FAILED', 'publicKey: not a valid Ed25519 public key (JWK)', { field: 'publicKey' });
    }
    const x = typeof req.publicKey.x === 'string' ? req.publicKey.x : '';
    const bytes = Buffer.from(x, 'base64url');
    // Exactly one base64url spelling per key: a padded or otherwise altered `x` is refused too.
    const weak = /^[A-Za-z0-9_-]{43}$/.test(x) && bytes.toString('base64url') === x ? weakPublicKeyReason(bytes) : 'x is not the 43-character base64url of 32 bytes';
    if (weak) throw new AppError('VALIDATION_FAILED', `publicKey: refused, ${weak}; the agent generates a fresh key pair at enrolment`, { field: 'publicKey' });
    const now = Date.now();
    const tx = await this.db.transaction('write');
    let serverId: string;
    let reinstall = false;
    try {
      const row = (await tx.execute({ sql: 'SELECT * FROM enroll_tokens WHERE token_hash = ?', args: [sha256(req.token)] })).rows[0];
      if (!row) throw new AppError('ENROLL_TOKEN_INVALID', 'enrolment token is unknown; create a new one in the console (Servers -> install command)');
      if (row.used_at !== null) throw new AppError('ENROLL_TOKEN_USED', 'enrolment token was already used; each token enrols one agent once, create a new one');
      if (Number(row.expires_at) <= now) throw new AppError('ENROLL_TOKEN_EXPIRED', 'enrolment token expired (tokens are valid for 1 hour); create a new one');
      serverId = String(row.server_id);
      const server = (await tx.execute({ sql: 'SELECT public_key FROM servers WHERE id = ?', args: [serverId] })).rows[0];
      reinstall = server?.public_key !== null && server?.public_key !== undefined;
      await tx.execute({ sql: 'UPDATE enroll_tokens SET used_at = ? WHERE token_hash = ?', args: [now, sha256(req.token)] });
      const { kty, crv, x } = req.publicKey;
      await tx.execute({
        sql: `UPDATE servers SET public_key = ?, enrolled_at = ?, updated_at = ?, host = COALESCE(?, host), status = 'offline' WHERE id = ?`,
        args: [JSON.stringify({ kty, crv, x }), now, now, req.host ? JSON.stringify(req.host) : null, serverId],
      });
      await tx.commit();
    } catch (err) {
      await tx.rollback().catch(() => undefined);
      throw err;
    } finally {
      tx.close();
    }
    // A re-install replaces the key: any connection made with the old one must go.
    if (reinstall) await this.servers.command(serverId, { type: 'disconnect', reason: 'agent re-enrolled with a new key' });
    await this.audit.record(`agent:${serverId}`, 'server.enroll', serverId, { reinstall, host: req.host?.hostname });
    const controlPlaneUrls = [...new Set([this.publicUrl, ...this.peerUrls])];
    return { agentId: serverId, controlPlanePublicKey: this.signingPublicKey, controlPlaneUrl: this.publicUrl, controlPlaneUrls };
  }
}

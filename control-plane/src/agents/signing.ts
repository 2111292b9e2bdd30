import { createPrivateKey, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { StepRunPayload } from '@devflow/protocol';
import type { Db } from '../db/client.js';
import type { SecretBox } from '../crypto/secret-box.js';

const SETTING = 'agent_signing_key';
/** base64url of `{"alg":"EdDSA"}`, the protected header of every step JWS. */
const HEADER = Buffer.from(JSON.stringify({ alg: 'EdDSA' })).toString('base64url');

/**
 * The control plane's Ed25519 key pair that signs every `step.run`. Generated once and kept in
 * the database (private half sealed with the secret key), so every instance signs with the same
 * key that agents pinned at enrolment.
 */
export class StepSigner {
  private constructor(
    readonly publicJwk: JWK,
    private readonly privateKey: KeyObject,
  ) {}

  static async load(db: Db, box: SecretBox): Promise<StepSigner> {
    let row = (await db.execute({ sql: 'SELECT value FROM settings WHERE key = ?', args: [SETTING] })).rows[0];
    if (!row) {
      const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
      const value = JSON.stringify({
        publicJwk: await exportJWK(publicKey),
        privateSealed: box.seal(JSON.stringify(await exportJWK(privateKey)), SETTING),
      });
      // Another instance may win the race; everyone then reads the stored pair.
      await db.execute({ sql: 'INSERT OR IGNORE INTO settings (key, value, updated_at) VALUES (?, ?, ?)', args: [SETTING, value, Date.now()] });
      row = (await db.execute({ sql: 'SELECT value FROM settings WHERE key = ?', args: [SETTING] })).rows[0];
    }
    const stored = JSON.parse(String(row?.value)) as { publicJwk: JWK; privateSealed: string };
    const privateJwk = JSON.parse(box.open(stored.privateSealed, SETTING)) as JWK;
    const publicJwk = { kty: stored.publicJwk.kty, crv: stored.publicJwk.crv, x: stored.publicJwk.x } as JWK;
    return new StepSigner(publicJwk, createPrivateKey({ key: privateJwk as JsonWebKey, format: 'jwk' }));
  }

  /**
   * Compact JWS (alg EdDSA) over the JSON payload; the agent verifies before parsing. Signed with
   * node:crypto at once (Ed25519 is deterministic: the same JWS jose makes) rather than through
   * WebCrypto, whose sign is a thread-pool job: a hop that a loaded machine made cost milliseconds.
   */
  sign(payload: StepRunPayload): string {
    const data = `${HEADER}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    return `${data}.${sign(null, Buffer.from(data), this.privateKey).toString('base64url')}`;
  }
}

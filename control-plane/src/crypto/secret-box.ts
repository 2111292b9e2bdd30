import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';
}

/**
 * AES-256-GCM for secrets at rest (signing key, step secrets, environment variables).
 * Format: `v1.<iv>.<ciphertext>.<tag>` (base64url). `context` is bound as associated data, so
 * a value copied to another row/purpose (e.g. env var of another environment) fails to open.
 */
export class SecretBox {
  constructor(private key: Buffer) {
    if (key.length !== 32) throw new SecretBoxError('secret key must be 32 bytes');
  }

  /** Seal and open with `key` from now on (key rotation, after every stored value was re-sealed with it). */
  rekey(key: Buffer): void {
    if (key.length !== 32) throw new SecretBoxError('secret key must be 32 bytes');
    this.key = key;
  }

  seal(plaintext: string, context = ''): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), ct.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  open(sealed: string, context = ''): string {
    const [v, iv, ct, tag] = sealed.split('.');
    if (v !== 'v1' || iv === undefined || ct === undefined || tag === undefined) throw new SecretBoxError('not a sealed value (expected v1.<iv>.<data>.<tag>)');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
    } catch (err) {
      throw new SecretBoxError('cannot decrypt: wrong DEVFLOW_SECRET_KEY / secret.key, or the value was tampered with', { cause: err });
    }
  }
}

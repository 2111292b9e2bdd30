import { createHash, randomBytes } from 'node:crypto';

/** URL-safe random secret (default 32 bytes = 256 bits). */
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/** Short sortable-enough unique id with a readable prefix, e.g. `srv_k3J…`. */
export const newId = (prefix: string): string => `${prefix}_${randomBytes(12).toString('base64url')}`;

/** Tokens and session ids are stored as SHA-256: high-entropy secrets need no slow KDF. */
export const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

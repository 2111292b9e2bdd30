import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const hmacSha256Hex = (secret: string, raw: Uint8Array): string => createHmac('sha256', secret).update(raw).digest('hex');

/** Constant-time string equality; hashing first makes the comparison independent of the lengths too. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

/**
 * `sha256=<hex HMAC-SHA256 of the raw body>` as GitHub (X-Hub-Signature-256) and Bitbucket Cloud
 * (X-Hub-Signature) send it. Returns null when it matches, else the reason.
 */
export function checkHmacHeader(header: string | undefined, headerName: string, raw: Uint8Array, secret: string): string | null {
  if (!header) return `${headerName} is missing: set the webhook's secret to the one DevFlow showed (POST /api/projects/:project/webhook)`;
  const m = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (!m?.[1]) return `${headerName} must be "sha256=<64 hex characters>"`;
  if (!safeEqual(m[1].toLowerCase(), hmacSha256Hex(secret, raw))) {
    return `${headerName} does not match the body signed with this project's webhook secret (wrong secret, or the body was changed on the way)`;
  }
  return null;
}

/** GitLab sends the secret itself (X-Gitlab-Token). */
export function checkToken(header: string | undefined, headerName: string, secret: string): string | null {
  if (!header) return `${headerName} is missing: set the webhook's "Secret token" to the one DevFlow showed (POST /api/projects/:project/webhook)`;
  return safeEqual(header, secret) ? null : `${headerName} does not match this project's webhook secret`;
}

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

/** How a provider authenticates a delivery: an HMAC-SHA256 of the body in a header, or the secret itself in a header. */
export interface WebhookAuth {
  kind: 'hmac-sha256' | 'token';
  /** Lower-case header name. */
  header: string;
  /** As the provider's documentation spells it, for messages. */
  headerName: string;
}

/** Fed the body chunk by chunk as it arrives; `result()` is null when authentic, else why not. */
export interface StreamingVerifier {
  update(chunk: Uint8Array): void;
  result(): string | null;
}

/**
 * Checks what the headers alone can tell before a byte of the body is read: a GitLab token is
 * compared at once (a wrong one never costs a body read), an HMAC header must have the right
 * form. The returned verifier hashes the body while it streams, so no second pass is needed.
 */
export function startVerification(auth: WebhookAuth, header: string | undefined, secret: string): { refused: string } | { verifier: StreamingVerifier } {
  if (auth.kind === 'token') {
    const refused = checkToken(header, auth.headerName, secret);
    return refused ? { refused } : { verifier: { update: () => undefined, result: () => null } };
  }
  if (!header) return { refused: `${auth.headerName} is missing: set the webhook's secret to the one DevFlow showed (POST /api/projects/:project/webhook)` };
  const m = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (!m?.[1]) return { refused: `${auth.headerName} must be "sha256=<64 hex characters>"` };
  const expected = m[1].toLowerCase();
  const hmac = createHmac('sha256', secret);
  return {
    verifier: {
      update: (chunk) => void hmac.update(chunk),
      result: () =>
        safeEqual(expected, hmac.digest('hex'))
          ? null
          : `${auth.headerName} does not match the body signed with this project's webhook secret (wrong secret, or the body was changed on the way)`,
    },
  };
}

import type { WebhookAuth } from './signature.js';

export const PROVIDERS = ['github', 'gitlab', 'bitbucket'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** Request headers, looked up case-insensitively (Hono's `c.req.header(name)`). */
export type HeaderLookup = (name: string) => string | undefined;

/** One ref update of a push, normalised across providers. */
export interface PushChange {
  /** `refs/heads/<branch>` / `refs/tags/<tag>` as the provider sent it. */
  ref: string;
  branch: string | null;
  tag: string | null;
  /** The ref was deleted (nothing to deploy). */
  deleted: boolean;
  /** The commit the ref points to after the push; null for deletions. */
  sha: string | null;
  message: string | null;
  author: string | null;
}

/** What a delivery asks for, once its signature is verified and its payload read. */
export type WebhookEvent =
  | { kind: 'ping'; event: string; note: string | null }
  | { kind: 'push'; event: string; pusher: string | null; changes: PushChange[] }
  | { kind: 'other'; event: string };

/** A provider's webhook dialect: how it is recognised, authenticated and read. */
export interface ProviderAdapter {
  name: Provider;
  /** Header naming the event (present on every delivery of this provider). */
  eventHeader: string;
  /** Header carrying the unique delivery id (the replay key). */
  deliveryHeader: string;
  /** How deliveries are authenticated (the receiver checks it while the body streams in). */
  auth: WebhookAuth;
  /** null when authentic; else why not, in words the user can act on (a whole body at hand). */
  verify(headers: HeaderLookup, raw: Uint8Array, secret: string): string | null;
  /** Throws WebhookPayloadError when the payload lacks what the event needs. */
  parse(headers: HeaderLookup, raw: Uint8Array): WebhookEvent;
}

/** A verified delivery whose payload cannot be read (400). */
export class WebhookPayloadError extends Error {
  override readonly name = 'WebhookPayloadError';
}

import { isValidGitRef } from '@devflow/protocol';
import { WebhookPayloadError, type PushChange } from '../types.js';

export type Obj = Record<string, unknown>;

const ZERO_SHA = /^0{40}$/;
const SHA = /^[0-9a-f]{40}$/;

export function parseJson(raw: Uint8Array | string, what = 'body'): Obj {
  let value: unknown;
  try {
    value = JSON.parse(typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8'));
  } catch {
    throw new WebhookPayloadError(`the ${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new WebhookPayloadError(`the ${what} is not a JSON object`);
  return value as Obj;
}

export const obj = (v: unknown): Obj | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : null);
export const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/**
 * One ref update from `refs/heads/…` or `refs/tags/…` and the commit after it. A branch name
 * that git would refuse, or a sha that is not 40 hex characters, is a bad payload.
 */
export function refChange(ref: string, after: string | null, deleted: boolean, commit: { message: string | null; author: string | null }): PushChange {
  const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null;
  const tag = ref.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : null;
  if (branch !== null && !isValidGitRef(branch)) throw new WebhookPayloadError(`ref "${ref.slice(0, 200)}" is not a valid branch name`);
  const gone = deleted || after === null || ZERO_SHA.test(after);
  if (!gone && !SHA.test(after)) throw new WebhookPayloadError(`commit "${after.slice(0, 80)}" is not a 40-character sha`);
  return { ref, branch, tag, deleted: gone, sha: gone ? null : after, message: commit.message, author: commit.author };
}

export const nameEmail = (author: unknown): string | null => {
  const a = obj(author);
  if (!a) return null;
  const name = str(a.name);
  const email = str(a.email);
  return name && email ? `${name} <${email}>` : (name ?? email);
};

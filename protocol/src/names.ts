import { z } from 'zod';

/**
 * Names that end up in file paths, git arguments and URLs. Validated on both sides so that
 * user input never reaches a path or an argv position where it could mean something else.
 */

/** `<project>-<env>` directory name under the agent's `apps/`. */
export const AppName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,80}$/, 'app name: lowercase letters, digits and "-", starting with a letter or digit');

export const ReleaseId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'release id: letters, digits, ".", "_" and "-"');

/** Full or abbreviated commit hash. */
export const CommitSha = z.string().regex(/^[0-9a-f]{7,40}$/, 'commit: 7 to 40 lowercase hex characters');

/**
 * A branch or tag name, following `git check-ref-format` rules, and never starting with "-"
 * (so it cannot be read as an option such as `--upload-pack=…`).
 */
export function isValidGitRef(ref: string): boolean {
  if (ref.length === 0 || ref.length > 255) return false;
  if (ref.startsWith('-') || ref.startsWith('/') || ref.endsWith('/') || ref.endsWith('.')) return false;
  if (ref === '@' || ref.includes('..') || ref.includes('@{') || ref.includes('//')) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(ref)) return false;
  return ref.split('/').every((part) => part.length > 0 && !part.startsWith('.') && !part.endsWith('.lock'));
}

export const GitRef = z.string().refine(isValidGitRef, {
  message: 'not a valid git branch or tag name (see git check-ref-format)',
});

/**
 * Repository locations we accept: https/http/ssh/git URLs, scp-like `user@host:path`, and
 * absolute local paths. Transports that run commands (`ext::`, `fd::`) and anything that
 * starts with "-" are refused.
 */
export function isSafeRepositoryUrl(url: string): boolean {
  if (url.length === 0 || url.length > 2048 || url.startsWith('-')) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(url)) return false;
  if (/^[a-z][a-z0-9+.-]*::/i.test(url)) return false; // ext::, fd::, any remote helper syntax
  const standard = /^(https?|ssh|git|file):\/\/([^\s]+)$/i.exec(url);
  if (standard) {
    // ssh passes a host or user beginning with "-" to ssh as an option (ssh://-oProxyCommand=…).
    const authority = (standard[2] ?? '').split('/')[0] ?? '';
    return !authority.split('@').some((part) => part.startsWith('-'));
  }
  if (/^[A-Za-z0-9._][A-Za-z0-9._-]*@[A-Za-z0-9.][A-Za-z0-9.-]*:[^\s]+$/.test(url)) return true;
  return url.startsWith('/') && !url.includes('\n');
}

export const RepositoryUrl = z.string().refine(isSafeRepositoryUrl, {
  message: 'repository must be an https://, ssh://, git:// or file:// URL, user@host:path, or an absolute local path',
});

/**
 * A host name the traffic proxy routes by (the request's Host header): lowercase DNS labels of
 * 1-63 letters, digits and "-" (not at either end), dot-separated, at most 253 characters.
 */
export const HostName = z
  .string()
  .max(253, 'host name: at most 253 characters')
  .regex(/^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$/, 'host name: dot-separated DNS labels of lowercase letters, digits and "-" (1-63 characters, no "-" at either end)');

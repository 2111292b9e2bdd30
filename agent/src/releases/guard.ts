import { AppName, CommitSha, ReleaseId, isSafeRepositoryUrl, isValidGitRef } from '@devflow/protocol';
import { StepFailedError } from '../steps/handler.js';

/**
 * Defence in depth: the control plane validated these names with the same rules, but a handler
 * is also called directly (tests, future callers), and each of these ends up in a path or an
 * argv position where a leading "-" or a ".." would mean something else.
 */
export function assertApp(app: string): void {
  if (!AppName.safeParse(app).success) throw new StepFailedError(`refused: "${app}" is not a valid app name`);
}

export function assertAppAndRelease(app: string, releaseId: string): void {
  assertApp(app);
  if (!ReleaseId.safeParse(releaseId).success) throw new StepFailedError(`refused: "${releaseId}" is not a valid release id`);
}

export function assertGitInputs(spec: { repoUrl: string; ref: string; commit?: string | undefined }): void {
  if (!isSafeRepositoryUrl(spec.repoUrl)) {
    throw new StepFailedError(`refused: repository "${redactUrl(spec.repoUrl)}" is not an allowed URL or path`);
  }
  if (!isValidGitRef(spec.ref)) throw new StepFailedError(`refused: "${spec.ref}" is not a valid branch or tag name`);
  if (spec.commit !== undefined && !CommitSha.safeParse(spec.commit).success) {
    throw new StepFailedError(`refused: "${spec.commit}" is not a commit sha (7 to 40 lowercase hex characters)`);
  }
}

/**
 * Repository URL as it may appear in a log line. Over http(s) the whole user part is hidden
 * (`https://<token>@host` is common); elsewhere only a password (ssh's `git@` is no secret).
 */
export function redactUrl(url: string): string {
  if (/^https?:\/\//i.test(url)) return url.replace(/^(https?:\/\/)[^/@]*@/i, '$1***@');
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@]*):[^/@]*@/i, '$1:***@');
}

/** Turns an aborted signal into the step failure the runner reports as cancelled/timed out. */
export function throwIfAborted(signal: AbortSignal, what: string): void {
  if (signal.aborted) throw new StepFailedError(`${what} was cancelled`);
}

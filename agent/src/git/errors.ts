import { describeGitFailure, type GitResult } from './run-git.js';

/** A git command failed in a way the caller did not expect; carries the command's result. */
export class GitError extends Error {
  override readonly name = 'GitError';
  constructor(
    readonly what: string,
    readonly result: GitResult,
  ) {
    super(`${what} failed (${describeGitFailure(result)})`);
  }
}

/** Exit codes of `devflow` (documented in the README "CLI" section). */
export const EXIT = { ok: 0, failed: 1, usage: 2, api: 3 } as const;

/** Wrong command line: unknown command or option, missing argument. Exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = EXIT.usage;
}

/** The API refused or could not be reached; `code` is the API's error code when there was one. Exit 3. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly exitCode = EXIT.api;
  constructor(
    message: string,
    readonly status: number | null,
    readonly code: string | null,
  ) {
    super(message);
  }
}

/** The deployment (or rollback) did not succeed. Exit 1. */
export class DeploymentFailedError extends Error {
  override readonly name = 'DeploymentFailedError';
  readonly exitCode = EXIT.failed;
}

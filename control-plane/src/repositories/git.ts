import { GitError, simpleGit, type SimpleGit } from 'simple-git';
import { AppError } from '../errors.js';

/**
 * Every git call of the control plane goes through here. Only these transports are allowed
 * (`ext::` and `fd::` run commands, so they and any other helper stay off), no prompt ever
 * blocks a request, and the environment carries only what we set.
 *
 * simple-git guards against unsafe options; we opt into three of them on purpose: setting
 * `protocol.*.allow` (to forbid transports), GIT_CONFIG_COUNT (the HTTPS token header, kept
 * out of argv and URLs) and GIT_SSH_COMMAND (the deploy key file). User values never reach
 * these settings: refs and commits are validated and always follow `--end-of-options`.
 */
const PROTOCOL_CONFIG = [
  'protocol.allow=never',
  'protocol.https.allow=always',
  'protocol.http.allow=always',
  'protocol.ssh.allow=always',
  'protocol.git.allow=always',
  'protocol.file.allow=always',
  // A redirect could lead a checked host's fetch to an internal one (SSRF): never follow them.
  'http.followRedirects=false',
];

const ALLOWED_ENV = ['GIT_TERMINAL_PROMPT', 'GIT_CONFIG_COUNT', 'GIT_CONFIG_KEY_0', 'GIT_CONFIG_VALUE_0', 'GIT_SSH_COMMAND'];

export interface GitContext {
  /** Directory git runs in (the bare mirror). */
  dir: string;
  /** Extra environment from credentials (see credentials.ts). */
  env?: Record<string, string>;
  /** Kill a silent git process after this long (fetches over a dead network). */
  inactivityTimeoutMs?: number;
}

export function openGit(ctx: GitContext): SimpleGit {
  const git = simpleGit({
    baseDir: ctx.dir,
    config: PROTOCOL_CONFIG,
    trimmed: false,
    allowEnvironment: ALLOWED_ENV,
    unsafe: { allowUnsafeProtocolOverride: true, allowUnsafeConfigEnvCount: true, allowUnsafeSshCommand: true },
    ...(ctx.inactivityTimeoutMs ? { timeout: { block: ctx.inactivityTimeoutMs } } : {}),
  });
  return git.env(gitEnv(ctx.env));
}

/** The whole environment of a git process: only what we set (no inherited GIT_DIR and the like). */
export function gitEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    LC_ALL: 'C',
    GIT_TERMINAL_PROMPT: '0',
    ...extra,
  };
}

/** The last meaningful lines of git's stderr, with secrets and URL passwords taken out. */
export function gitFailureMessage(err: unknown, secrets: readonly string[] = []): string {
  const raw = err instanceof GitError || err instanceof Error ? err.message : String(err);
  let text = raw
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .slice(-3)
    .join(' / ');
  for (const secret of secrets) if (secret) text = text.split(secret).join('***');
  return redactUrlPasswords(text);
}

/** `https://user:pass@host/x` -> `https://user:***@host/x`, so a URL can be shown in messages. */
export function redactUrlPasswords(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^/\s:@]+):[^@\s/]*@/gi, '$1:***@');
}

export function repositoryUnavailable(url: string, err: unknown, secrets: readonly string[] = []): AppError {
  return new AppError(
    'UNAVAILABLE',
    `could not fetch repository ${redactUrlPasswords(url)}: ${gitFailureMessage(err, secrets)}`,
    { repository: redactUrlPasswords(url) },
    { cause: err },
  );
}

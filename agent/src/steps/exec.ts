import { isAbsolute, relative, resolve } from 'node:path';
import { appPaths } from '../paths.js';
import { runCommand } from '../process/run.js';
import { StepFailedError, type StepHandler } from './handler.js';

/**
 * The `exec` step: an argv array (never a shell string) run with `runCommand`, which kills the
 * whole process tree when the step is cancelled or times out (the runner aborts `ctx.signal`).
 */
export const execStep: StepHandler<'exec'> = async (spec, ctx) => {
  const cwd = resolveCwd(spec.cwd, spec.release, ctx.dataDir);
  // The environment's own variable of the same name wins: it is the user's explicit choice.
  const env = { ...releasePathEnv(spec.releasePathEnv, spec.release, ctx.dataDir), ...spec.env };
  const r = await runCommand(spec.argv, {
    cwd,
    ...(spec.env || spec.releasePathEnv ? { env } : {}),
    signal: ctx.signal,
    onSpawn: (pid) => ctx.started?.(pid ?? null),
    onLine: ctx.log,
    ...(ctx.logFull && ctx.logDrained ? { backpressure: { full: ctx.logFull, drained: () => ctx.logDrained!() } } : {}),
  });
  if (r.spawnError !== undefined) throw new StepFailedError(`could not start ${JSON.stringify(spec.argv[0])}: ${r.spawnError}${spawnHint(spec.argv[0] ?? '', r.spawnError, spec.env)}`);
  if (!ctx.signal.aborted && r.exitCode !== 0) {
    const why = r.exitCode === null ? `was killed by ${r.signal ?? 'a signal'}` : `exited with code ${r.exitCode}`;
    throw new StepFailedError(`command ${JSON.stringify(spec.argv[0])} ${why}`, r.exitCode, r.signal);
  }
  return { exitCode: r.exitCode, signal: r.signal };
};

const COREPACK_TOOLS = new Set(['pnpm', 'yarn']);

/** What the user can do about a program that is not there: the usual cause is a tool not installed on this server. */
function spawnHint(file: string, error: string, env: Record<string, string> | undefined): string {
  if (!error.includes('ENOENT')) return '';
  const path = env?.PATH ?? process.env.PATH ?? '';
  const install = COREPACK_TOOLS.has(file) ? ` (for ${file}: \`corepack enable\` or \`npm install -g ${file}\`)` : '';
  return ` — ${file} is not installed on this server or not on the agent's PATH (${path}); install it${install} or set this stage's command`;
}

/** `releasePathEnv`: each variable set to the absolute path of its path inside the step's release. */
function releasePathEnv(paths: Record<string, string> | undefined, release: { app: string; releaseId: string } | undefined, dataDir: string): Record<string, string> {
  if (!paths) return {};
  if (!release) throw new StepFailedError(`releasePathEnv (${Object.keys(paths).join(', ')}) needs a step that names its release`);
  return Object.fromEntries(Object.entries(paths).map(([name, path]) => [name, resolveCwd(path, release, dataDir)]));
}

/** Absolute cwd as given; a relative one only inside the release the step names, never outside it. */
export function resolveCwd(cwd: string | undefined, release: { app: string; releaseId: string } | undefined, dataDir: string): string {
  if (release) {
    const base = appPaths(dataDir, release.app).release(release.releaseId);
    if (cwd === undefined) return base;
    if (isAbsolute(cwd)) return cwd;
    const full = resolve(base, cwd);
    const rel = relative(base, full);
    if (rel.startsWith('..') || isAbsolute(rel)) throw new StepFailedError(`cwd "${cwd}" leaves the release directory ${base}`);
    return full;
  }
  if (cwd === undefined) return dataDir;
  if (!isAbsolute(cwd)) throw new StepFailedError(`cwd "${cwd}" is relative but the step names no release; use an absolute path`);
  return cwd;
}

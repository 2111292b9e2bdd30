import type { Logger } from '../logger.js';

/** One step of a graceful shutdown, run in order after the previous one finished. */
export interface ShutdownPhase {
  name: string;
  run(): Promise<unknown> | unknown;
}

export interface PhaseReport {
  name: string;
  ms: number;
  error?: string;
}

/**
 * Runs shutdown phases in order. A phase that throws is logged and the next one still runs:
 * half a shutdown (agents still connected, database open) is worse than a noisy one.
 */
export async function runPhases(phases: readonly ShutdownPhase[], logger: Logger): Promise<PhaseReport[]> {
  const reports: PhaseReport[] = [];
  for (const phase of phases) {
    const started = performance.now();
    try {
      await phase.run();
      reports.push({ name: phase.name, ms: Math.round(performance.now() - started) });
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      reports.push({ name: phase.name, ms: Math.round(performance.now() - started), error });
      logger.error('shutdown phase failed; continuing', { phase: phase.name, err });
    }
    logger.debug('shutdown phase done', { phase: phase.name, ms: reports.at(-1)?.ms });
  }
  return reports;
}

export type ShutdownOutcome = { kind: 'clean'; ms: number } | { kind: 'timed_out'; ms: number } | { kind: 'failed'; ms: number; error: string };

/**
 * SIGTERM/SIGINT: `close()` bounded by `timeoutMs`. Work cut off by the bound is not lost —
 * running deployments stay `running` in the database and another instance (or the next boot)
 * adopts them — so the caller may exit either way.
 */
export async function shutdownWithin(close: () => Promise<void>, timeoutMs: number): Promise<ShutdownOutcome> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'timed_out'>((resolve) => {
    timer = setTimeout(() => resolve('timed_out'), timeoutMs);
  });
  try {
    const result = await Promise.race([close().then(() => 'clean' as const), bound]);
    return { kind: result, ms: ms() };
  } catch (err) {
    return { kind: 'failed', ms: ms(), error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

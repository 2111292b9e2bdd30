/**
 * The agent's own diagnostics (not step output): one line per event on stderr, `key=value`
 * fields, so journald / `docker logs` show something greppable without a logging library.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(level: LogLevel = 'info', write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const min = rank[level];
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (rank[lvl] < min) return;
    let line = `${new Date().toISOString()} ${lvl.padEnd(5)} ${msg}`;
    for (const [k, v] of Object.entries(fields ?? {})) {
      if (v === undefined) continue;
      const s = v instanceof Error ? v.message : typeof v === 'string' ? v : JSON.stringify(v);
      line += ` ${k}=${/[\s"=]/.test(s) ? JSON.stringify(s) : s}`;
    }
    write(`${line}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

/** For tests and embedders that want silence. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

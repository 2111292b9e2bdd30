import http from 'node:http';
import https from 'node:https';

export type ProbeResult = { status: number; ms: number } | { error: string; ms: number };

/** The error code a user recognises (ECONNREFUSED, ECONNRESET, …), also inside AggregateErrors. */
function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { errors?: unknown[] };
  if (e.code) return e.code;
  if (Array.isArray(e.errors) && e.errors.length > 0) return describe(e.errors[0]);
  return e.message || String(err);
}

/**
 * One health request: GET on a fresh connection (a pooled socket would hide a restarted server),
 * body drained and discarded. Never throws: an error is a result like any status.
 */
export function probe(url: URL, timeoutMs: number, signal: AbortSignal): Promise<ProbeResult> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const req = client.request(url, { method: 'GET', agent: false, headers: { 'user-agent': 'devflow-agent health-check' } }, (res) => {
      res.resume();
      res.on('error', () => undefined);
      finish({ status: res.statusCode ?? 0, ms: ms() });
      req.destroy();
    });
    const timer = setTimeout(() => {
      finish({ error: `timed out after ${timeoutMs} ms`, ms: ms() });
      req.destroy();
    }, timeoutMs);
    const onAbort = () => {
      finish({ error: 'cancelled', ms: ms() });
      req.destroy();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err) => finish({ error: describe(err), ms: ms() }));
    req.end();
  });
}

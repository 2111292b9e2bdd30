import net from 'node:net';
import { agentPaths } from '../paths.js';
import { LineSplitter } from '../process/lines.js';
import {
  ControlResponse,
  ProxyError,
  type ControlRequest,
  type ProxyStatus,
  type RemoveRequest,
  type RemoveResult,
  type RouteRecord,
  type SplitRequest,
  type SplitResult,
  type StatsResult,
  type SwitchRequest,
  type SwitchResult,
} from './control-protocol.js';

/** Talks to the proxy process over its control socket: one connection per request. */
export class ProxyClient {
  constructor(
    readonly socketPath: string,
    private readonly timeoutMs = 5_000,
  ) {}

  static forDataDir(dataDir: string, timeoutMs?: number): ProxyClient {
    return new ProxyClient(agentPaths(dataDir).proxySocket, timeoutMs);
  }

  switch(req: Omit<SwitchRequest, 'op'>): Promise<SwitchResult> {
    return this.request({ op: 'switch', ...req }) as Promise<SwitchResult>;
  }

  split(req: Omit<SplitRequest, 'op'>): Promise<SplitResult> {
    return this.request({ op: 'split', ...req }) as Promise<SplitResult>;
  }

  stats(app: string): Promise<StatsResult> {
    return this.request({ op: 'stats', app }) as Promise<StatsResult>;
  }

  remove(req: Omit<RemoveRequest, 'op'>): Promise<RemoveResult> {
    return this.request({ op: 'remove', ...req }) as Promise<RemoveResult>;
  }

  status(): Promise<ProxyStatus> {
    return this.request({ op: 'status' }) as Promise<ProxyStatus>;
  }

  async routes(): Promise<RouteRecord[]> {
    return ((await this.request({ op: 'routes' })) as { routes: RouteRecord[] }).routes;
  }

  request(req: ControlRequest): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(this.socketPath);
      const fail = (err: ProxyError) => {
        socket.destroy();
        reject(err);
      };
      const timer = setTimeout(() => fail(new ProxyError('TIMEOUT', `the proxy did not answer "${req.op}" within ${this.timeoutMs} ms`)), this.timeoutMs);
      const lines = new LineSplitter((line) => {
        clearTimeout(timer);
        socket.destroy();
        let parsed;
        try {
          parsed = ControlResponse.safeParse(JSON.parse(line));
        } catch {
          parsed = undefined;
        }
        if (!parsed?.success) return reject(new ProxyError('BAD_RESPONSE', `the proxy sent an unreadable answer: ${line.slice(0, 200)}`));
        if (parsed.data.ok) resolve(parsed.data.result);
        else reject(new ProxyError(parsed.data.code, parsed.data.message));
      });
      socket.on('data', (chunk: Buffer) => lines.push(chunk));
      socket.on('connect', () => socket.write(`${JSON.stringify(req)}\n`));
      socket.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        // Reset/broken pipe: the proxy died or is restarting while we talked to it — the same as not running,
        // so callers start one (ensureProxy) and ask again instead of failing the step.
        const notRunning = err.code === 'ENOENT' || err.code === 'ECONNREFUSED' || err.code === 'ECONNRESET' || err.code === 'EPIPE';
        fail(new ProxyError(notRunning ? 'NOT_RUNNING' : 'INTERNAL', notRunning ? `no proxy is listening on ${this.socketPath}` : `proxy control socket: ${err.message}`, { cause: err }));
      });
      socket.on('close', () => {
        clearTimeout(timer);
        reject(new ProxyError('BAD_RESPONSE', 'the proxy closed the control connection without answering'));
      });
    });
  }
}

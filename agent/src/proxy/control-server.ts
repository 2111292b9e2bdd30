import { chmod, rm } from 'node:fs/promises';
import net from 'node:net';
import { ControlRequest, ProxyError, type ControlResponse } from './control-protocol.js';
import { LineSplitter } from '../process/lines.js';

export type ControlHandler = (req: ControlRequest) => Promise<unknown>;

function canConnect(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function reply(socket: net.Socket, response: ControlResponse): void {
  if (!socket.destroyed) socket.write(`${JSON.stringify(response)}\n`);
}

/**
 * The unix control socket (mode 0600: only the agent's user may switch traffic). Each line is one
 * JSON request, answered by one JSON line; malformed input gets an error answer, never a crash.
 */
export async function startControlServer(path: string, handle: ControlHandler): Promise<net.Server> {
  if (await canConnect(path)) throw new ProxyError('ALREADY_RUNNING', `another proxy is already listening on ${path}`);
  await rm(path, { force: true }); // stale socket of a proxy that died
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    // One request at a time per connection, answered in order.
    let chain = Promise.resolve();
    const lines = new LineSplitter((line) => {
      if (line.trim() === '') return;
      chain = chain.then(async () => reply(socket, await answer(line, handle)));
    });
    socket.on('data', (chunk: Buffer) => lines.push(chunk));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const old = process.umask(0o177); // the socket is created 0600, no window with wider rights
    try {
      server.listen(path, () => resolve());
    } finally {
      process.umask(old);
    }
  });
  await chmod(path, 0o600);
  return server;
}

async function answer(line: string, handle: ControlHandler): Promise<ControlResponse> {
  let data: unknown;
  try {
    data = JSON.parse(line);
  } catch {
    return { ok: false, code: 'BAD_REQUEST', message: 'request is not valid JSON' };
  }
  const parsed = ControlRequest.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, code: 'BAD_REQUEST', message: `invalid request at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}` };
  }
  try {
    return { ok: true, result: await handle(parsed.data) };
  } catch (err) {
    if (err instanceof ProxyError) return { ok: false, code: err.code, message: err.message };
    return { ok: false, code: 'INTERNAL', message: (err as Error).message };
  }
}

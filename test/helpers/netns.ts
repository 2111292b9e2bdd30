import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect, type Server } from 'node:net';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Two network namespaces made by the test, joined by a veth pair: `cp` (the control plane's
 * host) and `srv` (a target server). Every address lives inside these namespaces, so test
 * traffic never touches a real network. The test process itself reaches the control plane
 * through a unix-socket bridge into the `cp` namespace (see `bridgeToLoopback`).
 */
export interface NetnsPair {
  cp: string;
  srv: string;
  cpAddress: string;
  srvAddress: string;
  /** argv prefix that runs a command inside a namespace. */
  inNs(ns: string, argv: string[]): string[];
  cleanup(): void;
}

export function netnsAvailable(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const ip = (...args: string[]): void => {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
};

export function createNetnsPair(): NetnsPair {
  const id = `${process.pid % 10000}${Math.floor(Math.random() * 100)}`;
  const cp = `dfw${id}cp`;
  const srv = `dfw${id}srv`;
  // Link-scoped /30 inside our own namespaces; derived from the id so parallel runs do not clash.
  const octet = (Number(id) % 250) + 1;
  const cpAddress = `10.213.${octet}.1`;
  const srvAddress = `10.213.${octet}.2`;
  const pair: NetnsPair = {
    cp,
    srv,
    cpAddress,
    srvAddress,
    inNs: (ns, argv) => ['ip', 'netns', 'exec', ns, ...argv],
    cleanup: () => {
      for (const ns of [cp, srv]) {
        try {
          // Kill anything still running inside, then remove the namespace (removes the veth too).
          const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split(/\s+/).filter(Boolean);
          for (const pid of pids) {
            try {
              process.kill(Number(pid), 'SIGKILL');
            } catch {
              // already gone
            }
          }
          ip('netns', 'del', ns);
        } catch {
          // namespace never created or already removed
        }
      }
    },
  };
  try {
    ip('netns', 'add', cp);
    ip('netns', 'add', srv);
    ip('-n', cp, 'link', 'set', 'lo', 'up');
    ip('-n', srv, 'link', 'set', 'lo', 'up');
    ip('-n', cp, 'link', 'add', 'veth-cp', 'type', 'veth', 'peer', 'name', 'veth-srv', 'netns', srv);
    ip('-n', cp, 'addr', 'add', `${cpAddress}/30`, 'dev', 'veth-cp');
    ip('-n', srv, 'addr', 'add', `${srvAddress}/30`, 'dev', 'veth-srv');
    ip('-n', cp, 'link', 'set', 'veth-cp', 'up');
    ip('-n', srv, 'link', 'set', 'veth-srv', 'up');
  } catch (err) {
    pair.cleanup();
    throw err;
  }
  return pair;
}

/**
 * The firewall of a server that accepts no inbound connections: input policy drop, except
 * loopback and replies to connections the server opened itself.
 */
export function firewallInbound(ns: string): void {
  const rules = `
table inet devflow_test {
  chain input {
    type filter hook input priority 0; policy drop;
    iif "lo" accept
    ct state established,related accept
  }
}
`;
  execFileSync('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: rules });
}

/**
 * Makes `targetPort` on the loopback of namespace `ns` reachable from the test process at
 * 127.0.0.1:<returned port>: a unix socket (filesystem, not network-namespaced) bridges the two.
 */
export async function bridgeToLoopback(ns: string, targetPort: number): Promise<{ port: number; close(): void }> {
  const socketPath = join(tmpdir(), `devflow-bridge-${process.pid}-${Date.now()}.sock`);
  const inner: ChildProcess = spawn(
    'ip',
    [
      'netns', 'exec', ns, process.execPath, '-e',
      `const net=require('node:net');net.createServer(s=>{const u=net.connect(${targetPort},'127.0.0.1');s.pipe(u).pipe(s);s.on('error',()=>u.destroy());u.on('error',()=>s.destroy())}).listen(${JSON.stringify(socketPath)},()=>console.log('ready'))`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    inner.stdout?.once('data', () => resolve());
    inner.once('exit', (code) => reject(new Error(`bridge exited with ${code}`)));
  });
  const outer: Server = createServer((s) => {
    const u = connect(socketPath);
    s.pipe(u).pipe(s);
    s.on('error', () => u.destroy());
    u.on('error', () => s.destroy());
  });
  await new Promise<void>((resolve) => outer.listen(0, '127.0.0.1', resolve));
  const address = outer.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    close: () => {
      outer.close();
      inner.kill('SIGKILL');
      rmSync(socketPath, { force: true });
    },
  };
}

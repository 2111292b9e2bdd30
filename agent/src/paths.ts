import { join } from 'node:path';
import type { SlotName } from '@devflow/protocol';

/**
 * Where everything lives under the agent's data root. One place, so that the release layout of
 * DESIGN.md (apps/<app>/repo.git, releases/<id>, shared/, current) is defined exactly once.
 */
export const agentPaths = (dataDir: string) => ({
  /** Agent identity: id, control-plane URLs, pinned signing key. */
  config: join(dataDir, 'agent.json'),
  /** Ed25519 private key (PKCS#8 PEM), mode 0600. */
  privateKey: join(dataDir, 'agent.key'),
  /** Per-step journal records (result, state), one JSON file per step id. */
  steps: join(dataDir, 'steps'),
  /** Log lines not yet acknowledged by the control plane, one append-only file per step. */
  spool: join(dataDir, 'spool'),
  apps: join(dataDir, 'apps'),
  /** Local control socket of the traffic proxy (0600). */
  proxySocket: join(dataDir, 'proxy.sock'),
  /** The proxy's persisted route table. */
  proxyRoutes: join(dataDir, 'proxy-routes.json'),
  /** Pid of the running traffic proxy (written by the proxy itself). */
  proxyPid: join(dataDir, 'proxy.pid'),
  pidFile: join(dataDir, 'agent.pid'),
});

export const appPaths = (dataDir: string, app: string) => {
  const root = join(dataDir, 'apps', app);
  return {
    root,
    repo: join(root, 'repo.git'),
    releases: join(root, 'releases'),
    release: (releaseId: string) => join(root, 'releases', releaseId),
    shared: join(root, 'shared'),
    current: join(root, 'current'),
    /** Release metadata (commit, created, bad flag) kept beside the checkout, not inside it. */
    releaseMeta: (releaseId: string) => join(root, 'releases', `.${releaseId}.json`),
    slots: join(root, 'slots'),
    slotPid: (slot: SlotName) => join(root, 'slots', `${slot}.pid`),
    slotState: (slot: SlotName) => join(root, 'slots', `${slot}.json`),
    slotLog: (slot: SlotName) => join(root, 'slots', `${slot}.log`),
  };
};

import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { join } from 'node:path';
import { startControlPlaneProcess, type RunningControlPlane } from '../helpers/control-plane.js';
import { stopAll } from '../helpers/processes.js';
import { AGENT_BIN, CONTROL_PLANE_INDEX, requireBuilt } from '../helpers/repo.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';
import { deleteKeys, randomPrefix, TEST_REDIS_URL } from '../../control-plane/test-support/redis.js';

/** One control-plane process of a test cluster. */
export interface Instance extends RunningControlPlane {
  name: string;
  /** Its id in `deployments.claimed_by` (from /healthz). */
  id: string;
  /** Whether this process printed a line matching `re` (JSON log lines at LOG_LEVEL=info). */
  logged(re: RegExp): boolean;
}

export interface ClusterOptions {
  redisUrl?: string;
  /** Extra environment for every instance. */
  env?: Record<string, string>;
}

/**
 * Several real control-plane processes behaving as one: a shared Redis (random prefix per
 * cluster, keys deleted by `cleanup`), ONE libsql database file, one secret key (so each can
 * open what another sealed), each its own data dir and port 0.
 */
export class Cluster {
  readonly prefix = randomPrefix();
  readonly shared = tempDir('devflow-scale-');
  readonly databaseFile = join(this.shared, 'devflow.db');
  readonly instances = new Map<string, Instance>();
  private readonly secretKey = randomBytes(32).toString('base64');
  readonly redisUrl: string;

  constructor(private readonly options: ClusterOptions = {}) {
    this.redisUrl = options.redisUrl ?? TEST_REDIS_URL;
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      DATABASE_URL: `file:${this.databaseFile}`,
      DEVFLOW_SECRET_KEY: this.secretKey,
      REDIS_URL: this.redisUrl,
      DEVFLOW_REDIS_PREFIX: this.prefix,
      DEVFLOW_HEARTBEAT_INTERVAL_MS: '500',
      DEVFLOW_MIN_FREE_DISK_BYTES: '1',
      LOG_LEVEL: 'info',
      ...this.options.env,
      ...extra,
    };
  }

  /** Start (or restart, on its old port) the instance `name`. The first one migrates the shared database. */
  async start(name: string, extra: Record<string, string> = {}): Promise<Instance> {
    const previous = this.instances.get(name);
    const cp = await startControlPlaneProcess({
      dataDir: previous?.dataDir ?? tempDir(`devflow-${name}-`),
      ...(previous ? { port: previous.port } : {}),
      env: this.env(extra),
    });
    const health = await waitFor(`${name} healthy`, async () => {
      const res = await fetch(`${cp.url}/healthz`);
      return res.ok ? ((await res.json()) as { instance?: string }) : undefined;
    });
    const instance: Instance = { ...cp, name, id: health.instance ?? '', logged: (re) => cp.process.lines.some((l) => re.test(l)) };
    this.instances.set(name, instance);
    return instance;
  }

  /** Start several at once, after the first (which creates the schema and the admin). */
  async startAll(names: string[], extra: Record<string, string> = {}): Promise<Instance[]> {
    const [first, ...rest] = names;
    if (!first) return [];
    const a = await this.start(first, extra);
    return [a, ...(await Promise.all(rest.map((n) => this.start(n, extra))))];
  }

  get(name: string): Instance {
    const i = this.instances.get(name);
    if (!i) throw new Error(`no instance ${name}`);
    return i;
  }

  /** The instance whose id is `id` (e.g. a deployment's claimed_by). */
  byId(id: string): Instance | undefined {
    return [...this.instances.values()].find((i) => i.id === id);
  }

  async kill9(name: string): Promise<void> {
    const i = this.get(name);
    i.process.kill('SIGKILL');
    await i.process.exited;
  }

  /** Processes are stopped by the test's `stopAll`; this removes the cluster's Redis keys. */
  async cleanup(): Promise<void> {
    if (this.redisUrl === TEST_REDIS_URL) await deleteKeys(this.prefix);
  }
}

/**
 * The hooks every scale test file needs (built bundles; after each test its processes stopped and
 * its cluster's Redis keys and processes cleaned; temp dirs removed at the end). Returns the
 * factory a test calls for its cluster.
 */
export function clusterPerTest(options?: ClusterOptions): () => Cluster {
  let cluster: Cluster | undefined;
  beforeAll(() => requireBuilt(CONTROL_PLANE_INDEX, AGENT_BIN));
  afterEach(async () => {
    await stopAll();
    await cluster?.cleanup();
    cluster = undefined;
  });
  afterAll(removeTempDirs);
  return () => (cluster = new Cluster(options));
}

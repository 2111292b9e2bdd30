import { adminSession } from './control-plane.js';
import { waitFor } from './wait.js';

/** JSON API calls as the admin (cookie session + CSRF header). */
export class Api {
  constructor(
    readonly url: string,
    private readonly headers: Record<string, string>,
  ) {}

  static async login(url: string): Promise<Api> {
    return new Api(url, await adminSession(url));
  }

  async call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.url}${path}`, { method, headers: this.headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    return { status: res.status, body: (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T };
  }

  /** The raw response (streams). */
  raw(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.url}${path}`, { headers: { ...this.headers, ...headers } });
  }

  async text(path: string): Promise<{ status: number; text: string; headers: Headers }> {
    const res = await fetch(`${this.url}${path}`, { headers: this.headers });
    return { status: res.status, text: await res.text(), headers: res.headers };
  }
}

export interface DeploymentView {
  id: string;
  status: string;
  /** Who asked when no signed-in user did (webhook pusher, schedule). */
  requestedBy?: string | null;
  reason: string | null;
  kind: string;
  releaseId: string | null;
  position: number | null;
  rollbackOf: string | null;
  commit: { sha: string; message: string | null } | null;
  failure: { step: string; exitCode: number | null; lastLines: string[] } | null;
  targets: { serverId: string; status: string; steps: { stage: string; name: string; status: string; exitCode: number | null }[] }[];
}

export const FINAL = ['succeeded', 'failed', 'cancelled', 'rejected', 'skipped', 'timed_out'];

export async function deployment(api: Api, id: string): Promise<DeploymentView> {
  const res = await api.call<{ deployment: DeploymentView }>('GET', `/api/deployments/${id}`);
  if (res.status !== 200) throw new Error(`GET deployment ${id}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.deployment;
}

export async function waitFinal(api: Api, id: string, timeoutMs = 60_000): Promise<DeploymentView> {
  return waitFor(`deployment ${id} to finish`, async () => {
    const d = await deployment(api, id);
    return FINAL.includes(d.status) ? d : undefined;
  }, timeoutMs, 100);
}

import { access, chmod, constants, mkdir } from 'node:fs/promises';
import { z } from 'zod';
import { AgentError, describeError } from '../errors.js';
import { hostFacts } from '../host/facts.js';
import { agentPaths } from '../paths.js';
import { writeFileAtomic, type AgentIdentity } from './identity.js';
import { generateAgentKeys } from './keys.js';

export interface EnrollOptions {
  /** Control-plane base URLs; tried in turn until one answers (several instances of one cluster). */
  urls: readonly string[];
  token: string;
  dataDir: string;
  name?: string;
  labels?: readonly string[];
  force?: boolean;
  /** Abort a control plane that does not answer. */
  timeoutMs?: number;
}

const EnrollResponse = z.object({
  agentId: z.string().min(1),
  controlPlanePublicKey: z.object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string().min(1) }).passthrough(),
  controlPlaneUrl: z.string().optional(),
  /** Every instance of the cluster (the answering one first, then DEVFLOW_PEER_URLS); older control planes omit it. */
  controlPlaneUrls: z.array(z.string()).optional(),
});

/**
 * `devflow-agent enroll`: make a key pair, trade the single-use token + public key for an agent
 * id and the control plane's signing key, and keep both in the data dir. Nothing is written
 * unless the control plane accepted the token; the data dir is checked first so a token is not
 * spent on an agent that cannot save its identity.
 */
export async function enroll(options: EnrollOptions): Promise<AgentIdentity> {
  const { dataDir } = options;
  const paths = agentPaths(dataDir);
  if (!options.force && (await exists(paths.config))) {
    throw new AgentError('ALREADY_ENROLLED', `${dataDir} already holds an enrolled agent (${paths.config}); pass --force to replace its identity`);
  }
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await chmod(dataDir, 0o700);
    await access(dataDir, constants.W_OK);
  } catch (err) {
    throw new AgentError('DATA_DIR', `cannot use data dir ${dataDir}: ${describeError(err)}`, { cause: err });
  }

  const keys = generateAgentKeys();
  const request = JSON.stringify({ token: options.token, publicKey: keys.publicJwk, host: await hostFacts(dataDir), ...(options.name ? { name: options.name } : {}) });
  const { body, url } = await postToFirstReachable(options.urls, request, options.timeoutMs ?? 30_000);

  const identity: AgentIdentity = {
    agentId: body.agentId,
    controlPlaneUrls: clusterUrls(url, options.urls, body.controlPlaneUrls ?? []),
    controlPlanePublicKey: body.controlPlanePublicKey,
    ...(options.name ? { name: options.name } : {}),
    labels: [...(options.labels ?? [])],
    enrolledAt: new Date().toISOString(),
  };
  await writeFileAtomic(paths.privateKey, keys.privateKeyPem, 0o600);
  await writeFileAtomic(paths.config, `${JSON.stringify(identity, null, 2)}\n`, 0o600);
  return identity;
}

type EnrollAnswer = z.infer<typeof EnrollResponse>;

/**
 * POST the enrolment to each URL in turn until one answers. Only an unreachable instance moves on
 * to the next: a refusal (token used, expired) is the cluster's answer and would be the same elsewhere.
 */
async function postToFirstReachable(urls: readonly string[], request: string, timeoutMs: number): Promise<{ body: EnrollAnswer; url: string }> {
  const unreachable: string[] = [];
  let lastCause: unknown;
  for (const url of urls) {
    const endpoint = new URL('agent/enroll', url.endsWith('/') ? url : `${url}/`).toString();
    let res: Response;
    try {
      res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: request, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      unreachable.push(`${endpoint}: ${describeError(err)}`);
      lastCause = err;
      continue;
    }
    const text = await res.text().catch(() => '');
    if (!res.ok) throw new AgentError('ENROLL_REJECTED', `the control plane refused the enrolment (HTTP ${res.status}): ${serverMessage(text)}`);
    try {
      return { body: EnrollResponse.parse(JSON.parse(text)), url };
    } catch {
      throw new AgentError('BAD_RESPONSE', `unexpected answer from ${endpoint} (is --url the DevFlow control plane?): ${text.slice(0, 200)}`);
    }
  }
  throw new AgentError('UNREACHABLE', `cannot reach the control plane at ${unreachable.join('; ')}`, { cause: lastCause });
}

/** The answering URL first (it works from here), then the other given URLs, then peers; valid http(s) only, no duplicates. */
function clusterUrls(answered: string, given: readonly string[], peers: readonly string[]): string[] {
  const strip = (u: string): string => u.replace(/\/+$/, '');
  const valid = (u: string): boolean => /^https?:\/\/\S+$/i.test(u) && URL.canParse(u);
  return [...new Set([answered, ...given, ...peers].filter(valid).map(strip))];
}

/** The control plane answers `{ error: { code, message } }`; show its message, else the raw text. */
function serverMessage(text: string): string {
  try {
    const j = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    const m = typeof j.error === 'string' ? j.error : (j.error?.message ?? j.message);
    if (typeof m === 'string' && m.length > 0) return m;
  } catch {
    // not JSON: fall through
  }
  return text.slice(0, 500) || '(empty response)';
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

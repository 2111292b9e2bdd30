import { access, chmod, constants, mkdir } from 'node:fs/promises';
import { z } from 'zod';
import { AgentError, describeError } from '../errors.js';
import { hostFacts } from '../host/facts.js';
import { agentPaths } from '../paths.js';
import { AgentIdentity, writeFileAtomic } from './identity.js';
import { generateAgentKeys } from './keys.js';

export interface EnrollOptions {
  url: string;
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
  controlPlanePublicKey: AgentIdentity.shape.controlPlanePublicKey,
  controlPlaneUrl: z.string().optional(),
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
  const endpoint = new URL('agent/enroll', options.url.endsWith('/') ? options.url : `${options.url}/`).toString();
  let res: Response;
  try {
    res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: options.token, publicKey: keys.publicJwk, host: await hostFacts(dataDir), ...(options.name ? { name: options.name } : {}) }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
  } catch (err) {
    throw new AgentError('UNREACHABLE', `cannot reach the control plane at ${endpoint}: ${describeError(err)}`, { cause: err });
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) throw new AgentError('ENROLL_REJECTED', `the control plane refused the enrolment (HTTP ${res.status}): ${serverMessage(text)}`);
  let body: z.infer<typeof EnrollResponse>;
  try {
    body = EnrollResponse.parse(JSON.parse(text));
  } catch {
    throw new AgentError('BAD_RESPONSE', `unexpected answer from ${endpoint} (is --url the DevFlow control plane?): ${text.slice(0, 200)}`);
  }

  const identity: AgentIdentity = {
    agentId: body.agentId,
    controlPlaneUrls: [options.url],
    controlPlanePublicKey: body.controlPlanePublicKey,
    ...(options.name ? { name: options.name } : {}),
    labels: [...(options.labels ?? [])],
    enrolledAt: new Date().toISOString(),
  };
  await writeFileAtomic(paths.privateKey, keys.privateKeyPem, 0o600);
  await writeFileAtomic(paths.config, `${JSON.stringify(identity, null, 2)}\n`, 0o600);
  return identity;
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

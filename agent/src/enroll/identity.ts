import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { AgentError } from '../errors.js';
import { agentPaths } from '../paths.js';

/** What enrolment leaves in the data dir (`agent.json`); the private key sits beside it in `agent.key`. */
export interface AgentIdentity {
  agentId: string;
  controlPlaneUrls: string[];
  /** The control plane's Ed25519 public key (JWK), pinned: every step.run must verify against it. */
  controlPlanePublicKey: { kty: 'OKP'; crv: 'Ed25519'; x: string; [key: string]: unknown };
  name?: string;
  labels: string[];
  enrolledAt?: string;
}

const IDENTITY_KEYS = new Set(['agentId', 'controlPlaneUrls', 'controlPlanePublicKey', 'name', 'labels', 'enrolledAt']);

/**
 * Checks `agent.json` by hand rather than with zod: `run` reads it at start, and zod would be
 * the largest part of an idle agent's memory (see link/control-message.ts). Throws naming the field.
 */
export function parseIdentity(data: unknown): AgentIdentity {
  const fail = (field: string, what: string): never => {
    throw new Error(`${field}: ${what}`);
  };
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return fail('(root)', 'expected an object');
  const o = data as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!IDENTITY_KEYS.has(key)) fail(key, 'unrecognized key');
  if (typeof o.agentId !== 'string' || o.agentId.length === 0) fail('agentId', 'expected a non-empty string');
  const urls = o.controlPlaneUrls;
  if (!Array.isArray(urls) || urls.length === 0) fail('controlPlaneUrls', 'expected a non-empty list of URLs');
  (urls as unknown[]).forEach((u, i) => (typeof u === 'string' && URL.canParse(u) ? undefined : fail(`controlPlaneUrls.${i}`, 'expected a URL')));
  const key = o.controlPlanePublicKey as Record<string, unknown> | null;
  if (typeof key !== 'object' || key === null || Array.isArray(key)) fail('controlPlanePublicKey', 'expected a JWK object');
  if (key!.kty !== 'OKP' || key!.crv !== 'Ed25519') fail('controlPlanePublicKey', 'expected an Ed25519 key (kty OKP, crv Ed25519)');
  if (typeof key!.x !== 'string' || key!.x.length === 0) fail('controlPlanePublicKey.x', 'expected a non-empty string');
  for (const field of ['name', 'enrolledAt'] as const) if (o[field] !== undefined && typeof o[field] !== 'string') fail(field, 'expected a string');
  const labels = o.labels ?? [];
  if (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string')) fail('labels', 'expected a list of strings');
  return { ...(o as unknown as AgentIdentity), labels: labels as string[] };
}

export async function loadIdentity(dataDir: string): Promise<{ identity: AgentIdentity; privateKey: KeyObject }> {
  const paths = agentPaths(dataDir);
  let raw: string;
  try {
    raw = await readFile(paths.config, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new AgentError('NOT_ENROLLED', `this agent is not enrolled (no ${paths.config}); run "devflow-agent enroll --url URL --token TOKEN --data-dir ${dataDir}" first`);
    }
    throw new AgentError('DATA_DIR', `cannot read ${paths.config}: ${(err as Error).message}`, { cause: err });
  }
  let parsed: AgentIdentity;
  try {
    parsed = parseIdentity(JSON.parse(raw));
  } catch (err) {
    throw new AgentError('BAD_CONFIG', `${paths.config} is damaged (${(err as Error).message.slice(0, 300)}); re-enrol with --force`, { cause: err });
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(await readFile(paths.privateKey, 'utf8'));
  } catch (err) {
    throw new AgentError('BAD_CONFIG', `cannot load the agent key ${paths.privateKey}: ${(err as Error).message}; re-enrol with --force`, { cause: err });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new AgentError('BAD_CONFIG', `${paths.privateKey} is not an Ed25519 key; re-enrol with --force`);
  return { identity: parsed, privateKey };
}

/** Write a file atomically with the given mode (tmp + rename), so a crash never leaves half a config. */
export async function writeFileAtomic(file: string, data: string, mode: number): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, data, { mode });
  await rename(tmp, file);
}

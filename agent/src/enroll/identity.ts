import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { AgentError } from '../errors.js';
import { agentPaths } from '../paths.js';

/** What enrolment leaves in the data dir (`agent.json`); the private key sits beside it in `agent.key`. */
export const AgentIdentity = z
  .object({
    agentId: z.string().min(1),
    controlPlaneUrls: z.array(z.string().url()).min(1),
    /** The control plane's Ed25519 public key (JWK), pinned: every step.run must verify against it. */
    controlPlanePublicKey: z.object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string().min(1) }).passthrough(),
    name: z.string().optional(),
    labels: z.array(z.string()).default([]),
    enrolledAt: z.string().optional(),
  })
  .strict();
export type AgentIdentity = z.infer<typeof AgentIdentity>;

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
    parsed = AgentIdentity.parse(JSON.parse(raw));
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

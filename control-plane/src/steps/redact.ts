import type { StepSpec } from '@devflow/protocol';
import { redactUrlPasswords } from '../repositories/git.js';

export const MASK = '***';

const maskValues = (env: Record<string, string> | undefined) => (env ? Object.fromEntries(Object.keys(env).map((k) => [k, MASK])) : undefined);

/** `.env` contents -> the same lines with every value replaced: `NAME=***` (comments and blank lines kept). */
export function maskEnvFile(content: string): string {
  return content
    .split('\n')
    .map((line) => {
      const m = /^(\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_.]*\s*=)/.exec(line);
      if (m) return `${m[1]}${MASK}`;
      return line.trim() === '' || line.trim().startsWith('#') ? line : MASK;
    })
    .join('\n');
}

/** Every string inside `value` with each of `secrets` replaced by `***`. */
function sweep<T>(value: T, secrets: readonly string[]): T {
  if (typeof value === 'string') return secrets.reduce((s, secret) => s.split(secret).join(MASK), value as string) as T;
  if (Array.isArray(value)) return value.map((v) => sweep(v, secrets)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sweep(v, secrets)])) as T;
  return value;
}

/**
 * The step as the API shows and the database keeps it in clear: environment values, `.env`
 * contents, the deploy key, the HTTPS token and a password inside the repository URL become
 * `***` (names stay), and any of the step's masked `secrets` found elsewhere (an argv built from a
 * variable) too. Only the agent receives the real spec, inside the signed step.run.
 */
export function redactStepSpec(spec: StepSpec, secrets: readonly string[] = []): StepSpec {
  let out: StepSpec;
  switch (spec.kind) {
    case 'exec':
      out = { ...spec, ...(spec.env ? { env: maskValues(spec.env) } : {}) };
      break;
    case 'slot.start':
      out = { ...spec, ...(spec.env ? { env: maskValues(spec.env) } : {}) };
      break;
    case 'git.sync':
      out = {
        ...spec,
        repoUrl: redactUrlPasswords(spec.repoUrl),
        ...(spec.sshPrivateKey ? { sshPrivateKey: MASK } : {}),
        ...(spec.httpsToken ? { httpsToken: MASK } : {}),
      };
      break;
    case 'release.link':
      out = { ...spec, ...(spec.envFile ? { envFile: { name: spec.envFile.name, content: maskEnvFile(spec.envFile.content) } } : {}) };
      break;
    default:
      out = spec;
  }
  return sweep(out, secrets.filter((s) => s.length > 0));
}

/** The password of `scheme://user:password@host/…`, or null. */
export function urlPassword(url: string): string | null {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:([^@\s/]+)@/i.exec(url);
  if (!m?.[1]) return null;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return m[1];
  }
}

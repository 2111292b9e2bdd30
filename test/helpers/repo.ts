import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Absolute paths into the repository and its built artefacts. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CONTROL_PLANE_MAIN = `${REPO_ROOT}control-plane/dist/main.js`;
export const CONTROL_PLANE_INDEX = `${REPO_ROOT}control-plane/dist/index.js`;
export const AGENT_BIN = `${REPO_ROOT}agent/dist/devflow-agent.js`;

/** End-to-end tests run against the bundles; `npm test` builds them first. */
export function requireBuilt(...files: string[]): void {
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length) throw new Error(`not built: ${missing.join(', ')} — run "npm run build" first`);
}

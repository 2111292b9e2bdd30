import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * A file or folder of the DevFlow checkout (agent bundle, install script, systemd units, web build,
 * quick-start example), seen from control-plane/src/<dir> during tests or control-plane/dist when built.
 */
export function findRepoPath(relativePath: string): string | undefined {
  for (const up of ['../../../', '../../']) {
    const candidate = fileURLToPath(new URL(up + relativePath, import.meta.url));
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

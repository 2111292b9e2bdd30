import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopProxies, stopSlotApps } from './apps.js';

const dirs: string[] = [];

/** A fresh temp directory, removed by `removeTempDirs()` (call it in afterAll). */
export function tempDir(prefix = 'devflow-e2e-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Removes every temp dir, after stopping the apps and traffic proxies agents started from it (they outlive their agent). */
export function removeTempDirs(): void {
  for (const dir of dirs.splice(0)) {
    stopSlotApps(dir);
    stopProxies(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

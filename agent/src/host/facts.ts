import { readFile, statfs } from 'node:fs/promises';
import os from 'node:os';
import type { HostFacts } from '@devflow/protocol';

/** What the agent tells the control plane about its server (shown in the console's server list). */
export async function hostFacts(dataDir: string): Promise<HostFacts> {
  const [osName, diskFreeBytes] = await Promise.all([osPrettyName(), freeDisk(dataDir)]);
  return {
    hostname: os.hostname().slice(0, 255),
    os: osName.slice(0, 255),
    platform: process.platform,
    arch: process.arch,
    cpus: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    diskFreeBytes,
    dataDir: dataDir.slice(0, 4096),
    nodeVersion: process.version,
  };
}

/** PRETTY_NAME from /etc/os-release ("Debian GNU/Linux 12 (bookworm)"), else the kernel's name. */
export async function osPrettyName(file = '/etc/os-release'): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    const m = /^PRETTY_NAME=(.*)$/m.exec(text);
    if (m?.[1]) return m[1].trim().replace(/^(["'])(.*)\1$/, '$2');
  } catch {
    // No os-release (macOS, minimal containers): fall through to the kernel name.
  }
  return `${os.type()} ${os.release()}`;
}

async function freeDisk(dir: string): Promise<number> {
  try {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  } catch {
    return 0;
  }
}

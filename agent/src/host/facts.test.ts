import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HostFacts } from '@devflow/protocol';
import { hostFacts, osPrettyName } from './facts.js';

describe('hostFacts', () => {
  it('reports facts that the protocol accepts, with free disk of the data dir', async () => {
    const facts = await hostFacts(tmpdir());
    expect(HostFacts.parse(facts)).toEqual(facts);
    expect(facts.diskFreeBytes).toBeGreaterThan(0);
    expect(facts.cpus).toBeGreaterThan(0);
    expect(facts.nodeVersion).toBe(process.version);
  });

  it('reads PRETTY_NAME from os-release, and falls back when there is none', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'df-facts-'));
    try {
      await writeFile(join(dir, 'os-release'), 'NAME="Debian"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n');
      expect(await osPrettyName(join(dir, 'os-release'))).toBe('Debian GNU/Linux 12 (bookworm)');
      expect(await osPrettyName(join(dir, 'missing'))).toMatch(/\S+ \S+/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

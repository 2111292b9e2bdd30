import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitQuietlyOnBrokenPipe } from './stdout.js';

describe('exitQuietlyOnBrokenPipe', () => {
  it('exits 0 when the reader goes away (like `devflow logs … | head -1`)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'devflow-epipe-'));
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    // A real pipe whose reader (head) leaves after one byte: further writes fail with EPIPE.
    const head = spawn('head', ['-c', '1', fifo], { stdio: 'ignore' });
    const out = createWriteStream(fifo);
    const codes: number[] = [];
    const exited = new Promise<void>((resolve) =>
      exitQuietlyOnBrokenPipe(out, (code) => {
        codes.push(code);
        resolve();
      }),
    );
    const line = `${'x'.repeat(1000)}\n`;
    const timer = setInterval(() => out.write(line), 5);
    await exited;
    clearInterval(timer);
    out.destroy();
    if (head.exitCode === null) await once(head, 'exit');
    await rm(dir, { recursive: true, force: true });
    expect(codes).toEqual([0]);
  });
});

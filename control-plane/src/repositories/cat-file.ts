import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { AppError } from '../errors.js';
import { gitEnv } from './git.js';

export interface GitObject {
  oid: string;
  type: 'commit' | 'tree' | 'blob' | 'tag';
  size: number;
  /** null when the object is larger than the reader's limit (its bytes were skipped). */
  content: Buffer | null;
}

interface Pending {
  rev: string;
  resolve(o: GitObject | null): void;
  reject(e: Error): void;
}

/**
 * One `git cat-file --batch` process answering any number of object look-ups (`<sha>^{commit}`,
 * `refs/heads/x^{commit}`, `<sha>^{tree}`, `<sha>:<path>`) over a pipe, so a resolve or a commit
 * inspection costs one process instead of one per question. Requests are answered in order.
 * Callers validate every rev; a line break never reaches the pipe.
 */
export class ObjectReader {
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private readonly queue: Pending[] = [];
  private buffer: Buffer = Buffer.alloc(0);
  /** The object whose content is being read; `left` counts the content bytes plus the closing LF still to come. */
  private body: { pending: Pending; header: Omit<GitObject, 'content'>; left: number; chunks: Buffer[] | null } | null = null;
  private failure: Error | null = null;
  private stderr = '';

  constructor(
    gitDir: string,
    private readonly maxBytes = 1024 * 1024,
  ) {
    this.child = spawn('git', [`--git-dir=${gitDir}`, 'cat-file', '--batch'], { env: gitEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-2000)));
    this.child.stdin.on('error', () => undefined); // reported through 'close' / 'error' below
    this.child.on('error', (err) => this.fail(err));
    this.child.on('close', (code) => this.fail(new Error(`git cat-file exited (${code ?? 'signal'}): ${this.stderr.trim()}`)));
  }

  /** The object `rev` names, or null when the repository has no such object. */
  read(rev: string): Promise<GitObject | null> {
    // Without %(rest) in the format git takes the whole line as the name: only a line break could smuggle a second request.
    if (/[\n\r\0]/.test(rev)) return Promise.reject(new TypeError(`ObjectReader: rev contains a line break: ${JSON.stringify(rev)}`));
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ rev, resolve, reject });
      this.child.stdin.write(`${rev}\n`);
    });
  }

  close(): void {
    this.child.stdin.end();
    if (this.child.exitCode === null) this.child.kill();
  }

  private fail(err: Error): void {
    const pending = [...(this.body ? [this.body.pending] : []), ...this.queue.splice(0)];
    this.body = null;
    if (pending.length === 0 && this.failure) return;
    this.failure = new AppError('INTERNAL', `reading the repository mirror failed: ${err.message}`, undefined, { cause: err });
    for (const p of pending) p.reject(this.failure);
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length > 0) {
      if (this.body) {
        const body = this.body;
        // Content over the limit is dropped as it arrives, never held in memory.
        const take = Math.min(body.left, this.buffer.length);
        body.chunks?.push(this.buffer.subarray(0, take));
        this.buffer = this.buffer.subarray(take);
        body.left -= take;
        if (body.left > 0) return;
        this.body = null;
        const content = body.chunks ? Buffer.concat(body.chunks).subarray(0, body.header.size) : null;
        body.pending.resolve({ ...body.header, content });
        continue;
      }
      const nl = this.buffer.indexOf(0x0a);
      if (nl === -1) return;
      const line = this.buffer.subarray(0, nl).toString('utf8');
      this.buffer = this.buffer.subarray(nl + 1);
      const pending = this.queue.shift();
      if (!pending) return this.fail(new Error(`unexpected output: ${line}`));
      const parts = line.split(' ');
      if (parts.length === 2 && parts[1] === 'missing') {
        pending.resolve(null);
        continue;
      }
      if (parts.length === 2 && parts[1] === 'ambiguous') {
        const commit = pending.rev.split('^')[0] ?? pending.rev;
        pending.reject(new AppError('VALIDATION_FAILED', `commit "${commit}" is ambiguous in the repository; give more characters of the hash`, { field: 'commit', commit }));
        continue;
      }
      const [oid = '', type = '', size = ''] = parts;
      if (!/^[0-9a-f]{40,64}$/.test(oid) || !['commit', 'tree', 'blob', 'tag'].includes(type) || !/^\d+$/.test(size)) {
        this.queue.unshift(pending);
        return this.fail(new Error(`unexpected git cat-file output: ${line}`));
      }
      const header = { oid, type: type as GitObject['type'], size: Number(size) };
      this.body = { pending, header, left: header.size + 1, chunks: header.size > this.maxBytes ? null : [] };
    }
  }
}

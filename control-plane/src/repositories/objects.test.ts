import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectReader } from './cat-file.js';
import { readCommit, readCommitFiles, withReader } from './snapshot.js';

/** The object reader and parsers against real git: every answer must equal what git's porcelain prints. */
let root: string;
let repo: string;
const gitDir = () => join(repo, '.git');

function git(args: string[], env: Record<string, string> = {}): string {
  return execFileSync('git', ['-c', 'user.name=Zoë Q. Test', '-c', 'user.email=zoe@example.test', ...args], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  }).trimEnd();
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'devflow-objects-'));
  repo = join(root, 'repo');
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('object reader', () => {
  it.each([
    ['one line', 'simple subject', '+0000'],
    ['a subject over two lines', 'first line\nsecond line  \n\nbody text\nmore', '+0530'],
    ['leading blank lines and a negative zone', '\n\n  indented subject\n\nbody', '-0700'],
  ])('reads a commit (%s) exactly as git log prints its hash, subject, author and committer date', async (_, message, tz) => {
    await writeFile(join(repo, 'f.txt'), `${message}\n`);
    git(['add', '-A']);
    const date = `2024-02-29T23:30:00 ${tz}`;
    git(['commit', '-q', '--cleanup=verbatim', '--allow-empty-message', '-m', message], { GIT_COMMITTER_DATE: date, GIT_AUTHOR_DATE: date });
    const [sha, subject, author, committedAt] = git(['log', '-1', '--format=%H%x1f%s%x1f%an <%ae>%x1f%cI']).split('\u001f');
    const info = await withReader(gitDir(), (r) => readCommit(r, 'refs/heads/main'));
    expect(info).toEqual({ sha, message: subject, author, committedAt: expect.any(String) });
    expect(Date.parse(info!.committedAt)).toBe(Date.parse(committedAt!));
    expect(info!.committedAt.slice(0, 19)).toBe(committedAt!.slice(0, 19)); // the committer's local time, as git shows it
  });

  it('lists root names like ls-tree (spaces, unicode, directories) and reads files in one process', async () => {
    await writeFile(join(repo, 'with space.txt'), 'a\n');
    await writeFile(join(repo, 'ünïcode.md'), 'b\n');
    execFileSync('mkdir', ['-p', join(repo, 'dir/sub')]);
    await writeFile(join(repo, 'dir/sub/deep.json'), '{"deep":true}\n');
    git(['add', '-A']);
    git(['commit', '-q', '-m', 'names']);
    const sha = git(['rev-parse', 'HEAD']);
    const names = git(['-c', 'core.quotePath=false', 'ls-tree', '--name-only', '-z', sha]).split('\0').filter(Boolean);
    const files = await withReader(gitDir(), (r) => readCommitFiles(r, sha, ['with space.txt', 'dir/sub/deep.json', 'dir', 'absent.txt', 'dir/none']));
    expect(files).toEqual({
      rootFiles: names,
      files: { 'with space.txt': 'a\n', 'dir/sub/deep.json': '{"deep":true}\n', dir: null, 'absent.txt': null, 'dir/none': null },
    });
    expect(await withReader(gitDir(), (r) => readCommitFiles(r, 'f'.repeat(40), []))).toBeNull();
  });

  it('answers many look-ups in order, skips objects over the limit without holding them, and reports ambiguity', async () => {
    await writeFile(join(repo, 'big.bin'), Buffer.alloc(300_000, 7));
    git(['add', '-A']);
    git(['commit', '-q', '-m', 'big']);
    const sha = git(['rev-parse', 'HEAD']);
    const reader = new ObjectReader(gitDir(), 1000);
    try {
      const answers = await Promise.all([
        reader.read(`${sha}:big.bin`),
        reader.read(`${sha}:with space.txt`),
        reader.read('0'.repeat(40)),
        reader.read(`${sha}^{commit}`),
      ]);
      expect(answers[0]).toMatchObject({ type: 'blob', size: 300_000, content: null });
      expect(answers[1]?.content?.toString()).toBe('a\n');
      expect(answers[2]).toBeNull();
      expect(answers[3]).toMatchObject({ oid: sha, type: 'commit' });
      await expect(reader.read('HEAD\nHEAD')).rejects.toThrow(/line break/);
    } finally {
      reader.close();
    }
    // Deterministic contents of which two share a 4-character id prefix ("blob 96" and "blob 262"): that prefix is ambiguous.
    const dir = join(root, 'blobs');
    execFileSync('mkdir', ['-p', dir]);
    const paths: string[] = [];
    for (let i = 0; i < 300; i++) {
      paths.push(join(dir, `b${i}`));
      await writeFile(paths[i]!, `blob ${i}\n`);
    }
    const oids = execFileSync('git', ['hash-object', '-w', '--stdin-paths'], { cwd: repo, input: paths.join('\n'), encoding: 'utf8' }).trim().split('\n');
    const seen = new Set<string>();
    const shared = oids.map((o) => o.slice(0, 4)).find((p) => (seen.has(p) ? true : (seen.add(p), false)));
    expect(shared).toBeDefined();
    await expect(withReader(gitDir(), (r) => r.read(shared!))).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('ambiguous') });
  });

  it('rejects pending look-ups when git cannot run in the directory', async () => {
    const reader = new ObjectReader(join(root, 'not-a-repo'));
    await expect(reader.read('HEAD')).rejects.toThrow(/reading the repository mirror failed/);
    reader.close();
  });
});

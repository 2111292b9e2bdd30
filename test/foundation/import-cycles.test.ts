import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/repo.js';

/**
 * A folder reads top-down only if its modules import without cycles (type-only imports count:
 * they tie the modules' shapes together all the same). Tests are left out; they may import anything.
 */
const SPECIFIER = /(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

function resolveImport(from: string, specifier: string): string | null {
  const base = resolve(dirname(from), specifier);
  const candidates = [base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx'), `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((candidate) => existsSync(candidate)) ?? null;
}

/** Every cycle reachable by a depth-first walk, each as the modules on it. */
function importCycles(root: string): string[][] {
  const graph = new Map<string, string[]>();
  for (const file of sources(root)) {
    const text = readFileSync(file, 'utf8');
    graph.set(file, [...text.matchAll(SPECIFIER)].flatMap((m) => resolveImport(file, m[1]!) ?? []));
  }
  const cycles: string[][] = [];
  const done = new Set<string>();
  const walk = (node: string, path: string[]): void => {
    for (const next of graph.get(node) ?? []) {
      const at = path.indexOf(next);
      if (at >= 0) cycles.push(path.slice(at).map((file) => relative(root, file)));
      else if (!done.has(next)) walk(next, [...path, next]);
    }
    done.add(node);
  };
  for (const node of graph.keys()) if (!done.has(node)) walk(node, [node]);
  return cycles;
}

describe('import cycles', () => {
  for (const pkg of ['protocol/src', 'control-plane/src', 'web/src']) {
    it(`${pkg} has none`, () => {
      expect(importCycles(join(REPO_ROOT, pkg))).toEqual([]);
    });
  }

  it('finds a cycle when there is one (the check can fail)', () => {
    // The pipeline before issue 15 had check.ts -> plan.ts -> check.ts; a fixture keeps that shape.
    const cycles = importCycles(join(REPO_ROOT, 'test/foundation/fixtures/cycle'));
    expect(cycles).toEqual([['a.ts', 'b.ts']]);
  });
});

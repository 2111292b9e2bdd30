// Bundles a TypeScript entry into one .mjs with esbuild, so tests can run our code as a separate
// process (the proxy, an "agent" that exits), the way the tsup bundle runs in production.
import { build } from 'esbuild';
import { join } from 'node:path';

export async function bundleEntry(entry: string, outDir: string, name: string): Promise<string> {
  const outfile = join(outDir, `${name}.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'silent',
    // execa's CommonJS dependencies call require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return outfile;
}

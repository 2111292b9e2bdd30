import { dirname, join } from 'node:path';
import { defineConfig } from 'tsup';

/**
 * zod re-exports ~40 message locales (360 KB) as `z.locales`; the agent uses none of them but
 * the default English one, and parsing them costs idle memory on every server. Only the
 * re-export is replaced: zod's own `config(en())` import still resolves to the real file.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build: { onResolve: Function; onLoad: Function }) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args: { importer: string }) =>
      args.importer.includes(`${join('node_modules', 'zod')}`) ? { path: join(dirname(args.importer), '..', 'locales', 'index.js'), namespace: 'zod-locales' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args: { path: string }) => ({
      contents: `export { default as en } from ${JSON.stringify(join(dirname(args.path), 'en.js'))};`,
      resolveDir: dirname(args.path),
    }));
  },
};

/**
 * One self-contained file, `dist/devflow-agent.js`: every dependency bundled, so a server needs
 * only Node 20 and this file. `ws` is CommonJS and calls `require`, which ESM lacks: the banner
 * gives the bundle a real `require`.
 */
export default defineConfig({
  entry: { 'devflow-agent': 'src/main.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  outDir: 'dist',
  clean: true,
  bundle: true,
  splitting: false,
  sourcemap: false,
  minify: false,
  noExternal: [/.*/],
  esbuildPlugins: [zodEnglishOnly],
  esbuildOptions(options) {
    options.minifyWhitespace = true;
  },
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __devflowCreateRequire } from 'node:module';\nconst require = __devflowCreateRequire(import.meta.url);",
  },
});

import { defineConfig } from 'tsup';

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
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __devflowCreateRequire } from 'node:module';\nconst require = __devflowCreateRequire(import.meta.url);",
  },
});

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
 * An ES module bundle hoists every `import ... from 'node:x'` to the top of the file, so an idle
 * daemon would load child_process, v8, tty, readline, dgram... for code it never runs (the
 * lazily loaded step handlers and commands): 0.8 MB of idle RSS. Served as one-line CommonJS
 * modules instead, a builtin is required when the first module that imports it initialises.
 * (`removeNodeProtocol: false` keeps tsup's own plugin from claiming `node:` imports first.)
 */
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(build: { onResolve: Function; onLoad: Function }) {
    build.onResolve({ filter: /^node:/ }, (args: { path: string; namespace: string }) =>
      args.namespace === 'lazy-builtin' ? { path: args.path, external: true } : { path: args.path, namespace: 'lazy-builtin' },
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args: { path: string }) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
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
  removeNodeProtocol: false,
  esbuildPlugins: [zodEnglishOnly, lazyBuiltins],
  esbuildOptions(options) {
    options.minifyWhitespace = true;
  },
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __devflowCreateRequire } from 'node:module';\nconst require = __devflowCreateRequire(import.meta.url);",
  },
});

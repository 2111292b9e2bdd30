import { chmod, cp, readFile, writeFile } from 'node:fs/promises';
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { main: 'src/main.ts', cli: 'src/cli.ts', index: 'src/index.ts' },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  outDir: 'dist',
  clean: true,
  splitting: true,
  // The protocol package ships TypeScript sources; compile it into the bundle. Other deps stay external.
  noExternal: ['@devflow/protocol'],
  async onSuccess() {
    // SQL migrations are read at run time from `dist/migrations` (see src/db/migrate.ts).
    await cp('src/db/migrations', 'dist/migrations', { recursive: true });
    // Shebang on the CLI only (a tsup banner would land on every entry and chunk).
    const cli = await readFile('dist/cli.js', 'utf8');
    if (!cli.startsWith('#!')) await writeFile('dist/cli.js', `#!/usr/bin/env node\n${cli}`);
    await chmod('dist/cli.js', 0o755);
  },
});

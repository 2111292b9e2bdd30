#!/usr/bin/env node
// The `devflow` CLI. The code lives in the build (dist/cli.js); this stable file exists at install
// time so npm can link the command before anything is built.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('devflow: the CLI is not built yet: run `npm run build` (or `npm start`) in the DevFlow checkout first\n');
  process.exit(2);
}
await import(cli.href);

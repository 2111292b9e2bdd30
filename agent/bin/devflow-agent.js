#!/usr/bin/env node
// `devflow-agent` from a checkout. Servers run the single-file bundle (dist/devflow-agent.js)
// that install.sh downloads; this stable file lets npm link the command before anything is built.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/devflow-agent.js', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write('devflow-agent: the agent is not built yet: run `npm run build` in the DevFlow checkout first\n');
  process.exit(2);
}
await import(bundle.href);

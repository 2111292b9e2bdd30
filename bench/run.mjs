#!/usr/bin/env node
// `npm run bench`: every benchmark script in this folder, one after the other (they measure
// latency, so never in parallel), each printing its own table. Pass names to run a subset:
//   npm run bench -- foundation proxy
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv.slice(2);
const scripts = readdirSync(dir)
  .filter((f) => f.endsWith('.mjs') && f !== 'run.mjs' && !f.startsWith('_'))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.mjs$/, '')))
  .sort();

if (scripts.length === 0) {
  console.error(`no benchmark matches ${wanted.join(', ')}; available: ${readdirSync(dir).filter((f) => f.endsWith('.mjs') && f !== 'run.mjs').join(', ')}`);
  process.exit(2);
}

let failed = 0;
for (const script of scripts) {
  console.log(`\n=== bench/${script} ===`);
  const started = Date.now();
  const r = spawnSync(process.execPath, [`${dir}${script}`], { stdio: 'inherit' });
  console.log(`=== bench/${script}: ${r.status === 0 ? 'done' : `FAILED (exit ${r.status ?? r.signal})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);

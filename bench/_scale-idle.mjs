#!/usr/bin/env node
// Quick loop for the idle-agent part of bench/scale.mjs (run.mjs skips `_` files): N simulated
// agents on one instance, connect time from cold, RSS per connection, time back after a restart.
//   node bench/_scale-idle.mjs [--agents 2000] [--simulators 1] [--prof <dir>]   (--prof: CPU profiles of both instances)
import { idleAgents, printRows } from './_scale-lib.mjs';
import { arg } from './lib/common.mjs';

const profIdx = process.argv.indexOf('--prof');
printRows(await idleAgents({ agents: arg('agents', 2000), simulators: arg('simulators', 1), prof: profIdx > 0 ? process.argv[profIdx + 1] : undefined }));
process.exit(0);

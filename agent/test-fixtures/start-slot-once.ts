// An "agent" that starts one slot and exits at once: proves the app outlives the agent process.
// argv: <dataDir> <slot.start spec as JSON>
import { SlotStartStep } from '@devflow/protocol';
import { slotStart } from '../src/supervisor/index.js';

const [dataDir, specJson] = process.argv.slice(2);
if (!dataDir || !specJson) throw new Error('usage: start-slot-once <dataDir> <spec-json>');
const out = await slotStart(SlotStartStep.parse(JSON.parse(specJson)), {
  stepId: 'once',
  dataDir,
  signal: new AbortController().signal,
  log: (_stream, text) => console.log(text),
});
console.log(JSON.stringify(out.output));
process.exit(0);

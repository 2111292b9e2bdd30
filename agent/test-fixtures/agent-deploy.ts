// A stand-in agent process: runs one blue-green deployment (slot.start -> health.check ->
// traffic.switch) with the real step handlers, prints "deployed", then idles like the daemon until
// it is killed. argv: <dataDir> <proxy entry> <json {app, version, slot, port, listenPort}>
import { HealthCheckStep } from '@devflow/protocol';
import { healthCheck } from '../src/health/index.js';
import { createTrafficSwitch } from '../src/proxy/index.js';
import { slotStart } from '../src/supervisor/index.js';
import type { StepContext } from '../src/steps/handler.js';

const [dataDir, entry, json] = process.argv.slice(2);
if (!dataDir || !entry || !json) throw new Error('usage: agent-deploy <dataDir> <proxy entry> <json>');
const job = JSON.parse(json) as { app: string; version: number; slot: 'blue' | 'green'; port: number; listenPort: number; appScript: string };
const ctx: StepContext = { stepId: `deploy-${job.version}`, dataDir, signal: new AbortController().signal, log: (_s, text) => console.log(text) };

await slotStart({ kind: 'slot.start', app: job.app, slot: job.slot, releaseId: `r${job.version}`, argv: [process.execPath, job.appScript], port: job.port, env: { VERSION: String(job.version) }, timeoutMs: 30_000 }, ctx);
await healthCheck(HealthCheckStep.parse({ kind: 'health.check', url: `http://127.0.0.1:${job.port}/up`, intervalMs: 20, deadlineMs: 20_000, timeoutMs: 30_000 }), ctx);
await createTrafficSwitch({ entry, host: '127.0.0.1' })({ kind: 'traffic.switch', app: job.app, listenPort: job.listenPort, slot: job.slot, targetPort: job.port, drainMs: 10_000, timeoutMs: 30_000 }, ctx);
console.log('deployed');
setInterval(() => undefined, 60_000); // the daemon keeps running until killed

export { healthCheck } from './check.js';
export { probe, type ProbeResult } from './probe.js';

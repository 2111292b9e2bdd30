import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { MetricFamily } from './exposition.js';

let loop: IntervalHistogram | undefined;

/** One event-loop monitor per process (process metrics are per process, however many apps it hosts). */
function loopMonitor(): IntervalHistogram {
  if (!loop) {
    loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
  }
  return loop;
}

const gauge = (name: string, help: string, value: number, labels: Record<string, string> = {}): MetricFamily => ({
  name,
  help,
  type: 'gauge',
  samples: [{ suffix: '', labels, value }],
});

export const PROCESS_METRICS = [
  'devflow_process_resident_memory_bytes',
  'devflow_process_heap_used_bytes',
  'devflow_process_heap_total_bytes',
  'devflow_process_event_loop_lag_seconds',
  'devflow_process_uptime_seconds',
] as const;

/**
 * Memory, event-loop lag and uptime of this process. The lag quantiles cover the time since
 * the previous scrape (the monitor is reset after each one), so a spike shows once.
 */
export function collectProcess(): MetricFamily[] {
  const mem = process.memoryUsage();
  const h = loopMonitor();
  const q = (p: number): number => (h.count > 0 ? h.percentile(p) / 1e9 : 0);
  const lag: MetricFamily = {
    name: 'devflow_process_event_loop_lag_seconds',
    help: 'Event-loop delay since the previous scrape, by quantile.',
    type: 'gauge',
    samples: [
      { suffix: '', labels: { quantile: '0.5' }, value: q(50) },
      { suffix: '', labels: { quantile: '0.99' }, value: q(99) },
      { suffix: '', labels: { quantile: '1' }, value: h.count > 0 ? h.max / 1e9 : 0 },
    ],
  };
  h.reset();
  return [
    gauge('devflow_process_resident_memory_bytes', 'Resident set size of the control-plane process.', mem.rss),
    gauge('devflow_process_heap_used_bytes', 'V8 heap in use.', mem.heapUsed),
    gauge('devflow_process_heap_total_bytes', 'V8 heap allocated.', mem.heapTotal),
    lag,
    gauge('devflow_process_uptime_seconds', 'Seconds since the control-plane process started.', process.uptime()),
  ];
}

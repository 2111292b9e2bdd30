/**
 * Prometheus text exposition format 0.0.4: one `# HELP` and `# TYPE` line per family, then its
 * samples. Families are plain data so that in-process metrics and values read from the
 * database at scrape time render the same way.
 */
export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'counter' | 'gauge' | 'histogram';
export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  /** Appended to the family name: '' for counters and gauges, `_bucket`/`_sum`/`_count` for histograms. */
  suffix: string;
  labels: Labels;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function assertMetricName(name: string): void {
  if (!NAME.test(name)) throw new Error(`invalid metric name "${name}"`);
}

export function assertLabelName(name: string): void {
  if (!LABEL.test(name) || name.startsWith('__')) throw new Error(`invalid label name "${name}"`);
}

export const escapeHelp = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
export const escapeLabelValue = (s: string): string => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
}

/** Buckets are cumulative (`le` = upper bound, inclusive); the last one is `+Inf` and equals the count. */
export function histogramSamples(labels: Labels, bounds: readonly number[], cumulative: readonly number[], sum: number, count: number): Sample[] {
  const samples: Sample[] = bounds.map((le, i) => ({ suffix: '_bucket', labels: { ...labels, le: formatValue(le) }, value: cumulative[i] ?? 0 }));
  samples.push({ suffix: '_bucket', labels: { ...labels, le: '+Inf' }, value: count });
  samples.push({ suffix: '_sum', labels, value: sum });
  samples.push({ suffix: '_count', labels, value: count });
  return samples;
}

export function render(families: readonly MetricFamily[]): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) out.push(`${f.name}${s.suffix}${formatLabels(s.labels)} ${formatValue(s.value)}`);
  }
  return `${out.join('\n')}\n`;
}

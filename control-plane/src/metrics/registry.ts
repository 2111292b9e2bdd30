import { assertLabelName, assertMetricName, histogramSamples, type Labels, type MetricFamily, type MetricType, type Sample } from './exposition.js';

/** Something that yields metric families at scrape time (in-process metrics, the database, the process). */
export type Collector = () => MetricFamily[] | Promise<MetricFamily[]>;

abstract class Metric<L extends string> {
  abstract readonly type: MetricType;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly L[],
  ) {
    assertMetricName(name);
    labelNames.forEach(assertLabelName);
  }

  /** A stable key for one label combination; unknown or missing label names are a programming error. */
  protected key(labels: Record<L, string>): string {
    const given = Object.keys(labels);
    if (given.length !== this.labelNames.length || this.labelNames.some((n) => typeof labels[n] !== 'string')) {
      throw new Error(`${this.name} takes labels ${this.labelNames.join(', ') || '(none)'}, got ${given.join(', ') || '(none)'}`);
    }
    return JSON.stringify(this.labelNames.map((n) => labels[n]));
  }

  protected labelsOf(key: string): Labels {
    const values = JSON.parse(key) as string[];
    return Object.fromEntries(this.labelNames.map((n, i) => [n, values[i] ?? '']));
  }

  abstract samples(): Sample[];

  collect(): MetricFamily {
    return { name: this.name, help: this.help, type: this.type, samples: this.samples() };
  }
}

export class Counter<L extends string = never> extends Metric<L> {
  readonly type = 'counter';
  private readonly values = new Map<string, number>();

  inc(labels: Record<L, string>, by = 1): void {
    if (!(by >= 0)) throw new Error(`${this.name}: a counter only goes up (got ${by})`);
    const k = this.key(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }

  samples(): Sample[] {
    return [...this.values].map(([k, value]) => ({ suffix: '', labels: this.labelsOf(k), value }));
  }
}

export class Histogram<L extends string = never> extends Metric<L> {
  readonly type = 'histogram';
  private readonly series = new Map<string, { buckets: number[]; sum: number; count: number }>();

  constructor(name: string, help: string, labelNames: readonly L[], readonly bounds: readonly number[]) {
    super(name, help, labelNames);
    if (bounds.some((b, i) => i > 0 && b <= (bounds[i - 1] ?? -Infinity))) throw new Error(`${name}: bucket bounds must increase`);
  }

  observe(labels: Record<L, string>, value: number): void {
    const k = this.key(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { buckets: this.bounds.map(() => 0), sum: 0, count: 0 }));
    // Each observation lands in its own bucket; samples() makes them cumulative.
    const i = this.bounds.findIndex((b) => value <= b);
    if (i >= 0) s.buckets[i] = (s.buckets[i] ?? 0) + 1;
    s.sum += value;
    s.count += 1;
  }

  samples(): Sample[] {
    return [...this.series].flatMap(([k, s]) => {
      let running = 0;
      const cumulative = s.buckets.map((n) => (running += n));
      return histogramSamples(this.labelsOf(k), this.bounds, cumulative, s.sum, s.count);
    });
  }
}

/** Holds in-process metrics and scrape-time collectors; `collect()` gathers every family in registration order. */
export class Registry {
  private readonly collectors: Collector[] = [];
  private readonly names = new Set<string>();

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`metric ${name} is registered twice`);
    this.names.add(name);
  }

  counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    this.claim(name);
    const c = new Counter<L>(name, help, labelNames);
    this.collectors.push(() => [c.collect()]);
    return c;
  }

  histogram<L extends string = never>(name: string, help: string, labelNames: readonly L[], bounds: readonly number[]): Histogram<L> {
    this.claim(name);
    const h = new Histogram<L>(name, help, labelNames, bounds);
    this.collectors.push(() => [h.collect()]);
    return h;
  }

  /** A collector producing the named families at scrape time (read from the database, the process, the hub). */
  register(names: readonly string[], collector: Collector): void {
    names.forEach((n) => this.claim(n));
    this.collectors.push(collector);
  }

  async collect(): Promise<MetricFamily[]> {
    const families = await Promise.all(this.collectors.map((c) => c()));
    return families.flat();
  }
}

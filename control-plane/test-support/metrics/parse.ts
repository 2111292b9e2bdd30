/**
 * A strict reader of the Prometheus text format for tests: it knows nothing of our writer,
 * and throws on anything a scraper would reject or misread (a sample before its HELP/TYPE,
 * bad escapes, non-cumulative buckets, `+Inf` != `_count`).
 */
export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedFamily {
  name: string;
  help: string;
  type: string;
  samples: ParsedSample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;

function parseLabels(src: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < src.length) {
    const m = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(src.slice(i));
    if (!m?.[1]) throw new Error(`bad label at "${src.slice(i)}" in: ${line}`);
    i += m[0].length;
    let value = '';
    for (;;) {
      const c = src[i++];
      if (c === undefined) throw new Error(`unterminated label value in: ${line}`);
      if (c === '"') break;
      if (c === '\\') {
        const e = src[i++];
        if (e === 'n') value += '\n';
        else if (e === '\\' || e === '"') value += e;
        else throw new Error(`bad escape \\${e} in: ${line}`);
      } else if (c === '\n') throw new Error(`raw newline in label value: ${line}`);
      else value += c;
    }
    if (m[1] in labels) throw new Error(`label ${m[1]} repeated in: ${line}`);
    labels[m[1]] = value;
    if (src[i] === ',') i++;
    else if (i < src.length) throw new Error(`expected "," after label ${m[1]} in: ${line}`);
  }
  return labels;
}

function parseValue(v: string, line: string): number {
  if (v === '+Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  if (v === 'NaN') return NaN;
  const n = Number(v);
  if (!/^-?[0-9.]+(e[+-]?[0-9]+)?$/i.test(v) || Number.isNaN(n)) throw new Error(`bad value "${v}" in: ${line}`);
  return n;
}

const familyOf = (sample: string, families: Map<string, ParsedFamily>): ParsedFamily | undefined =>
  families.get(sample) ?? families.get(sample.replace(/_(bucket|sum|count)$/, ''));

export function parseExposition(text: string): Map<string, ParsedFamily> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map<string, ParsedFamily>();
  for (const line of text.slice(0, -1).split('\n')) {
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      const [, kind, name = '', rest = ''] = meta;
      const f = families.get(name) ?? { name, help: '', type: '', samples: [] };
      families.set(name, f);
      if (kind === 'HELP') f.help = rest.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      else if (['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) f.type = rest;
      else throw new Error(`bad TYPE in: ${line}`);
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m?.[1] || !m[3]) throw new Error(`unparseable line: ${line}`);
    const f = familyOf(m[1], families);
    if (!f || !f.help || !f.type) throw new Error(`sample before its HELP and TYPE: ${line}`);
    f.samples.push({ name: m[1], labels: m[2] ? parseLabels(m[2], line) : {}, value: parseValue(m[3], line) });
  }
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function checkHistogram(f: ParsedFamily): void {
  const series = new Map<string, { buckets: [number, number][]; count?: number; sum?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (s.name === `${f.name}_bucket`) {
      if (le === undefined) throw new Error(`${f.name}_bucket without le`);
      entry.buckets.push([parseValue(le, s.name), s.value]);
    } else if (s.name === `${f.name}_count`) entry.count = s.value;
    else if (s.name === `${f.name}_sum`) entry.sum = s.value;
    else throw new Error(`unexpected sample ${s.name} in histogram ${f.name}`);
  }
  for (const [key, s] of series) {
    for (let i = 1; i < s.buckets.length; i++) {
      const [le0, n0] = s.buckets[i - 1] ?? [0, 0];
      const [le1, n1] = s.buckets[i] ?? [0, 0];
      if (!(le1 > le0)) throw new Error(`${f.name}${key}: le not increasing`);
      if (n1 < n0) throw new Error(`${f.name}${key}: buckets not cumulative`);
    }
    const inf = s.buckets[s.buckets.length - 1];
    if (!inf || inf[0] !== Infinity) throw new Error(`${f.name}${key}: no +Inf bucket`);
    if (s.count === undefined || s.sum === undefined) throw new Error(`${f.name}${key}: missing _count or _sum`);
    if (inf[1] !== s.count) throw new Error(`${f.name}${key}: +Inf bucket ${inf[1]} != count ${s.count}`);
  }
}

/** The value of the one sample of `name` whose labels include `labels`; undefined when none. */
export function sampleValue(families: Map<string, ParsedFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  const f = familyOf(name, families);
  const s = f?.samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  return s?.value;
}

import { describe, expect, it } from 'vitest';
import { render } from './exposition.js';
import { Registry } from './registry.js';
import { parseExposition, sampleValue } from '../../test-support/metrics/parse.js';

describe('metrics registry and exposition', () => {
  it('writes HELP and TYPE once per family and escapes label values and help text', async () => {
    const r = new Registry();
    const c = r.counter('t_requests_total', 'Requests.\nSecond line with a \\ backslash.', ['path']);
    const nasty = 'a "quoted" \\ back\nslash';
    c.inc({ path: nasty });
    c.inc({ path: nasty }, 2);
    c.inc({ path: '/plain' });
    const text = render(await r.collect());
    expect(text.match(/^# TYPE t_requests_total counter$/gm)).toHaveLength(1);
    expect(text).toContain('path="a \\"quoted\\" \\\\ back\\nslash"');
    const parsed = parseExposition(text);
    expect(parsed.get('t_requests_total')?.help).toBe('Requests.\nSecond line with a \\ backslash.');
    expect(sampleValue(parsed, 't_requests_total', { path: nasty })).toBe(3);
    expect(sampleValue(parsed, 't_requests_total', { path: '/plain' })).toBe(1);
  });

  it('keeps histogram buckets cumulative with +Inf equal to the count', async () => {
    const r = new Registry();
    const h = r.histogram('t_seconds', 'Durations.', ['op'], [0.1, 1, 10]);
    for (const v of [0.05, 0.1, 0.5, 2, 20, 30]) h.observe({ op: 'x' }, v);
    const parsed = parseExposition(render(await r.collect()));
    const bucket = (le: string) => sampleValue(parsed, 't_seconds_bucket', { op: 'x', le });
    expect([bucket('0.1'), bucket('1'), bucket('10'), bucket('+Inf')]).toEqual([2, 3, 4, 6]);
    expect(sampleValue(parsed, 't_seconds_count', { op: 'x' })).toBe(6);
    expect(sampleValue(parsed, 't_seconds_sum', { op: 'x' })).toBeCloseTo(52.65);
  });

  it('refuses what would corrupt the output: wrong labels, decreasing counters, bad names, duplicates', () => {
    const r = new Registry();
    const c = r.counter('t_total', 'x', ['a']);
    expect(() => c.inc({ b: '1' } as never)).toThrow(/takes labels a/);
    expect(() => c.inc({ a: '1' }, -1)).toThrow(/only goes up/);
    expect(() => r.counter('t_total', 'again')).toThrow(/registered twice/);
    expect(() => r.counter('bad-name', 'x')).toThrow(/invalid metric name/);
    expect(() => r.histogram('t_h', 'x', ['le'], [1])).not.toThrow();
    expect(() => r.histogram('t_h2', 'x', [], [2, 1])).toThrow(/increase/);
  });

  it('the test parser rejects broken expositions (so the checks above can fail)', () => {
    const head = '# HELP h x\n# TYPE h histogram\n';
    expect(() => parseExposition('x 1\n')).toThrow(/before its HELP/);
    expect(() => parseExposition(`${head}h_bucket{le="1"} 3\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 2\n`)).toThrow(/not cumulative/);
    expect(() => parseExposition(`${head}h_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n`)).toThrow(/!= count/);
    expect(() => parseExposition('# HELP c x\n# TYPE c counter\nc{a="\\q"} 1\n')).toThrow(/bad escape/);
  });
});

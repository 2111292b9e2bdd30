import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Every command accepts these. */
const COMMON: Options = { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } };

/**
 * node:util parseArgs, strict, with its errors turned into UsageError (exit 2). A command takes at
 * most `maxPositionals` arguments that are not options: a stray word (`deploy shop web1 --env …`,
 * an unquoted reason) is refused rather than silently dropped.
 */
export function parse<O extends Options>(args: string[], options: O, maxPositionals = 0) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...COMMON, ...options } as O & typeof COMMON, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const extra = parsed.positionals.slice(maxPositionals);
  if (extra.length > 0) throw new UsageError(`unexpected argument${extra.length > 1 ? 's' : ''} ${extra.map((a) => `"${a}"`).join(' ')} (quote a value that has spaces)`);
  return parsed;
}

export function need(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing ${what}`);
  return value;
}

export function int(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${what} must be a whole number, got "${value}"`);
  return Number(value);
}

/** `KEY=value` pairs (variables, labels). */
export function pairs(values: string[] | undefined, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values ?? []) {
    const i = v.indexOf('=');
    if (i <= 0) throw new UsageError(`${what} must look like KEY=value, got "${v}"`);
    out[v.slice(0, i)] = v.slice(i + 1);
  }
  return out;
}

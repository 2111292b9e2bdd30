import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { AppError } from '../errors.js';
import { DevflowConfig } from './settings.js';

export const DEVFLOW_YML = 'devflow.yml';

/** One problem in devflow.yml, with where it is. */
export interface ConfigProblem {
  /** Dotted path of the field, e.g. `hooks.build.before`; empty for the whole file. */
  field: string;
  /** 1-based line (0 when unknown). */
  line: number;
  message: string;
}

/**
 * A devflow.yml that does not parse or validate. The message lists every problem with its line
 * and field, ready for the deployment log ("devflow.yml line 4, strategy: ...").
 */
export class PipelineConfigError extends AppError {
  constructor(readonly problems: ConfigProblem[]) {
    super('VALIDATION_FAILED', formatProblems(problems), { source: DEVFLOW_YML, problems });
  }
}

function formatProblems(problems: ConfigProblem[]): string {
  const lines = problems.map((p) => {
    const where = p.line > 0 ? `line ${p.line}` : 'file';
    return `${DEVFLOW_YML} ${where}${p.field ? `, ${p.field}` : ''}: ${p.message}`;
  });
  return lines.length === 1 ? (lines[0] ?? '') : `${DEVFLOW_YML} is not valid:\n${lines.join('\n')}`;
}

const MAX_BYTES = 64 * 1024;

/** Parses and validates devflow.yml; throws PipelineConfigError with line/field for every problem. */
export function parseDevflowYml(text: string): DevflowConfig {
  if (Buffer.byteLength(text) > MAX_BYTES) {
    throw new PipelineConfigError([{ field: '', line: 0, message: `file is larger than ${MAX_BYTES} bytes` }]);
  }
  const lineCounter = new LineCounter();
  // `uniqueKeys` makes a repeated key an error instead of silently keeping the last one.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new PipelineConfigError(
      doc.errors.map((e) => ({ field: '', line: lineCounter.linePos(e.pos[0]).line, message: firstLine(e.message) })),
    );
  }
  const value = expand(doc);
  const parsed = DevflowConfig.safeParse(value);
  if (!parsed.success) {
    throw new PipelineConfigError(
      parsed.error.issues.map((issue) => {
        const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
        // An unknown key is reported on the key itself, not on its parent.
        const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
        const fieldPath = keys.length === 1 ? [...path, keys[0] as string] : path;
        return { field: fieldPath.join('.'), line: lineOf(doc, fieldPath, lineCounter), message: issue.message };
      }),
    );
  }
  return parsed.data;
}

/** Aliases are expanded at most 100 times: a "billion laughs" file is a config error, not a 500. */
const MAX_ALIAS_COUNT = 100;

function expand(doc: Document): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (err) {
    // yaml throws a ReferenceError ("Excessive alias count …") when the limit is passed.
    if (err instanceof ReferenceError && /alias/i.test(err.message)) {
      throw new PipelineConfigError([{ field: '', line: 0, message: `too many aliases (more than ${MAX_ALIAS_COUNT} expansions): the file would expand far beyond its size` }]);
    }
    throw err;
  }
}

function lineOf(doc: Document, path: (string | number)[], lineCounter: LineCounter): number {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  return 0;
}

/** yaml's messages carry their own position and a code excerpt; we report the line separately. */
function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

import type { Command, Commands } from '../api/types.js';

/**
 * Commands edited as text, one per line. A line that is a JSON array is an argv command
 * (run without a shell); any other line is a shell command. Round-trips what the API sends.
 */
export function commandsToText(value: Commands | Command[] | undefined): string {
  if (value === undefined || value === null || value === false) return '';
  const list = Array.isArray(value) ? value : [value];
  return list.map((c) => (typeof c === 'string' ? c : JSON.stringify(c.argv))).join('\n');
}

export class CommandSyntaxError extends Error {
  constructor(readonly line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'CommandSyntaxError';
  }
}

export function textToCommands(text: string): Command[] {
  const out: Command[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    if (line.startsWith('[')) {
      let argv: unknown;
      try {
        argv = JSON.parse(line);
      } catch {
        throw new CommandSyntaxError(i + 1, 'a line starting with "[" must be a JSON array of strings, e.g. ["npm", "ci"]');
      }
      if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string')) {
        throw new CommandSyntaxError(i + 1, 'an argv command is a non-empty JSON array of strings');
      }
      out.push({ argv: argv as string[] });
    } else out.push(line);
  });
  return out;
}

import { describe, expect, it } from 'vitest';
import { parseAnsi, paletteColor, stripAnsi } from '../../web/src/log/ansi.js';
import { findRanges, markSegments } from '../../web/src/log/highlight.js';
import { LogStore, isErrorLine } from '../../web/src/log/store.js';
import { commandsToText, textToCommands, CommandSyntaxError } from '../../web/src/components/commands.js';

/** The console's pure log pieces: ANSI parsing, search marks, the line store, command text. */
describe('ANSI rendering', () => {
  it('turns SGR colours and attributes into styled segments and resets them', () => {
    const segments = parseAnsi('\x1b[1;31mERROR\x1b[0m plain \x1b[32mok\x1b[39m');
    expect(segments).toEqual([
      { text: 'ERROR', style: { bold: true, fg: 1 } },
      { text: ' plain ', style: null },
      { text: 'ok', style: { fg: 2 } },
    ]);
  });

  it('reads bright, 256-colour and truecolour codes', () => {
    expect(parseAnsi('\x1b[94mx')[0]!.style).toEqual({ fg: 12 });
    expect(parseAnsi('\x1b[38;5;208mx')[0]!.style).toEqual({ fg: 208 });
    expect(parseAnsi('\x1b[48;2;255;0;16mx')[0]!.style).toEqual({ bg: '#ff0010' });
    expect(paletteColor(232)).toBe('rgb(8,8,8)');
    expect(paletteColor(196)).toBe('rgb(255,0,0)');
  });

  it('drops cursor and OSC escapes, keeps the last redraw of a progress line', () => {
    expect(stripAnsi('\x1b[2K\x1b[1Gdownloading 10%\rdownloading 100%')).toBe('downloading 100%');
    expect(stripAnsi('\x1b]0;title\x07hello\x1b]8;;http://x\x1b\\link')).toBe('hellolink');
    expect(stripAnsi('tab\there\x07')).toBe('tab\there');
  });

  it('keeps plain text and segments in step, so search offsets line up', () => {
    const line = '\x1b[33mwarn\x1b[0m: \x1b[1mnpm\x1b[22m ERR! code 1\r\n';
    expect(parseAnsi(line).map((s) => s.text).join('')).toBe(stripAnsi(line));
  });
});

describe('search marks', () => {
  it('finds every case-insensitive occurrence and splits styled segments at its edges', () => {
    const raw = 'abc\x1b[31mdefABC\x1b[0mdef';
    const lower = stripAnsi(raw).toLowerCase();
    const ranges = findRanges(lower, 'cde');
    expect(ranges).toEqual([
      [2, 5],
      [8, 11],
    ]);
    const marked = markSegments(parseAnsi(raw), ranges);
    expect(marked.map((s) => [s.text, s.mark])).toEqual([
      ['ab', false],
      ['c', true],
      ['de', true],
      ['fAB', false],
      ['C', true],
      ['de', true],
      ['f', false],
    ]);
    expect(marked[2]!.style).toEqual({ fg: 1 });
  });
});

describe('LogStore', () => {
  const line = (cursor: number, text: string, stream = 'stdout') => ({ cursor, serverId: 's1', stepId: 'st1', stage: 'build', seq: cursor, stream, ts: 0, text });

  it('appends once per cursor, flags error lines and searches them', () => {
    const store = new LogStore();
    let notified = 0;
    store.subscribe(() => notified++);
    store.append([line(1, 'installing'), line(2, '\x1b[31mnpm ERR! missing script\x1b[0m'), line(3, 'Build OK')]);
    store.append([line(2, 'duplicate after reconnect'), line(4, 'done')]);
    expect(store.lines.map((l) => l.lower)).toEqual(['installing', 'npm err! missing script', 'build ok', 'done']);
    expect(store.errorLines).toEqual([1]);
    expect(store.cursor).toBe(4);
    expect(notified).toBe(2);
    expect(store.search('BUILD')).toEqual([2]);
    expect(store.searchFrom('n', 2)).toEqual([3]);
  });

  it('recognises common failure lines and leaves ordinary ones alone', () => {
    expect(isErrorLine('Error: Cannot find module x')).toBe(true);
    expect(isErrorLine('fatal: could not read from remote')).toBe(true);
    expect(isErrorLine('process exited with exit code 2')).toBe(true);
    expect(isErrorLine('0 errors found')).toBe(true);
    expect(isErrorLine('compiled successfully in 2.1s')).toBe(false);
    expect(isErrorLine('terror-reporting module loaded')).toBe(false);
  });

  it('searches 100,000 lines', () => {
    const store = new LogStore();
    const batch = [];
    for (let i = 0; i < 100_000; i++) batch.push(line(i, `line ${i} \x1b[32mcompiled\x1b[0m module-${i % 977}`));
    store.append(batch);
    expect(store.search('module-976')).toHaveLength(102);
  });
});

describe('pipeline command text', () => {
  it('round-trips shell strings and argv arrays, one per line', () => {
    const commands = ['npm ci', { argv: ['node', 'build.js', '--out', 'dist dir'] }];
    const text = commandsToText(commands);
    expect(text).toBe('npm ci\n["node","build.js","--out","dist dir"]');
    expect(textToCommands(text + '\n\n')).toEqual(commands);
    expect(commandsToText(false)).toBe('');
  });

  it('names the line of a malformed argv command', () => {
    expect(() => textToCommands('npm ci\n["node", 1]')).toThrow(CommandSyntaxError);
    expect(() => textToCommands('npm ci\n[node')).toThrow(/line 2/);
  });
});

import { describe, expect, it } from 'vitest';
import { terminalSafe } from './terminal-text.js';

const ESC = '\x1b';

describe('terminalSafe (devflow logs)', () => {
  it.each([
    ['OSC 52 clipboard write (BEL)', `a${ESC}]52;c;ZWNobyBwd25lZA==\x07b`, 'ab'],
    ['OSC 52 clipboard write (ST)', `a${ESC}]52;c;ZWNobw==${ESC}\\b`, 'ab'],
    ['window title', `${ESC}]0;owned\x07ok`, 'ok'],
    ['screen clear and cursor home', `${ESC}[2J${ESC}[Hhidden?`, 'hidden?'],
    ['cursor up and erase line', `x${ESC}[1A${ESC}[2Ky`, 'xy'],
    ['DCS', `${ESC}Pq#0;2;0;0;0${ESC}\\z`, 'z'],
    ['C1 CSI', 'a\x9b2Jb', 'ab'],
    ['bare carriage return and backspace', 'safe\rEVIL\b!', 'safeEVIL!'],
    ['a lone ESC at the end', `end${ESC}`, 'end'],
  ])('strips %s', (_what, input, expected) => {
    expect(terminalSafe(input, { colours: true })).toBe(expected);
  });

  it('keeps colours (SGR), tabs and line ends; drops colours with colours: false', () => {
    const coloured = `${ESC}[1;31merror${ESC}[0m\tdone\r\nnext\n`;
    expect(terminalSafe(coloured, { colours: true })).toBe(`${ESC}[1;31merror${ESC}[0m\tdone\nnext\n`);
    expect(terminalSafe(coloured, { colours: false })).toBe('error\tdone\nnext\n');
  });
});

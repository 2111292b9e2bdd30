/**
 * ANSI escape handling for log lines: SGR colours and text attributes become styled
 * segments; every other escape (cursor movement, erase, OSC titles/links) is dropped.
 * `stripAnsi(line)` is exactly the concatenation of `parseAnsi(line)` texts, so search
 * offsets found in the plain text can be laid over the styled segments.
 */
export interface Style {
  /** 0–255 palette index or a `#rrggbb` colour. */
  fg?: number | string;
  bg?: number | string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
  inverse?: boolean;
}

export interface Segment {
  text: string;
  style: Style | null;
}

// CSI … final byte | OSC … BEL/ST | two-byte escapes.
// eslint-disable-next-line no-control-regex
const ESCAPE = /\x1b\[([0-9;:?<=>]*)[ -/]*([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]?/g;
// Control characters other than tab that a terminal would not print.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f]/g;

/** A carriage return in the middle of a line is a progress bar redrawing: keep what was drawn last. */
function lastRedraw(line: string): string {
  const trimmed = line.endsWith('\r') ? line.replace(/\r+$/, '') : line;
  const cr = trimmed.lastIndexOf('\r');
  return cr === -1 ? trimmed : trimmed.slice(cr + 1);
}

// Any character an escape or a control code starts with; most log lines have none.
// eslint-disable-next-line no-control-regex
const SPECIAL = /[\x00-\x08\x0b-\x1f\x7f]/;

export function stripAnsi(line: string): string {
  if (!SPECIAL.test(line)) return line;
  return lastRedraw(line).replace(ESCAPE, '').replace(CONTROL, '');
}

export function parseAnsi(line: string): Segment[] {
  const input = lastRedraw(line);
  const segments: Segment[] = [];
  let style: Style | null = null;
  let last = 0;
  const push = (text: string) => {
    const clean = text.replace(CONTROL, '');
    if (clean) segments.push({ text: clean, style });
  };
  ESCAPE.lastIndex = 0;
  for (let match = ESCAPE.exec(input); match; match = ESCAPE.exec(input)) {
    push(input.slice(last, match.index));
    last = match.index + match[0].length;
    if (match[2] === 'm') style = applySgr(style, match[1] ?? '');
    if (match[0].length === 0) ESCAPE.lastIndex++;
  }
  push(input.slice(last));
  return segments;
}

function applySgr(current: Style | null, params: string): Style | null {
  const codes = params === '' ? [0] : params.split(/[;:]/).map((p) => (p === '' ? 0 : Number(p)));
  let style: Style = { ...(current ?? {}) };
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i]!;
    if (code === 0) style = {};
    else if (code === 1) style.bold = true;
    else if (code === 2) style.dim = true;
    else if (code === 3) style.italic = true;
    else if (code === 4) style.underline = true;
    else if (code === 7) style.inverse = true;
    else if (code === 22) style.bold = style.dim = false;
    else if (code === 23) style.italic = false;
    else if (code === 24) style.underline = false;
    else if (code === 27) style.inverse = false;
    else if (code >= 30 && code <= 37) style.fg = code - 30;
    else if (code >= 90 && code <= 97) style.fg = code - 90 + 8;
    else if (code === 39) delete style.fg;
    else if (code >= 40 && code <= 47) style.bg = code - 40;
    else if (code >= 100 && code <= 107) style.bg = code - 100 + 8;
    else if (code === 49) delete style.bg;
    else if (code === 38 || code === 48) {
      const key = code === 38 ? 'fg' : 'bg';
      if (codes[i + 1] === 5 && codes[i + 2] !== undefined) {
        style[key] = clamp(codes[i + 2]!);
        i += 2;
      } else if (codes[i + 1] === 2 && codes[i + 4] !== undefined) {
        style[key] = '#' + [codes[i + 2]!, codes[i + 3]!, codes[i + 4]!].map((c) => clamp(c).toString(16).padStart(2, '0')).join('');
        i += 4;
      }
    }
  }
  const empty = Object.values(style).every((v) => v === undefined || v === false);
  return empty ? null : style;
}

function clamp(n: number): number {
  return Number.isFinite(n) ? Math.min(255, Math.max(0, Math.trunc(n))) : 0;
}

/** CSS colour of an xterm 256-palette index above the 16 themed ones. */
export function paletteColor(index: number): string {
  if (index >= 232) {
    const v = 8 + (index - 232) * 10;
    return `rgb(${v},${v},${v})`;
  }
  const n = index - 16;
  const level = (x: number) => (x === 0 ? 0 : 55 + x * 40);
  return `rgb(${level(Math.floor(n / 36))},${level(Math.floor(n / 6) % 6)},${level(n % 6)})`;
}

import { memo, type CSSProperties } from 'react';
import { paletteColor, parseAnsi, type Style } from './ansi.js';
import { findRanges, markSegments } from './highlight.js';
import type { StoredLine } from './store.js';

function colour(value: number | string): { className?: string; css?: string } {
  if (typeof value === 'string') return { css: value };
  return value < 16 ? { className: String(value) } : { css: paletteColor(value) };
}

function styleOf(style: Style | null): { className: string; css: CSSProperties | undefined } {
  if (!style) return { className: '', css: undefined };
  const classes: string[] = [];
  const css: CSSProperties = {};
  let fg = style.fg;
  let bg = style.bg;
  if (style.inverse) [fg, bg] = [bg ?? 'var(--log-bg)', fg ?? 'var(--log-fg)'];
  if (fg !== undefined) {
    const c = colour(fg);
    if (c.className) classes.push('fg' + c.className);
    else css.color = c.css;
  }
  if (bg !== undefined) {
    const c = colour(bg);
    if (c.className) classes.push('bg' + c.className);
    else css.backgroundColor = c.css;
  }
  if (style.bold) classes.push('b');
  if (style.dim) classes.push('dim');
  if (style.italic) classes.push('i');
  if (style.underline) classes.push('u');
  return { className: classes.join(' '), css: Object.keys(css).length ? css : undefined };
}

/** One log line: number, server, stage, then the text with its ANSI colours and search marks. */
export const LogRow = memo(function LogRow({
  line,
  index,
  query,
  current,
  serverName,
}: {
  line: StoredLine;
  index: number;
  query: string;
  current: boolean;
  serverName: string | null;
}) {
  const segments = markSegments(parseAnsi(line.raw), findRanges(line.lower, query));
  const classes = ['log-row'];
  if (line.error) classes.push('log-error');
  if (line.stream === 'stderr') classes.push('log-stderr');
  if (line.stream === 'system') classes.push('log-system');
  if (current) classes.push('log-current');
  return (
    <div className={classes.join(' ')}>
      <span className="log-num">{index + 1}</span>
      {serverName !== null && <span className="log-server" title={serverName}>{serverName}</span>}
      <span className="log-stage">{line.stage}</span>
      <span className="log-text">
        {segments.map((segment, i) => {
          const { className, css } = styleOf(segment.style);
          const content = segment.mark ? <mark>{segment.text}</mark> : segment.text;
          return className || css ? (
            <span key={i} className={className || undefined} style={css}>
              {content}
            </span>
          ) : (
            <span key={i}>{content}</span>
          );
        })}
      </span>
    </div>
  );
});

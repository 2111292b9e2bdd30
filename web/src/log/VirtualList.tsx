import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';

/**
 * A fixed-row-height virtual list: only the rows in view (plus a margin) exist in the DOM,
 * so 100,000 log lines scroll like 100. While `follow` is on it stays pinned to the bottom as
 * rows arrive; scrolling up by hand turns it off through `onFollowChange(false)`.
 */
export function VirtualList({
  count,
  rowHeight,
  renderRow,
  follow,
  onFollowChange,
  scrollTo,
  className,
  label,
}: {
  count: number;
  rowHeight: number;
  renderRow: (index: number) => ReactNode;
  follow: boolean;
  onFollowChange: (follow: boolean) => void;
  /** Bring this row into the middle of the view whenever the object changes. */
  scrollTo: { index: number } | null;
  className?: string;
  label: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const [height, setHeight] = useState(600);
  const autoTop = useRef(-1);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    setHeight(el.clientHeight);
    return () => observer.disconnect();
  }, []);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || !follow) return;
    el.scrollTop = el.scrollHeight;
    autoTop.current = el.scrollTop;
    setTop(el.scrollTop);
  }, [count, follow, height]);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || !scrollTo) return;
    el.scrollTop = Math.max(0, scrollTo.index * rowHeight - el.clientHeight / 2 + rowHeight / 2);
    setTop(el.scrollTop);
  }, [scrollTo, rowHeight]);

  const onScroll = () => {
    const el = ref.current;
    if (!el) return;
    setTop(el.scrollTop);
    // Our own pinning only ever moves down; a move above it is the user reading back.
    if (follow && el.scrollTop < autoTop.current - rowHeight) onFollowChange(false);
  };

  const overscan = 30;
  const first = Math.max(0, Math.floor(top / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((top + height) / rowHeight) + overscan);
  const rows: ReactNode[] = [];
  for (let i = first; i < last; i++) {
    rows.push(
      <div key={i} className="vrow" style={{ top: i * rowHeight, height: rowHeight }} data-index={i}>
        {renderRow(i)}
      </div>,
    );
  }
  return (
    <div ref={ref} className={className} onScroll={onScroll} role="log" aria-label={label} tabIndex={0}>
      <div className="vlist-inner" style={{ height: count * rowHeight }}>
        {rows}
      </div>
    </div>
  );
}

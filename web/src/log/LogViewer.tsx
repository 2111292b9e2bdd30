import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { LogRow } from './LogRow.js';
import type { LogStore } from './store.js';
import type { StreamState } from './useLogStream.js';
import { VirtualList } from './VirtualList.js';

const ROW_HEIGHT = 20;

const STREAM_LABEL: Record<StreamState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  ended: 'Complete',
};

/**
 * The live log: virtualised lines, search with next/previous (`/` focuses it, Enter and
 * Shift+Enter move), jump between error lines, follow toggle and download.
 */
export function LogViewer({
  store,
  streamState,
  serverNames,
  downloadUrl,
  downloadName,
}: {
  store: LogStore;
  streamState: StreamState;
  serverNames: Record<string, string>;
  downloadUrl: string;
  downloadName: string;
}) {
  const version = useRenderedVersion(store);
  const count = store.lines.length;
  const [follow, setFollow] = useState(true);
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<number[]>([]);
  const [current, setCurrent] = useState(-1);
  const [scrollTo, setScrollTo] = useState<{ index: number } | null>(null);
  const [searchMs, setSearchMs] = useState<number | null>(null);
  const searched = useRef({ query: '', upTo: 0 });
  const input = useRef<HTMLInputElement>(null);

  // Full search when the query changes; only the new lines when the log grows.
  useEffect(() => {
    const needle = query.trim().toLowerCase();
    const state = searched.current;
    if (needle !== state.query) {
      const started = performance.now();
      const found = store.search(needle);
      setSearchMs(performance.now() - started);
      searched.current = { query: needle, upTo: store.lines.length };
      setHits(found);
      const first = found.length ? 0 : -1;
      setCurrent(first);
      if (first === 0) {
        setFollow(false);
        setScrollTo({ index: found[0]! });
      }
    } else if (needle && store.lines.length > state.upTo) {
      const more = store.searchFrom(needle, state.upTo);
      state.upTo = store.lines.length;
      if (more.length) setHits((old) => old.concat(more));
    }
  }, [query, version, store]);

  const go = useCallback(
    (delta: 1 | -1) => {
      if (hits.length === 0) return;
      const next = (current + delta + hits.length) % hits.length;
      setCurrent(next);
      setFollow(false);
      setScrollTo({ index: hits[next]! });
    },
    [hits, current],
  );

  const nextError = () => {
    const errors = store.errorLines;
    if (errors.length === 0) return;
    const from = scrollTo?.index ?? -1;
    const target = errors.find((i) => i > from) ?? errors[0]!;
    setFollow(false);
    setScrollTo({ index: target });
  };

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      const typing = target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.isContentEditable);
      if (event.key === '/' && !typing) {
        event.preventDefault();
        input.current?.focus();
        input.current?.select();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const multiServer = Object.keys(serverNames).length > 1;
  const currentLine = current >= 0 ? hits[current] : undefined;
  const needle = query.trim().toLowerCase();

  return (
    <section className="log" aria-label="Deployment log">
      <div className="log-toolbar">
        <div className="log-search">
          <input
            ref={input}
            type="search"
            placeholder="Search log  ( / )"
            aria-label="Search the log"
            value={query}
            onChange={(event) => setQuery(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter') {
                event.preventDefault();
                go(event.shiftKey ? -1 : 1);
              } else if (event.key === 'Escape') {
                setQuery('');
              }
            }}
          />
          <span className="log-hits" aria-live="polite" data-search-ms={searchMs === null ? undefined : searchMs.toFixed(1)}>
            {needle ? (hits.length ? `${current + 1} / ${hits.length}` : 'no matches') : `${count.toLocaleString()} lines`}
          </span>
          <button type="button" className="btn btn-small" onClick={() => go(-1)} disabled={hits.length === 0} aria-label="Previous match">
            ↑
          </button>
          <button type="button" className="btn btn-small" onClick={() => go(1)} disabled={hits.length === 0} aria-label="Next match">
            ↓
          </button>
        </div>
        <div className="log-actions">
          <button type="button" className="btn btn-small btn-danger-ghost" onClick={nextError} disabled={store.errorLines.length === 0}>
            {store.errorLines.length} error line{store.errorLines.length === 1 ? '' : 's'} →
          </button>
          <label className="toggle">
            <input type="checkbox" checked={follow} onChange={(event) => setFollow(event.target.checked)} /> Follow
          </label>
          <a className="btn btn-small" href={downloadUrl} download={downloadName}>
            Download
          </a>
          <span className={`stream-state stream-${streamState}`}>{STREAM_LABEL[streamState]}</span>
        </div>
      </div>
      {count === 0 ? (
        <div className="log-body log-empty">
          {streamState === 'ended' ? 'This deployment printed no output.' : 'Waiting for the first log line…'}
        </div>
      ) : (
        <VirtualList
          className="log-body"
          label="Log lines"
          count={count}
          rowHeight={ROW_HEIGHT}
          follow={follow}
          onFollowChange={setFollow}
          scrollTo={scrollTo}
          renderRow={(i) => {
            const line = store.lines[i]!;
            return (
              <LogRow
                line={line}
                index={i}
                query={needle}
                current={i === currentLine}
                serverName={multiServer ? (serverNames[line.serverId] ?? line.serverId) : null}
              />
            );
          }}
        />
      )}
      {!follow && count > 0 && (
        <button type="button" className="btn log-jump" onClick={() => setFollow(true)}>
          Follow new lines ↓
        </button>
      )}
    </section>
  );
}

/** Re-render at most once per animation frame however fast lines arrive. */
function useRenderedVersion(store: LogStore): number {
  const frame = useRef(0);
  const subscribe = useCallback(
    (notify: () => void) => {
      const unsubscribe = store.subscribe(() => {
        if (frame.current) return;
        frame.current = requestAnimationFrame(() => {
          frame.current = 0;
          notify();
        });
      });
      return () => {
        unsubscribe();
        if (frame.current) cancelAnimationFrame(frame.current);
        frame.current = 0;
      };
    },
    [store],
  );
  return useSyncExternalStore(subscribe, () => store.version);
}

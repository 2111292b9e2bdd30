import { useEffect, useRef } from 'react';
import { subscribeLive, type LiveKind } from '../api/events.js';

/**
 * Calls `onChange` when a live event of one of `kinds` arrives (or after the event stream
 * reconnected). Bursts are coalesced: at most one call per `throttleMs`, always a trailing one.
 */
export function useLive(kinds: readonly LiveKind[], onChange: (data: unknown) => void, throttleMs = 300): void {
  const callback = useRef(onChange);
  callback.current = onChange;
  const key = kinds.join(',');

  useEffect(() => {
    const wanted = new Set(key.split(','));
    let timer: ReturnType<typeof setTimeout> | null = null;
    let last = 0;
    let pending: unknown = null;
    const fire = () => {
      timer = null;
      last = Date.now();
      callback.current(pending);
    };
    const unsubscribe = subscribeLive((kind, data) => {
      if (kind !== 'reconnect' && !wanted.has(kind)) return;
      pending = data;
      if (timer) return;
      const wait = Math.max(0, last + throttleMs - Date.now());
      timer = setTimeout(fire, wait);
    });
    return () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }, [key, throttleMs]);
}

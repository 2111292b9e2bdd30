import { useEffect, useRef, useState } from 'react';
import { deployments } from '../api/endpoints.js';
import type { LogStore } from './store.js';

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'ended';

/**
 * Streams a deployment's log into `store` over Server-Sent Events: history first (from the
 * store's cursor), then live lines, until the server sends `end`. When the connection drops
 * we reopen it ourselves from the last cursor we hold, so nothing is missed or shown twice.
 */
export function useLogStream(id: string, store: LogStore, onStatus: (summary: unknown) => void): StreamState {
  const [state, setState] = useState<StreamState>('connecting');
  const statusHandler = useRef(onStatus);
  statusHandler.current = onStatus;

  useEffect(() => {
    let source: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let ended = false;
    let delay = 500;

    const connect = () => {
      source = new EventSource(deployments.streamUrl(id, store.cursor), { withCredentials: true });
      source.onopen = () => {
        delay = 500;
        setState('live');
      };
      // The engine names the event `log`; the README's contract says `lines`. Accept both.
      const onLines = (event: Event) => {
        const message = event as MessageEvent<string>;
        const data: unknown = JSON.parse(message.data);
        // Either a bare array of lines or `{lines, next}`; the resume cursor may also be the event id.
        const batch = Array.isArray(data) ? data : (data as { lines?: unknown }).lines;
        const next = Array.isArray(data) ? undefined : (data as { next?: string | number }).next;
        if (message.lastEventId) store.setCursor(message.lastEventId);
        if (next !== undefined && next !== null) store.setCursor(next);
        if (Array.isArray(batch)) store.append(batch);
      };
      source.addEventListener('log', onLines);
      source.addEventListener('lines', onLines);
      source.addEventListener('status', (event) => {
        statusHandler.current(JSON.parse((event as MessageEvent<string>).data));
      });
      source.addEventListener('end', () => {
        ended = true;
        source?.close();
        setState('ended');
      });
      source.onerror = () => {
        if (ended) return;
        source?.close();
        setState('reconnecting');
        timer = setTimeout(connect, delay);
        delay = Math.min(delay * 2, 10_000);
      };
    };
    connect();
    return () => {
      ended = true;
      source?.close();
      if (timer) clearTimeout(timer);
    };
  }, [id, store]);

  return state;
}

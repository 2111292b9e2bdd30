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
      source.addEventListener('lines', (event) => {
        const batch: unknown = JSON.parse((event as MessageEvent<string>).data);
        if (Array.isArray(batch)) store.append(batch);
      });
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

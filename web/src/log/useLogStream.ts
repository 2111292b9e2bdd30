import { useEffect, useRef, useState } from 'react';
import { api } from '../api/client.js';
import { deployments } from '../api/endpoints.js';
import type { LogLine } from '../api/types.js';
import { withQuery } from '../router/router.js';
import type { LogStore } from './store.js';

const BACKFILL_PAGE = 10_000;

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'ended';

/**
 * Loads a deployment's log into `store`: the lines so far in pages of 10,000, then live lines
 * over Server-Sent Events until the server sends `end`. When the connection drops
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
    // History first in large pages (far fewer round trips than the stream's small batches),
    // then the live stream from where the pages ended.
    const backfill = async () => {
      try {
        for (let pages = 0; pages < 1000 && !ended; pages++) {
          const page = await api.get<{ lines?: LogLine[]; next?: string; more?: boolean }>(
            withQuery(deployments.logUrl(id), { format: 'json', limit: BACKFILL_PAGE, after: store.cursor === null ? null : String(store.cursor) }),
          );
          if (ended) return;
          if (page.next) store.setCursor(page.next);
          if (page.lines?.length) store.append(page.lines);
          if (!page.more) break;
        }
      } catch {
        // The stream replays whatever the pages did not deliver; its errors are the ones shown.
      }
    };
    void backfill().then(() => {
      if (!ended) connect();
    });
    return () => {
      ended = true;
      source?.close();
      if (timer) clearTimeout(timer);
    };
  }, [id, store]);

  return state;
}

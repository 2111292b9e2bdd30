/**
 * One shared EventSource on `/api/events` for the whole console. Pages subscribe to event
 * kinds (`deployment`, `queue`, `server`) and re-read the API when something changed: the
 * database is the record of truth, events only say "look again". After a reconnect every
 * subscriber is told too, because events sent while we were away are lost.
 */
export type LiveKind = 'deployment' | 'queue' | 'server';
export type LiveHandler = (kind: LiveKind | 'reconnect', data: unknown) => void;

const KINDS: LiveKind[] = ['deployment', 'queue', 'server'];
const handlers = new Set<LiveHandler>();
let source: EventSource | null = null;
let retryTimer: ReturnType<typeof setTimeout> | null = null;
let retryDelay = 1000;
let wasOpen = false;

function dispatch(kind: LiveKind | 'reconnect', data: unknown): void {
  for (const handler of handlers) handler(kind, data);
}

function open(): void {
  source = new EventSource('/api/events', { withCredentials: true });
  source.onopen = () => {
    retryDelay = 1000;
    if (wasOpen) dispatch('reconnect', null);
    wasOpen = true;
  };
  for (const kind of KINDS) {
    source.addEventListener(kind, (event) => {
      let data: unknown = null;
      try {
        data = JSON.parse((event as MessageEvent<string>).data);
      } catch {
        data = (event as MessageEvent<string>).data;
      }
      dispatch(kind, data);
    });
  }
  source.onerror = () => {
    // The browser retries by itself unless the server refused (closed state): then we retry
    // with a capped backoff so a restarting control plane is picked up again.
    if (source?.readyState !== EventSource.CLOSED) return;
    source = null;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      if (handlers.size > 0) open();
    }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 15_000);
  };
}

export function subscribeLive(handler: LiveHandler): () => void {
  handlers.add(handler);
  if (!source && !retryTimer) open();
  return () => {
    handlers.delete(handler);
    if (handlers.size === 0) {
      source?.close();
      source = null;
      wasOpen = false;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
    }
  };
}

/**
 * Host-header routing: several apps share one public port, each answering for its own host name
 * (preview environments `pr-<n>.<domain>`, or staging and production on port 80). A route without
 * a host name is the port's default and answers every other host; with no default, a request for
 * an unknown host gets 404.
 */

/** What a routed app says about itself (a Router route's record). */
interface HostRouted {
  record: { listenPort: number; hostname?: string | undefined };
}

/** The Host header's name: lowercase, without the port and a trailing dot; undefined when absent. */
export function hostName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const value = header.trim().toLowerCase();
  // An IPv6 literal keeps its brackets; only a trailing :port is cut.
  const name = value.startsWith('[') ? value.slice(0, value.indexOf(']') + 1) : value.replace(/:\d+$/, '');
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** The route for a request to `port` with Host `host`: the exact host name first, then the port's default. */
export function routeFor<R extends HostRouted>(routes: Iterable<R>, port: number, host: string | undefined): R | undefined {
  let fallback: R | undefined;
  const name = hostName(host);
  for (const route of routes) {
    if (route.record.listenPort !== port) continue;
    if (route.record.hostname === undefined) fallback = route;
    else if (route.record.hostname === name) return route;
  }
  return fallback;
}

/** Why `candidate` cannot take `port` next to `routes`: the same host name (or a second default) there already. */
export function portConflict<R extends HostRouted & { record: { app: string } }>(routes: Iterable<R>, candidate: { app: string; listenPort: number; hostname?: string | undefined }): string | null {
  for (const other of routes) {
    if (other.record.app === candidate.app || other.record.listenPort !== candidate.listenPort) continue;
    if (other.record.hostname === candidate.hostname) {
      return candidate.hostname === undefined
        ? `port ${candidate.listenPort} is already the public port of app ${other.record.app}`
        : `host ${candidate.hostname} on port ${candidate.listenPort} is already routed to app ${other.record.app}`;
    }
  }
  return null;
}

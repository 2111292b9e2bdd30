import type { Route, RouteAnswer, RouteInput } from './routes.js';

/** One HTTP request as the client hands it to its transport: the path already holds the query. */
export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
}

/**
 * Sends a request and gives back the parsed JSON answer (undefined for 204, the text for other
 * content types), or throws the caller's own error type. The console's transport adds the session
 * cookie and CSRF header; the CLI's a bearer token and a base URL.
 */
export type Transport = (request: ApiRequest) => Promise<unknown>;

/** Input for a route with nothing required may be left out: `call('GET /api/servers')`. */
type Args<R extends Route> = {} extends RouteInput<R> ? [input?: RouteInput<R>] : [input: RouteInput<R>];

/**
 * The one typed client of the REST API, for the console and the CLI. Browser-safe: nothing but
 * string work here; the transport does the I/O.
 */
export class DevflowApi {
  constructor(private readonly transport: Transport) {}

  async call<R extends Route>(route: R, ...[input]: Args<R>): Promise<RouteAnswer<R>> {
    return (await this.transport(requestFor(route, input ?? {}))) as RouteAnswer<R>;
  }
}

/** The request a route and its input make: `:name` segments filled in (encoded), the query appended. */
export function requestFor(route: Route, input: { params?: Record<string, string>; query?: unknown; body?: unknown }): ApiRequest {
  const space = route.indexOf(' ');
  const method = route.slice(0, space) as ApiRequest['method'];
  const path = route.slice(space + 1).replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => {
    const value = input.params?.[name];
    if (value === undefined || value === '') throw new TypeError(`${route}: path parameter "${name}" is missing`);
    return encodeURIComponent(value);
  });
  return { method, path: path + queryString(input.query), ...(input.body !== undefined ? { body: input.body } : {}) };
}

/** `?a=1&b=x`, leaving out undefined, null and empty values; arrays repeat the key. */
export function queryString(query: unknown): string {
  if (!query || typeof query !== 'object') return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query as Record<string, unknown>)) {
    for (const one of Array.isArray(value) ? value : [value]) {
      if (one === undefined || one === null || one === '') continue;
      params.append(key, String(one));
    }
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

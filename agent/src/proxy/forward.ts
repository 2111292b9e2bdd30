import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { hasBody, isIdempotent, stripHopByHop, upstreamRequestHeaders } from './headers.js';
import type { Upstream } from './upstream.js';

/** Where a request goes: read once per attempt, so a switch applies to the very next request. */
export type PickUpstream = () => Upstream;

function badGateway(res: ServerResponse, upstream: Upstream, err: Error): void {
  const code = (err as NodeJS.ErrnoException).code ?? 'error';
  if (res.headersSent) {
    res.destroy(err);
    return;
  }
  const body = `502 Bad Gateway: slot ${upstream.slot} (127.0.0.1:${upstream.port}) failed: ${code}\n`;
  res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
}

/**
 * Forwards one HTTP request, streaming both bodies. An upstream error before any response byte is
 * retried once on a fresh socket — against whatever the route points at by then — when the
 * request is idempotent and has no body (a reused keep-alive socket the app had just closed, or a
 * slot stopped right after a switch).
 */
export function forward(req: IncomingMessage, res: ServerResponse, pick: PickUpstream): void {
  const retryable = isIdempotent(req.method) && !hasBody(req);
  const headers = upstreamRequestHeaders(req);

  const attempt = (upstream: Upstream, fresh: boolean): void => {
    const end = upstream.begin();
    const up = http.request({
      host: '127.0.0.1',
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: fresh ? { ...headers, connection: 'close' } : headers,
      agent: fresh ? false : upstream.agent,
    });
    let responded = false;
    up.on('response', (upRes) => {
      responded = true;
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, stripHopByHop(upRes.headers));
      upRes.pipe(res);
      upRes.on('error', (err) => res.destroy(err));
      upRes.on('end', end);
      upRes.on('close', end);
    });
    up.on('error', (err) => {
      end();
      if (res.destroyed || req.destroyed) return;
      if (!responded && retryable && !fresh) {
        attempt(pick(), true);
        return;
      }
      badGateway(res, upstream, err);
    });
    // The client went away: stop the upstream request too.
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
      end();
    });
    if (retryable) up.end();
    else req.pipe(up);
  };
  attempt(pick(), false);
}

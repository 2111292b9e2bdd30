/**
 * HTTP/1.1 message heads as the proxy forwards them: parsed only as far as forwarding needs, kept
 * as latin1 strings (byte-exact) and rewritten by dropping lines, never re-serialised from a map.
 */

/** A request the proxy refuses before forwarding it: answered with `status` and the connection closed. */
export class BadMessageError extends Error {
  constructor(
    readonly status: 400 | 404 | 408 | 431,
    message: string,
  ) {
    super(message);
    this.name = 'BadMessageError';
  }
}

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1); never forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'proxy-authenticate', 'proxy-authorization']);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\0-\x08\n-\x1f\x7f]/;
const TARGET = /^[\x21-\x7e\x80-\xff]+$/;
const DIGITS = /^\d{1,15}$/;

interface Headers {
  /** The header lines to forward, each ending in CRLF. */
  lines: string;
  /** Lower-cased Connection tokens, comma-joined. */
  connection: string;
  /** -1 when absent. */
  contentLength: number;
  transferEncoding: string;
  upgrade: string;
  host: string | undefined;
  forwardedFor: string | undefined;
  forwardedProto: string | undefined;
  forwardedHost: string | undefined;
  cookie: string | undefined;
}

/** `line` from `from`, without leading and trailing SP/HTAB (RFC 9110 §5.5 OWS). */
function trimSpaces(line: string, from: number): string {
  let start = from;
  let end = line.length;
  while (start < end && (line.charCodeAt(start) === 32 || line.charCodeAt(start) === 9)) start++;
  while (end > start && (line.charCodeAt(end - 1) === 32 || line.charCodeAt(end - 1) === 9)) end--;
  return line.slice(start, end);
}

const join = (prior: string | undefined, value: string) => (prior === undefined ? value : `${prior}, ${value}`);

/** Parses the header lines of `head` from `start` (just after the start line); `request` also takes out X-Forwarded-*. */
function parseHeaders(head: string, start: number, request: boolean): Headers {
  const h: Headers = { lines: '', connection: '', contentLength: -1, transferEncoding: '', upgrade: '', host: undefined, forwardedFor: undefined, forwardedProto: undefined, forwardedHost: undefined, cookie: undefined };
  let pos = start;
  while (pos < head.length) {
    let eol = head.indexOf('\r\n', pos);
    if (eol < 0) eol = head.length;
    const line = head.slice(pos, eol);
    pos = eol + 2;
    const colon = line.indexOf(':');
    const name = line.slice(0, colon);
    if (colon <= 0 || !TOKEN.test(name)) throw new BadMessageError(400, `malformed header line ${JSON.stringify(line.slice(0, 40))}`);
    const value = trimSpaces(line, colon + 1);
    if (BAD_VALUE.test(value)) throw new BadMessageError(400, `control character in header ${name}`);
    const lower = name.toLowerCase();
    switch (lower) {
      case 'connection':
        h.connection = join(h.connection || undefined, value.toLowerCase());
        continue;
      case 'upgrade':
        h.upgrade = value;
        continue;
      case 'content-length':
        if (!DIGITS.test(value) || (h.contentLength >= 0 && h.contentLength !== Number(value))) throw new BadMessageError(400, `invalid Content-Length ${JSON.stringify(value)}`);
        h.contentLength = Number(value);
        break;
      case 'transfer-encoding':
        // Kept as is: the body bytes go through unchanged, so their framing header does too.
        h.transferEncoding = join(h.transferEncoding || undefined, value.toLowerCase());
        break;
      case 'host':
        if (request && h.host !== undefined) throw new BadMessageError(400, 'more than one Host header');
        h.host = value;
        break;
      case 'cookie':
        // Several Cookie lines are one list joined by "; " (RFC 9113 §8.2.3 / RFC 6265 §5.4); forwarded as they came.
        if (request) h.cookie = h.cookie === undefined ? value : `${h.cookie}; ${value}`;
        break;
      case 'x-forwarded-for':
        if (!request) break;
        h.forwardedFor = join(h.forwardedFor, value);
        continue;
      case 'x-forwarded-proto':
        if (!request) break;
        h.forwardedProto = join(h.forwardedProto, value);
        continue;
      case 'x-forwarded-host':
        if (!request) break;
        h.forwardedHost = join(h.forwardedHost, value);
        continue;
      default:
        if (HOP_BY_HOP.has(lower)) continue;
    }
    h.lines += `${line}\r\n`;
  }
  if (h.connection !== '' && !USUAL_CONNECTION.has(h.connection)) h.lines = dropListed(h.lines, h.connection);
  return h;
}

/** Connection values that name no other header (nearly all of them): nothing to drop. */
const USUAL_CONNECTION = new Set(['keep-alive', 'close', 'upgrade']);

/** Removes the headers a Connection header names (RFC 9110 §7.6.1), beyond the usual close/keep-alive/upgrade. */
function dropListed(lines: string, connection: string): string {
  const listed = new Set(connection.split(',').map((t) => t.trim()));
  for (const usual of ['close', 'keep-alive', 'upgrade', '']) listed.delete(usual);
  if (listed.size === 0) return lines;
  return lines
    .split('\r\n')
    .filter((line) => !listed.has(line.slice(0, line.indexOf(':')).toLowerCase()))
    .join('\r\n');
}

const hasToken = (list: string, token: string) => list === token || (list.includes(token) && list.split(',').some((t) => t.trim() === token));
const isChunked = (transferEncoding: string) => transferEncoding !== '' && transferEncoding.split(',').pop()!.trim() === 'chunked';

export interface RequestHead {
  method: string;
  /** Upstream head: request line, forwarded headers, X-Forwarded-*, blank line. */
  upstreamHead: string;
  /** Request body framing: -1 none or chunked, else its byte count. */
  contentLength: number;
  chunked: boolean;
  /** The client wants the connection kept open after this exchange. */
  keepAlive: boolean;
  http10: boolean;
  /** An HTTP Upgrade (WebSocket) handshake. */
  upgrade: boolean;
  /** The Host header as sent (host-routing.ts picks the app by it). */
  host: string | undefined;
  /** The Cookie header(s), for a split route's sticky assignment. */
  cookie: string | undefined;
  /** The client as the split sees it: the first X-Forwarded-For address when a load balancer sent one, else the peer address. */
  client: string;
  /** A Set-Cookie line (with CRLF) the proxy adds to this request's response: a split route's new assignment. */
  setCookie: string | null;
}

/**
 * Parses a request head (without its final CRLFCRLF) and builds what goes upstream: hop-by-hop
 * headers removed, X-Forwarded-For/-Proto/-Host set. Throws BadMessageError for what we will not forward.
 */
export function parseRequestHead(head: string, clientAddress: string): RequestHead {
  const eol = head.indexOf('\r\n');
  const requestLine = eol < 0 ? head : head.slice(0, eol);
  const sp1 = requestLine.indexOf(' ');
  const sp2 = requestLine.indexOf(' ', sp1 + 1);
  const method = requestLine.slice(0, sp1);
  const target = requestLine.slice(sp1 + 1, sp2);
  const version = requestLine.slice(sp2 + 1);
  if (sp1 <= 0 || sp2 < 0 || !TOKEN.test(method) || !TARGET.test(target) || (version !== 'HTTP/1.1' && version !== 'HTTP/1.0')) {
    throw new BadMessageError(400, `malformed request line ${JSON.stringify(requestLine.slice(0, 80))}`);
  }
  if (method === 'CONNECT') throw new BadMessageError(400, 'CONNECT is not supported by this reverse proxy');
  const h = parseHeaders(head, eol < 0 ? head.length : eol + 2, true);
  const http10 = version === 'HTTP/1.0';
  const chunked = isChunked(h.transferEncoding);
  if (h.transferEncoding !== '' && (!chunked || h.contentLength >= 0)) {
    throw new BadMessageError(400, 'Transfer-Encoding must end with chunked and comes without Content-Length');
  }
  const upgrade = h.upgrade !== '' && hasToken(h.connection, 'upgrade');
  const keepAlive = http10 ? hasToken(h.connection, 'keep-alive') : !hasToken(h.connection, 'close');
  let upstreamHead = `${requestLine}\r\n${h.lines}X-Forwarded-For: ${h.forwardedFor === undefined ? '' : `${h.forwardedFor}, `}${clientAddress}\r\nX-Forwarded-Proto: ${h.forwardedProto ?? 'http'}\r\n`;
  const forwardedHost = h.forwardedHost ?? h.host;
  if (forwardedHost !== undefined) upstreamHead += `X-Forwarded-Host: ${forwardedHost}\r\n`;
  // Keep-alive to the app is ours to decide; HTTP/1.0 needs to ask for it.
  if (upgrade) upstreamHead += `Connection: Upgrade\r\nUpgrade: ${h.upgrade}\r\n`;
  else if (http10) upstreamHead += 'Connection: keep-alive\r\n';
  const comma = h.forwardedFor === undefined ? -1 : h.forwardedFor.indexOf(',');
  const client = h.forwardedFor === undefined ? clientAddress : (comma < 0 ? h.forwardedFor : h.forwardedFor.slice(0, comma)).trim() || clientAddress;
  return { method, upstreamHead: `${upstreamHead}\r\n`, contentLength: h.contentLength, chunked, keepAlive, http10, upgrade, host: h.host, cookie: h.cookie, client, setCookie: null };
}

export interface ResponseHead {
  status: number;
  /** Status line with our HTTP version and the forwarded headers, without the blank line (the caller adds Connection). */
  clientHead: string;
  contentLength: number;
  chunked: boolean;
  /** No framing header: the body ends when the app closes the connection. */
  untilClose: boolean;
  /** The app keeps this connection open for another request (if the body does not end with it). */
  keepAlive: boolean;
}

/** Thrown for a response head the proxy cannot forward (the client gets a 502). */
export class BadResponseError extends Error {
  readonly code = 'EBADRESPONSE';
}

export function parseResponseHead(head: string): ResponseHead {
  const eol = head.indexOf('\r\n');
  const statusLine = eol < 0 ? head : head.slice(0, eol);
  const status = Number(statusLine.slice(9, 12));
  if (!(statusLine.startsWith('HTTP/1.1 ') || statusLine.startsWith('HTTP/1.0 ')) || !(status >= 100 && status <= 999) || (statusLine.length > 12 && statusLine[12] !== ' ')) {
    throw new BadResponseError(`malformed status line ${JSON.stringify(statusLine.slice(0, 80))}`);
  }
  let h: Headers;
  try {
    h = parseHeaders(head, eol < 0 ? head.length : eol + 2, false);
  } catch (err) {
    throw new BadResponseError((err as Error).message);
  }
  const chunked = isChunked(h.transferEncoding);
  // RFC 9112 §6.3: a transfer coding other than chunked last means "read until close".
  const untilClose = !chunked && (h.transferEncoding !== '' || h.contentLength < 0);
  const http10 = statusLine[7] === '0';
  const keepAlive = http10 ? hasToken(h.connection, 'keep-alive') : !hasToken(h.connection, 'close');
  return { status, clientHead: `HTTP/1.1 ${statusLine.slice(9)}\r\n${h.lines}`, contentLength: chunked ? -1 : h.contentLength, chunked, untilClose, keepAlive };
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
export const isIdempotent = (method: string): boolean => IDEMPOTENT.has(method);

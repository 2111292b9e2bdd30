import net from 'node:net';
import { ChunkedEnd } from './chunked.js';
import { BadMessageError, BadResponseError, isIdempotent, parseRequestHead, parseResponseHead, type RequestHead, type ResponseHead } from './headers.js';
import { openTunnel } from './upgrade.js';
import type { Upstream, UpstreamConnection, UpstreamUser } from './upstream.js';

/** The upstream for a request (by its Host, host-routing.ts; a split route decides per client, split.ts); null: no app answers for that host (404). */
export type PickUpstream = (request: RequestHead) => Upstream | null;

const HEAD_END = Buffer.from('\r\n\r\n');
/** Node's default --max-http-header-size: a larger request head gets 431. */
const MAX_REQUEST_HEAD = 16 * 1024;
const MAX_RESPONSE_HEAD = 64 * 1024;
/** Pipelined bytes we hold while a request is in flight before we stop reading the client. */
const MAX_PENDING = 64 * 1024;
/** Clients keep their connections across switches; be slower to close idle ones than they are. */
const CLIENT_IDLE_MS = 65_000;
/** A request head must be complete this long after its first byte (slow-header attacks), like Node's headersTimeout. */
const HEAD_TIMEOUT_MS = 66_000;
/** Below this, a response's first body bytes are copied next to its head: one write, one packet. */
const COALESCE_BYTES = 16 * 1024;

const REQUEST_BODY = 1;
const REQUEST_DONE = 2;

const NO_RESPONSE = 0;
const RESPONSE_HEAD = 1;
const RESPONSE_BODY = 2;

const REASONS = { 400: 'Bad Request', 404: 'Not Found', 408: 'Request Timeout', 431: 'Request Header Fields Too Large', 502: 'Bad Gateway' } as const;

function plainResponse(status: keyof typeof REASONS, body: string, close: boolean): string {
  return `HTTP/1.1 ${status} ${REASONS[status]}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${close ? 'Connection: close\r\n' : ''}\r\n${body}`;
}

/**
 * One client connection of a public listener: reads HTTP/1.1 request heads, forwards each request
 * (rewritten head, then the body bytes unchanged) on a pooled keep-alive connection to the
 * upstream the route points at when the request starts, and relays the response with its framing
 * followed byte by byte, so the upstream connection goes back to the pool when it ends. Requests
 * are handled one at a time; pipelined ones wait in `pending` and are answered in order.
 */
class ClientConnection implements UpstreamUser {
  private readonly address: string;
  /** Received bytes not yet forwarded: the next request head(s). */
  private pending: Buffer | null = null;
  private closed = false;
  private clientEnded = false;
  /** Close once idle (listener closing, or the client asked for it). */
  private closeWhenIdle = false;
  /** When the incomplete request head in `pending` started (0: none). */
  private headStartedAt = 0;

  // The exchange in progress (one at a time).
  private request: RequestHead | null = null;
  private upstream: Upstream | null = null;
  private conn: UpstreamConnection | null = null;
  private requestState = REQUEST_DONE;
  private requestLeft = 0;
  private readonly requestChunks = new ChunkedEnd();
  private responseState = NO_RESPONSE;
  private responseHeadBytes: Buffer | null = null;
  private response: ResponseHead | null = null;
  /** The upstream connection can serve another request once this response is complete. */
  private responseReusable = false;
  private responseLeft = 0;
  private readonly responseChunks = new ChunkedEnd();
  private retried = false;
  /** When the request head went to a slot whose route is split (its latency is counted), else 0. */
  private sentAt = 0;

  constructor(
    readonly socket: net.Socket,
    private readonly pick: PickUpstream,
    private readonly onClosed: (conn: ClientConnection) => void,
    private readonly log: (line: string) => void,
    private readonly headTimeoutMs: number,
  ) {
    this.address = socket.remoteAddress ?? '';
    socket.setTimeout(CLIENT_IDLE_MS);
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('drain', this.onDrain);
    socket.on('timeout', this.onTimeout);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  private get busy(): boolean {
    return this.request !== null;
  }

  /** Ends the connection now if no request is in flight, else right after its response. */
  closeIdle(): void {
    this.closeWhenIdle = true;
    if (!this.busy) this.finishConnection();
  }

  private readonly onData = (chunk: Buffer) => this.guarded(this.readRequestBytes, chunk);

  private readRequestBytes(chunk: Buffer): void {
    if (this.closed) return;
    let rest: Buffer | null = chunk;
    if (this.requestState === REQUEST_BODY) rest = this.forwardRequestBody(chunk);
    if (rest === null || rest.length === 0) return;
    this.pending = this.pending === null ? rest : Buffer.concat([this.pending, rest]);
    if (this.busy) {
      if (this.pending.length > MAX_PENDING) this.socket.pause();
      return;
    }
    this.nextRequest();
  }

  /**
   * Runs an event handler. A bug of ours on this connection must not take the whole proxy (every
   * app's traffic) down: it is logged, and this client connection and its upstream one are closed.
   */
  private guarded<T>(handler: (this: ClientConnection, arg: T) => void, arg: T): void {
    try {
      handler.call(this, arg);
    } catch (err) {
      this.log(`internal error, client connection closed: ${(err as Error).stack ?? String(err)}`);
      this.abandonUpstream();
      this.socket.destroy();
    }
  }

  private readonly onEnd = () => this.guarded(this.clientEnd, undefined);

  private clientEnd(): void {
    this.clientEnded = true;
    // The client went away mid-exchange (as nginx does, we take a FIN then as an abort): stop the upstream request too.
    if (this.busy) this.socket.destroy();
    else this.nextRequest();
  }

  private readonly onDrain = () => {
    if (this.conn !== null && this.responseState === RESPONSE_BODY) this.conn.socket.resume();
  };

  private readonly onTimeout = () => {
    // A long response or upload is not idle; only a connection between requests is.
    if (!this.busy) this.socket.destroy();
  };

  private readonly onError = () => undefined; // 'close' follows

  private readonly onClose = () => {
    this.closed = true;
    this.pending = null;
    // The client went away: stop the upstream request too.
    this.abandonUpstream();
    this.endExchange();
    this.onClosed(this);
  };

  /** Starts the next complete request in `pending`, if any; ends the connection when that is due. */
  private nextRequest(): void {
    let pending = this.pending;
    // RFC 9112 §2.2: ignore empty lines before a request line.
    while (pending !== null && pending.length >= 2 && pending[0] === 13 && pending[1] === 10) pending = pending.length === 2 ? null : pending.subarray(2);
    this.pending = pending;
    if (this.closeWhenIdle || (this.clientEnded && pending === null)) {
      this.finishConnection();
      return;
    }
    if (pending === null) {
      this.socket.resume();
      return;
    }
    const end = pending.indexOf(HEAD_END);
    if (end < 0 || end > MAX_REQUEST_HEAD) {
      if (end > MAX_REQUEST_HEAD || pending.length > MAX_REQUEST_HEAD) this.refuse(new BadMessageError(431, `request head larger than ${MAX_REQUEST_HEAD} bytes`));
      else if (pending.includes('\n\n')) this.refuse(new BadMessageError(400, 'request head lines must end with CRLF'));
      else if (this.clientEnded) this.finishConnection();
      else if (this.headStartedAt === 0 || Date.now() - this.headStartedAt <= this.headTimeoutMs) {
        if (this.headStartedAt === 0) this.headStartedAt = Date.now();
        this.socket.resume();
      } else this.refuse(new BadMessageError(408, `request head not complete within ${this.headTimeoutMs} ms`));
      return;
    }
    this.headStartedAt = 0;
    let request: RequestHead;
    try {
      request = parseRequestHead(pending.toString('latin1', 0, end), this.address);
    } catch (err) {
      if (err instanceof BadMessageError) return this.refuse(err);
      throw err;
    }
    const rest = pending.subarray(end + 4);
    this.pending = rest.length > 0 ? rest : null;
    if (!request.keepAlive) this.closeWhenIdle = true;
    this.request = request;
    this.retried = false;
    if (request.chunked) {
      this.requestState = REQUEST_BODY;
      this.requestChunks.reset();
    } else {
      this.requestState = request.contentLength > 0 ? REQUEST_BODY : REQUEST_DONE;
      this.requestLeft = request.contentLength;
    }
    const upstream = this.pick(request);
    if (!upstream) return this.refuse(new BadMessageError(404, `no app answers for host ${JSON.stringify(request.host ?? '')} on this port`));
    // An upgrade handshake gets a connection of its own: it becomes the tunnel.
    this.send(upstream, request.upgrade);
    if (this.requestState === REQUEST_BODY && this.pending !== null) {
      const body = this.pending;
      this.pending = null;
      const after = this.forwardRequestBody(body);
      if (after !== null && after.length > 0) this.pending = after;
    }
    // The rest of the body is still to come (we may have paused reading while pipelined bytes piled up).
    if (this.requestState === REQUEST_BODY && this.conn !== null && !this.conn.socket.writableNeedDrain) this.socket.resume();
  }

  /** Sends the request head to `upstream` (a pooled connection, or a new one for a retry). */
  private send(upstream: Upstream, fresh: boolean): void {
    const request = this.request!;
    this.upstream = upstream;
    upstream.startRequest();
    const conn = fresh ? upstream.connect() : upstream.acquire();
    conn.user = this;
    this.conn = conn;
    this.responseState = RESPONSE_HEAD;
    this.responseHeadBytes = null;
    this.sentAt = upstream.stats === null ? 0 : performance.now();
    conn.socket.write(request.upstreamHead, 'latin1');
  }

  /** Forwards request body bytes; returns what follows the body (the next pipelined request), if any. */
  private forwardRequestBody(chunk: Buffer): Buffer | null {
    let bodyEnd: number;
    if (this.request!.chunked) {
      try {
        bodyEnd = this.requestChunks.find(chunk);
      } catch (err) {
        if (err instanceof BadMessageError) this.refuse(err);
        else throw err;
        return null;
      }
    } else {
      bodyEnd = this.requestLeft >= chunk.length ? -1 : this.requestLeft;
      this.requestLeft -= bodyEnd < 0 ? chunk.length : bodyEnd;
      if (this.requestLeft === 0 && bodyEnd < 0) bodyEnd = chunk.length;
    }
    const body = bodyEnd < 0 ? chunk : chunk.subarray(0, bodyEnd);
    if (bodyEnd >= 0) this.requestState = REQUEST_DONE;
    if (this.conn !== null && !this.conn.socket.write(body) && this.requestState === REQUEST_BODY) this.socket.pause();
    return bodyEnd < 0 ? null : chunk.subarray(bodyEnd);
  }

  onUpstreamDrain(): void {
    if (this.requestState === REQUEST_BODY) this.socket.resume();
  }

  onUpstreamData(chunk: Buffer): void {
    this.guarded(this.readResponseBytes, chunk);
  }

  private readResponseBytes(chunk: Buffer): void {
    if (this.responseState === RESPONSE_BODY) {
      this.forwardResponseBody(chunk);
      return;
    }
    const bytes = this.responseHeadBytes === null ? chunk : Buffer.concat([this.responseHeadBytes, chunk]);
    const end = bytes.indexOf(HEAD_END);
    if (end < 0) {
      if (bytes.length > MAX_RESPONSE_HEAD) return this.badResponse(new BadResponseError(`response head larger than ${MAX_RESPONSE_HEAD} bytes`));
      this.responseHeadBytes = bytes;
      return;
    }
    this.responseHeadBytes = null;
    const head = bytes.toString('latin1', 0, end);
    let response: ResponseHead;
    try {
      response = parseResponseHead(head);
    } catch (err) {
      if (err instanceof BadResponseError) return this.badResponse(err);
      throw err;
    }
    const rest = bytes.subarray(end + 4);
    const request = this.request!;
    if (this.sentAt !== 0 && response.status >= 101) this.upstream!.stats?.response(response.status, performance.now() - this.sentAt);
    if (response.status === 101) {
      if (request.upgrade) this.openTunnel(`${head}\r\n\r\n`, rest);
      else this.badResponse(new BadResponseError('101 Switching Protocols to a request that did not ask to upgrade'));
      return;
    }
    if (response.status < 200) {
      // Interim (100 Continue, 103 Early Hints): relay it and wait for the final response.
      this.socket.write(`${head}\r\n\r\n`, 'latin1');
      if (rest.length > 0) this.readResponseBytes(rest);
      return;
    }
    this.response = response;
    const bodyless = request.method === 'HEAD' || response.status === 204 || response.status === 304;
    // The connection ends with this response if the client or we need that (unfinished upload, read-until-close body, upgrade refused).
    if (!bodyless && response.untilClose) this.closeWhenIdle = true;
    this.responseReusable = response.keepAlive && (bodyless || !response.untilClose);
    if (this.requestState === REQUEST_BODY || request.upgrade) this.closeWhenIdle = true;
    let clientHead = response.clientHead;
    if (request.setCookie !== null) clientHead += request.setCookie;
    if (this.closeWhenIdle) clientHead += 'Connection: close\r\n';
    else if (request.http10) clientHead += 'Connection: keep-alive\r\n';
    clientHead += '\r\n';

    let bodyEnd = 0;
    if (!bodyless) {
      this.responseState = RESPONSE_BODY;
      if (response.chunked) this.responseChunks.reset();
      else this.responseLeft = response.contentLength;
      bodyEnd = this.responseBodyEnd(rest);
      if (bodyEnd === -2) return;
    }
    const body = bodyEnd < 0 ? rest : rest.subarray(0, bodyEnd);
    if (body.length > 0 && body.length <= COALESCE_BYTES) {
      const out = Buffer.allocUnsafe(clientHead.length + body.length);
      out.write(clientHead, 0, 'latin1');
      body.copy(out, clientHead.length);
      this.write(out);
    } else {
      this.socket.write(clientHead, 'latin1');
      if (body.length > 0) this.write(body);
    }
    if (bodyEnd >= 0) this.responseDone(bodyEnd === rest.length && this.responseReusable);
  }

  /**
   * Where the response body ends in `chunk`: an index, -1 when it goes on, -2 when the framing
   * was broken (already handled).
   */
  private responseBodyEnd(chunk: Buffer): number {
    const response = this.response!;
    if (response.untilClose) return -1;
    if (response.chunked) {
      try {
        return this.responseChunks.find(chunk);
      } catch (err) {
        this.badResponse(new BadResponseError(`malformed chunked response: ${(err as Error).message}`));
        return -2;
      }
    }
    if (this.responseLeft > chunk.length) {
      this.responseLeft -= chunk.length;
      return -1;
    }
    const end = this.responseLeft;
    this.responseLeft = 0;
    return end;
  }

  private forwardResponseBody(chunk: Buffer): void {
    const bodyEnd = this.responseBodyEnd(chunk);
    if (bodyEnd === -2) return;
    this.write(bodyEnd < 0 ? chunk : chunk.subarray(0, bodyEnd));
    // Bytes after the response are not an answer to anything: that connection is not reused.
    if (bodyEnd >= 0) this.responseDone(bodyEnd === chunk.length && this.responseReusable);
  }

  private write(bytes: Buffer): void {
    if (!this.socket.write(bytes) && this.conn !== null) this.conn.socket.pause();
  }

  onUpstreamEnd(): void {
    this.guarded(this.upstreamEnd, undefined);
  }

  private upstreamEnd(): void {
    if (this.responseState === RESPONSE_BODY && this.response!.untilClose) this.responseDone(false);
  }

  onUpstreamClose(err: NodeJS.ErrnoException): void {
    this.guarded(this.upstreamClose, err);
  }

  private upstreamClose(err: NodeJS.ErrnoException): void {
    this.conn = null;
    if (this.responseState !== RESPONSE_HEAD) {
      // Part of a response went out already: the client must see the failure as a cut connection.
      this.socket.destroy();
      return;
    }
    // No response yet. If nothing at all came back, retry once on a new connection (a reused
    // keep-alive connection the app had just closed, or a slot stopped right after a switch); else 502.
    const request = this.request!;
    const retryable = !this.retried && this.responseHeadBytes === null && isIdempotent(request.method) && request.contentLength <= 0 && !request.chunked;
    const upstream = this.upstream!;
    this.endExchange(false);
    if (retryable) {
      this.retried = true;
      this.send(this.pick(request) ?? upstream, true);
      return;
    }
    this.answerBadGateway(upstream, err.code ?? 'error');
  }

  private badResponse(err: BadResponseError): void {
    const upstream = this.upstream!;
    const answered = this.responseState === RESPONSE_BODY;
    this.abandonUpstream();
    this.endExchange(false);
    // The details are the app's business (proxy.log); the client gets the short code.
    this.log(`slot ${upstream.slot} (127.0.0.1:${upstream.port}): ${err.message}`);
    if (answered) this.socket.destroy();
    else this.answerBadGateway(upstream, err.code);
  }

  private answerBadGateway(upstream: Upstream, reason: string): void {
    upstream.stats?.connectionError();
    if (this.requestState === REQUEST_BODY) this.closeWhenIdle = true;
    this.socket.write(plainResponse(502, `502 Bad Gateway: slot ${upstream.slot} (127.0.0.1:${upstream.port}) failed: ${reason}\n`, this.closeWhenIdle), 'latin1');
    this.request = null;
    this.nextRequest();
  }

  /** The response is complete: the upstream connection goes back to its pool (or closes), then the next request. */
  private responseDone(reusable: boolean): void {
    const conn = this.conn!;
    this.conn = null;
    conn.socket.resume();
    this.upstream!.release(conn, reusable && this.requestState === REQUEST_DONE);
    this.endExchange();
    this.nextRequest();
  }

  /** Closes the exchange's upstream connection, which is mid-message and cannot be reused. */
  private abandonUpstream(): void {
    const conn = this.conn;
    if (conn === null) return;
    this.conn = null;
    conn.user = null;
    conn.socket.destroy();
  }

  /** Forgets the exchange in progress and counts it done on its upstream. */
  private endExchange(clearRequest = true): void {
    if (this.upstream !== null) {
      const upstream = this.upstream;
      this.upstream = null;
      upstream.endRequest();
    }
    this.responseState = NO_RESPONSE;
    this.response = null;
    if (clearRequest) this.request = null;
  }

  /** The app accepted the upgrade: both sockets leave HTTP and become a tunnel of the upstream. */
  private openTunnel(responseHead: string, fromApp: Buffer): void {
    const upstream = this.upstream!;
    const app = this.conn!.detach();
    this.conn = null;
    this.socket.off('data', this.onData).off('end', this.onEnd).off('drain', this.onDrain).off('timeout', this.onTimeout).off('error', this.onError).off('close', this.onClose);
    this.socket.setTimeout(0);
    this.closed = true;
    this.onClosed(this);
    openTunnel(upstream, this.socket, app, responseHead, this.pending, fromApp);
    this.pending = null;
    // Counted as a tunnel now, so ending the handshake does not look drained.
    this.endExchange();
  }

  private refuse(err: BadMessageError): void {
    if (this.responseState === RESPONSE_BODY) {
      // A response is already going out: no room for an error answer.
      this.socket.destroy();
      return;
    }
    this.abandonUpstream();
    this.endExchange();
    this.requestState = REQUEST_DONE;
    this.socket.end(plainResponse(err.status, `${err.status} ${REASONS[err.status]}: ${err.message}\n`, true), 'latin1');
    this.closed = true;
    this.pending = null;
  }

  private finishConnection(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
  }
}

/** A public listener: plain TCP, each connection a ClientConnection. */
export class ProxyServer extends net.Server {
  private readonly clients = new Set<ClientConnection>();

  /** `headTimeoutMs` is there for tests. */
  constructor(pick: PickUpstream, log: (line: string) => void, headTimeoutMs = HEAD_TIMEOUT_MS) {
    super({ allowHalfOpen: true, noDelay: true });
    const forget = (client: ClientConnection) => this.clients.delete(client);
    this.on('connection', (socket: net.Socket) => this.clients.add(new ClientConnection(socket, pick, forget, log, headTimeoutMs)));
  }

  /** Closes connections between requests now, and busy ones after their current response. */
  closeIdleConnections(): void {
    for (const client of this.clients) client.closeIdle();
  }
}

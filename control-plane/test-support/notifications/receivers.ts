import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** Test helpers: local stand-ins for Slack, Discord, Teams, SMS providers, webhooks and an SMTP server. */

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Returns why a request would be refused by the provider (answered 400), or null when it is well-formed. */
export type Check = (req: Received) => string | null;

/** An HTTP receiver on 127.0.0.1:0 that checks each request like the provider would and can fail on purpose. */
export class HttpReceiver {
  readonly requests: Received[] = [];
  /** Requests refused by the check, with the reason (a test expects none). */
  readonly refused: { req: Received; why: string }[] = [];
  private failures: { status: number; body: string }[] = [];
  private constructor(
    private readonly server: Server,
    private readonly check: Check,
  ) {}

  static async start(check: Check = () => null): Promise<HttpReceiver> {
    let receiver: HttpReceiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => receiver?.handle({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }, res));
    });
    receiver = new HttpReceiver(server, check);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  /** The next `times` requests are answered with `status` (default 500). */
  failNext(times: number, status = 500, body = 'provider trouble'): void {
    for (let i = 0; i < times; i++) this.failures.push({ status, body });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: Received, res: import('node:http').ServerResponse): void {
    this.requests.push(req);
    const fail = this.failures.shift();
    if (fail) {
      res.writeHead(fail.status).end(fail.body);
      return;
    }
    const why = this.check(req);
    if (why) {
      this.refused.push({ req, why });
      res.writeHead(400).end(why);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  }
}

export interface ReceivedMail {
  from: string;
  to: string[];
  user: string | undefined;
  /** Raw message with headers unfolded and quoted-printable decoded. */
  raw: string;
  subject: string;
}

/** A real SMTP server (smtp-server) on 127.0.0.1:0; with `auth`, only that user/password may send. */
export class SmtpReceiver {
  readonly mails: ReceivedMail[] = [];
  private constructor(private readonly server: SMTPServer) {}

  static async start(auth?: { user: string; password: string }): Promise<SmtpReceiver> {
    let receiver: SmtpReceiver | undefined;
    const server = new SMTPServer({
      disabledCommands: auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      allowInsecureAuth: true,
      authOptional: !auth,
      logger: false,
      onAuth(a, _session, cb) {
        if (auth && a.username === auth.user && a.password === auth.password) cb(null, { user: a.username });
        else cb(new Error('Invalid username or password'));
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = decodeQuotedPrintable(Buffer.concat(chunks).toString('utf8').replace(/\r\n[ \t]+/g, ' '));
          receiver?.mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            user: typeof session.user === 'string' ? session.user : undefined,
            raw,
            subject: /^Subject: (.*)$/m.exec(raw)?.[1]?.trim() ?? '',
          });
          cb();
        });
      },
    });
    receiver = new SmtpReceiver(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return receiver;
  }

  get port(): number {
    return (this.server.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function decodeQuotedPrintable(s: string): string {
  return s.replace(/=\r?\n/g, '').replace(/(=[0-9A-F]{2})+/g, (m) => Buffer.from(m.replace(/=/g, ''), 'hex').toString('utf8'));
}

// A tiny app used by the agent tests and benchmarks, started as a real process.
// It answers its VERSION, has a /up health endpoint, a /slow streaming endpoint and a WebSocket echo.
// Env: PORT, VERSION, HEALTH=fail (always 503 on /up), CRASH=1 (exit 1 at boot),
// FAIL_EVERY=n (every n-th request to / answers 500: a bad canary), SPAWN_CHILD=1 (start a `sleep` child in its process group), IGNORE_TERM=1 (ignore SIGTERM).
import http from 'node:http';
import { spawn } from 'node:child_process';
import { WebSocketServer } from 'ws';

const version = process.env.VERSION ?? '0';
const port = Number(process.env.PORT);

if (process.env.CRASH === '1') {
  console.error(`version ${version}: cannot connect to database at db.internal:5432`);
  process.exit(1);
}
if (process.env.SPAWN_CHILD === '1') {
  const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
  console.log(`child pid ${child.pid}`);
}

const failEvery = Number(process.env.FAIL_EVERY ?? '0');
let served = 0;

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/up') {
    const ok = process.env.HEALTH !== 'fail';
    if (!ok) console.error(`health: migrations pending for version ${version}`);
    res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok' : 'not ready');
    return;
  }
  if (url.pathname === '/slow') {
    const seconds = Number(url.searchParams.get('seconds') ?? '5');
    res.writeHead(200, { 'content-type': 'text/plain' });
    let i = 0;
    const total = Math.round(seconds * 10);
    const timer = setInterval(() => {
      res.write(`version=${version} chunk ${i}\n`);
      if (++i >= total) {
        clearInterval(timer);
        res.end('done\n');
      }
    }, 100);
    res.on('close', () => clearInterval(timer));
    return;
  }
  if (url.pathname === '/echo') {
    res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/octet-stream', 'x-version': version });
    req.pipe(res);
    return;
  }
  if (url.pathname === '/headers') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(req.headers));
    return;
  }
  if (failEvery > 0 && ++served % failEvery === 0) {
    res.writeHead(500, { 'content-type': 'text/plain', 'x-version': version }).end(`version=${version} failed`);
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain', 'x-version': version }).end(`version=${version}`);
});
server.keepAliveTimeout = 5_000;

const wss = new WebSocketServer({ noServer: true });
server.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (data) => ws.send(`${version}:${data}`)));
});

server.listen(port, '127.0.0.1', () => console.log(`version ${version} listening on ${port}`));

process.on('SIGTERM', () => {
  if (process.env.IGNORE_TERM === '1') {
    console.log('ignoring SIGTERM');
    return;
  }
  console.log(`version ${version} stopping`);
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  for (const ws of wss.clients) ws.terminate();
  setTimeout(() => process.exit(0), 3_000).unref();
});

// The DevFlow quick-start example. No dependencies: Node's own http module.
// DevFlow's agent starts it with PORT set, plus DEVFLOW_RELEASE and DEVFLOW_COMMIT.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const message = readFileSync(new URL('./message.txt', import.meta.url), 'utf8').trim();
const release = process.env.DEVFLOW_RELEASE ?? 'local';
const commit = process.env.DEVFLOW_COMMIT ?? 'unknown';
const port = Number(process.env.PORT ?? 3000);
const startedAt = new Date().toISOString();

const escape = (s) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/up') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    return;
  }
  if (url.pathname === '/version.json') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ version, message, release, commit, startedAt }));
    return;
  }
  if (url.pathname !== '/') {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>node-hello ${escape(version)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}code{background:#f2f2f2;padding:.1rem .3rem}</style></head>
<body>
<h1>${escape(message)}</h1>
<p>Version <strong>${escape(version)}</strong>, commit <code>${escape(commit.slice(0, 12))}</code>, release <code>${escape(release)}</code>.</p>
<p>Started ${escape(startedAt)}. Edit <code>message.txt</code>, commit, and deploy again.</p>
</body>
</html>
`);
});

server.listen(port, () => console.log(`node-hello ${version} (${commit.slice(0, 12)}) listening on port ${port}`));

// Finish in-flight requests, then exit: the agent sends SIGTERM when it replaces this process.
process.on('SIGTERM', () => server.close(() => process.exit(0)));

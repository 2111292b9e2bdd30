// Keep-alive HTTP load from its own process, for the proxy and zero-downtime tests and the benchmarks.
// usage: node load.mjs --port P [--host 127.0.0.1] [--connections 8] [--rate 800 (req/s in total; 0 = as fast as it goes)]
//                      [--path /] [--duration ms (default: until SIGTERM)]
//                      [--clients (each connection is its own client: its own loopback source address
//                       127.0.1.<n> and a cookie jar, like separate users behind a canary split)]
// Each connection is one keep-alive socket sending requests back to back (the proxy must keep it
// across switches). Prints `started`, then `first <version> <epoch ms>` the first time any
// connection is answered by a version, and at the end one `summary <json>` line: ok, failed, reset,
// incomplete (bodies that are not `version=N` or were cut), errors by kind, requests/s, p50/p99 in
// ms, per connection its [version, responses] runs and the sockets it had to open, and answers
// per version (`byVersion`: {ok, failed}; a failed body `version=N …` names its version).
import http from 'node:http';

const args = Object.fromEntries(process.argv.slice(2).flatMap((v, i, a) => (v.startsWith('--') ? [[v.slice(2), a[i + 1]]] : [])));
const host = args.host ?? '127.0.0.1';
const port = Number(args.port);
const connections = Number(args.connections ?? 8);
const rate = Number(args.rate ?? 800);
const path = args.path ?? '/';
const durationMs = args.duration ? Number(args.duration) : 0;
const clients = 'clients' in args;

const totals = { ok: 0, failed: 0, reset: 0, incomplete: 0, errors: {} };
const byVersion = {};
const seenVersion = (v, kind) => ((byVersion[v] ??= { ok: 0, failed: 0 })[kind]++);
const latencies = [];
const firstSeen = new Map();
let stopping = false;
const started = performance.now();

function count(kind, what) {
  totals[kind]++;
  totals.errors[what] = (totals.errors[what] ?? 0) + 1;
}

function request(agent, jar) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const headers = jar && jar.size ? { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } : {};
    const req = http.request({ host, port, path, agent, headers }, (res) => {
      for (const c of jar ? (res.headers['set-cookie'] ?? []) : []) {
        const [pair] = c.split(';');
        const eq = pair.indexOf('=');
        if (eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
      }
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8'), complete: res.complete, ms: performance.now() - t0 }));
      res.on('error', (err) => resolve({ error: err.code ?? err.message }));
    });
    req.on('error', (err) => resolve({ error: err.code ?? err.message }));
    req.end();
  });
}

async function connection(index) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1, ...(clients ? { localAddress: `127.0.1.${index + 1}` } : {}) });
  const jar = clients ? new Map() : null;
  let sockets = 0;
  const create = agent.createConnection.bind(agent);
  agent.createConnection = (...a) => (sockets++, create(...a));
  /** [version, responses] runs in the order this connection saw them. */
  const runs = [];
  const gap = rate > 0 ? (connections * 1000) / rate : 0;
  let next = performance.now();
  while (!stopping) {
    const r = await request(agent, jar);
    if (r.error) count(r.error === 'ECONNRESET' ? 'reset' : 'failed', r.error);
    else if (r.status !== 200) {
      count('failed', `status ${r.status}`);
      const named = /^version=(\d+)/.exec(r.body);
      if (named) seenVersion(named[1], 'failed');
    } else {
      const m = /^version=(\d+)$/.exec(r.body);
      if (!m || !r.complete) count('incomplete', `body ${JSON.stringify(r.body.slice(0, 40))}`);
      else {
        totals.ok++;
        seenVersion(m[1], 'ok');
        if (latencies.length < 500_000) latencies.push(r.ms);
        const v = Number(m[1]);
        if (runs.at(-1)?.[0] === v) runs.at(-1)[1]++;
        else runs.push([v, 1]);
        if (!firstSeen.has(v)) {
          firstSeen.set(v, Date.now());
          process.stdout.write(`first ${v} ${firstSeen.get(v)}\n`);
        }
      }
    }
    if (gap > 0) {
      next += gap;
      const wait = next - performance.now();
      if (wait > 0) await new Promise((res) => setTimeout(res, wait));
      else if (wait < -1000) next = performance.now(); // far behind: do not burst to catch up
    }
  }
  agent.destroy();
  return { index, runs, sockets };
}

const all = Promise.all(Array.from({ length: connections }, (_, i) => connection(i)));
const stop = () => (stopping = true);
process.on('SIGTERM', stop);
if (durationMs > 0) setTimeout(stop, durationMs);
process.stdout.write('started\n');
const perConnection = await all;
const elapsedMs = performance.now() - started;
latencies.sort((a, b) => a - b);
// Three decimals: the proxy benchmark compares overheads of a few microseconds.
const pct = (p) => (latencies.length ? Number(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(3)) : null);
const summary = { ...totals, byVersion, elapsedMs: Math.round(elapsedMs), rps: Math.round((totals.ok * 1000) / elapsedMs), p50ms: pct(50), p99ms: pct(99), perConnection };
process.stdout.write(`summary ${JSON.stringify(summary)}\n`);

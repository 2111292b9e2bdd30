// Keep-alive HTTP load from a separate process, for the zero-downtime tests and the benchmark.
// usage: node load.mjs --port P [--connections 8] [--rate 800 (req/s in total, 0 = as fast as possible)] [--path /]
// Each connection is one keep-alive socket sending requests back to back. Prints `seen <version>`
// the first time any connection sees a new highest version, and on SIGTERM (or --duration ms)
// one `summary <json>` line: ok, failed, reset, incomplete, per-connection version runs, sockets opened.
import http from 'node:http';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, v, i, a) => (v.startsWith('--') ? [...acc, [v.slice(2), a[i + 1]]] : acc), []));
const port = Number(args.port);
const connections = Number(args.connections ?? 8);
const rate = Number(args.rate ?? 800);
const path = args.path ?? '/';
const durationMs = args.duration ? Number(args.duration) : 0;

const totals = { ok: 0, failed: 0, reset: 0, incomplete: 0, errors: {}, latenciesUs: [] };
let highest = -1;
let stopping = false;
const started = performance.now();

function once(agent) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = http.request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body, us: (performance.now() - t0) * 1000 }));
      res.on('error', (err) => resolve({ error: err.code ?? err.message }));
    });
    req.on('error', (err) => resolve({ error: err.code ?? err.message }));
    req.end();
  });
}

async function connection(index) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let sockets = 0;
  const origCreate = agent.createConnection.bind(agent);
  agent.createConnection = (...a) => {
    sockets++;
    return origCreate(...a);
  };
  const runs = [];
  const interval = rate > 0 ? (connections * 1000) / rate : 0;
  let next = performance.now();
  while (!stopping) {
    const r = await once(agent);
    if (r.error) {
      totals[r.error === 'ECONNRESET' ? 'reset' : 'failed']++;
      totals.errors[r.error] = (totals.errors[r.error] ?? 0) + 1;
    } else if (r.status !== 200) {
      totals.failed++;
      totals.errors[`status ${r.status}`] = (totals.errors[`status ${r.status}`] ?? 0) + 1;
    } else {
      const m = /^version=(\d+)$/.exec(r.body);
      if (!m) totals.incomplete++;
      else {
        totals.ok++;
        if (totals.latenciesUs.length < 200_000) totals.latenciesUs.push(r.us);
        const v = Number(m[1]);
        const last = runs.at(-1);
        if (last && last[0] === v) last[1]++;
        else runs.push([v, 1]);
        if (v > highest) {
          highest = v;
          process.stdout.write(`seen ${v}\n`);
        }
      }
    }
    if (interval > 0) {
      next += interval;
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      else if (wait < -1000) next = performance.now(); // fell far behind: do not burst to catch up
    }
  }
  agent.destroy();
  return { index, runs, sockets };
}

const all = Promise.all(Array.from({ length: connections }, (_, i) => connection(i)));
const stop = () => (stopping = true);
process.on('SIGTERM', stop);
if (durationMs > 0) setTimeout(stop, durationMs);
const perConnection = await all;
const elapsedMs = performance.now() - started;
const lat = totals.latenciesUs.sort((a, b) => a - b);
const pct = (p) => (lat.length ? Math.round(lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))]) : null);
const { latenciesUs, ...counts } = totals;
process.stdout.write(`summary ${JSON.stringify({ ...counts, elapsedMs: Math.round(elapsedMs), rps: Math.round((totals.ok * 1000) / elapsedMs), p50us: pct(50), p99us: pct(99), perConnection })}\n`);

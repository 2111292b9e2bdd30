#!/usr/bin/env node
// Idle-agent simulator for bench/scale.mjs (not a benchmark itself: run.mjs skips `_` files).
// Speaks the real protocol: a fresh EdDSA JWT per dial, `hello`, a heartbeat every interval the
// control plane names in `welcome`, ws pong (automatic); redials with full-jitter backoff.
//   node bench/_scale-sim.mjs <control-plane url> <key.pem> <first index> <count>
// Agent ids are `srv_sim_<index>`. Prints `STATUS welcomed=<n> dials=<n>` every 250 ms.
// DEVFLOW_SIM_IN_FLIGHT: dials open at once (default 200).
import { createPrivateKey, randomUUID, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

const [url, keyFile, firstArg, countArg] = process.argv.slice(2);
const key = createPrivateKey(readFileSync(keyFile, 'utf8'));
const first = Number(firstArg);
const count = Number(countArg);
const connectUrl = `${url.replace(/^http/, 'ws')}/agent/connect`;
const HOST = { hostname: 'sim', os: 'Linux', platform: 'linux', arch: 'x64', cpus: 2, memoryBytes: 1e9, diskFreeBytes: 1e10, dataDir: '/tmp/sim', nodeVersion: process.version };
const IN_FLIGHT = Number(process.env.DEVFLOW_SIM_IN_FLIGHT ?? 200);

let welcomed = 0;
let dials = 0;
let inFlight = 0;
const waiting = [];
const live = new Set();
let heartbeatMs = 5000;

const agentId = (i) => `srv_sim_${String(i).padStart(5, '0')}`;

// Signed with node:crypto directly (the same compact EdDSA JWT jose makes): one process plays
// 10,000 agents on the control plane's machine, so its CPU per dial is kept small.
const HEADER = Buffer.from(JSON.stringify({ alg: 'EdDSA', typ: 'JWT' })).toString('base64url');
function token(id) {
  const iat = Math.floor(Date.now() / 1000);
  const payload = Buffer.from(JSON.stringify({ sub: id, aud: 'devflow-control-plane', iat, exp: iat + 60, jti: randomUUID() })).toString('base64url');
  const data = `${HEADER}.${payload}`;
  return `${data}.${sign(null, Buffer.from(data), key).toString('base64url')}`;
}

function schedule(i, attempt) {
  // Full jitter as in the real agent's link, but from 250 ms and capped at 5 s (the agent: 1 s, 60 s),
  // so the time back after a restart says more about the control plane than about the backoff.
  const delay = attempt === 0 ? 0 : Math.random() * Math.min(5000, 250 * 2 ** attempt);
  setTimeout(() => {
    waiting.push([i, attempt]);
    pump();
  }, delay);
}

function pump() {
  while (inFlight < IN_FLIGHT && waiting.length) {
    const [i, attempt] = waiting.shift();
    inFlight++;
    dial(i, attempt).finally(() => {
      inFlight--;
      pump();
    });
  }
}

async function dial(i, attempt) {
  dials++;
  const id = agentId(i);
  const ws = new WebSocket(connectUrl, { headers: { authorization: `Bearer ${token(id)}` }, perMessageDeflate: false });
  let ok = false;
  await new Promise((resolve) => {
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', protocolVersion: 1, agentVersion: 'sim', host: HOST, activeSteps: [] })));
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data));
      if (msg.type === 'welcome' && !ok) {
        ok = true;
        heartbeatMs = msg.heartbeatIntervalMs;
        welcomed++;
        live.add(ws);
        resolve();
      }
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      if (ok) {
        welcomed--;
        live.delete(ws);
        schedule(i, 1);
      } else {
        schedule(i, attempt + 1);
      }
      resolve();
    });
  });
}

// One timer for every socket: the real agent sends a heartbeat per interval.
const beat = () => {
  const frame = JSON.stringify({ type: 'heartbeat', ts: Date.now() });
  for (const ws of live) if (ws.readyState === WebSocket.OPEN) ws.send(frame);
  setTimeout(beat, heartbeatMs);
};
setTimeout(beat, heartbeatMs);

setInterval(() => process.stdout.write(`STATUS welcomed=${welcomed} dials=${dials}\n`), 250);
for (let i = first; i < first + count; i++) schedule(i, 0);

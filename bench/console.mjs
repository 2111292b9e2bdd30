#!/usr/bin/env node
// Web console benchmark (issue 4 targets), real processes on loopback, Debian's Chromium:
//   1. Live log latency: a build prints 1,000 lines/s (each line carries the time it was printed);
//      the browser, on the deployment page with follow on, records when each line is rendered.
//      p50/p95/p99/max of printed -> visible. Target: p99 under 100 ms.
//   2. A finished 100,000-line log: open the page (until every line is in and shown), scroll
//      it end to end, search it. Longest main-thread task and longest frame in each phase;
//      search = keystroke -> results shown. Target: no frozen frame, search under 200 ms.
// Usage: npm run build && node bench/console.mjs [--seconds 10] [--lines 100000]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { arg, pct, root, sleep } from './lib/common.mjs';
import { ADMIN, adminApi, finished, startBenchAgent, startBenchControlPlane } from './lib/control-plane.mjs';

const SECONDS = arg('seconds', 10);
const BIG = arg('lines', 100_000);
const ms = (x) => (x === undefined || x === null ? 'n/a' : `${x.toFixed(1)} ms`);

const tmp = mkdtempSync(join(tmpdir(), 'devflow-bench-console-'));
const children = [];
let browser;
let cp;

// ---- a repository whose builds print what we measure ----
const repo = join(tmp, 'repo');
mkdirSync(repo);
// 1,000 lines/s in 10 ms ticks, each line stamped with Date.now() at the moment it is written.
writeFileSync(
  join(repo, 'stream.js'),
  `const total = ${SECONDS * 1000}; let n = 0; const start = Date.now();
const tick = () => {
  const due = Math.min(total, Math.floor((Date.now() - start)));
  let out = '';
  for (; n < due; n++) out += 'BENCH ' + Date.now() + ' ' + n + ' \\u001b[32mok\\u001b[0m\\n';
  if (out) process.stdout.write(out);
  if (n < total) setTimeout(tick, 10);
};
tick();
`,
);
// A long log, as fast as the agent takes it, with colours and some error lines.
writeFileSync(
  join(repo, 'big.js'),
  `let out = '';
for (let i = 0; i < ${BIG}; i++) {
  out += (i % 997 === 0 ? 'error: simulated failure ' : '\\u001b[36minfo\\u001b[0m compiled module ') + 'mod-' + (i % 1000) + ' line ' + i + '\\n';
  if (out.length > 65536) { process.stdout.write(out); out = ''; }
}
process.stdout.write(out);
`,
);
const git = (...args) => execFileSync('git', ['-c', 'user.name=Bench', '-c', 'user.email=bench@example.com', ...args], { cwd: repo, encoding: 'utf8' }).trim();
git('init', '-q', '-b', 'main');
git('add', '-A');
git('commit', '-q', '-m', 'console bench');

try {
  cp = await startBenchControlPlane(join(tmp, 'cp'), { DEVFLOW_WEB_DIR: join(root, 'web/dist') });
  const api = await adminApi(cp.url);

  // ---- one real agent ----
  const { id: agentId, child: agent } = await startBenchAgent(cp, join(tmp, 'agent'));
  children.push(agent);

  await api('POST', '/api/projects', { name: 'bench', repositoryUrl: repo, preset: 'custom', defaultBranch: 'main' });
  const env = (name, build) => api('POST', '/api/projects/bench/environments', { name, serverIds: [agentId], pipeline: { build: { argv: ['node', build] }, healthcheck: false } });
  await env('stream', 'stream.js');
  await env('big', 'big.js');
  const deploy = async (name) => (await api('POST', `/api/projects/bench/environments/${name}/deployments`, { force: true })).deployment.id;

  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${cp.url}/login`);
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.topbar').waitFor();

  // Long tasks and frame gaps, collected in the page for each phase.
  // Splits the latency: printed -> received by the browser (agent, control plane, SSE) and
  // received -> rendered (the console: store, React, virtual list), per SSE batch.
  await page.addInitScript(() => {
    const w = window;
    w.__arrival = [];
    w.__render = [];
    const orig = EventSource.prototype.addEventListener;
    EventSource.prototype.addEventListener = function (type, fn, options) {
      if (type !== 'log') return orig.call(this, type, fn, options);
      return orig.call(
        this,
        type,
        (event) => {
          const now = Date.now();
          for (const m of event.data.matchAll(/BENCH (\d+) (\d+)/g)) w.__arrival.push(now - Number(m[1]));
          const t0 = performance.now();
          fn(event);
          // Registered after the console's own frame callback, so it runs once that has rendered.
          requestAnimationFrame(() => w.__render.push(performance.now() - t0));
        },
        options,
      );
    };
  });
  // Installed at the start of every page load, so opening a page is measured too.
  await page.addInitScript(() => {
    const w = window;
    w.__bench = { longTasks: [], frames: [], lastFrame: performance.now() };
    new PerformanceObserver((list) => list.getEntries().forEach((e) => w.__bench.longTasks.push(e.duration))).observe({ type: 'longtask', buffered: true });
    const frame = (t) => {
      w.__bench.frames.push(t - w.__bench.lastFrame);
      w.__bench.lastFrame = t;
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
  const phase = () =>
    page.evaluate(() => {
      const b = window.__bench;
      const out = { longestTask: Math.max(0, ...b.longTasks), longTasks: b.longTasks.length, longestFrame: Math.max(0, ...b.frames.slice(1)) };
      b.longTasks = [];
      b.frames = [];
      b.lastFrame = performance.now();
      return out;
    });

  // ---- 1. live latency at 1,000 lines/s ----
  const warm = await deploy('stream');
  await finished(api, warm, 200); // warm mirrors on both sides
  const streamId = await deploy('stream');
  await page.goto(`${cp.url}/deployments/${streamId}`);
  await page.evaluate(() => {
    const w = window;
    w.__latency = new Map();
    new MutationObserver((records) => {
      const now = Date.now();
      for (const r of records)
        for (const node of r.addedNodes) {
          const m = /BENCH (\d+) (\d+)/.exec(node.textContent ?? '');
          if (m && !w.__latency.has(m[2])) w.__latency.set(m[2], now - Number(m[1]));
        }
    }).observe(document.body, { childList: true, subtree: true });
  });
  await phase();
  const streamed = await finished(api, streamId, 200);
  await sleep(500);
  const latencies = await page.evaluate(() => [...window.__latency.values()]);
  const live = await phase();
  const arrival = await page.evaluate(() => window.__arrival);
  const render = await page.evaluate(() => window.__render);

  // ---- 2. a finished 100,000-line log ----
  const bigId = await deploy('big');
  const big = await finished(api, bigId, 200);
  const openStart = Date.now();
  await page.goto(`${cp.url}/deployments/${bigId}`);
  await page.waitForFunction((n) => {
    const text = document.querySelector('.log-hits')?.textContent ?? '';
    return Number(text.replace(/[^0-9]/g, '')) >= n && document.querySelector('.stream-ended') !== null;
  }, BIG, { timeout: 120_000, polling: 50 });
  const openMs = Date.now() - openStart;
  // The same lines without a browser: what reading them from the control plane costs.
  const downloadStart = Date.now();
  const text = await (await fetch(`${cp.url}/api/deployments/${bigId}/logs`, { headers: api.headers })).text();
  const downloadMs = Date.now() - downloadStart;
  const downloaded = text.split('\n').length - 1;
  const lineCount = await page.evaluate(() => Number((document.querySelector('.log-hits')?.textContent ?? '').replace(/[^0-9]/g, '')));
  const open = await phase();

  // Scroll from the top to the bottom in 60 frames, then back up with the wheel.
  await page.evaluate(async () => {
    const el = document.querySelector('.log-body');
    el.scrollTop = 0;
    for (let i = 1; i <= 60; i++) {
      await new Promise((r) => requestAnimationFrame(r));
      el.scrollTop = (el.scrollHeight * i) / 60;
    }
  });
  await page.mouse.move(600, 700);
  for (let i = 0; i < 40; i++) await page.mouse.wheel(0, -2000);
  const scroll = await phase();

  // Search: keystroke -> results shown (hit count text updated), three queries.
  const searches = [];
  for (const query of ['mod-999 line 99', 'simulated failure', 'no such text anywhere']) {
    await page.getByLabel('Search the log').fill('');
    await page.waitForFunction(() => /lines$/.test(document.querySelector('.log-hits')?.textContent ?? ''));
    const elapsed = await page.evaluate(async (q) => {
      const input = document.querySelector('input[aria-label="Search the log"]');
      const hits = document.querySelector('.log-hits');
      const before = hits.textContent;
      const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
      const t0 = performance.now();
      setter.call(input, q);
      input.dispatchEvent(new Event('input', { bubbles: true }));
      for (;;) {
        await new Promise((r) => requestAnimationFrame(r));
        if (hits.textContent !== before) break;
      }
      // One more frame: the results are painted, not only in the DOM.
      await new Promise((r) => requestAnimationFrame(r));
      return { total: performance.now() - t0, search: Number(hits.dataset.searchMs), text: hits.textContent };
    }, query);
    searches.push({ query, ...elapsed });
  }
  const search = await phase();

  const rows = [
    ['live log, printed -> visible', `${latencies.length} lines measured (${streamed.status})`],
    ['  p50', ms(pct(latencies, 50))],
    ['  p95', ms(pct(latencies, 95))],
    ['  p99 (target < 100 ms)', ms(pct(latencies, 99))],
    ['  max', ms(Math.max(...latencies))],
    ['  of which printed -> received by the browser, p50 / p99', `${ms(pct(arrival, 50))} / ${ms(pct(arrival, 99))}`],
    ['  of which received -> rendered (per batch), p50 / p99', `${ms(pct(render, 50))} / ${ms(pct(render, 99))}`],
    ['  longest main-thread task while streaming', ms(live.longestTask)],
    [`finished log (${lineCount.toLocaleString('en')} lines, ${big.status})`, ''],
    ['  open: page load -> every line in', ms(openMs)],
    ['  open: longest main-thread task', ms(open.longestTask)],
    [`  for comparison: GET /logs as text, no browser (${downloaded} lines)`, ms(downloadMs)],
    ['  scroll end to end: longest frame', ms(scroll.longestFrame)],
    ['  scroll: longest main-thread task', ms(scroll.longestTask)],
    ...searches.map((s) => [`  search "${s.query}" -> shown (${s.text})`, `${ms(s.total)} (scan ${ms(s.search)})`]),
    ['  search: longest main-thread task', ms(search.longestTask)],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log('\nWeb console (Chromium headless, 1280x900)');
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
} finally {
  await browser?.close().catch(() => undefined);
  for (const c of children) c.kill('SIGTERM');
  await cp?.close().catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
}

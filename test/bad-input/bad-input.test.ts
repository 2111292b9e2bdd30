import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopAll } from '../helpers/processes.js';
import { removeTempDirs } from '../helpers/temp.js';
import type { BadInputCase } from './case.js';
import { buildWorld, snapshot, type World } from './world.js';

/**
 * The table-driven bad-input suite (issues 14 item 4, 17): every case runs against one real
 * control plane + one real agent (world.ts) and must be refused with the exact status and
 * message while nothing changes.
 *
 * Adding cases: one file per area in `cases/` (webhooks.ts, steps.ts, ...) exporting
 * `export const cases: BadInputCase[]` (case.ts: name, who, request, status, message, and the
 * snapshot keys it may change — default none). The runner takes a snapshot before and after each
 * case: row counts of the main tables, the number of queued/running deployments, the files in
 * the world's root outside the data dir, and the requests that reached the local receiver
 * (`w.receiver.url`, the SSRF target). Cases run in file order, one after the other; a case that
 * needs state makes it in `setup` (which may change anything) and leaves the world usable.
 */
const files = readdirSync(new URL('./cases/', import.meta.url)).filter((f) => f.endsWith('.ts')).sort();
const areas: { file: string; cases: BadInputCase[] }[] = [];
for (const file of files) areas.push({ file, cases: ((await import(`./cases/${file}`)) as { cases: BadInputCase[] }).cases });

let world: World & { close(): Promise<void> };

beforeAll(async () => {
  world = await buildWorld();
}, 120_000);

afterAll(async () => {
  await world?.close();
  await stopAll();
  removeTempDirs();
});

/**
 * node:http rather than fetch, on a fresh connection per case: a refusal answered before the body
 * was read (413, 401) arrives while the upload is still going, and is what the case checks.
 */
async function send(w: World, c: BadInputCase): Promise<{ status: number; body: any; text: string }> {
  const req = await c.request(w);
  const headers = { ...w.headers[c.who], ...req.headers };
  const body = req.body ?? (req.json === undefined ? undefined : JSON.stringify(req.json));
  const text = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const out = request(`${w.cp.url}${req.path}`, { method: req.method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    let answered = false;
    out.on('response', () => (answered = true));
    // A write cut off by the server's early answer is expected; anything before an answer is not.
    out.on('error', (err) => (answered ? undefined : reject(err)));
    void (async () => {
      if (body instanceof ReadableStream) {
        for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
        out.end();
      } else out.end(body);
    })().catch(() => undefined);
  });
  let parsed: any = text.text;
  try {
    parsed = JSON.parse(text.text);
  } catch {
    // not JSON: compared as text
  }
  return { status: text.status, body: parsed, text: text.text };
}

const messageOf = (body: any, text: string): string => (typeof body === 'object' && body !== null ? (body.error?.message ?? body.ignored ?? text) : text);

for (const area of areas) {
  describe(area.file.replace(/\.ts$/, ''), () => {
    for (const c of area.cases) {
      it(`${c.name} (${c.who})`, async () => {
        await c.setup?.(world);
        const before = await snapshot(world);
        const reply = await send(world, c);
        expect({ status: reply.status, message: messageOf(reply.body, reply.text) }, reply.text.slice(0, 500)).toEqual({ status: c.status, message: expect.stringMatching(c.message) });
        await c.check?.(reply.body, world);
        // Work a request started in the background (a notification, a fetch) shows within this.
        await new Promise((r) => setTimeout(r, 100));
        const after = await snapshot(world);
        for (const key of c.mayChange ?? []) {
          delete before[key];
          delete after[key];
        }
        expect(after).toEqual(before);
      });
    }
  });
}

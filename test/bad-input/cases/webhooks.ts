import { createHmac, randomUUID } from 'node:crypto';
import { githubDelivery, githubPing, githubPushPayload, gitlabDelivery, gitlabPushPayload } from '../../../control-plane/test-support/webhook-payloads.js';
import { Api, waitFinal } from '../../helpers/api.js';
import type { BadInputCase, CaseRequest } from '../case.js';
import type { World } from '../world.js';

/** Issue 17 items 4 (replay) and 8 (body cap, streaming check, one 401 for every unauthenticated delivery). */

const BAD_SIGNATURE = /^X-Hub-Signature-256 does not match the body signed with this project's webhook secret/;
const hook = (w: World, d: { headers: Record<string, string>; body: string }, projectId = w.project.id): CaseRequest => ({
  method: 'POST', path: `/webhooks/${projectId}`, headers: d.headers, body: d.body,
});

/** A signed push of a new commit with a body of about `bytes` (padding in a field GitHub would not send). */
function bigPush(w: World, bytes: number): { headers: Record<string, string>; body: string } {
  const payload = { ...githubPushPayload('refs/heads/main', { sha: w.repo.head(), message: 'big' }), padding: 'x'.repeat(bytes) };
  return githubDelivery('push', payload, w.webhook.secret);
}

const pingBody = JSON.stringify(githubPing());
let firstPingId = '';
let oldCommit = '';

async function pushAndWait(w: World, version: string): Promise<string> {
  w.repo.write({ VERSION: `${version}\n` });
  const sha = w.repo.commit(`release ${version}`);
  const res = await fetch(w.webhook.url, { method: 'POST', ...githubDelivery('push', githubPushPayload('refs/heads/main', { sha, message: `release ${version}` }), w.webhook.secret) });
  const body = (await res.json()) as { deployments?: { deploymentId: string }[] };
  const id = body.deployments?.[0]?.deploymentId;
  if (res.status !== 202 || !id) throw new Error(`push ${version}: ${res.status} ${JSON.stringify(body)}`);
  const dep = await waitFinal(w.as.admin as Api, id, 90_000);
  if (dep.status !== 'succeeded') throw new Error(`push ${version} deployment ${dep.status}: ${dep.reason}`);
  return sha;
}

export const cases: BadInputCase[] = [
  {
    name: 'a push signed with a wrong secret gets 401',
    who: 'anonymous',
    request: (w) => hook(w, githubDelivery('push', githubPushPayload('refs/heads/main', { sha: w.repo.head(), message: 'x' }), 'not the secret')),
    status: 401,
    message: BAD_SIGNATURE,
  },
  {
    name: 'an unknown project id answers the same 401 as a wrong signature (ids are not revealed)',
    who: 'anonymous',
    request: (w) => hook(w, githubDelivery('push', githubPushPayload('refs/heads/main', { sha: w.repo.head(), message: 'x' }), w.webhook.secret), 'prj_doesnotexist'),
    status: 401,
    message: BAD_SIGNATURE,
  },
  {
    name: 'a body over the 1 MiB cap (Content-Length declared) gets 413 before it is read',
    who: 'anonymous',
    request: (w) => hook(w, bigPush(w, 2 * 1024 * 1024)),
    status: 413,
    message: /^webhook payload larger than 1048576 bytes \(DEVFLOW_WEBHOOK_MAX_BODY_BYTES\)/,
  },
  {
    name: 'a chunked body (no Content-Length) is cut off with 413 once it passes the cap',
    who: 'anonymous',
    request: (w) => {
      const d = bigPush(w, 3 * 1024 * 1024);
      const bytes = new TextEncoder().encode(d.body);
      const stream = new ReadableStream<Uint8Array>({
        start(ctl) {
          for (let i = 0; i < bytes.length; i += 64 * 1024) ctl.enqueue(bytes.subarray(i, i + 64 * 1024));
          ctl.close();
        },
      });
      return { method: 'POST', path: `/webhooks/${w.project.id}`, headers: d.headers, body: stream };
    },
    status: 413,
    message: /^webhook payload larger than 1048576 bytes/,
  },
  {
    name: 'a GitLab delivery with a wrong token gets 401 (the token is checked before the body is read)',
    who: 'anonymous',
    request: (w) => hook(w, gitlabDelivery('Push Hook', { ...gitlabPushPayload('refs/heads/main', { sha: w.repo.head(), message: 'x' }), padding: 'x'.repeat(900_000) }, 'wrong token')),
    status: 401,
    message: /^X-Gitlab-Token does not match this project's webhook secret$/,
  },
  {
    name: 'the same signed body under a fresh delivery id is ignored as a duplicate payload',
    who: 'anonymous',
    setup: async (w) => {
      firstPingId = randomUUID();
      const res = await fetch(w.webhook.url, { method: 'POST', ...githubDelivery('ping', githubPing(), w.webhook.secret, { deliveryId: firstPingId }) });
      if (res.status !== 200) throw new Error(`ping: ${res.status}`);
    },
    request: (w) => ({
      method: 'POST',
      path: `/webhooks/${w.project.id}`,
      body: pingBody,
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'ping',
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': `sha256=${createHmac('sha256', w.webhook.secret).update(pingBody).digest('hex')}`,
      },
    }),
    status: 200,
    message: /^duplicate payload: the same body was delivered as [0-9a-f-]{36} \(a replay with a new delivery id\)$/,
    check: (body) => {
      if (!String(body.ignored).includes(firstPingId)) throw new Error(`expected the first delivery id ${firstPingId} in ${body.ignored}`);
    },
  },
  {
    name: 'a replayed push of an older commit (new delivery id, changed body) does not roll production back',
    who: 'anonymous',
    setup: async (w) => {
      oldCommit = await pushAndWait(w, 'replay-old');
      await pushAndWait(w, 'replay-new');
    },
    request: (w) => hook(w, githubDelivery('push', { ...githubPushPayload('refs/heads/main', { sha: oldCommit, message: 'release replay-old' }), replayed: true }, w.webhook.secret)),
    status: 200,
    message: /^production: commit [0-9a-f]{12} is older than [0-9a-f]{12}, which environment "production" already has live from webhook deployment dep_\S+: a replayed or out-of-order push is not deployed/,
    // The refused delivery is recorded (with the reason) in the delivery history.
    mayChange: ['webhook_deliveries'],
  },
];

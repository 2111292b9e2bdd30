import { checkHmacHeader } from '../signature.js';
import { WebhookPayloadError, type HeaderLookup, type ProviderAdapter, type WebhookEvent } from '../types.js';
import { nameEmail, obj, parseJson, refChange, str, type Obj } from './payload.js';

/**
 * GitHub: `X-GitHub-Event` (push, ping, …), `X-GitHub-Delivery`, `X-Hub-Signature-256`. The body is
 * JSON, or with content type `application/x-www-form-urlencoded` a form whose `payload` field
 * holds the JSON; either way the signature covers the raw bytes.
 */
export const github: ProviderAdapter = {
  name: 'github',
  eventHeader: 'x-github-event',
  deliveryHeader: 'x-github-delivery',
  auth: { kind: 'hmac-sha256', header: 'x-hub-signature-256', headerName: 'X-Hub-Signature-256' },
  verify: (headers, raw, secret) => checkHmacHeader(headers('x-hub-signature-256'), 'X-Hub-Signature-256', raw, secret),
  parse(headers, raw): WebhookEvent {
    const event = headers('x-github-event') ?? '';
    if (event !== 'push' && event !== 'ping') return { kind: 'other', event };
    const body = payload(headers, raw);
    if (event === 'ping') return { kind: 'ping', event, note: str(body.zen) };
    const ref = str(body.ref);
    if (!ref) throw new WebhookPayloadError('push payload has no "ref"');
    const head = obj(body.head_commit);
    const pusher = obj(body.pusher);
    return {
      kind: 'push',
      event,
      pusher: str(pusher?.name) ?? str(obj(body.sender)?.login),
      changes: [refChange(ref, str(body.after), body.deleted === true, { message: str(head?.message), author: nameEmail(head?.author) })],
    };
  },
};

function payload(headers: HeaderLookup, raw: Uint8Array): Obj {
  const type = (headers('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return parseJson(raw);
  const json = new URLSearchParams(Buffer.from(raw).toString('utf8')).get('payload');
  if (json === null) throw new WebhookPayloadError('form-encoded delivery has no "payload" field');
  return parseJson(json, '"payload" field');
}

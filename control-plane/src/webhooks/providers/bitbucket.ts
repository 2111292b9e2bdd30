import { checkHmacHeader } from '../signature.js';
import { WebhookPayloadError, type ProviderAdapter, type PushChange, type WebhookEvent } from '../types.js';
import { obj, parseJson, refChange, str, type Obj } from './payload.js';

/**
 * Bitbucket Cloud: `X-Event-Key` (`repo:push`, …), `X-Request-UUID`, `X-Hub-Signature`
 * (`sha256=<hex HMAC>` with the webhook's secret). One push may update several refs:
 * `push.changes[]`, each with `new` (null when the ref was deleted) `{type: branch|tag, name,
 * target: {hash, message, author: {raw}}}`.
 */
export const bitbucket: ProviderAdapter = {
  name: 'bitbucket',
  eventHeader: 'x-event-key',
  deliveryHeader: 'x-request-uuid',
  auth: { kind: 'hmac-sha256', header: 'x-hub-signature', headerName: 'X-Hub-Signature' },
  verify: (headers, raw, secret) => checkHmacHeader(headers('x-hub-signature'), 'X-Hub-Signature', raw, secret),
  parse(headers, raw): WebhookEvent {
    const event = headers('x-event-key') ?? '';
    if (event !== 'repo:push') return { kind: 'other', event };
    const body = parseJson(raw);
    const changes = obj(body.push)?.changes;
    if (!Array.isArray(changes)) throw new WebhookPayloadError('repo:push payload has no "push.changes"');
    const actor = obj(body.actor);
    return { kind: 'push', event, pusher: str(actor?.display_name) ?? str(actor?.nickname), changes: changes.map((c) => change(obj(c) ?? {})) };
  },
};

function change(c: Obj): PushChange {
  const now = obj(c.new);
  const ref = now ?? obj(c.old);
  const name = str(ref?.name);
  if (!ref || !name) throw new WebhookPayloadError('a push change has neither "new" nor "old" with a name');
  const full = ref.type === 'tag' ? `refs/tags/${name}` : ref.type === 'branch' || ref.type === 'named_branch' ? `refs/heads/${name}` : `refs/${String(ref.type)}/${name}`;
  const target = obj(now?.target);
  const author = obj(target?.author);
  return refChange(full, str(target?.hash), now === null || c.closed === true, {
    message: str(target?.message),
    author: str(author?.raw) ?? str(obj(author?.user)?.display_name),
  });
}

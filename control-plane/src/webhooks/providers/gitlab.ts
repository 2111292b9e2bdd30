import { checkToken } from '../signature.js';
import { WebhookPayloadError, type ProviderAdapter, type WebhookEvent } from '../types.js';
import { nameEmail, obj, parseJson, refChange, str } from './payload.js';

/**
 * GitLab: `X-Gitlab-Event` (`Push Hook`, `Tag Push Hook`, …), `X-Gitlab-Event-UUID`, and the
 * secret token itself in `X-Gitlab-Token`. Payload: `ref`, `checkout_sha` (null when the branch
 * was deleted), `after`, `commits[]` (the head commit is the one whose id is checkout_sha), `user_name`.
 */
export const gitlab: ProviderAdapter = {
  name: 'gitlab',
  eventHeader: 'x-gitlab-event',
  deliveryHeader: 'x-gitlab-event-uuid',
  auth: { kind: 'token', header: 'x-gitlab-token', headerName: 'X-Gitlab-Token' },
  verify: (headers, _raw, secret) => checkToken(headers('x-gitlab-token'), 'X-Gitlab-Token', secret),
  parse(headers, raw): WebhookEvent {
    const event = headers('x-gitlab-event') ?? '';
    if (event !== 'Push Hook' && event !== 'Tag Push Hook') return { kind: 'other', event };
    const body = parseJson(raw);
    const ref = str(body.ref);
    if (!ref) throw new WebhookPayloadError('push payload has no "ref"');
    const sha = str(body.checkout_sha) ?? str(body.after);
    const commits = Array.isArray(body.commits) ? body.commits.map(obj) : [];
    const head = commits.find((c) => c && str(c.id) === sha) ?? commits.at(-1) ?? null;
    return {
      kind: 'push',
      event,
      pusher: str(body.user_username) ?? str(body.user_name),
      changes: [refChange(ref, sha, body.checkout_sha === null, { message: str(head?.message), author: nameEmail(head?.author) })],
    };
  },
};

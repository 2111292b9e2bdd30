import { describe, expect, it } from 'vitest';
import { detectProvider } from './providers/index.js';
import { checkHmacHeader, checkToken, hmacSha256Hex } from './signature.js';
import { bitbucketDelivery, bitbucketPushPayload, githubDelivery, githubPing, githubPushPayload, gitlabDelivery, gitlabPushPayload, type Delivery } from '../../test-support/webhook-payloads.js';
import { WebhookPayloadError, type ProviderAdapter } from './types.js';

const SECRET = 'a3f1c9e0b7d24c5e8f6a1b2c3d4e5f60718293a4b5c6d7e8f90123456789abcd';
const SHA = '1481a2de7b2a7d02428ad93446ab166be7793fbb';
const head = { sha: SHA, message: 'Update VERSION', name: 'Ada', email: 'ada@example.com' };

const lookup = (d: Delivery) => (name: string) => d.headers[name.toLowerCase()];
const bytes = (d: Delivery) => new TextEncoder().encode(d.body);
function read(d: Delivery): { adapter: ProviderAdapter; refused: string | null } {
  const adapter = detectProvider(lookup(d));
  if (!adapter) throw new Error('no provider');
  return { adapter, refused: adapter.verify(lookup(d), bytes(d), SECRET) };
}

describe('signature checks', () => {
  it('HMAC header: matches the provider-computed value, refuses a changed body, a wrong secret and bad formats', () => {
    const body = new TextEncoder().encode('{"ref":"refs/heads/main"}');
    // Known vector: HMAC-SHA256("It's a Secret to Everybody", "Hello, World!") from GitHub's docs.
    expect(hmacSha256Hex("It's a Secret to Everybody", new TextEncoder().encode('Hello, World!'))).toBe('757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
    const good = `sha256=${hmacSha256Hex(SECRET, body)}`;
    expect(checkHmacHeader(good, 'X-Hub-Signature-256', body, SECRET)).toBeNull();
    expect(checkHmacHeader(good.toUpperCase().replace('SHA256=', 'sha256='), 'X-Hub-Signature-256', body, SECRET)).toBeNull();
    expect(checkHmacHeader(good, 'X-Hub-Signature-256', new TextEncoder().encode('{"ref":"refs/heads/evil"}'), SECRET)).toMatch(/does not match/);
    expect(checkHmacHeader(good, 'X-Hub-Signature-256', body, 'other secret')).toMatch(/does not match/);
    expect(checkHmacHeader(undefined, 'X-Hub-Signature-256', body, SECRET)).toMatch(/X-Hub-Signature-256 is missing/);
    expect(checkHmacHeader(`sha1=${'0'.repeat(40)}`, 'X-Hub-Signature-256', body, SECRET)).toMatch(/must be "sha256=<64 hex characters>"/);
  });

  it('token header: equal only to the exact secret', () => {
    expect(checkToken(SECRET, 'X-Gitlab-Token', SECRET)).toBeNull();
    expect(checkToken(`${SECRET} `, 'X-Gitlab-Token', SECRET)).toMatch(/does not match/);
    expect(checkToken(SECRET.slice(0, 10), 'X-Gitlab-Token', SECRET)).toMatch(/does not match/);
    expect(checkToken(undefined, 'X-Gitlab-Token', SECRET)).toMatch(/X-Gitlab-Token is missing/);
  });
});

describe('GitHub', () => {
  it('push (JSON and form-encoded): branch, sha, message and author of head_commit', () => {
    for (const form of [false, true]) {
      const d = githubDelivery('push', githubPushPayload('refs/heads/main', head), SECRET, { form });
      const { adapter, refused } = read(d);
      expect(adapter.name).toBe('github');
      expect(refused).toBeNull();
      expect(adapter.parse(lookup(d), bytes(d))).toEqual({
        kind: 'push', event: 'push', pusher: 'ada',
        changes: [{ ref: 'refs/heads/main', branch: 'main', tag: null, deleted: false, sha: SHA, message: 'Update VERSION', author: 'Ada <ada@example.com>' }],
      });
    }
  });

  it('the form signature covers the encoded form, not the JSON inside it', () => {
    const d = githubDelivery('push', githubPushPayload('refs/heads/main', head), SECRET, { form: true });
    const json = new URLSearchParams(d.body).get('payload') ?? '';
    expect(read({ ...d, body: json }).refused).toMatch(/does not match/);
  });

  it('ping, deletion, tag and other events', () => {
    const ping = githubDelivery('ping', githubPing(), SECRET);
    expect(read(ping).adapter.parse(lookup(ping), bytes(ping))).toEqual({ kind: 'ping', event: 'ping', note: 'Design for failure.' });
    const del = githubDelivery('push', githubPushPayload('refs/heads/old', null, { deleted: true }), SECRET);
    expect(read(del).adapter.parse(lookup(del), bytes(del))).toMatchObject({ changes: [{ branch: 'old', deleted: true, sha: null }] });
    const tag = githubDelivery('push', githubPushPayload('refs/tags/v1.2.0', head), SECRET);
    expect(read(tag).adapter.parse(lookup(tag), bytes(tag))).toMatchObject({ changes: [{ branch: null, tag: 'v1.2.0' }] });
    const issue = githubDelivery('issues', { action: 'opened' }, SECRET);
    expect(read(issue).adapter.parse(lookup(issue), bytes(issue))).toEqual({ kind: 'other', event: 'issues' });
  });

  it('a payload with a branch git refuses or a malformed sha is a payload error', () => {
    const bad = githubDelivery('push', { ...githubPushPayload('refs/heads/main', head), ref: 'refs/heads/a..b' }, SECRET);
    expect(() => read(bad).adapter.parse(lookup(bad), bytes(bad))).toThrow(WebhookPayloadError);
    const sha = githubDelivery('push', { ...githubPushPayload('refs/heads/main', head), after: 'zz; rm -rf /' }, SECRET);
    expect(() => read(sha).adapter.parse(lookup(sha), bytes(sha))).toThrow(/not a 40-character sha/);
    const junk = { ...githubDelivery('push', {}, SECRET), body: 'not json' };
    expect(() => github(junk)).toThrow(/not JSON/);
  });
});

const github = (d: Delivery) => read(d).adapter.parse(lookup(d), bytes(d));

describe('GitLab', () => {
  it('Push Hook: checkout_sha and its commit; the token is the secret itself', () => {
    const d = gitlabDelivery('Push Hook', gitlabPushPayload('refs/heads/main', head), SECRET);
    const { adapter, refused } = read(d);
    expect([adapter.name, refused]).toEqual(['gitlab', null]);
    expect(adapter.parse(lookup(d), bytes(d))).toEqual({
      kind: 'push', event: 'Push Hook', pusher: 'jsmith',
      changes: [{ ref: 'refs/heads/main', branch: 'main', tag: null, deleted: false, sha: SHA, message: 'Update VERSION\n', author: 'Ada <ada@example.com>' }],
    });
    expect(read(gitlabDelivery('Push Hook', {}, 'wrong')).refused).toMatch(/X-Gitlab-Token does not match/);
  });

  it('branch deletion (checkout_sha null) and Tag Push Hook', () => {
    const del = gitlabDelivery('Push Hook', gitlabPushPayload('refs/heads/old', null), SECRET);
    expect(read(del).adapter.parse(lookup(del), bytes(del))).toMatchObject({ changes: [{ branch: 'old', deleted: true, sha: null }] });
    const tag = gitlabDelivery('Tag Push Hook', gitlabPushPayload('refs/tags/v2', head, { tag: true }), SECRET);
    expect(read(tag).adapter.parse(lookup(tag), bytes(tag))).toMatchObject({ changes: [{ tag: 'v2', branch: null }] });
  });
});

describe('Bitbucket Cloud', () => {
  it('repo:push with several changes: branch, tag and a deleted branch', () => {
    const d = bitbucketDelivery('repo:push', bitbucketPushPayload([
      { type: 'branch', name: 'main', head, old: '1e65c05c1d5171631d92438a13901ca7dae9618c' },
      { type: 'tag', name: 'v3', head },
      { type: 'branch', name: 'gone', head: null, old: SHA },
    ]), SECRET);
    const { adapter, refused } = read(d);
    expect([adapter.name, refused]).toEqual(['bitbucket', null]);
    const event = adapter.parse(lookup(d), bytes(d));
    expect(event).toMatchObject({ kind: 'push', event: 'repo:push', pusher: 'Emma' });
    expect(event.kind === 'push' && event.changes).toEqual([
      { ref: 'refs/heads/main', branch: 'main', tag: null, deleted: false, sha: SHA, message: 'Update VERSION\n', author: 'Ada <ada@example.com>' },
      { ref: 'refs/tags/v3', branch: null, tag: 'v3', deleted: false, sha: SHA, message: 'Update VERSION\n', author: 'Ada <ada@example.com>' },
      { ref: 'refs/heads/gone', branch: 'gone', tag: null, deleted: true, sha: null, message: null, author: null },
    ]);
  });

  it('the signature is refused with another secret or a changed body', () => {
    const d = bitbucketDelivery('repo:push', bitbucketPushPayload([{ type: 'branch', name: 'main', head }]), SECRET);
    expect(detectProvider(lookup(d))?.verify(lookup(d), bytes(d), 'other')).toMatch(/X-Hub-Signature does not match/);
    expect(read({ ...d, body: d.body.replace('main', 'prod') }).refused).toMatch(/does not match/);
  });
});

it('an unknown sender is not recognised', () => {
  expect(detectProvider(() => undefined)).toBeNull();
});

import { createHmac, randomUUID } from 'node:crypto';

/**
 * Push payloads and headers shaped like the ones GitHub, GitLab and Bitbucket Cloud send
 * (structure of their documented examples, trimmed of links), signed the way each provider
 * signs. Used by the unit tests and the end-to-end webhook tests.
 */

export interface Commit {
  sha: string;
  message: string;
  name?: string;
  email?: string;
}

export interface Delivery {
  headers: Record<string, string>;
  body: string;
}

const ZERO = '0'.repeat(40);
const hmac = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');
const ts = '2026-11-27T08:00:00+00:00';

export function githubPushPayload(ref: string, head: Commit | null, opts: { before?: string; deleted?: boolean } = {}): Record<string, unknown> {
  const owner = { name: 'octo-org', email: null, login: 'octo-org', id: 6811672, node_id: 'MDEyOk9yZ2FuaXphdGlvbjY4MTE2NzI=', type: 'Organization', site_admin: false };
  const commit = head && {
    id: head.sha,
    tree_id: 'f9d2a07e9488b91af2641b26b9407fe22a451433',
    distinct: true,
    message: head.message,
    timestamp: ts,
    url: `https://github.com/octo-org/octo-repo/commit/${head.sha}`,
    author: { name: head.name ?? 'Ada Lovelace', email: head.email ?? 'ada@example.com', username: 'ada' },
    committer: { name: 'GitHub', email: 'noreply@github.com', username: 'web-flow' },
    added: [],
    removed: [],
    modified: ['VERSION'],
  };
  return {
    ref,
    before: opts.before ?? 'c0e4d2b53c3d1f4d9f1e6d3b8a9b5c6d7e8f9a0b',
    after: opts.deleted ? ZERO : (head?.sha ?? ZERO),
    repository: {
      id: 186853002, node_id: 'MDEwOlJlcG9zaXRvcnkxODY4NTMwMDI=', name: 'octo-repo', full_name: 'octo-org/octo-repo', private: true, owner,
      html_url: 'https://github.com/octo-org/octo-repo', url: 'https://github.com/octo-org/octo-repo', default_branch: 'main', master_branch: 'main',
      pushed_at: 1795766400, created_at: 1557933565, updated_at: '2026-11-27T08:00:00Z', organization: 'octo-org', stargazers: 0,
    },
    pusher: { name: 'ada', email: 'ada@example.com' },
    organization: { login: 'octo-org', id: 6811672, node_id: 'MDEyOk9yZ2FuaXphdGlvbjY4MTE2NzI=' },
    sender: { login: 'ada', id: 21031067, node_id: 'MDQ6VXNlcjIxMDMxMDY3', type: 'User', site_admin: false },
    created: false,
    deleted: opts.deleted ?? false,
    forced: false,
    base_ref: null,
    compare: 'https://github.com/octo-org/octo-repo/compare/c0e4d2b53c3d...',
    commits: commit ? [commit] : [],
    head_commit: commit,
  };
}

/** GitHub: JSON or `application/x-www-form-urlencoded` (`payload=<json>`), HMAC over the exact bytes sent. */
export function githubDelivery(event: string, payload: unknown, secret: string, opts: { form?: boolean; deliveryId?: string } = {}): Delivery {
  const json = JSON.stringify(payload);
  const body = opts.form ? new URLSearchParams({ payload: json }).toString() : json;
  return {
    body,
    headers: {
      'user-agent': 'GitHub-Hookshot/6a2b2c1',
      'content-type': opts.form ? 'application/x-www-form-urlencoded' : 'application/json',
      'x-github-event': event,
      'x-github-delivery': opts.deliveryId ?? randomUUID(),
      'x-github-hook-id': '292430182',
      'x-github-hook-installation-target-id': '186853002',
      'x-github-hook-installation-target-type': 'repository',
      'x-hub-signature': `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`,
      'x-hub-signature-256': `sha256=${hmac(secret, body)}`,
    },
  };
}

export const githubPing = (hookId = 292430182) => ({
  zen: 'Design for failure.',
  hook_id: hookId,
  hook: { type: 'Repository', id: hookId, name: 'web', active: true, events: ['push'], config: { content_type: 'json', insecure_ssl: '0', url: 'https://devflow.example/webhooks/x' } },
  repository: { id: 186853002, name: 'octo-repo', full_name: 'octo-org/octo-repo' },
  sender: { login: 'ada', id: 21031067 },
});

export function gitlabPushPayload(ref: string, head: Commit | null, opts: { before?: string; tag?: boolean } = {}): Record<string, unknown> {
  const project = {
    id: 15, name: 'Diaspora', description: '', web_url: 'http://gitlab.example.com/mike/diaspora', avatar_url: null,
    git_ssh_url: 'git@gitlab.example.com:mike/diaspora.git', git_http_url: 'http://gitlab.example.com/mike/diaspora.git',
    namespace: 'Mike', visibility_level: 0, path_with_namespace: 'mike/diaspora', default_branch: 'main', ci_config_path: null,
    homepage: 'http://gitlab.example.com/mike/diaspora', url: 'git@gitlab.example.com:mike/diaspora.git',
  };
  return {
    object_kind: opts.tag ? 'tag_push' : 'push',
    event_name: opts.tag ? 'tag_push' : 'push',
    before: opts.before ?? '95790bf891e76fee5e1747ab589903a6a1f80f22',
    after: head?.sha ?? ZERO,
    ref,
    ref_protected: true,
    checkout_sha: head?.sha ?? null,
    message: null,
    user_id: 4,
    user_name: 'John Smith',
    user_username: 'jsmith',
    user_email: '',
    user_avatar: 'https://s.gravatar.com/avatar/d4c74594d841139328695756648b6bd6?s=8://s.gravatar.com/avatar/d4c74594d841139328695756648b6bd6?s=80',
    project_id: 15,
    project,
    repository: { name: 'Diaspora', url: project.url, description: '', homepage: project.homepage, git_http_url: project.git_http_url, git_ssh_url: project.git_ssh_url, visibility_level: 0 },
    commits: head
      ? [
          {
            id: head.sha,
            message: `${head.message}\n`,
            title: head.message,
            timestamp: ts,
            url: `http://gitlab.example.com/mike/diaspora/commit/${head.sha}`,
            author: { name: head.name ?? 'GitLab dev user', email: head.email ?? 'gitlabdev@dv6700.(none)' },
            added: [],
            modified: ['VERSION'],
            removed: [],
          },
        ]
      : [],
    total_commits_count: head ? 1 : 0,
    push_options: {},
  };
}

/** GitLab: the secret token itself in X-Gitlab-Token. */
export function gitlabDelivery(event: string, payload: unknown, token: string, opts: { deliveryId?: string } = {}): Delivery {
  return {
    body: JSON.stringify(payload),
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitLab/17.6.0',
      'x-gitlab-event': event,
      'x-gitlab-token': token,
      'x-gitlab-instance': 'https://gitlab.example.com',
      'x-gitlab-webhook-uuid': '2c1cb41b-7a2e-4b2b-8d68-8f0f4c3c1a2f',
      'x-gitlab-event-uuid': opts.deliveryId ?? randomUUID(),
    },
  };
}

export function bitbucketPushPayload(changes: { type: 'branch' | 'tag'; name: string; head: Commit | null; old?: string }[]): Record<string, unknown> {
  const actor = { display_name: 'Emma', uuid: '{a54f16da-24e9-4d7f-a3a7-b1ba2cd98aa3}', type: 'user', nickname: 'emma', account_id: '557058:c0b72ad0-1cb5-4018-9cdc-0cde8492c443' };
  const repository = { type: 'repository', full_name: 'team_name/repo_name', name: 'repo_name', uuid: '{9a5a2f14-6c63-4e37-8cda-d64d2fa2c3a9}', is_private: true, scm: 'git', owner: actor };
  const ref = (type: string, name: string, hash: string, message: string, author: string) => ({
    type,
    name,
    target: {
      type: 'commit', hash, message, date: ts,
      author: { type: 'author', raw: author, user: actor },
      parents: [{ type: 'commit', hash: '1e65c05c1d5171631d92438a13901ca7dae9618c' }],
      summary: { type: 'rendered', raw: message, markup: 'markdown', html: `<p>${message}</p>` },
    },
    ...(type === 'branch' ? { merge_strategies: ['merge_commit', 'squash', 'fast_forward'], default_merge_strategy: 'merge_commit' } : {}),
  });
  return {
    push: {
      changes: changes.map((c) => ({
        old: c.old ? ref(c.type, c.name, c.old, 'previous', 'Emma <emma@example.com>') : null,
        new: c.head ? ref(c.type, c.name, c.head.sha, `${c.head.message}\n`, `${c.head.name ?? 'Emma'} <${c.head.email ?? 'emma@example.com'}>`) : null,
        truncated: false,
        created: !c.old,
        forced: false,
        closed: !c.head,
        commits: c.head ? [{ type: 'commit', hash: c.head.sha, message: `${c.head.message}\n` }] : [],
      })),
    },
    actor,
    repository,
  };
}

/** Bitbucket Cloud: `X-Hub-Signature: sha256=<hex HMAC>` with the webhook's secret. */
export function bitbucketDelivery(event: string, payload: unknown, secret: string, opts: { deliveryId?: string } = {}): Delivery {
  const body = JSON.stringify(payload);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Bitbucket-Webhooks/2.0',
      'x-event-key': event,
      'x-hook-uuid': '{cb5ef1dd-3dfc-41f8-8a2c-4dd5b4a6c0bf}',
      'x-request-uuid': opts.deliveryId ?? randomUUID(),
      'x-attempt-number': '1',
      'x-hub-signature': `sha256=${hmac(secret, body)}`,
    },
  };
}

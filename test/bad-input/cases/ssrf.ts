import type { BadInputCase, CaseRequest } from '../case.js';
import type { World } from '../world.js';

/**
 * Issue 17 item 5: URLs the control plane itself requests (notification channels, repository
 * mirrors) are refused when they resolve to loopback, private or link-local addresses (this world
 * allows no internal host), no request reaches the local receiver, and only maintainers make the
 * first fetch of a repository URL.
 */
const INTERNAL = /a loopback, private or link-local address; an admin can allow it with DEVFLOW_ALLOWED_INTERNAL_HOSTS$/;
const notification = (channel: Record<string, unknown>) => (): CaseRequest => ({
  method: 'POST',
  path: '/api/projects/shop/notifications',
  json: { name: 'ssrf', channel, rules: [{ events: ['deployment.failed'] }] },
});
const receiverPort = (w: World) => new URL(w.receiver.url).port;

export const cases: BadInputCase[] = [
  {
    name: 'a Slack channel aimed at the control plane host (127.0.0.1) is refused and nothing is sent',
    who: 'maintainer',
    request: (w) => notification({ type: 'slack', webhookUrl: `${w.receiver.url}/services/T/B/x` })(),
    status: 400,
    message: new RegExp(`^channel url: 127\\.0\\.0\\.1, ${INTERNAL.source}`),
  },
  {
    name: 'a Discord channel at localhost is refused after DNS resolution',
    who: 'maintainer',
    request: (w) => notification({ type: 'discord', webhookUrl: `http://localhost:${receiverPort(w)}/api/users` })(),
    status: 400,
    message: new RegExp(`^channel url: localhost resolves to (127\\.0\\.0\\.1|::1), ${INTERNAL.source}`),
  },
  {
    name: 'a webhook channel at the cloud metadata address (link-local) is refused',
    who: 'maintainer',
    request: notification({ type: 'webhook', url: 'http://169.254.169.254/latest/meta-data/', secret: 'a-signing-secret-of-some-length' }),
    status: 400,
    message: /^channel url: 169\.254\.169\.254, a loopback, private or link-local address/,
  },
  {
    name: 'an SMS provider URL in a private range (IPv4-mapped IPv6 spelling) is refused',
    who: 'maintainer',
    request: notification({ type: 'sms', url: 'http://[::ffff:10.0.0.7]/send', to: ['+15550100'], body: { text: '{{message}}' } }),
    status: 400,
    message: /^channel url: ::ffff:a00:7 resolves to 10\.0\.0\.7, a loopback, private or link-local address/,
  },
  {
    name: 'a project whose repository URL is on the control plane host is refused before git runs',
    who: 'maintainer',
    request: (w) => ({ method: 'POST', path: '/api/projects', json: { name: 'ssrf-repo', repositoryUrl: `http://127.0.0.1:${receiverPort(w)}/repo.git` } }),
    status: 400,
    message: new RegExp(`^repositoryUrl: 127\\.0\\.0\\.1, ${INTERNAL.source}`),
  },
  {
    name: 'changing a repository URL to a private ssh host is refused',
    who: 'maintainer',
    request: () => ({ method: 'PATCH', path: '/api/projects/shop', json: { repositoryUrl: 'ssh://git@10.20.30.40/team/app.git' } }),
    status: 400,
    message: /^repositoryUrl: 10\.20\.30\.40, a loopback, private or link-local address/,
  },
  {
    name: 'a viewer cannot make the first fetch of a new repository URL through /branches',
    who: 'viewer',
    setup: async (w) => {
      if ((await w.as.admin.call('GET', '/api/projects/unfetched')).status === 200) return;
      const res = await w.as.admin.call('POST', '/api/projects', { name: 'unfetched', repositoryUrl: w.repo.dir });
      if (res.status !== 201) throw new Error(`create project: ${res.status} ${JSON.stringify(res.body)}`);
    },
    request: () => ({ method: 'GET', path: '/api/projects/unfetched/branches' }),
    status: 403,
    message: /^the project's repository URL was not fetched yet: a maintainer \(or a deployment\) fetches a new URL first$/,
  },
  {
    name: 'nor through /commits',
    who: 'deployer',
    request: () => ({ method: 'GET', path: '/api/projects/unfetched/commits' }),
    status: 403,
    message: /^the project's repository URL was not fetched yet/,
  },
];

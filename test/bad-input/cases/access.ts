import { Api, waitFinal } from '../../helpers/api.js';
import { freePort } from '../../helpers/net.js';
import type { BadInputCase } from '../case.js';
import type { World } from '../world.js';

/**
 * Issue 17 items 6, 7, 9 and 10, issue 18 item 6: rollbacks only to a release that is not already
 * live, the deploy lock for rollbacks and overrides (maintainer + reason), the password policy and
 * user admin guards, and the small input checks. The rollback and lock cases use their own
 * environment `access` (deployed once in setup, then locked), so `production` stays free for the
 * other areas.
 */
const ENV = 'access';
const envPath = (w: World) => `/api/projects/${w.project.name}/environments/${ENV}`;
let liveDeployment: string | null = null;

/** The `access` environment with one live deployment (made once). */
async function liveAccessEnv(w: World): Promise<string> {
  if (liveDeployment) return liveDeployment;
  const admin = w.as.admin as Api;
  const env = await admin.call('POST', `/api/projects/${w.project.name}/environments`, { name: ENV, branch: 'main', port: await freePort(), serverIds: [w.agent.id] });
  if (env.status !== 201) throw new Error(`create ${ENV}: ${env.status} ${JSON.stringify(env.body)}`);
  const dep = await admin.call<{ deployment: { id: string } }>('POST', `${envPath(w)}/deployments`, {});
  if (dep.status !== 201) throw new Error(`deploy ${ENV}: ${dep.status} ${JSON.stringify(dep.body)}`);
  const done = await waitFinal(admin, dep.body.deployment.id, 120_000);
  if (done.status !== 'succeeded') throw new Error(`deploy ${ENV} ended ${done.status}: ${done.reason}`);
  liveDeployment = done.id;
  return done.id;
}

async function lockedAccessEnv(w: World): Promise<void> {
  await liveAccessEnv(w);
  const env = await (w.as.admin as Api).call<{ environment: { lock: unknown } }>('GET', envPath(w));
  if (env.body.environment.lock) return;
  const locked = await (w.as.maintainer as Api).call('POST', `${envPath(w)}/lock`, { reason: 'bad-input lock' });
  if (locked.status !== 200) throw new Error(`lock: ${locked.status} ${JSON.stringify(locked.body)}`);
}

export const cases: BadInputCase[] = [
  {
    name: 'a rollback to the release already live is refused up front with "already live" (no deployment)',
    who: 'deployer',
    setup: async (w) => void (await liveAccessEnv(w)),
    request: async (w) => ({ method: 'POST', path: `${envPath(w)}/rollback`, json: { toDeploymentId: await liveAccessEnv(w) } }),
    status: 409,
    message: /^release \S+ \(deployment dep_\S+\) is already live on every server of "access"; nothing to roll back$/,
  },
  {
    name: 'a text log download with a bad after cursor gets 400',
    who: 'viewer',
    setup: async (w) => void (await liveAccessEnv(w)),
    request: async (w) => ({ method: 'GET', path: `/api/deployments/${await liveAccessEnv(w)}/logs?format=text&after=not-a-cursor` }),
    status: 400,
    message: /not a log cursor/,
  },
  {
    name: 'a rollback on a locked environment without force gets 409 naming the lock',
    who: 'deployer',
    setup: lockedAccessEnv,
    request: (w) => ({ method: 'POST', path: `${envPath(w)}/rollback`, json: {} }),
    status: 409,
    message: /^environment "access" is locked by maintainer@bad-input\.local since .*: bad-input lock; roll back with force and a reason to override \(admin, maintainer\)$/,
  },
  {
    name: 'a deployer forcing a rollback past the lock gets 403 naming the lock owner',
    who: 'deployer',
    setup: lockedAccessEnv,
    request: (w) => ({ method: 'POST', path: `${envPath(w)}/rollback`, json: { force: true, forceReason: 'in a hurry' } }),
    status: 403,
    message: /overriding a deploy lock needs one of the roles admin, maintainer \(you are deployer\): ask maintainer@bad-input\.local to unlock it$/,
  },
  {
    name: 'a deployer forcing a deployment past the lock gets 403',
    who: 'deployer',
    setup: lockedAccessEnv,
    request: (w) => ({ method: 'POST', path: `${envPath(w)}/deployments`, json: { force: true, forceReason: 'in a hurry' } }),
    status: 403,
    message: /overriding a deploy lock needs one of the roles admin, maintainer \(you are deployer\)/,
  },
  {
    name: 'a maintainer overriding the lock without a reason gets 400 naming forceReason',
    who: 'maintainer',
    setup: lockedAccessEnv,
    request: (w) => ({ method: 'POST', path: `${envPath(w)}/deployments`, json: { force: true } }),
    status: 400,
    message: /^forceReason: say why you override the lock of maintainer@bad-input\.local \("bad-input lock"\)$/,
  },
  {
    name: 'a user with a password of few different characters gets 400',
    who: 'admin',
    request: () => ({ method: 'POST', path: '/api/users', json: { email: 'weak@bad-input.local', password: 'abababababababab', role: 'viewer' } }),
    status: 400,
    message: /^password: has only 2 different characters; use at least 8$/,
  },
  {
    name: 'a user with a common password (digits appended) gets 400',
    who: 'admin',
    request: () => ({ method: 'POST', path: '/api/users', json: { email: 'weak@bad-input.local', password: 'Password1234!', role: 'viewer' } }),
    status: 400,
    message: /^password: is a common password; choose another$/,
  },
  {
    name: 'a maintainer cannot disable a user (admins only)',
    who: 'maintainer',
    request: async (w) => {
      const { body } = await (w.as.admin as Api).call<{ users: { id: string; email: string }[] }>('GET', '/api/users');
      return { method: 'PATCH', path: `/api/users/${body.users.find((u) => u.email === 'viewer@bad-input.local')?.id}`, json: { disabled: true } };
    },
    status: 403,
    message: /this needs one of the roles: admin/,
  },
  {
    name: 'an admin cannot delete their own account',
    who: 'admin',
    request: async (w) => {
      const { body } = await (w.as.admin as Api).call<{ user: { id: string } }>('GET', '/api/auth/me');
      return { method: 'DELETE', path: `/api/users/${body.user.id}` };
    },
    status: 409,
    message: /^you cannot delete your own account; ask another admin$/,
  },
  {
    name: 'a variable named __proto__ gets 400',
    who: 'maintainer',
    request: (w) => ({ method: 'PUT', path: `/api/projects/${w.project.name}/environments/production/variables`, body: '{"variables":{"__proto__":"x"}}' }),
    status: 400,
    message: /^variables: "__proto__" is not allowed as a variable name$/,
  },
  {
    name: 'an environment on privileged port 80 gets 400',
    who: 'maintainer',
    request: (w) => ({ method: 'PATCH', path: `/api/projects/${w.project.name}/environments/production`, json: { port: 80 } }),
    status: 400,
    message: /^port: port 80 is a privileged port \(1-1023\)/,
  },
  {
    name: "an environment on the control plane's own port gets 400",
    who: 'maintainer',
    request: (w) => ({ method: 'PATCH', path: `/api/projects/${w.project.name}/environments/production`, json: { port: Number(new URL(w.cp.url).port) } }),
    status: 400,
    message: /^port: port \d+ is the control plane's own port; choose another$/,
  },
  {
    name: 'an ssh://-o… repository URL is refused by our own check',
    who: 'admin',
    request: () => ({ method: 'POST', path: '/api/projects', json: { name: 'proxycmd', repositoryUrl: 'ssh://-oProxyCommand=touch%20/tmp/pwned/repo', preset: 'node' } }),
    status: 400,
    message: /^repositoryUrl: must be an https:\/\/, ssh:\/\/, git:\/\/ or file:\/\/ URL/,
  },
  {
    name: 'a notification URL with credentials is refused at save',
    who: 'maintainer',
    request: (w) => ({
      method: 'POST',
      path: `/api/projects/${w.project.name}/notifications`,
      json: { name: 'creds', channel: { type: 'slack', webhookUrl: 'https://user:secret@hooks.slack.com/services/T0/B0/x' }, rules: [{ events: ['deployment.failed'] }] },
    }),
    status: 400,
    message: /^channel\.webhookUrl: must not contain a user name or password/,
  },
];
